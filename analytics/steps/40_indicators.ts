/**
 * Step 40: monthly credit indicators for the city, each county, each industry (GB/T 4754 section
 * and division) and each county x industry cell.
 *
 * Writes `county_indicators` (the counties plus one city-total row per month, `is_city`),
 * `industry_indicators` (level 'section' | 'division') and `county_industry_indicators`
 * (level 'section' | 'division'). Model, units and reasons: `analytics/docs/indicators.md`.
 *
 * Every monthly value is what was known at the month's evaluation date `ev` = the month's last day
 * (the as-of date for the as-of month): records dated on or before `ev`, repairs, objections,
 * performance and expiry that happened on or before `ev`. Later repairs and revocations do not
 * restate earlier months, so a build `--as-of` an earlier month end reproduces that month.
 *
 * Set-based throughout: facts are aggregated once per (finest cell = county x division, month);
 * stocks (subjects, dishonest subjects) come from +1/-1 deltas summed over a dense month series;
 * the other levels are GROUPING SETS sums of the finest cells (a subject is in exactly one cell,
 * so distinct-subject counts add up).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { BuildContext, TsStep } from '../build.ts';
import { queryRows } from '../../ingest/duck.ts';
import { lit } from '../../ingest/pipeline/sql-util.ts';
import { DEFAULT_CITY, seedDivisions } from '../../ingest/reference/index.ts';

/** Longest history the monthly series covers, in months (9 years; with the 11 months before it, fits a 127-bit mask). */
export const MAX_HISTORY_MONTHS = 108;

/** Statuses that take a subject out of the register count. */
export const GONE_STATUSES = ['注销', '吊销'] as const;

/** Trend changes on a base below minBase, or in a cell of fewer than minSubjects subjects, are flagged. */
export const SMALL_COUNT = { minBase: 5, minSubjects: 30 } as const;

/**
 * Risk index: components, weights (sum 100), shrinkage strength k (in the unit of the
 * component's denominator) and the floor of the normalising scale.
 */
export const RISK = {
  dishonest: { weight: 40, k: 200, floor: 1 }, // dishonest subjects per 10k subjects; n = subjects
  penalty: { weight: 30, k: 200, floor: 1 }, // penalties per 1k subjects per year (last 12 months, annualised); n = subjects
  commitment: { weight: 15, k: 20, floor: 0.01 }, // commitment breaches / commitments, last 12 months; n = commitments
  contract: { weight: 15, k: 20, floor: 0.01 }, // breached / signed contracts, last 12 months; n = contracts
  /** Quantile of the county-level values (all counties, months up to the row's month) used as the scale s; r = x / (x + s). */
  scaleQuantile: 0.5,
} as const;

/** Focus-list approximation: the N-th fined penalty within 12 months is an entry (mirrors scoring.json watchlists). */
export function focusMinFinedPenalties(): number {
  const file = fileURLToPath(new URL('../scoring.json', import.meta.url));
  try {
    if (existsSync(file)) {
      const n = (JSON.parse(readFileSync(file, 'utf8')) as { watchlists?: { focus_min_fined_penalties?: unknown } }).watchlists?.focus_min_fined_penalties;
      if (typeof n === 'number' && Number.isInteger(n) && n >= 1) return n;
    }
  } catch {
    // fall through to the default
  }
  return 2;
}

/** The prefecture-level city the register belongs to: the most common 4-digit prefix of county codes. */
export async function cityOf(conn: DuckDBConnection): Promise<{ code: string; name: string }> {
  const rows = await queryRows<{ code: string }>(conn, `SELECT left(county_code, 4) || '00' AS code FROM subject_dim WHERE county_code IS NOT NULL
    GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`);
  const code = rows[0]?.code ?? DEFAULT_CITY;
  const name = seedDivisions().find((d) => d.code === code)?.name ?? `${code}（全市）`;
  return { code, name };
}

export async function tableExists(conn: DuckDBConnection, name: string): Promise<boolean> {
  const r = await queryRows<{ n: number }>(conn, `SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = ${lit(name)} AND database_name = current_database() AND schema_name = 'main'`);
  return r[0].n > 0;
}

