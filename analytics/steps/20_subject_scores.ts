/**
 * Step 20: 公共信用综合评价 (public credit comprehensive evaluation) of every subject.
 *
 * Writes `score_explanations` (one row per factor: base, record, attribute, cap, hard rule; the
 * contributions of a subject sum exactly to its score), `subject_scores` (score, grade, 分级分类监管
 * band, dimension scores) and two small legend tables `score_dimensions` and `score_grades`.
 *
 * The model's parameters live in `analytics/scoring.json`; this step renders them into SQL
 * literals (CASE maps, caps, cut-offs), so the formula is written once, here, and documented in
 * `analytics/docs/scores.md`. Reads only `credit_events`, `subject_dim`, `ref_county` and the
 * person-capable lake views (for masked ID numbers).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BuildContext, TsStep } from '../build.ts';
import { lit } from '../../ingest/pipeline/sql-util.ts';

export const SCORING_FILE = fileURLToPath(new URL('../scoring.json', import.meta.url));

export interface DimensionDef { key: string; label: string; min: number; max: number }
export interface GradeDef { grade: string; label: string; min_score: number | null; inspection_ratio: number; supervision_band: string }
interface DecayFactor {
  dimension: string;
  decay: boolean;
  window_days?: number | null;
  /** One summary row per subject instead of one row per record (routine positive records). */
  aggregate?: boolean;
}

export interface ScoringModel {
  version: string;
  base: number;
  score_min: number;
  score_max: number;
  half_life_days: number;
  dimensions: DimensionDef[];
  factors: {
    penalty: DecayFactor & { type_points: Record<string, number>; default_points: number; fine_tiers: { min_wan: number; points: number }[] };
    court_dishonest: DecayFactor & { performance_points: Record<string, number>; default_points: number; hard_rule: string };
    serious_dishonest: DecayFactor & { points: number; hard_rule: string };
    abnormal_operation: DecayFactor & { points: number };
    commitment_breach: DecayFactor & { points: number };
    contract_breach: DecayFactor & { points: number };
    commitment_kept: DecayFactor & { points: number };
    tax_grade: { decay: boolean; window_days?: number | null; grade_points: Record<string, number>; positive_dimension: string; negative_dimension: string };
    honor: DecayFactor & { type_points: Record<string, number>; default_points: number };
    years_in_business: { dimension: string; points_per_year: number; max_points: number };
    status: { dimension: string; status_points: Record<string, number> };
  };
  grades: GradeDef[];
  hard_rule_grade: string;
  watchlists: {
    window_months: number;
    focus_min_fined_penalties: number;
    focus_min_commitment_breaches: number;
    evaluation_authority: string;
    basis: Record<'red_honor' | 'red_tax_a' | 'black_serious' | 'black_court' | 'focus_fines' | 'focus_abnormal' | 'focus_commitment' | 'focus_tax_d' | 'focus_grade_d' | 'warning', string>;
  };
}

