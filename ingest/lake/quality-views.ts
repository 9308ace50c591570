/**
 * Lake-wide data quality of collection (归集质量), per source unit and month:
 * - 合规率 compliance = accepted / (accepted + rejected) rows reported by the unit;
 * - 及时率 timeliness = share of accepted 双公示 records (licences, penalties) published within 7
 *   working days of the decision (holiday-adjusted calendar, data/holidays_cn.csv);
 * - 报送率 reporting rate = configured source units that reported in the month / configured units
 *   (data/config/source_units.csv; without it the rate is NULL, not 100 %);
 * - 重错码: one USCC under several names, one name under several USCCs, invalid codes.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { KINDS } from '../schemas/index.ts';
import { ident, lit } from '../pipeline/sql-util.ts';
import { TIMELY_WORKDAYS } from '../pipeline/reference-tables.ts';

export async function createQualityViews(conn: DuckDBConnection, sourceUnitsCsv?: string): Promise<void> {
  const accepted = KINDS.map((k) => `SELECT ${lit(k.kind)} AS kind, source_unit, month FROM ${ident(`records_${k.kind}`)}`).join(' UNION ALL ');
  // A rejected row counts in the month of its own date when that date parsed and is not in the
  // future, else in the month of the run that rejected it.
  await conn.run(`CREATE OR REPLACE VIEW quality_rows AS
    SELECT kind, coalesce(source_unit, '(未填报)') AS source_unit, month, true AS ok FROM (${accepted})
    UNION ALL
    SELECT r.kind, coalesce(r.source_unit, '(未填报)'),
      CASE WHEN r.month <= strftime(i.finished_at, '%Y-%m') THEN r.month ELSE strftime(i.finished_at, '%Y-%m') END, false
    FROM rejects r LEFT JOIN ingest_runs i USING (run_id)`);
  await conn.run(`CREATE OR REPLACE VIEW quality_timeliness AS
    SELECT source_unit, month, count(*) AS published, count(*) FILTER (WHERE c2.workday_no - c1.workday_no <= ${TIMELY_WORKDAYS}) AS timely
    FROM (SELECT source_unit, month, decision_date, publish_date FROM records_license
          UNION ALL SELECT source_unit, month, decision_date, publish_date FROM records_penalty) s
    JOIN ref_calendar c1 ON c1.day = s.decision_date JOIN ref_calendar c2 ON c2.day = s.publish_date
    GROUP BY 1, 2`);
  await conn.run(`CREATE OR REPLACE VIEW quality_by_source AS
    SELECT q.source_unit, q.month, count(*) FILTER (WHERE ok) AS accepted, count(*) FILTER (WHERE NOT ok) AS rejected,
      round(count(*) FILTER (WHERE ok) / count(*), 4) AS compliance,
      any_value(t.published) AS published, round(any_value(t.timely) / nullif(any_value(t.published), 0), 4) AS timeliness
    FROM quality_rows q LEFT JOIN quality_timeliness t USING (source_unit, month)
    GROUP BY 1, 2`);
  await conn.run(`CREATE OR REPLACE TABLE source_units_expected AS ${sourceUnitsCsv
    ? `SELECT code, name FROM read_csv(${lit(sourceUnitsCsv)}, header = true, all_varchar = true)`
    : `SELECT NULL::VARCHAR AS code, NULL::VARCHAR AS name WHERE false`}`);
  await conn.run(`CREATE OR REPLACE VIEW quality_by_month AS
    -- The register and relations are partitioned by registration / start date, not by a reporting
    -- period, so they stay out of the monthly picture (they count in quality_by_source).
    WITH periodic AS (SELECT * FROM quality_rows WHERE kind NOT IN ('subject', 'relation') AND month IS NOT NULL),
    m AS (SELECT month, count(*) FILTER (WHERE ok) AS accepted, count(*) AS rows FROM periodic GROUP BY 1),
    rep AS (SELECT month, count(DISTINCT source_unit) AS reporting FROM periodic
            WHERE ok AND source_unit IN (SELECT name FROM source_units_expected) GROUP BY 1),
    t AS (SELECT month, sum(published) AS published, sum(timely) AS timely FROM quality_timeliness GROUP BY 1)
    SELECT m.month, m.rows, m.accepted, round(m.accepted / m.rows, 4) AS compliance,
      round(t.timely / nullif(t.published, 0), 4) AS timeliness,
      coalesce(rep.reporting, 0) AS reporting_units, (SELECT count(*) FROM source_units_expected) AS expected_units,
      round(coalesce(rep.reporting, 0) / nullif((SELECT count(*) FROM source_units_expected), 0), 4) AS reporting_rate
    FROM m LEFT JOIN rep USING (month) LEFT JOIN t USING (month) ORDER BY m.month`);
  const codes = KINDS.filter((k) => k.subject).map((k) => `SELECT subject_uscc AS uscc, ${ident(k.subject!.name)} AS name, ${lit(k.kind)} AS kind FROM ${ident(`records_${k.kind}`)} WHERE subject_uscc IS NOT NULL`).join(' UNION ALL ');
  await conn.run(`CREATE OR REPLACE VIEW uscc_findings AS
    WITH c AS (${codes})
    SELECT 'one_code_many_names' AS finding, uscc, NULL AS name, count(DISTINCT name) AS n, list(DISTINCT name ORDER BY name)[1:5] AS examples FROM c GROUP BY uscc HAVING count(DISTINCT name) > 1
    UNION ALL
    SELECT 'one_name_many_codes', NULL, name, count(DISTINCT uscc), list(DISTINCT uscc ORDER BY uscc)[1:5] FROM c GROUP BY name HAVING count(DISTINCT uscc) > 1
    UNION ALL
    SELECT 'invalid_code', got, NULL, count(*), list(DISTINCT kind)[1:5] FROM rejects WHERE reason_code LIKE 'CW_USCC_%' GROUP BY got
    UNION ALL
    SELECT 'org_check_flag', uscc, NULL, count(*), list(DISTINCT kind)[1:5] FROM (
      ${KINDS.map((k) => `SELECT subject_uscc AS uscc, ${lit(k.kind)} AS kind FROM ${ident(`records_${k.kind}`)} WHERE list_contains(flags, 'CW_USCC_ORG_CHECK:subject_uscc')`).join(' UNION ALL ')}
    ) GROUP BY uscc`);
}