/** Absolute month number of a date expression (year * 12 + month - 1). */
export const mi = (d: string) => `(year(${d}) * 12 + month(${d}) - 1)`;
/** First day of an absolute month number. */
export const miDate = (m: string) => `make_date((${m}) // 12, (${m}) % 12 + 1, 1)`;

/**
 * The months, as absolute month numbers: `_cw_months(mi, month, ev, first_mi, last_mi, as_of)`.
 * First month = earliest record month in the lake (not the subject register, whose dates go back
 * decades), at most MAX_HISTORY_MONTHS before the as-of month.
 */
export function monthsSql(): string {
  return `CREATE OR REPLACE TEMP TABLE _cw_months AS
WITH mins AS (
  SELECT min(month) AS d FROM credit_events
  UNION ALL SELECT min(decision_date) FROM asof_license
  UNION ALL SELECT min(commit_date) FROM asof_commitment
  UNION ALL SELECT min(sign_date) FROM asof_contract
  UNION ALL SELECT min(apply_date) FROM asof_repair
  UNION ALL SELECT min(apply_date) FROM asof_objection
),
p AS (
  SELECT greatest(coalesce(${mi('min(d)')}, ${mi('cw_as_of()')}), ${mi('cw_as_of()')} - ${MAX_HISTORY_MONTHS - 1}) AS first_mi,
    ${mi('cw_as_of()')} AS last_mi
  FROM mins
)
SELECT r.range::INTEGER AS mi, ${miDate('r.range')} AS month,
  least(last_day(${miDate('r.range')}), cw_as_of()) AS ev, p.first_mi::INTEGER AS first_mi, p.last_mi::INTEGER AS last_mi, cw_as_of() AS as_of
FROM p, range(p.first_mi, p.last_mi + 1) r`;
}

/**
 * Last month (absolute number) whose evaluation date lies on or before `lastDay`: a record in force
 * through `lastDay` counts in month m when ev(m) <= lastDay. NULL lastDay = open-ended.
 */
export function lastCoveredMi(lastDay: string): string {
  return `CASE WHEN ${lastDay} IS NULL OR ${lastDay} >= cw_as_of() THEN ${mi('cw_as_of()')}
    WHEN ${lastDay} = last_day(${lastDay}) THEN ${mi(lastDay)} ELSE ${mi(lastDay)} - 1 END`;
}

/** `from`..`to` month numbers clipped to the series (rows outside it dropped by the callers' filter). */
const clipped = (intervals: string) => `SELECT subject_key, greatest(from_mi, (SELECT any_value(first_mi) FROM _cw_months)) AS from_mi,
  least(to_mi, (SELECT any_value(last_mi) FROM _cw_months)) AS to_mi FROM (${intervals})`;

/**
 * +1/-1 deltas of distinct subjects in force, from intervals `(subject_key, from_mi, to_mi)`
 * (inclusive month numbers): overlapping or adjacent intervals of a subject are merged first (gaps
 * and islands), so a subject counts once. A running sum over the months gives the count.
 */
export function islandDeltasSql(intervals: string, measure: string): string {
  return `(WITH iv AS (${clipped(intervals)}),
o AS (SELECT subject_key, from_mi, to_mi,
  max(to_mi) OVER (PARTITION BY subject_key ORDER BY from_mi, to_mi ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end
  FROM iv WHERE from_mi <= to_mi),
g AS (SELECT *, sum(CASE WHEN prev_end IS NULL OR from_mi > prev_end + 1 THEN 1 ELSE 0 END)
  OVER (PARTITION BY subject_key ORDER BY from_mi, to_mi ROWS UNBOUNDED PRECEDING) AS island FROM o),
isl AS (SELECT subject_key, min(from_mi) AS from_mi, max(to_mi) AS to_mi FROM g GROUP BY subject_key, island)
SELECT subject_key, from_mi AS mi, ${lit(measure)} AS measure, 1.0::DOUBLE AS val FROM isl
UNION ALL
SELECT subject_key, to_mi + 1, ${lit(measure)}, -1.0 FROM isl WHERE to_mi < (SELECT any_value(last_mi) FROM _cw_months))`;
}

/**
 * +1/-1 deltas per (county, month) of counted subjects with an event in the trailing `months`
 * months, from event months `(subject_key, m)`. Each subject's event months become one 127-bit
 * mask (bit 0 = `months - 1` months before the first month); OR-ing it shifted by 1..months-1 gives
 * the months it is covered; starts and ends of coverage are the bits where the mask turns on / off.
 * Subjects with the same (county, starts, ends) are counted together before the bits are unpacked,
 * so the cost is one aggregation over the events (no subject x month expansion, no sort).
 */
