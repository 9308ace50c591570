/**
 * Reference tables the validation and quality SQL join to: GB/T 2260 county codes, GB/T 4754
 * divisions, and the working-day calendar (weekends, statutory holidays and 调休 workdays from
 * data/holidays_cn.csv; years not in the file fall back to plain weekends).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { industryDivisions, nationalCountyCodes, REFERENCE_DIR } from '../reference/index.ts';
import { lit } from './sql-util.ts';

/** 双公示 records count as timely (及时率) when published within this many working days of the decision. */
export const TIMELY_WORKDAYS = 7;

export async function loadReferenceTables(conn: DuckDBConnection): Promise<void> {
  const counties = [...nationalCountyCodes()].map(([code, name]) => `(${lit(code)}, ${lit(name)})`).join(',');
  await conn.run(`CREATE OR REPLACE TABLE ref_county AS SELECT * FROM (VALUES ${counties}) t(code, name)`);
  const divs = industryDivisions().map((d) => `(${lit(d.section)}, ${lit(d.sectionName)}, ${lit(d.division)}, ${lit(d.divisionName)})`).join(',');
  await conn.run(`CREATE OR REPLACE TABLE ref_industry AS SELECT * FROM (VALUES ${divs}) t(section, section_name, division, division_name)`);
  await createCalendar(conn);
}

/** `ref_calendar(day, is_workday, workday_no)`: workday_no counts working days since 2000-01-01. */
export async function createCalendar(conn: DuckDBConnection): Promise<void> {
  await conn.run(`CREATE OR REPLACE TABLE ref_calendar AS
    WITH days AS (SELECT CAST(d AS DATE) AS day FROM range(DATE '2000-01-01', DATE '2036-01-01', INTERVAL 1 DAY) t(d)),
    hol AS (SELECT CAST(date AS DATE) AS day, type FROM read_csv(${lit(REFERENCE_DIR + 'holidays_cn.csv')}, header = true, all_varchar = true))
    SELECT day,
      CASE WHEN hol.type = 'holiday' THEN false WHEN hol.type = 'workday' THEN true ELSE isodow(day) <= 5 END AS is_workday
    FROM days LEFT JOIN hol USING (day)`);
  await conn.run(`CREATE OR REPLACE TABLE ref_calendar AS
    SELECT day, is_workday, sum(is_workday::INTEGER) OVER (ORDER BY day) AS workday_no FROM ref_calendar ORDER BY day`);
}
