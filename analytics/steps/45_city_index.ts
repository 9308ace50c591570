/**
 * Step 45: the city credit index (城市信用指数) and the same index per county, monthly, 0-100,
 * in the spirit of 《城市信用状况监测预警指标（2020年版）》.
 *
 * Writes `city_index` and `county_index` (with the rank of each county per month). Five
 * sub-indexes, each 0-100 from raw inputs by FIXED linear anchors (not re-normalised per month, so
 * months are comparable), combined with fixed weights (sum 100). Every input is evaluated as known
 * at the month's evaluation date (month end, or the as-of date in the as-of month): a build
 * `--as-of` an earlier month end reproduces that month exactly. Model: `analytics/docs/city-index.md`.
 *
 * Reads `county_indicators` (subjects, dishonest subjects), `credit_events`, `subject_dim`, the
 * as-of lake views (commitments, licences, penalties, repairs, objections), `ref_calendar` and the
 * quality view `quality_by_month`.
 */
import type { BuildContext, TsStep } from '../build.ts';
import { lit } from '../../ingest/pipeline/sql-util.ts';
import { TIMELY_WORKDAYS } from '../../ingest/pipeline/reference-tables.ts';
import { blacklistIntervalsSql, cityOf, countedSql, islandDeltasSql, intervalDeltasSql, lastCoveredMi, mi, monthsSql, windowCoverageDeltasSql } from './40_indicators.ts';

/** One raw input of a sub-index: linear from `a0` (0 points) to `a100` (100 points), clamped. */
export interface Anchor { input: string; label: string; weight: number; a0: number; a100: number }

export interface SubIndex { key: 'incentive' | 'governance' | 'supervision' | 'data_quality' | 'rights'; label: string; weight: number; inputs: Anchor[] }

/** The model. Weights of the sub-indexes sum to 100; input weights within a sub-index sum to 1. */
export const CITY_INDEX: readonly SubIndex[] = [
  {
    key: 'incentive', label: '守信激励', weight: 15,
    inputs: [{ input: 'incentive_share', label: '守信激励主体占比（红名单/荣誉或A级纳税人）', weight: 1, a0: 0, a100: 0.1 }],
  },
  {
    key: 'governance', label: '失信治理', weight: 30,
    inputs: [
      { input: 'dishonest_per_10k', label: '每万户失信主体数（越低越好）', weight: 0.6, a0: 300, a100: 20 },
      { input: 'blacklist_exit_rate', label: '近12个月失信记录修复/履行退出率', weight: 0.4, a0: 0, a100: 0.5 },
    ],
  },
  {
    key: 'supervision', label: '信用监管', weight: 25,
    inputs: [
      { input: 'commitment_coverage', label: '近12个月作出信用承诺的主体占比', weight: 0.4, a0: 0, a100: 0.5 },
      { input: 'tax_grade_coverage', label: '有纳税信用等级的主体占比（分级分类覆盖）', weight: 0.3, a0: 0, a100: 0.6 },
      { input: 'publicity_coverage', label: '近12个月有双公示（许可/处罚）记录的主体占比', weight: 0.3, a0: 0, a100: 0.8 },
    ],
  },
  {
    key: 'data_quality', label: '归集质量', weight: 15,
    inputs: [
      { input: 'compliance', label: '合规率', weight: 0.4, a0: 0.8, a100: 1 },
      { input: 'timeliness', label: '及时率（双公示7个工作日内）', weight: 0.3, a0: 0.5, a100: 1 },
      { input: 'reporting_rate', label: '报送率', weight: 0.3, a0: 0.5, a100: 1 },
    ],
  },
  {
    key: 'rights', label: '权益保护', weight: 15,
    inputs: [
      { input: 'repair_handled_rate', label: '信用修复申请办结率', weight: 0.25, a0: 0.5, a100: 1 },
      { input: 'repair_avg_days', label: '信用修复平均办结天数（越少越好）', weight: 0.25, a0: 30, a100: 7 },
      { input: 'objection_handled_rate', label: '异议申请办结率', weight: 0.25, a0: 0.5, a100: 1 },
      { input: 'objection_avg_days', label: '异议平均办结天数（越少越好）', weight: 0.25, a0: 30, a100: 7 },
    ],
  },
];

/** Score of one input: 100 * clamp((x - a0) / (a100 - a0), 0, 1); NULL when x is NULL. */
export function anchorScore(a: Anchor, x: number | null): number | null {
  if (x === null) return null;
  return 100 * Math.min(1, Math.max(0, (x - a.a0) / (a.a100 - a.a0)));
}