/** Reads and checks `analytics/scoring.json` (throws with the offending key). */
export function loadScoring(file = SCORING_FILE): ScoringModel {
  const m = JSON.parse(readFileSync(file, 'utf8')) as ScoringModel;
  const need = (ok: boolean, what: string) => {
    if (!ok) throw new Error(`scoring.json: ${what}`);
  };
  const isNum = (x: unknown) => typeof x === 'number' && Number.isFinite(x);
  need(isNum(m.base) && isNum(m.score_min) && isNum(m.score_max) && m.score_min < m.score_max, 'base, score_min < score_max should be numbers');
  need(m.base >= m.score_min && m.base <= m.score_max, 'base should lie within [score_min, score_max]');
  need(isNum(m.half_life_days) && m.half_life_days > 0, 'half_life_days should be a positive number');
  need(Array.isArray(m.dimensions) && m.dimensions.length > 0, 'dimensions should be a non-empty list');
  const dims = new Set<string>();
  for (const d of m.dimensions) {
    need(/^[a-z_]+$/.test(d.key) && !['base', 'total', 'hard_rule'].includes(d.key), `dimension key '${d.key}' should be snake_case and not reserved`);
    need(isNum(d.min) && isNum(d.max) && d.min <= 0 && d.max >= 0 && d.min <= d.max, `dimension ${d.key}: min <= 0 <= max`);
    dims.add(d.key);
  }
  const f = m.factors;
  for (const [name, def] of Object.entries(f) as [string, { dimension?: string }][]) {
    if (def.dimension !== undefined) need(dims.has(def.dimension), `factor ${name}: unknown dimension '${def.dimension}'`);
  }
  need(dims.has(f.tax_grade.positive_dimension) && dims.has(f.tax_grade.negative_dimension), 'tax_grade dimensions');
  need(m.grades.length >= 2 && m.grades.at(-1)!.min_score === null, 'grades: the last grade has min_score null (catch-all)');
  for (let i = 1; i < m.grades.length - 1; i++) need(m.grades[i].min_score! < m.grades[i - 1].min_score!, 'grades: min_score should decrease');
  need(m.grades.some((g) => g.grade === m.hard_rule_grade), 'hard_rule_grade should be one of the grades');
  need(isNum(f.years_in_business.points_per_year) && f.years_in_business.points_per_year > 0 && isNum(f.years_in_business.max_points), 'years_in_business: points_per_year > 0 and max_points');
  need(isNum(m.watchlists.window_months) && m.watchlists.window_months > 0, 'watchlists.window_months');
  return m;
}

/** Chinese names of the `credit_events` categories, as used in factor texts. */
export const CATEGORY_LABELS: Record<string, string> = {
  penalty: '行政处罚', court_dishonest: '失信被执行人', serious_dishonest: '严重失信主体名单', abnormal_operation: '经营异常名录',
  commitment_breach: '信用承诺违诺', contract_breach: '合同违约', commitment_kept: '信用承诺践诺', tax_grade: '纳税信用等级', honor: '红名单/荣誉',
};

// ---- SQL rendering ---------------------------------------------------------------------------

/** A numeric literal (finite numbers only). */
export function num(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`scoring.json: not a finite number: ${x}`);
  return String(x);
}

/** `CASE expr WHEN 'k' THEN v ... ELSE dflt END` from a JSON map. */
export function caseMap(expr: string, map: Record<string, number | string>, dflt: string): string {
  const whens = Object.entries(map).map(([k, v]) => `WHEN ${lit(k)} THEN ${typeof v === 'number' ? num(v) : lit(v)}`);
  return whens.length ? `CASE ${expr} ${whens.join(' ')} ELSE ${dflt} END` : dflt;
}

/** Signed display of a point value: +5, -2.5 */
const signed = (expr: string) => `printf('%+g', (${expr})::DOUBLE)`;
const ymd = (expr: string) => `strftime(${expr}, '%Y-%m-%d')`;

/** Grade from a score column and a hard-rule column (hard rule forces `hard_rule_grade`). */
export function gradeExpr(m: ScoringModel, score: string, hardRule: string, field: keyof GradeDef): string {
  const val = (g: GradeDef) => (typeof g[field] === 'number' ? num(g[field] as number) : lit(String(g[field])));
  const forced = m.grades.find((g) => g.grade === m.hard_rule_grade)!;
  const bands = m.grades.slice(0, -1).map((g) => `WHEN ${score} >= ${num(g.min_score!)} THEN ${val(g)}`);
  return `CASE WHEN ${hardRule} IS NOT NULL THEN ${val(forced)} ${bands.join(' ')} ELSE ${val(m.grades.at(-1)!)} END`;
}