export function windowCoverageDeltasSql(events: string, measure: string, months = 12): string {
  const base = `((SELECT any_value(first_mi) FROM _cw_months) - ${months - 1})`;
  const n = `(SELECT any_value(last_mi) - any_value(first_mi) + ${months} FROM _cw_months)`;
  // shift left without overflowing the 127 value bits of a HUGEINT (bits pushed out are after the series)
  const shl = (x: string, k: number) => `((${x} & ((1::HUGEINT << ${127 - k}) - 1)) << ${k})`;
  const spread = ['e', ...Array.from({ length: months - 1 }, (_, k) => shl('e', k + 1))].join(' | ');
  return `(WITH e AS (
  SELECT subject_key, bit_or(1::HUGEINT << (m - ${base})) AS e FROM (${events}) WHERE m >= ${base} GROUP BY subject_key),
c AS (SELECT s.county_code, (${spread}) & ~((1::HUGEINT << ${months - 1}) - 1) AS c
  FROM e JOIN subject_dim s ON s.subject_key = e.subject_key AND ${countedSql('s')}),
t AS (SELECT county_code, c & ~${shl('c', 1)} AS s, c & ~(c >> 1) AS f, count(*) AS k FROM c GROUP BY ALL)
SELECT county_code, unnest(list_filter(range(${n}), i -> ((s >> i) & 1) = 1)) + ${base} AS mi, ${lit(measure)} AS measure, k::DOUBLE AS val FROM t
UNION ALL
SELECT county_code, unnest(list_filter(range(${n}), i -> ((f >> i) & 1) = 1)) + ${base} + 1, ${lit(measure)}, -k::DOUBLE FROM t)`;
}

/** +1/-1 deltas of records in force (every interval counts), same input shape as islandDeltasSql. */
export function intervalDeltasSql(intervals: string, measure: string): string {
  return `(WITH iv AS (SELECT * FROM (${clipped(intervals)}) WHERE from_mi <= to_mi)
SELECT subject_key, from_mi AS mi, ${lit(measure)} AS measure, 1.0::DOUBLE AS val FROM iv
UNION ALL
SELECT subject_key, to_mi + 1, ${lit(measure)}, -1.0 FROM iv WHERE to_mi < (SELECT any_value(last_mi) FROM _cw_months))`;
}

/** In-force intervals of blacklist records (严重失信主体名单 and 失信被执行人), with exits. */
export function blacklistIntervalsSql(): string {
  return `CREATE OR REPLACE TEMP TABLE _cw_black AS
WITH court AS (
  SELECT subject_key, case_no,
    min(publish_date) FILTER (WHERE performance <> '已履行') AS listed_from,
    min(publish_date) FILTER (WHERE performance = '已履行') AS performed_from
  FROM asof_court_dishonest GROUP BY subject_key, case_no
),
l AS (
  SELECT e.subject_key, e.category, e.event_date AS start_d, e.ends, e.repaired_date, e.revoked_date, NULL::DATE AS performed_date
  FROM credit_events e WHERE e.category = 'serious_dishonest'
  UNION ALL
  SELECT e.subject_key, e.category, c.listed_from, NULL::DATE, e.repaired_date, e.revoked_date,
    -- performance ends the listing only when it is the case's latest state
    CASE WHEN NOT e.active THEN c.performed_from END
  FROM credit_events e JOIN court c ON c.subject_key = e.subject_key AND c.case_no = e.ref
  WHERE e.category = 'court_dishonest' AND c.listed_from IS NOT NULL
),
d AS (
  SELECT *, least(ends, repaired_date - 1, revoked_date - 1, performed_date - 1) AS last_d,
    -- an exit by repair or performance (not by expiry or revocation)
    least(repaired_date, performed_date) AS exit_d
  FROM l
)
SELECT subject_key, category, start_d, last_d, ${mi('start_d')} AS start_mi, ${lastCoveredMi('last_d')} AS to_mi,
  CASE WHEN exit_d IS NOT NULL AND exit_d - 1 = last_d THEN exit_d END AS exit_d,
  revoked_date
FROM d`;
}