/** Weighted mean of the parts that are not NULL (weights renormalised); NULL when none is. */
export function weightedMean(parts: { weight: number; value: number | null }[]): number | null {
  const have = parts.filter((p) => p.value !== null);
  const w = have.reduce((s, p) => s + p.weight, 0);
  return have.length ? have.reduce((s, p) => s + p.weight * p.value!, 0) / w : null;
}

// (least/greatest skip NULLs in DuckDB: the CASE keeps a missing input missing)
const anchorSql = (a: Anchor) => `CASE WHEN ${a.input} IS NOT NULL THEN 100 * least(1.0, greatest(0.0, (${a.input} - ${a.a0}) / (${a.a100} - ${a.a0}))) END`;
const weightedSql = (parts: { weight: number; expr: string }[]) =>
  `(${parts.map((p) => `coalesce(${p.weight} * ${p.expr}, 0)`).join(' + ')}) / nullif(${parts.map((p) => `CASE WHEN ${p.expr} IS NULL THEN 0 ELSE ${p.weight} END`).join(' + ')}, 0)`;

/** Raw inputs per (county, month): long facts, then pivot, running sums and 12-month sums. */
export function indexInputsSql(): string[] {
  const counted = countedSql('s');
  const firstMi = '(SELECT any_value(first_mi) FROM _cw_months)';
  const lastMi = '(SELECT any_value(last_mi) FROM _cw_months)';
  const long = `CREATE OR REPLACE TEMP TABLE _cw_idx_long AS
WITH
-- tax grades in force: from the evaluation date until the next year's evaluation
tax AS (
  SELECT subject_key, detail AS grade, event_date AS start_d,
    least(lead(event_date) OVER (PARTITION BY subject_key ORDER BY TRY_CAST(ref AS INTEGER), event_date) - 1, revoked_date - 1) AS last_d
  FROM credit_events WHERE category = 'tax_grade'
),
honor AS (
  SELECT subject_key, event_date AS start_d, least(ends, revoked_date - 1, repaired_date - 1) AS last_d
  FROM credit_events WHERE category = 'honor'
),
red AS (
  SELECT subject_key, ${mi('start_d')} AS from_mi, ${lastCoveredMi('last_d')} AS to_mi FROM honor
  UNION ALL
  SELECT subject_key, ${mi('start_d')}, ${lastCoveredMi('last_d')} FROM tax WHERE grade = 'A'
),
repair_app AS (
  SELECT subject_key, repair_no, min(apply_date) AS apply_d,
    min(done_date) FILTER (WHERE result IN ('修复完成', '不予修复') AND done_date <= cw_as_of()) AS decided_d,
    min(done_date) FILTER (WHERE result = '修复完成' AND done_date <= cw_as_of()) AS done_d
  FROM asof_repair GROUP BY ALL
),
objection_app AS (
  SELECT subject_key, objection_no, min(apply_date) AS apply_d,
    min(done_date) FILTER (WHERE result IN ('更正', '撤销', '维持') AND done_date <= cw_as_of()) AS decided_d
  FROM asof_objection GROUP BY ALL
),
facts AS (
  SELECT * FROM ${islandDeltasSql('SELECT subject_key, from_mi, to_mi FROM red', 'incentive_subjects')}
  UNION ALL
  SELECT * FROM ${islandDeltasSql(`SELECT subject_key, ${mi('start_d')} AS from_mi, ${lastCoveredMi('last_d')} AS to_mi FROM tax`, 'tax_graded_subjects')}
  UNION ALL
  -- blacklist records in force at month end, and exits by repair or performance
  SELECT * FROM ${intervalDeltasSql('SELECT subject_key, start_mi AS from_mi, to_mi FROM _cw_black', 'blacklist_in_force')}
  UNION ALL
  SELECT subject_key, ${mi('exit_d')}, 'blacklist_exits', 1.0 FROM _cw_black WHERE exit_d IS NOT NULL
  UNION ALL
  -- applications filed in the 12 months before this one (one month's grace), and those decided by month end
  SELECT * FROM ${intervalDeltasSql(`SELECT subject_key, ${mi('apply_d')} + 1 AS from_mi, ${mi('apply_d')} + 12 AS to_mi FROM repair_app`, 'repair_apps_12m')}
  UNION ALL
  SELECT * FROM ${intervalDeltasSql(`SELECT subject_key, greatest(${mi('apply_d')} + 1, ${mi('decided_d')}) AS from_mi, ${mi('apply_d')} + 12 AS to_mi
    FROM repair_app WHERE decided_d IS NOT NULL`, 'repair_decided_12m')}
  UNION ALL
  SELECT * FROM ${intervalDeltasSql(`SELECT subject_key, ${mi('apply_d')} + 1 AS from_mi, ${mi('apply_d')} + 12 AS to_mi FROM objection_app`, 'objection_apps_12m')}
  UNION ALL
  SELECT * FROM ${intervalDeltasSql(`SELECT subject_key, greatest(${mi('apply_d')} + 1, ${mi('decided_d')}) AS from_mi, ${mi('apply_d')} + 12 AS to_mi
    FROM objection_app WHERE decided_d IS NOT NULL`, 'objection_handled_12m')}
  UNION ALL
  -- completed repairs / handled objections and their days, in the month of completion
  SELECT subject_key, ${mi('done_d')}, 'repairs_done', 1.0 FROM repair_app WHERE done_d IS NOT NULL
  UNION ALL
  SELECT subject_key, ${mi('done_d')}, 'repair_days', (done_d - apply_d)::DOUBLE FROM repair_app WHERE done_d IS NOT NULL
  UNION ALL
  SELECT subject_key, ${mi('decided_d')}, 'objections_done', 1.0 FROM objection_app WHERE decided_d IS NOT NULL
  UNION ALL
  SELECT subject_key, ${mi('decided_d')}, 'objection_days', (decided_d - apply_d)::DOUBLE FROM objection_app WHERE decided_d IS NOT NULL
  UNION ALL
  -- 及时率 of the county's 双公示 records (decision month), as in the quality view
  SELECT s.subject_key, ${mi('s.decision_date')}, CASE WHEN c2.workday_no - c1.workday_no <= ${TIMELY_WORKDAYS} THEN 'timely' ELSE 'late' END, 1.0
  FROM (SELECT subject_key, decision_date, publish_date FROM asof_license UNION ALL SELECT subject_key, decision_date, publish_date FROM asof_penalty) s
  JOIN ref_calendar c1 ON c1.day = s.decision_date JOIN ref_calendar c2 ON c2.day = s.publish_date
)
SELECT county_code, mi, measure, sum(val) AS val FROM (
  SELECT s.county_code, f.mi, f.measure, f.val FROM facts f JOIN subject_dim s ON s.subject_key = f.subject_key AND ${counted}
  UNION ALL
  -- subjects with a commitment made / a 双公示 record decided in the last 12 months
  SELECT * FROM ${windowCoverageDeltasSql(`SELECT subject_key, ${mi('commit_date')} AS m FROM asof_commitment`, 'commitment_subjects_12m')}
  UNION ALL
  SELECT * FROM ${windowCoverageDeltasSql(`SELECT subject_key, ${mi('decision_date')} AS m FROM asof_license
    UNION ALL SELECT subject_key, ${mi('decision_date')} FROM asof_penalty`, 'publicity_subjects_12m')}
)
WHERE mi BETWEEN ${firstMi} AND ${lastMi}
GROUP BY ALL`;

  const running = ['incentive_subjects', 'tax_graded_subjects', 'commitment_subjects_12m', 'publicity_subjects_12m', 'blacklist_in_force',
    'repair_apps_12m', 'repair_decided_12m', 'objection_apps_12m', 'objection_handled_12m'];
  const rolling = ['blacklist_exits', 'repairs_done', 'repair_days', 'objections_done', 'objection_days'];
  const monthly = ['timely', 'late'];
  const v = (m: string) => `coalesce(sum(val) FILTER (WHERE measure = ${lit(m)}), 0)`;
  const inputs = `CREATE OR REPLACE TEMP TABLE _cw_idx_inputs AS
WITH counties AS (SELECT DISTINCT county_code FROM subject_dim),
p AS (SELECT county_code, mi, ${[...running, ...rolling, ...monthly].map((m) => `${v(m)} AS ${m}`).join(', ')} FROM _cw_idx_long GROUP BY ALL),
dense AS (
  SELECT c.county_code, m.mi,
    ${running.map((m) => `sum(coalesce(p.${m}, 0)) OVER w AS ${m}`).join(',\n    ')},
    ${rolling.map((m) => `sum(coalesce(p.${m}, 0)) OVER w12 AS ${m}_12m`).join(',\n    ')},
    ${monthly.map((m) => `coalesce(p.${m}, 0) AS ${m}`).join(', ')}
  FROM counties c CROSS JOIN _cw_months m
  LEFT JOIN p ON p.county_code IS NOT DISTINCT FROM c.county_code AND p.mi = m.mi
  WINDOW w AS (PARTITION BY c.county_code ORDER BY m.mi ROWS UNBOUNDED PRECEDING),
    w12 AS (PARTITION BY c.county_code ORDER BY m.mi ROWS BETWEEN 11 PRECEDING AND CURRENT ROW)
)
SELECT grouping(county_code) = 1 AS is_city, county_code, mi,
  ${[...running, ...rolling.map((m) => `${m}_12m`), ...monthly].map((m) => `sum(${m})::DOUBLE AS ${m}`).join(', ')}
FROM dense GROUP BY GROUPING SETS ((mi), (mi, county_code))`;
  return [long, inputs];
}

