/**
 * Step 70: `data_quality`, the 归集质量 of collection per month and source unit, materialised from
 * the lake's quality views (`quality_by_source`, `quality_by_month`, `quality_timeliness`) so the
 * warehouse does not depend on the lake. Months after the as-of month are left out (the views read
 * the whole lake), so an as-of build shows the quality known for its months.
 *
 * Two kinds of rows (column `level`):
 * - 'month': one per month: rows, accepted, rejected, 合规率 compliance, published, timely,
 *   及时率 timeliness, and 报送率 reporting_rate = configured units that reported / configured units
 *   (NULL without `config/source_units.csv`);
 * - 'source_unit': one per month and source unit that sent rows, plus the configured units that
 *   sent nothing in a month of the indicator series (rows 0, reported false), so the units that
 *   did not report are listed.
 * Model: `analytics/docs/city-index.md` (归集质量).
 */
import type { BuildContext, TsStep } from '../build.ts';
import { monthsSql } from './40_indicators.ts';

export function dataQualitySql(): string {
  const toDate = (m: string) => `strptime(${m} || '-01', '%Y-%m-%d')::DATE`;
  const upTo = `<= strftime(cw_as_of(), '%Y-%m')`;
  return `CREATE OR REPLACE TABLE data_quality AS
WITH t AS MATERIALIZED (SELECT source_unit, month, published, timely FROM quality_timeliness WHERE month ${upTo}),
units AS (
  SELECT ${toDate('q.month')} AS month, q.source_unit, q.accepted, q.rejected, q.compliance, q.published, t.timely, q.timeliness
  FROM quality_by_source q LEFT JOIN t USING (source_unit, month)
  WHERE q.month IS NOT NULL AND q.month ${upTo}
),
expected AS (SELECT DISTINCT name FROM source_units_expected WHERE name IS NOT NULL),
silent AS (
  SELECT m.month, e.name AS source_unit FROM _cw_months m CROSS JOIN expected e
  WHERE NOT EXISTS (SELECT 1 FROM units u WHERE u.month = m.month AND u.source_unit = e.name)
),
mt AS (SELECT month, sum(published) AS published, sum(timely) AS timely FROM t GROUP BY month)
SELECT ${toDate('b.month')} AS month, 'month' AS level, NULL::VARCHAR AS source_unit, NULL::BOOLEAN AS expected_unit, NULL::BOOLEAN AS reported,
  b.rows::BIGINT AS rows, b.accepted::BIGINT AS accepted, (b.rows - b.accepted)::BIGINT AS rejected, b.compliance::DOUBLE AS compliance,
  coalesce(mt.published, 0)::BIGINT AS published, coalesce(mt.timely, 0)::BIGINT AS timely, b.timeliness::DOUBLE AS timeliness,
  b.reporting_units::BIGINT AS reporting_units, b.expected_units::BIGINT AS expected_units, b.reporting_rate::DOUBLE AS reporting_rate
FROM quality_by_month b LEFT JOIN mt USING (month)
WHERE b.month ${upTo}
UNION ALL
SELECT u.month, 'source_unit', u.source_unit, u.source_unit IN (SELECT name FROM expected), u.accepted > 0,
  (u.accepted + u.rejected)::BIGINT, u.accepted::BIGINT, u.rejected::BIGINT, u.compliance::DOUBLE,
  coalesce(u.published, 0)::BIGINT, coalesce(u.timely, 0)::BIGINT, u.timeliness::DOUBLE, NULL, NULL, NULL
FROM units u
UNION ALL
SELECT s.month, 'source_unit', s.source_unit, true, false, 0, 0, 0, NULL, 0, 0, NULL, NULL, NULL, NULL
FROM silent s
ORDER BY month, level, source_unit`;
}

const step: TsStep = {
  async run(ctx: BuildContext): Promise<string[]> {
    await ctx.conn.run(monthsSql());
    await ctx.conn.run(dataQualitySql());
    await ctx.conn.run('DROP TABLE IF EXISTS _cw_months');
    return ['data_quality'];
  },
};
export default step;