/** A subject_dim row (alias `a`) that counts in the register (not 注销/吊销). */
export const countedSql = (a: string) => `(${a}.status IS NULL OR ${a}.status NOT IN (${GONE_STATUSES.map(lit).join(', ')}))`;

export function indicatorFactsSql(focusN: number, hasScores: boolean): string[] {
  const counted = countedSql('s');
  // flow records as known at their month's end: not revoked on or before ev
  const notRevoked = (dateCol: string, revokedCol: string) => `(${revokedCol} IS NULL OR ${revokedCol} > least(last_day(${dateCol}), cw_as_of()))`;
  const facts = `CREATE OR REPLACE TEMP TABLE _cw_facts AS
WITH long AS (
  -- registrations: all statuses (new_subjects) and the counted stock (reg_stock: +1 in the month of registration,
  -- registrations before the first month land in the first month)
  SELECT subject_key, ${mi('reg_date')} AS mi, 'new_subjects' AS measure, 1.0::DOUBLE AS val FROM subject_dim s WHERE reg_date IS NOT NULL
  UNION ALL
  SELECT subject_key, greatest(${mi('reg_date')}, (SELECT any_value(first_mi) FROM _cw_months)), 'reg_stock', 1.0
  FROM subject_dim s WHERE reg_date IS NOT NULL AND ${counted}
  UNION ALL
  -- credit_events flows in the month of the record's date
  SELECT subject_key, ${mi('event_date')},
    CASE category WHEN 'penalty' THEN 'penalties' WHEN 'serious_dishonest' THEN 'serious_new' WHEN 'abnormal_operation' THEN 'abnormal_new'
      WHEN 'commitment_breach' THEN 'commitment_breaches' WHEN 'contract_breach' THEN 'contract_breaches' WHEN 'tax_grade' THEN 'tax_d_new' END,
    1.0
  FROM credit_events
  WHERE category IN ('penalty', 'serious_dishonest', 'abnormal_operation', 'commitment_breach', 'contract_breach', 'tax_grade')
    AND (category <> 'tax_grade' OR detail = 'D') AND ${notRevoked('event_date', 'revoked_date')}
  UNION ALL
  SELECT subject_key, ${mi('event_date')}, 'fines_wan', coalesce(fine_amount, 0)
  FROM credit_events WHERE category = 'penalty' AND ${notRevoked('event_date', 'revoked_date')}
  UNION ALL
  -- focus list by fines: the ${focusN}-th fined penalty of a subject within 12 months (the count reaches the threshold)
  SELECT subject_key, ${mi('event_date')}, 'fined_focus_new', 1.0 FROM (
    SELECT subject_key, event_date,
      lag(event_date, ${focusN - 1}) OVER w AS first_in, lag(event_date, ${focusN}) OVER w AS before_first
    FROM credit_events
    WHERE category = 'penalty' AND list_contains(detail_list, '罚款') AND ${notRevoked('event_date', 'revoked_date')}
    WINDOW w AS (PARTITION BY subject_key ORDER BY event_date, record_key)
  ) WHERE ${focusN === 1 ? 'true' : `first_in IS NOT NULL AND first_in > event_date - INTERVAL 12 MONTH`}
    AND (before_first IS NULL OR before_first <= event_date - INTERVAL 12 MONTH)
  UNION ALL
  -- court cases: a new listing in the month of its first unperformed publication
  SELECT subject_key, start_mi, 'court_new', 1.0 FROM _cw_black
  WHERE category = 'court_dishonest' AND ${notRevoked('start_d', 'revoked_date')}
  UNION ALL
  -- commitments made, contracts signed (one per number and subject, first date)
  SELECT subject_key, ${mi('d')}, 'commitments', 1.0 FROM (SELECT subject_key, commitment_no, min(commit_date) AS d FROM asof_commitment GROUP BY ALL)
  UNION ALL
  SELECT subject_key, ${mi('d')}, 'contracts', 1.0 FROM (SELECT subject_key, contract_no, min(sign_date) AS d FROM asof_contract GROUP BY ALL)
  UNION ALL
  -- completed repairs (修复完成) in the month of completion
  SELECT subject_key, ${mi('d')}, 'repairs', 1.0 FROM (
    SELECT subject_key, repair_no, min(done_date) AS d FROM asof_repair
    WHERE result = '修复完成' AND done_date <= cw_as_of() GROUP BY ALL)
  UNION ALL
  -- blacklisted subjects in force at month end (distinct subjects: merged intervals)
  SELECT * FROM ${islandDeltasSql(`SELECT b.subject_key, b.start_mi AS from_mi, b.to_mi
    FROM _cw_black b JOIN subject_dim s ON s.subject_key = b.subject_key AND ${counted}`, 'dishonest_delta')}
  ${hasScores ? `UNION ALL
  -- current grades (as-of month only)
  SELECT g.subject_key, ${mi('cw_as_of()')}, 'grade_' || lower(g.grade), 1.0
  FROM subject_scores g JOIN subject_dim s ON s.subject_key = g.subject_key AND ${counted}
  WHERE g.grade IN ('A', 'B', 'C', 'D')` : ''}
)
SELECT s.county_code, s.industry_section, s.industry_division, l.mi,
  sum(val) FILTER (WHERE measure = 'new_subjects') AS new_subjects,
  sum(val) FILTER (WHERE measure = 'reg_stock') AS reg_stock,
  sum(val) FILTER (WHERE measure = 'dishonest_delta') AS dishonest_delta,
  sum(val) FILTER (WHERE measure = 'penalties') AS penalties,
  sum(val) FILTER (WHERE measure = 'fines_wan') AS fines_wan,
  sum(val) FILTER (WHERE measure = 'serious_new') AS serious_new,
  sum(val) FILTER (WHERE measure = 'court_new') AS court_new,
  sum(val) FILTER (WHERE measure IN ('abnormal_new', 'commitment_breaches', 'tax_d_new', 'fined_focus_new')) AS focus_new,
  sum(val) FILTER (WHERE measure = 'repairs') AS repairs,
  sum(val) FILTER (WHERE measure = 'commitments') AS commitments,
  sum(val) FILTER (WHERE measure = 'commitment_breaches') AS commitment_breaches,
  sum(val) FILTER (WHERE measure = 'contracts') AS contracts,
  sum(val) FILTER (WHERE measure = 'contract_breaches') AS contract_breaches,
  sum(val) FILTER (WHERE measure = 'grade_a') AS grade_a,
  sum(val) FILTER (WHERE measure = 'grade_b') AS grade_b,
  sum(val) FILTER (WHERE measure = 'grade_c') AS grade_c,
  sum(val) FILTER (WHERE measure = 'grade_d') AS grade_d
FROM long l JOIN subject_dim s USING (subject_key)
WHERE l.mi BETWEEN (SELECT any_value(first_mi) FROM _cw_months) AND (SELECT any_value(last_mi) FROM _cw_months)
GROUP BY ALL`;

  // Dense finest cells x months, stocks by running sums, then all levels by GROUPING SETS.
  const measures = ['new_subjects', 'penalties', 'fines_wan', 'serious_new', 'court_new', 'focus_new', 'repairs', 'commitments', 'commitment_breaches', 'contracts', 'contract_breaches'];
  const grades = ['grade_a', 'grade_b', 'grade_c', 'grade_d'];
  const levels = `CREATE OR REPLACE TEMP TABLE _cw_levels AS
WITH cells AS (SELECT DISTINCT county_code, industry_section, industry_division FROM subject_dim),
dense AS (
  SELECT c.county_code, c.industry_section, c.industry_division, m.mi,
    sum(coalesce(f.reg_stock, 0)) OVER w AS subjects,
    sum(coalesce(f.dishonest_delta, 0)) OVER w AS dishonest_subjects,
    ${measures.map((x) => `coalesce(f.${x}, 0) AS ${x}`).join(', ')},
    ${grades.map((x) => (hasScores ? `CASE WHEN m.mi = m.last_mi THEN coalesce(f.${x}, 0) END AS ${x}` : `NULL::DOUBLE AS ${x}`)).join(', ')}
  FROM cells c CROSS JOIN _cw_months m
  LEFT JOIN _cw_facts f ON f.county_code IS NOT DISTINCT FROM c.county_code AND f.industry_division IS NOT DISTINCT FROM c.industry_division
    AND f.industry_section IS NOT DISTINCT FROM c.industry_section AND f.mi = m.mi
  WINDOW w AS (PARTITION BY c.county_code, c.industry_section, c.industry_division ORDER BY m.mi ROWS UNBOUNDED PRECEDING)
)
SELECT CASE grouping(county_code, industry_section, industry_division)
    WHEN 7 THEN 'city' WHEN 3 THEN 'county' WHEN 5 THEN 'section' WHEN 4 THEN 'division' WHEN 1 THEN 'county_section' ELSE 'county_division' END AS level,
  county_code, industry_section, industry_division, mi,
  sum(subjects)::BIGINT AS subjects, sum(dishonest_subjects)::BIGINT AS dishonest_subjects,
  ${measures.map((x) => (x === 'fines_wan' ? `round(sum(${x}), 4)::DOUBLE AS ${x}` : `sum(${x})::BIGINT AS ${x}`)).join(', ')},
  ${grades.map((x) => `sum(${x})::BIGINT AS ${x}`).join(', ')}
FROM dense
GROUP BY GROUPING SETS ((mi), (mi, county_code), (mi, industry_section), (mi, industry_section, industry_division), (mi, county_code, industry_section),
  (mi, county_code, industry_section, industry_division))`;
  return [facts, levels];
}