/** Final tables: inputs -> rates -> anchored scores -> sub-indexes -> index, trends and ranks. */
export function indexTablesSql(city: { code: string; name: string }): string[] {
  const subCols = CITY_INDEX.map((si) => `round(${weightedSql(si.inputs.map((a) => ({ weight: a.weight, expr: anchorSql(a) })))}, 2)::DOUBLE AS idx_${si.key}`);
  const indexExpr = `round(${weightedSql(CITY_INDEX.map((si) => ({ weight: si.weight, expr: `idx_${si.key}` })))}, 2)::DOUBLE`;
  const missing = `nullif(concat_ws('、', ${CITY_INDEX.map((si) => `CASE WHEN idx_${si.key} IS NULL THEN ${lit(si.label)} END`).join(', ')}), '')`;
  const rate = (a: string, b: string) => `${a} / nullif(${b}, 0)`;
  const base = `WITH q AS (
  -- city-wide 归集质量 from the quality views ('YYYY-MM' months)
  SELECT CAST(left(month, 4) AS INTEGER) * 12 + CAST(substr(month, 6, 2) AS INTEGER) - 1 AS mi, compliance, timeliness, reporting_rate
  FROM quality_by_month WHERE month IS NOT NULL AND month <= strftime(cw_as_of(), '%Y-%m')
),
r AS (
  SELECT m.month, m.mi, m.ev, m.first_mi, m.last_mi, i.is_city,
    CASE WHEN i.is_city THEN ${lit(city.code)} ELSE i.county_code END AS county_code,
    CASE WHEN i.is_city THEN ${lit(city.name)} ELSE c.name END AS county_name,
    least(12, m.mi - m.first_mi + 1)::INTEGER AS window_months,
    m.mi = m.last_mi AND m.ev < last_day(m.month) AS partial_month,
    k.subjects, k.dishonest_subjects,
    i.incentive_subjects, ${rate('i.incentive_subjects', 'k.subjects')} AS incentive_share,
    k.dishonest_subjects * 10000.0 / nullif(k.subjects, 0) AS dishonest_per_10k,
    i.blacklist_in_force, i.blacklist_exits_12m, ${rate('i.blacklist_exits_12m', 'i.blacklist_exits_12m + i.blacklist_in_force')} AS blacklist_exit_rate,
    i.commitment_subjects_12m, ${rate('i.commitment_subjects_12m', 'k.subjects')} AS commitment_coverage,
    i.tax_graded_subjects, ${rate('i.tax_graded_subjects', 'k.subjects')} AS tax_grade_coverage,
    i.publicity_subjects_12m, ${rate('i.publicity_subjects_12m', 'k.subjects')} AS publicity_coverage,
    q.compliance::DOUBLE AS compliance,
    CASE WHEN i.is_city THEN q.timeliness::DOUBLE ELSE ${rate('i.timely', 'i.timely + i.late')} END AS timeliness,
    i.timely + i.late AS published,
    q.reporting_rate::DOUBLE AS reporting_rate,
    i.repair_apps_12m, i.repair_decided_12m, ${rate('i.repair_decided_12m', 'i.repair_apps_12m')} AS repair_handled_rate,
    i.repairs_done_12m, ${rate('i.repair_days_12m', 'i.repairs_done_12m')} AS repair_avg_days,
    i.objection_apps_12m, i.objection_handled_12m, ${rate('i.objection_handled_12m', 'i.objection_apps_12m')} AS objection_handled_rate,
    i.objections_done_12m, ${rate('i.objection_days_12m', 'i.objections_done_12m')} AS objection_avg_days
  FROM _cw_idx_inputs i
  JOIN _cw_months m USING (mi)
  LEFT JOIN ref_county c ON c.code = i.county_code
  LEFT JOIN county_indicators k ON k.month = m.month AND k.is_city = i.is_city AND (i.is_city OR k.county_code = i.county_code)
  LEFT JOIN q ON q.mi = m.mi
),
s AS (SELECT *, ${subCols.join(',\n  ')} FROM r),
x AS (SELECT *, ${indexExpr} AS index_value, ${missing} AS missing_parts FROM s)
SELECT x.*,
  round(index_value - lag(index_value) OVER (PARTITION BY county_code ORDER BY mi), 2)::DOUBLE AS mom_change,
  round(index_value - lag(index_value, 12) OVER (PARTITION BY county_code ORDER BY mi), 2)::DOUBLE AS yoy_change
FROM x`;
  const outCols = (extra: string) => `month, ${extra}index_value, ${CITY_INDEX.map((si) => `idx_${si.key}`).join(', ')}, mom_change, yoy_change, missing_parts,
  window_months, partial_month, subjects, incentive_subjects, round(incentive_share, 4)::DOUBLE AS incentive_share,
  dishonest_subjects, round(dishonest_per_10k, 2)::DOUBLE AS dishonest_per_10k,
  blacklist_in_force::BIGINT AS blacklist_in_force, blacklist_exits_12m::BIGINT AS blacklist_exits_12m, round(blacklist_exit_rate, 4)::DOUBLE AS blacklist_exit_rate,
  commitment_subjects_12m::BIGINT AS commitment_subjects_12m, round(commitment_coverage, 4)::DOUBLE AS commitment_coverage,
  tax_graded_subjects::BIGINT AS tax_graded_subjects, round(tax_grade_coverage, 4)::DOUBLE AS tax_grade_coverage,
  publicity_subjects_12m::BIGINT AS publicity_subjects_12m, round(publicity_coverage, 4)::DOUBLE AS publicity_coverage,
  round(compliance, 4)::DOUBLE AS compliance, round(timeliness, 4)::DOUBLE AS timeliness, round(reporting_rate, 4)::DOUBLE AS reporting_rate,
  repair_apps_12m::BIGINT AS repair_apps_12m, repair_decided_12m::BIGINT AS repair_decided_12m, round(repair_handled_rate, 4)::DOUBLE AS repair_handled_rate,
  repairs_done_12m::BIGINT AS repairs_done_12m, round(repair_avg_days, 2)::DOUBLE AS repair_avg_days,
  objection_apps_12m::BIGINT AS objection_apps_12m, objection_handled_12m::BIGINT AS objection_handled_12m,
  round(objection_handled_rate, 4)::DOUBLE AS objection_handled_rate, objections_done_12m::BIGINT AS objections_done_12m,
  round(objection_avg_days, 2)::DOUBLE AS objection_avg_days`;
  return [
    `CREATE OR REPLACE TEMP TABLE _cw_idx AS ${base}`,
    `CREATE OR REPLACE TABLE city_index AS SELECT ${outCols('')} FROM _cw_idx WHERE is_city ORDER BY month`,
    `CREATE OR REPLACE TABLE county_index AS
SELECT ${outCols(`county_code, county_name,
  (rank() OVER (PARTITION BY month ORDER BY index_value DESC NULLS LAST))::INTEGER AS rank,
  (count(index_value) OVER (PARTITION BY month))::INTEGER AS ranked_counties, `)}
FROM _cw_idx WHERE NOT is_city ORDER BY month, rank, county_code`,
  ];
}

const step: TsStep = {
  async run(ctx: BuildContext): Promise<string[]> {
    const city = await cityOf(ctx.conn);
    for (const s of [monthsSql(), blacklistIntervalsSql(), ...indexInputsSql(), ...indexTablesSql(city)]) await ctx.conn.run(s);
    for (const t of ['_cw_months', '_cw_black', '_cw_idx_long', '_cw_idx_inputs', '_cw_idx']) await ctx.conn.run(`DROP TABLE IF EXISTS ${t}`);
    return ['city_index', 'county_index'];
  },
};
export default step;
