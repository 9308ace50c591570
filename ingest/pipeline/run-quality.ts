/**
 * Data quality of one run, per source unit (数据来源单位): rows read, accepted, rejected, 合规率
 * (accepted / read), and 及时率 for the 双公示 kinds (published within 7 working days of the
 * decision). The lake-wide, per-month picture (incl. 报送率 and 重错码) is in lake views.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { queryRows } from '../duck.ts';
import { ident } from './sql-util.ts';
import { TIMELY_WORKDAYS } from './reference-tables.ts';

export interface SourceQuality {
  source_unit: string;
  rows_read: number;
  accepted: number;
  rejected: number;
  compliance: number;
  timely: number | null;
}

export async function runQuality(conn: DuckDBConnection): Promise<{ by_source: SourceQuality[] }> {
  const tables = (await queryRows<{ name: string }>(conn, `SELECT table_name AS name FROM duckdb_tables() WHERE table_name LIKE 'st_%'`)).map((t) => t.name);
  const accepted = tables.map((t) => ['st_license', 'st_penalty'].includes(t)
    // Working days from decision to publication, via the calendar's running workday count.
    ? `SELECT coalesce(s.source_unit, '(未填报)') AS source_unit, 1 AS ok, (c2.workday_no - c1.workday_no) <= ${TIMELY_WORKDAYS} AS timely
       FROM ${ident(t)} s LEFT JOIN ref_calendar c1 ON c1.day = s.decision_date LEFT JOIN ref_calendar c2 ON c2.day = s.publish_date`
    : `SELECT coalesce(source_unit, '(未填报)') AS source_unit, 1 AS ok, NULL::BOOLEAN AS timely FROM ${ident(t)}`);
  const union = [...accepted, `SELECT coalesce(source_unit, '(未填报)'), 0, NULL::BOOLEAN FROM rej`].join(' UNION ALL ');
  const rows = await queryRows<SourceQuality>(conn, `
    SELECT source_unit, count(*) AS rows_read, sum(ok)::BIGINT AS accepted, (count(*) - sum(ok))::BIGINT AS rejected,
      round(sum(ok) / count(*), 4) AS compliance,
      round(avg(timely::INTEGER), 4) AS timely
    FROM (${union}) GROUP BY 1 ORDER BY 1`);
  return { by_source: rows };
}