/** Trends, 12-month sums, rates, shrinkage to the parent and the risk index over `_cw_levels`. */
export function indicatorDerivedSql(): string {
  const key = 'level, county_code, industry_section, industry_division';
  const shrink = (c: keyof typeof RISK & string, x: string, n: string, p: string) => {
    const k = (RISK[c] as { k: number }).k;
    return `CASE WHEN ${p} IS NULL THEN ${x} WHEN ${x} IS NULL OR coalesce(${n}, 0) = 0 THEN ${p} ELSE (${n} * ${x} + ${k} * ${p}) / (${n} + ${k}) END`;
  };
  const comps = ['dishonest', 'penalty', 'commitment', 'contract'] as const;
  const nOf = { dishonest: 'subjects', penalty: 'subjects', commitment: 'commitments_12m', contract: 'contracts_12m' } as const;
  const shrinkCols = (p: string) => comps.map((c) => `${shrink(c, `c.x_${c}`, `c.${nOf[c]}`, `${p}.sx_${c}`)} AS sx_${c}`).join(', ');
  const totalW = comps.map((c) => RISK[c].weight);
  return `CREATE OR REPLACE TEMP TABLE _cw_ind AS
WITH t AS (
  SELECT l.*, m.month, m.ev, m.first_mi, m.last_mi,
    lag(penalties, 1) OVER w AS penalties_prev_month,
    lag(penalties, 12) OVER w AS penalties_prev_year,
    (sum(penalties) OVER w12)::BIGINT AS penalties_12m,
    (sum(commitments) OVER w12)::BIGINT AS commitments_12m,
    (sum(commitment_breaches) OVER w12)::BIGINT AS commitment_breaches_12m,
    (sum(contracts) OVER w12)::BIGINT AS contracts_12m,
    (sum(contract_breaches) OVER w12)::BIGINT AS contract_breaches_12m
  FROM _cw_levels l JOIN _cw_months m USING (mi)
  WINDOW w AS (PARTITION BY ${key} ORDER BY mi), w12 AS (PARTITION BY ${key} ORDER BY mi ROWS BETWEEN 11 PRECEDING AND CURRENT ROW)
),
x AS (
  SELECT *,
    dishonest_subjects * 10000.0 / nullif(subjects, 0) AS x_dishonest,
    -- annualised: fewer than 12 months of history in the first year of the series
    penalties_12m * 12.0 / least(12, mi - first_mi + 1) * 1000.0 / nullif(subjects, 0) AS x_penalty,
    commitment_breaches_12m * 1.0 / nullif(commitments_12m, 0) AS x_commitment,
    contract_breaches_12m * 1.0 / nullif(contracts_12m, 0) AS x_contract
  FROM t
),
s0 AS (SELECT x.*, ${comps.map((c) => `x_${c} AS sx_${c}`).join(', ')} FROM x WHERE level = 'city'),
s1 AS (SELECT c.*, ${shrinkCols('p')} FROM x c JOIN s0 p USING (mi) WHERE c.level IN ('county', 'section')),
s2 AS (SELECT c.*, ${shrinkCols('p')} FROM x c JOIN s1 p ON p.level = 'section' AND p.industry_section IS NOT DISTINCT FROM c.industry_section AND p.mi = c.mi
  WHERE c.level IN ('division', 'county_section')),
s3 AS (SELECT c.*, ${shrinkCols('p')} FROM x c JOIN s2 p ON p.level = 'county_section' AND p.county_code IS NOT DISTINCT FROM c.county_code
  AND p.industry_section IS NOT DISTINCT FROM c.industry_section AND p.mi = c.mi
  WHERE c.level = 'county_division'),
alls AS (SELECT * FROM s0 UNION ALL BY NAME SELECT * FROM s1 UNION ALL BY NAME SELECT * FROM s2 UNION ALL BY NAME SELECT * FROM s3),
-- the scale of each component: the median of the county values over all months up to this one
scale AS (
  SELECT m.mi, ${comps.map((c) => `greatest(${RISK[c].floor}, quantile_cont(c.x_${c}, ${RISK.scaleQuantile})) AS scale_${c}`).join(', ')}
  FROM _cw_months m LEFT JOIN x c ON c.level = 'county' AND c.mi <= m.mi GROUP BY m.mi
),
r AS (
  SELECT a.*, ${comps.map((c) => `a.sx_${c} / (a.sx_${c} + s.scale_${c}) AS r_${c}`).join(', ')}
  FROM alls a JOIN scale s USING (mi)
)
SELECT *,
  round(100 * (${comps.map((c, i) => `coalesce(${totalW[i]} * r_${c}, 0)`).join(' + ')})
    / nullif(${comps.map((c, i) => `CASE WHEN r_${c} IS NULL THEN 0 ELSE ${totalW[i]} END`).join(' + ')}, 0), 1) AS risk_index,
  subjects < ${SMALL_COUNT.minSubjects}
    OR (penalties_prev_month IS NOT NULL AND penalties_prev_month < ${SMALL_COUNT.minBase})
    OR (penalties_prev_year IS NOT NULL AND penalties_prev_year < ${SMALL_COUNT.minBase}) AS small_count,
  mi = last_mi AND ev < last_day(month) AS partial_month
FROM r`;
}