/** The whole step's SQL, rendered from the model (exported for the docs and tests). */
export function scoringSql(m: ScoringModel): string[] {
  const f = m.factors;
  const hl = num(m.half_life_days);
  const dimOrder = caseMap('dimension', Object.fromEntries([['base', 0], ...m.dimensions.map((d, i) => [d.key, i + 1]), ['total', 90], ['hard_rule', 99]]), '50');
  const dimMin = caseMap('dimension', Object.fromEntries(m.dimensions.map((d) => [d.key, d.min])), 'NULL');
  const dimMax = caseMap('dimension', Object.fromEntries(m.dimensions.map((d) => [d.key, d.max])), 'NULL');
  const dimLabel = caseMap('dimension', Object.fromEntries(m.dimensions.map((d) => [d.key, d.label])), 'dimension');
  const catOrder = caseMap('category', { serious_dishonest: 1, court_dishonest: 2, abnormal_operation: 3, penalty: 4, tax_grade: 5, commitment_breach: 6, contract_breach: 7, honor: 8, commitment_kept: 9 }, '10');

  // Points of one record, before decay (signed).
  const fineTiers = [...f.penalty.fine_tiers].sort((a, b) => b.min_wan - a.min_wan);
  const fineExpr = fineTiers.length
    ? `CASE ${fineTiers.map((t) => `WHEN coalesce(fine_amount, 0) >= ${num(t.min_wan)} THEN ${num(t.points)}`).join(' ')} ELSE 0 END`
    : '0';
  const penaltyType = `coalesce(list_min(list_transform(detail_list, t -> ${caseMap('t', f.penalty.type_points, num(f.penalty.default_points))})), ${num(f.penalty.default_points)})`;
  const points = `CASE category
      WHEN 'penalty' THEN ${penaltyType} + ${fineExpr}
      WHEN 'court_dishonest' THEN ${caseMap('detail', f.court_dishonest.performance_points, num(f.court_dishonest.default_points))}
      WHEN 'serious_dishonest' THEN ${num(f.serious_dishonest.points)}
      WHEN 'abnormal_operation' THEN ${num(f.abnormal_operation.points)}
      WHEN 'commitment_breach' THEN ${num(f.commitment_breach.points)}
      WHEN 'contract_breach' THEN ${num(f.contract_breach.points)}
      WHEN 'commitment_kept' THEN ${num(f.commitment_kept.points)}
      WHEN 'tax_grade' THEN ${caseMap('detail', f.tax_grade.grade_points, '0')}
      WHEN 'honor' THEN ${caseMap('detail_list[1]', f.honor.type_points, num(f.honor.default_points))}
    END`;
  const recordCats = ['penalty', 'court_dishonest', 'serious_dishonest', 'abnormal_operation', 'commitment_breach', 'contract_breach', 'commitment_kept', 'tax_grade', 'honor'] as const;
  const decays = recordCats.filter((c) => f[c].decay);
  const aggregated = recordCats.filter((c) => c !== 'tax_grade' && (f[c] as DecayFactor).aggregate === true);
  const aggList = aggregated.length ? aggregated.map(lit).join(', ') : "''";
  const aggLabel = caseMap('category', Object.fromEntries(aggregated.map((c) => [c, CATEGORY_LABELS[c]])), 'category');
  const windowDays = caseMap('category', Object.fromEntries(recordCats.filter((c) => f[c].window_days != null).map((c) => [c, f[c].window_days!])), 'NULL');
  const dimension = `CASE category
      WHEN 'tax_grade' THEN CASE WHEN points > 0 THEN ${lit(f.tax_grade.positive_dimension)} ELSE ${lit(f.tax_grade.negative_dimension)} END
      ${recordCats.filter((c) => c !== 'tax_grade').map((c) => `WHEN ${lit(c)} THEN ${lit((f[c] as DecayFactor).dimension)}`).join(' ')}
    END`;
  // (coalesce: a NULL cell must not blank the whole text)
  const what = `coalesce(CASE category
      WHEN 'penalty' THEN '行政处罚 ' || ref || ' ' || array_to_string(detail_list, '、')
        || CASE WHEN fine_amount > 0 THEN ' ' || printf('%g', fine_amount) || '万元' ELSE '' END
      WHEN 'court_dishonest' THEN '失信被执行人 ' || ref || ' ' || detail
      WHEN 'serious_dishonest' THEN '严重失信主体名单 ' || coalesce(detail_list[1], '') || ' ' || ref
      WHEN 'abnormal_operation' THEN '经营异常名录 ' || coalesce(detail, '')
      WHEN 'commitment_breach' THEN '信用承诺违诺 ' || ref
      WHEN 'contract_breach' THEN '合同违约 ' || ref
      WHEN 'commitment_kept' THEN '信用承诺践诺 ' || ref
      WHEN 'tax_grade' THEN '纳税信用等级 ' || detail || ' (' || ref || '年度)'
      WHEN 'honor' THEN '红名单/荣誉 ' || coalesce(detail_list[1], '') || ' ' || coalesce(detail, '')
    END, ${caseMap('category', CATEGORY_LABELS, 'category')}) || ' (' || ${ymd('event_date')} || CASE WHEN ends IS NOT NULL AND category IN ('honor', 'serious_dishonest') THEN ', 有效期至 ' || ${ymd('ends')} ELSE '' END || ')'`;

  const subjects = `CREATE OR REPLACE TEMP TABLE _score_subjects AS
WITH ev_subjects AS (
  -- subjects with records but no register row: natural persons, organisations registered elsewhere
  SELECT e.subject_key, arg_max(e.name, e.event_date) AS name, arg_max(e.uscc, e.event_date) AS uscc
  FROM credit_events e ANTI JOIN subject_dim d ON d.subject_key = e.subject_key
  GROUP BY e.subject_key
),
person_ids AS (
  SELECT subject_key, min(id_number_masked) AS id_masked FROM (
    SELECT subject_key, id_number_masked FROM asof_penalty WHERE subject_key LIKE 'P:%'
    UNION ALL
    SELECT subject_key, id_number_masked FROM asof_court_dishonest WHERE subject_key LIKE 'P:%'
  ) GROUP BY subject_key
)
SELECT d.subject_key, d.uscc, d.name, d.subject_type, d.county_code, d.industry_section, d.industry_division,
  d.reg_date, d.status, true AS registered
FROM subject_dim d
UNION ALL
SELECT e.subject_key,
  CASE WHEN e.subject_key LIKE 'P:%' THEN NULL ELSE e.uscc END,
  -- natural persons: masked name and masked ID number only (personal information)
  CASE WHEN e.subject_key LIKE 'P:%'
    THEN left(e.name, 1) || repeat('*', greatest(length(e.name) - 1, 1)) || coalesce('（' || p.id_masked || '）', '')
    ELSE e.name END,
  -- unregistered organisations: type from the USCC's registration-authority code (GB 32100)
  CASE WHEN e.subject_key LIKE 'P:%' THEN '自然人'
    ELSE CASE left(e.uscc, 2) WHEN '91' THEN '企业法人' WHEN '92' THEN '个体工商户' WHEN '93' THEN '农民专业合作社'
      WHEN '11' THEN '机关' WHEN '12' THEN '事业单位' WHEN '51' THEN '社会组织' WHEN '52' THEN '社会组织' WHEN '53' THEN '社会组织'
      ELSE '其他组织' END END,
  c.code, NULL, NULL, NULL::DATE, NULL, false
FROM ev_subjects e
LEFT JOIN person_ids p ON p.subject_key = e.subject_key
LEFT JOIN ref_county c ON e.subject_key NOT LIKE 'P:%' AND c.code = substr(e.uscc, 3, 6)`;

  // years from which the years-in-business points reach their cap
  const capYears = num(Math.ceil(f.years_in_business.max_points / f.years_in_business.points_per_year));
  const factors = `CREATE OR REPLACE TEMP TABLE _score_factors AS
WITH ev AS (
  SELECT subject_key, category, record_key, ref, event_date, fine_amount, detail_list, detail, ends,
    effective, repaired, repaired_date, revoked, revoked_date,
    date_diff('day', event_date, cw_as_of()) AS age_days
  FROM credit_events
  WHERE (effective OR repaired OR revoked) AND category IN (${recordCats.map(lit).join(', ')})
),
pts AS (
  SELECT *, ${points} AS points, ${windowDays} AS window_days,
    category IN (${decays.length ? decays.map(lit).join(', ') : "''"}) AS decays,
    pow(0.5, age_days / ${hl}) AS decay
  FROM ev
),
dims AS (SELECT *, ${dimension} AS dimension FROM pts WHERE points <> 0 AND (window_days IS NULL OR age_days <= window_days))
SELECT subject_key, dimension, ${catOrder} AS ord, record_key, event_date,
  CASE WHEN NOT effective THEN 0
    WHEN decays THEN round(points * decay, 2)
    ELSE points END::DECIMAL(12, 2) AS contribution,
  ${what} || CASE
    WHEN NOT effective AND repaired THEN ', 已信用修复 (' || ${ymd('repaired_date')} || '), 不计分'
    WHEN NOT effective AND revoked THEN ', 异议撤销 (' || ${ymd('revoked_date')} || '), 不计分'
    WHEN decays THEN ', 基准 ' || ${signed('points')} || ' 分, 衰减系数 ' || printf('%.3f', decay)
    ELSE ', ' || ${signed('points')} || ' 分' END AS factor
FROM dims WHERE category NOT IN (${aggList})
UNION ALL
-- aggregated factors: one row per subject and category (record_key NULL; the records are in credit_events)
SELECT subject_key, dimension, min(${catOrder}), NULL, max(event_date),
  round(sum(CASE WHEN decays THEN points * decay ELSE points END), 2)::DECIMAL(12, 2),
  ${aggLabel} || ' ' || count(*) || ' 件 (' || ${ymd('min(event_date)')} || ' 至 ' || ${ymd('max(event_date)')} || '), 每件 '
    || ${signed('any_value(points)')} || ' 分' || CASE WHEN bool_or(decays) THEN ' 按时间衰减' ELSE '' END
    || ', 合计 ' || printf('%+.2f', sum(CASE WHEN decays THEN points * decay ELSE points END)) || ' 分'
FROM dims WHERE category IN (${aggList}) AND effective
GROUP BY subject_key, dimension, category
UNION ALL
-- 基础属性: full years since registration, and the register status
SELECT subject_key, ${lit(f.years_in_business.dimension)}, 1, NULL, reg_date,
  least(years * ${num(f.years_in_business.points_per_year)}, ${num(f.years_in_business.max_points)})::DECIMAL(12, 2),
  -- few distinct texts (the date is in event_date): cheap to store for a million subjects
  CASE WHEN years >= ${capYears} THEN '成立满 ${capYears} 年以上' ELSE '成立满 ' || years || ' 年' END
    || ', 每满 1 年 ' || ${signed(num(f.years_in_business.points_per_year))} || ' 分, 上限 ' || ${signed(num(f.years_in_business.max_points))} || ' 分'
FROM (SELECT subject_key, reg_date, date_sub('year', reg_date, cw_as_of()) AS years FROM _score_subjects WHERE registered AND reg_date IS NOT NULL)
WHERE least(years * ${num(f.years_in_business.points_per_year)}, ${num(f.years_in_business.max_points)}) <> 0
UNION ALL
SELECT subject_key, ${lit(f.status.dimension)}, 2, NULL, NULL::DATE, ${caseMap('status', f.status.status_points, '0')}::DECIMAL(12, 2),
  '登记状态 ' || status || ', ' || ${signed(caseMap('status', f.status.status_points, '0'))} || ' 分'
FROM _score_subjects WHERE registered AND ${caseMap('status', f.status.status_points, '0')} <> 0`;

  const hardRules = `CREATE OR REPLACE TEMP TABLE _score_hard AS
SELECT subject_key, record_key, event_date, category,
  CASE category WHEN 'serious_dishonest' THEN ${lit(f.serious_dishonest.hard_rule)} ELSE ${lit(f.court_dishonest.hard_rule)} END AS rule,
  '硬性规则: ' || CASE category WHEN 'serious_dishonest' THEN ${lit(f.serious_dishonest.hard_rule)} || ' ' || coalesce(detail_list[1], '') || ' ' || ref
    ELSE ${lit(f.court_dishonest.hard_rule)} || ' ' || ref || ' ' || detail END
    || ' (' || ${ymd('event_date')} || ') → 等级强制为 ' || ${lit(m.hard_rule_grade)} AS factor
FROM credit_events
WHERE effective AND category IN ('serious_dishonest', 'court_dishonest')`;

  // Dimension caps, then the overall clamp, as explicit contributions.
  const dims = `CREATE OR REPLACE TEMP TABLE _score_dims AS
WITH raw AS (SELECT subject_key, dimension, sum(contribution) AS raw FROM _score_factors GROUP BY ALL)
SELECT subject_key, dimension, raw, ${dimMin} AS lo, ${dimMax} AS hi,
  (least(greatest(raw, ${dimMin}), ${dimMax}) - raw)::DECIMAL(12, 2) AS adj
FROM raw`;
  // One row per subject: capped dimension scores, the total before and after the clamp.
  const dimCols = m.dimensions.map((d) => `coalesce(sum(raw + adj) FILTER (WHERE dimension = ${lit(d.key)}), 0)::DECIMAL(12, 2) AS ${'dim_' + d.key}`);
  const totals = `CREATE OR REPLACE TEMP TABLE _score_totals AS
WITH t AS (
  SELECT subject_key, (${num(m.base)} + sum(raw + adj))::DECIMAL(12, 2) AS total, ${dimCols.join(', ')}
  FROM _score_dims GROUP BY subject_key
)
SELECT *, (least(greatest(total, ${num(m.score_min)}), ${num(m.score_max)}) - total)::DECIMAL(12, 2) AS clamp FROM t`;

  // Dimension caps, then the overall clamp, as explicit contributions.
  const caps = `CREATE OR REPLACE TEMP TABLE _score_caps AS
SELECT subject_key, dimension, adj AS contribution,
  ${dimLabel} || CASE WHEN adj > 0 THEN '维度扣分封底 ' || ${signed('lo')} ELSE '维度加分封顶 ' || ${signed('hi')} END
    || ' 分 (封顶前合计 ' || printf('%+.2f', raw::DOUBLE) || ')' AS factor
FROM _score_dims WHERE adj <> 0
UNION ALL
SELECT subject_key, 'total', clamp,
  '总分限定在 ${num(m.score_min)}-${num(m.score_max)} 分 (限定前 ' || printf('%.2f', total::DOUBLE) || ')'
FROM _score_totals WHERE clamp <> 0`;

  const explanations = `CREATE OR REPLACE TABLE score_explanations AS
WITH rows AS (
  SELECT subject_key, 'base' AS dimension, 0 AS ord, NULL AS record_key, NULL::DATE AS event_date,
    ${num(m.base)}::DECIMAL(12, 2) AS contribution, '基础分 ${num(m.base)} 分 (评价模型 ${m.version.replaceAll("'", '')})' AS factor
  FROM _score_subjects
  UNION ALL
  SELECT subject_key, dimension, ord, record_key, event_date, contribution, factor FROM _score_factors
  UNION ALL
  SELECT subject_key, dimension, 20, NULL, NULL::DATE, contribution, factor FROM _score_caps
  UNION ALL
  SELECT subject_key, 'hard_rule', 0, record_key, event_date, 0::DECIMAL(12, 2), factor FROM _score_hard
)
SELECT subject_key,
  CASE WHEN subject_key LIKE 'P:%' THEN NULL ELSE subject_key END AS uscc,
  row_number() OVER (PARTITION BY subject_key ORDER BY ${dimOrder}, ord, event_date DESC NULLS LAST, record_key)::INTEGER AS seq,
  dimension, factor, record_key, event_date, contribution::DOUBLE AS contribution
FROM rows
ORDER BY subject_key, seq`;

  // Subjects without any record or attribute have no _score_totals row: score = base.
  const scores = `CREATE OR REPLACE TABLE subject_scores AS
WITH agg AS (
  SELECT s.subject_key, coalesce(t.total + t.clamp, ${num(m.base)})::DECIMAL(12, 2) AS score,
    ${m.dimensions.map((d) => `coalesce(t.dim_${d.key}, 0)::DOUBLE AS dim_${d.key}`).join(', ')}
  FROM _score_subjects s LEFT JOIN _score_totals t USING (subject_key)
),
hard AS (SELECT subject_key, array_to_string(list_sort(list_distinct(list(rule))), '；') AS hard_rule FROM _score_hard GROUP BY subject_key),
counts AS (
  SELECT subject_key, count(*) FILTER (WHERE polarity < 0)::INTEGER AS neg, count(*) FILTER (WHERE polarity > 0)::INTEGER AS pos
  FROM credit_events WHERE effective GROUP BY subject_key
)
SELECT s.uscc, s.subject_key, s.name, s.subject_type, s.county_code, s.industry_section, s.industry_division,
  a.score::DOUBLE AS score,
  ${gradeExpr(m, 'a.score', 'h.hard_rule', 'grade')} AS grade,
  ${gradeExpr(m, 'a.score', 'h.hard_rule', 'label')} AS grade_label,
  ${gradeExpr(m, 'a.score', 'h.hard_rule', 'supervision_band')} AS supervision_band,
  ${gradeExpr(m, 'a.score', 'h.hard_rule', 'inspection_ratio')}::DOUBLE AS inspection_ratio,
  coalesce(c.neg, 0) AS negative_events, coalesce(c.pos, 0) AS positive_events,
  h.hard_rule,
  ${m.dimensions.map((d) => `a.dim_${d.key}`).join(', ')},
  cw_as_of() AS as_of
FROM _score_subjects s
JOIN agg a USING (subject_key)
LEFT JOIN hard h USING (subject_key)
LEFT JOIN counts c USING (subject_key)
ORDER BY s.county_code, s.subject_key`;

  const legends = [
    `CREATE OR REPLACE TABLE score_dimensions AS SELECT * FROM (VALUES
  ('base', '基础分', 0, ${num(m.base)}::DOUBLE, ${num(m.base)}::DOUBLE),
  ${m.dimensions.map((d, i) => `(${lit(d.key)}, ${lit(d.label)}, ${i + 1}, ${num(d.min)}::DOUBLE, ${num(d.max)}::DOUBLE)`).join(',\n  ')}
) t(dimension, label, seq, cap_min, cap_max)`,
    `CREATE OR REPLACE TABLE score_grades AS
SELECT g.*, (SELECT count(*) FROM subject_scores s WHERE s.grade = g.grade) AS subjects FROM (VALUES
  ${m.grades.map((g, i) => `(${lit(g.grade)}, ${lit(g.label)}, ${i + 1}, ${g.min_score === null ? 'NULL' : num(g.min_score)}::DOUBLE, ${num(g.inspection_ratio)}::DOUBLE, ${lit(g.supervision_band)})`).join(',\n  ')}
) g(grade, grade_label, seq, min_score, inspection_ratio, supervision_band)`,
  ];
  return [subjects, factors, hardRules, dims, totals, caps, explanations, scores, ...legends,
    ...['_score_subjects', '_score_factors', '_score_dims', '_score_totals', '_score_caps', '_score_hard'].map((t) => `DROP TABLE ${t}`)];
}

const step: TsStep = {
  async run(ctx: BuildContext): Promise<string[]> {
    const model = loadScoring();
    for (const sql of scoringSql(model)) await ctx.conn.run(sql);
    return ['subject_scores', 'score_explanations', 'score_dimensions', 'score_grades'];
  },
};
export default step;