/** The published columns (shared by the three tables after their key columns). */
export function publishedColumnsSql(): string {
  const rate = (num: string, den: string, digits: number) => `round((${num}) * 1.0 / nullif(${den}, 0), ${digits})::DOUBLE`;
  const chg = (cur: string, base: string) => `round((${cur} - ${base}) * 1.0 / nullif(${base}, 0), 4)::DOUBLE`;
  const b = SMALL_COUNT.minBase;
  return `subjects, new_subjects, dishonest_subjects,
  round(dishonest_subjects * 10000.0 / nullif(subjects, 0), 2)::DOUBLE AS dishonest_per_10k,
  penalties, fines_wan,
  serious_new + court_new AS new_black_entries, focus_new AS new_focus_entries,
  repairs, commitments, commitment_breaches, contracts, contract_breaches,
  commitments_12m, commitment_breaches_12m, ${rate('commitment_breaches_12m', 'commitments_12m', 4)} AS commitment_breach_rate,
  contracts_12m, contract_breaches_12m, ${rate('contract_breaches_12m', 'contracts_12m', 4)} AS contract_breach_rate,
  court_new AS court_dishonest_new,
  grade_a, grade_b, grade_c, grade_d,
  ${rate('grade_c + grade_d', 'grade_a + grade_b + grade_c + grade_d', 4)} AS grade_cd_share,
  penalties_prev_month, penalties_prev_year,
  ${chg('penalties', 'penalties_prev_month')} AS mom_penalties,
  ${chg('penalties', 'penalties_prev_year')} AS yoy_penalties,
  penalties_12m, round(x_penalty, 3)::DOUBLE AS penalties_per_1k_yr,
  small_count, partial_month,
  nullif(concat_ws('；',
    CASE WHEN partial_month THEN '本月数据截至' || strftime(ev, '%Y-%m-%d') || '，非完整月' END,
    CASE WHEN subjects < ${SMALL_COUNT.minSubjects} THEN '主体数' || subjects || '户（不足${SMALL_COUNT.minSubjects}户），比率波动大' END,
    CASE WHEN penalties_prev_month IS NULL THEN '无上月数据' WHEN penalties_prev_month = 0 THEN '上月处罚为0，不计算环比'
      WHEN penalties_prev_month < ${b} THEN '上月处罚仅' || penalties_prev_month || '件，基数小，环比仅供参考' END,
    CASE WHEN penalties_prev_year IS NULL THEN '无上年同期数据' WHEN penalties_prev_year = 0 THEN '上年同期处罚为0，不计算同比'
      WHEN penalties_prev_year < ${b} THEN '上年同期处罚仅' || penalties_prev_year || '件，基数小，同比仅供参考' END
  ), '') AS trend_note,
  round(100 * r_dishonest, 1)::DOUBLE AS risk_dishonest, round(100 * r_penalty, 1)::DOUBLE AS risk_penalty,
  round(100 * r_commitment, 1)::DOUBLE AS risk_commitment, round(100 * r_contract, 1)::DOUBLE AS risk_contract,
  round(subjects * 1.0 / (subjects + ${RISK.dishonest.k}), 4)::DOUBLE AS shrink_weight,
  CASE WHEN subjects > 0 THEN risk_index END::DOUBLE AS risk_index`;
}

export function indicatorTablesSql(city: { code: string; name: string }): string[] {
  const cols = publishedColumnsSql();
  return [
    `CREATE OR REPLACE TABLE county_indicators AS
SELECT i.month, CASE WHEN i.level = 'city' THEN ${lit(city.code)} ELSE i.county_code END AS county_code,
  CASE WHEN i.level = 'city' THEN ${lit(city.name)} ELSE c.name END AS county_name,
  i.level = 'city' AS is_city, ${cols}
FROM _cw_ind i LEFT JOIN ref_county c ON c.code = i.county_code
WHERE i.level IN ('city', 'county')
ORDER BY i.month, is_city DESC, county_code`,
    `CREATE OR REPLACE TABLE industry_indicators AS
SELECT i.month, CASE i.level WHEN 'section' THEN 'section' ELSE 'division' END AS level,
  CASE i.level WHEN 'section' THEN i.industry_section ELSE i.industry_division END AS industry_code,
  CASE i.level WHEN 'section' THEN s.section_name ELSE d.division_name END AS industry_name,
  i.industry_section, CASE WHEN i.level = 'division' THEN i.industry_division END AS industry_division, ${cols}
FROM _cw_ind i
LEFT JOIN (SELECT DISTINCT section, section_name FROM ref_industry) s ON s.section = i.industry_section
LEFT JOIN ref_industry d ON d.division = i.industry_division
WHERE i.level IN ('section', 'division')
ORDER BY i.month, level DESC, industry_code`,
    `CREATE OR REPLACE TABLE county_industry_indicators AS
SELECT i.month, i.county_code, c.name AS county_name, CASE i.level WHEN 'county_section' THEN 'section' ELSE 'division' END AS level,
  i.industry_section, CASE WHEN i.level = 'county_division' THEN i.industry_division END AS industry_division,
  CASE i.level WHEN 'county_section' THEN s.section_name ELSE d.division_name END AS industry_name, ${cols}
FROM _cw_ind i
LEFT JOIN ref_county c ON c.code = i.county_code
LEFT JOIN (SELECT DISTINCT section, section_name FROM ref_industry) s ON s.section = i.industry_section
LEFT JOIN ref_industry d ON d.division = i.industry_division
WHERE i.level IN ('county_section', 'county_division')
ORDER BY i.month, i.county_code, level DESC, i.industry_section, i.industry_division`,
  ];
}

const step: TsStep = {
  async run(ctx: BuildContext): Promise<string[]> {
    const hasScores = await tableExists(ctx.conn, 'subject_scores');
    const city = await cityOf(ctx.conn);
    const sql = [monthsSql(), blacklistIntervalsSql(), ...indicatorFactsSql(focusMinFinedPenalties(), hasScores), indicatorDerivedSql(), ...indicatorTablesSql(city)];
    for (const s of sql) await ctx.conn.run(s);
    for (const t of ['_cw_months', '_cw_black', '_cw_facts', '_cw_levels', '_cw_ind']) await ctx.conn.run(`DROP TABLE IF EXISTS ${t}`);
    return ['county_indicators', 'industry_indicators', 'county_industry_indicators'];
  },
};
export default step;
