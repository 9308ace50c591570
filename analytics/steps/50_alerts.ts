/**
 * Step 50: early warning (预警). Reads the rule set (`analytics/rules.json`, validated), renders
 * each enabled rule into set-based SQL with literal thresholds, and writes
 *   - `alerts`: one row per open situation, with level (红/橙/黄/蓝), triggering records, responsible
 *     department and county, and its history against the previous build (first_seen, change);
 *   - `alerts_resolved`: alerts of the previous build whose situation ended in this one.
 * The model and every column are documented in `analytics/docs/alerts.md`.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { queryRows } from '../../ingest/duck.ts';
import { ident, lit, litList } from '../../ingest/pipeline/sql-util.ts';
import type { BuildContext, TsStep } from '../build.ts';
import { levelRank, loadDepartments, loadRules, type DepartmentMap, type Rule } from './50_alerts-config.ts';

/** Columns of `alerts`, in order (also what a previous build's table must have to be carried over). */
export const ALERT_COLUMNS = [
  'alert_id', 'rule_id', 'rule_type', 'rule_name', 'level', 'level_rank', 'entity_type', 'entity_key', 'subject_key', 'uscc', 'name',
  'county_code', 'county_name', 'industry_section', 'industry_division', 'department', 'departments', 'title', 'detail',
  'trigger_record_keys', 'metric', 'threshold', 'first_seen', 'first_seen_build', 'last_seen_build', 'change', 'as_of',
] as const;

/** What of the previous build can be used. */
interface PrevState {
  /** prev.alerts exists with every column of ALERT_COLUMNS. */
  alerts: boolean;
  /** prev.credit_events exists (to tell records that arrived since the previous build). */
  events: boolean;
  /** As-of date of the previous build. */
  asOf: string | null;
}

async function previousState(ctx: BuildContext): Promise<PrevState> {
  if (!ctx.hasPrevious) return { alerts: false, events: false, asOf: null };
  const cols = await queryRows<{ t: string; c: string }>(ctx.conn, `SELECT table_name AS t, column_name AS c FROM duckdb_columns()
    WHERE database_name = 'prev' AND schema_name = 'main' AND table_name IN ('alerts', 'credit_events', 'build_info')`);
  const has = (t: string, c: string) => cols.some((x) => x.t === t && x.c === c);
  let asOf: string | null = null;
  if (has('build_info', 'as_of')) {
    asOf = (await queryRows<{ d: string | null }>(ctx.conn, `SELECT strftime(max(as_of), '%Y-%m-%d') AS d FROM prev.build_info`))[0]?.d ?? null;
  }
  return { alerts: ALERT_COLUMNS.every((c) => has('alerts', c)), events: has('credit_events', 'record_key') && has('credit_events', 'category'), asOf };
}

// ---------------------------------------------------------------------------------------------
// SQL helpers
// ---------------------------------------------------------------------------------------------

const num = (v: number) => {
  if (!Number.isFinite(v)) throw new Error(`not a finite number: ${v}`);
  return `${v}::DOUBLE`;
};
const int = (v: number) => {
  if (!Number.isInteger(v)) throw new Error(`not an integer: ${v}`);
  return String(v);
};
const p = <T>(rule: Rule, key: string) => rule.params[key] as T;

/** CASE giving the level from the rule's escalations (most severe first) over the measures' SQL. */
function levelSql(rule: Rule, measures: Record<string, string>): string {
  const esc = [...rule.escalations].sort((a, b) => levelRank(a.level) - levelRank(b.level));
  if (!esc.length) return lit(rule.level);
  const when = esc.map((e) => `WHEN ${e.conditions.map((c) => `(${measures[c.measure]}) ${c.op} ${num(c.value)}`).join(' AND ')} THEN ${lit(e.level)}`);
  return `CASE ${when.join(' ')} ELSE ${lit(rule.level)} END`;
}

/** The fixed leading columns of a candidate row. */
const head = (rule: Rule, level: string) => `${lit(rule.id)}, ${lit(rule.type)}, ${lit(rule.name)}, ${level}`;

/**
 * Blacklist records (credit_events rows) that are new for a rule: effective, and listed within the
 * window, or after the previous build's as-of date, or not in the previous build at all (late
 * arrivals), or already a trigger of one of the rule's alerts first seen within the window (so an
 * alert raised by a late arrival stays open for the whole window). A listing is identified by
 * (subject, category, document number), not by record_key: a court listing's record_key changes
 * with its 履行情况, and a state change is not a new listing.
 */
function freshSql(rule: Rule, prev: PrevState, categories: readonly string[], windowDays: number): string {
  const cats = categories.map(lit).join(', ');
  const same = (t: string) => `${t}.subject_key = e.subject_key AND ${t}.category = e.category AND ${t}.ref = e.ref`;
  const conds = [`e.event_date > cw_as_of() - ${int(windowDays)}`];
  if (prev.asOf) conds.push(`e.event_date > DATE ${lit(prev.asOf)}`);
  if (prev.events) conds.push('pe.ref IS NULL');
  const carry = prev.events && prev.alerts;
  if (carry) conds.push('ca.ref IS NOT NULL');
  return `SELECT e.* FROM credit_events e
    ${prev.events ? `LEFT JOIN (SELECT DISTINCT subject_key, category, ref FROM prev.credit_events WHERE category IN (${cats})) pe ON ${same('pe')}` : ''}
    ${carry ? `LEFT JOIN (
        SELECT DISTINCT ce.subject_key, ce.category, ce.ref
        FROM (SELECT unnest(trigger_record_keys) AS k FROM prev.alerts WHERE rule_id = ${lit(rule.id)} AND first_seen > cw_as_of() - ${int(windowDays)}) t
        JOIN prev.credit_events ce ON ce.record_key = t.k AND ce.category IN (${cats})
      ) ca ON ${same('ca')}` : ''}
    WHERE e.category IN (${cats}) AND e.effective AND e.event_date <= cw_as_of() AND (${conds.join(' OR ')})`;
}

const INSERT = 'INSERT INTO _alert_candidates';

// ---------------------------------------------------------------------------------------------
// Rule renderers: each returns one INSERT of candidate rows
// (rule_id, rule_type, rule_name, level, entity_type, entity_key, situation_key, subject_key, raw_name,
//  county_code, industry_code, title, detail, trigger_record_keys, metric, threshold).
// Subject rows leave county/industry NULL (filled from subject_dim); '{name}' in a title is
// replaced by the subject's display name.
// ---------------------------------------------------------------------------------------------

function r1PenaltyAccumulation(rule: Rule): string {
  const w = p<number>(rule, 'window_months');
  const min = p<number>(rule, 'min_count');
  const level = levelSql(rule, { count: 'n', fine_total: 'fine' });
  return `${INSERT}
WITH agg AS (
  SELECT subject_key, arg_max(name, event_date) AS raw_name, count(*) AS n, coalesce(sum(fine_amount), 0) AS fine,
    list(record_key ORDER BY event_date, record_key) AS keys
  FROM credit_events
  WHERE category = 'penalty' AND effective AND event_date > (cw_as_of() - to_months(${int(w)}))::DATE AND event_date <= cw_as_of()
  GROUP BY subject_key
  HAVING count(*) >= ${int(min)}
)
SELECT ${head(rule, level)}, 'subject', subject_key, '', subject_key, raw_name, NULL, NULL,
  '{name} 近${w}个月行政处罚累积 ' || n || ' 起',
  '近${w}个月有效行政处罚 ' || n || ' 起, 罚款合计 ' || cw__alert_num(fine) || ' 万元（预警阈值 ${min} 起）',
  keys, n, ${num(min)}
FROM agg`;
}

function r2SeriousWithContracts(rule: Rule, prev: PrevState): string {
  const win = p<number>(rule, 'window_days');
  const months = p<number>(rule, 'contract_months');
  const min = p<number>(rule, 'min_contracts');
  const types = p<string[]>(rule, 'contract_types');
  const level = levelSql(rule, { contracts: 'c.n', contract_amount: 'c.amount' });
  return `${INSERT}
WITH fresh AS (${freshSql(rule, prev, ['serious_dishonest'], win)}),
latest AS (
  -- the latest state of each contract of a newly listed subject (later runs and rows win)
  SELECT subject_key, record_key, contract_type, amount, sign_date, status
  FROM asof_contract
  WHERE subject_key IN (SELECT subject_key FROM fresh)
  QUALIFY row_number() OVER (PARTITION BY contract_no, subject_key ORDER BY run_id DESC, row_number DESC) = 1
),
c AS (
  SELECT subject_key, count(*) AS n, coalesce(sum(amount), 0) AS amount, list(record_key ORDER BY sign_date DESC, record_key) AS keys,
    string_agg(DISTINCT contract_type, '/' ORDER BY contract_type) AS types
  FROM latest
  WHERE contract_type IN (${types.map(lit).join(', ')}) AND (status = '履约中' OR sign_date > (cw_as_of() - to_months(${int(months)}))::DATE)
  GROUP BY subject_key
)
SELECT ${head(rule, level)}, 'subject', f.subject_key, f.record_key, f.subject_key, f.name, NULL, NULL,
  '{name} 新列入' || coalesce(f.detail_list[1], '严重失信主体名单') || '且承接公共合同',
  strftime(f.event_date, '%Y-%m-%d') || ' 被' || coalesce(f.authority, '') || '列入' || coalesce(f.detail_list[1], '严重失信主体名单')
    || '（认定文书号 ' || coalesce(f.ref, '') || '）; 持有' || c.types || '合同 ' || c.n || ' 份（履约中或近${months}个月内签订）, 合同金额合计 '
    || cw__alert_num(c.amount) || ' 万元',
  [f.record_key] || c.keys, c.n, ${num(min)}
FROM fresh f JOIN c ON c.subject_key = f.subject_key
WHERE c.n >= ${int(min)}`;
}

/**
 * The relation graph in force on the as-of date (`relation_edges`, step 30: the one place relation
 * spells are resolved) as undirected edges (u, v, v_name, label), and node degrees (for R3).
 */
function relationGraphSql(): string[] {
  return [
    `CREATE OR REPLACE TEMP TABLE _alert_edges AS
WITH rel AS (
  SELECT subject_key AS a, related_key AS b, relation_type, subject_label AS a_name, related_label AS b_name FROM relation_edges
  WHERE subject_key IS NOT NULL AND related_key IS NOT NULL AND related_key <> subject_key
)
SELECT a AS u, b AS v, b_name AS v_name, relation_type AS label FROM rel
UNION ALL
SELECT b, a, a_name, relation_type FROM rel`,
    `CREATE OR REPLACE TEMP TABLE _alert_degree AS SELECT u, count(DISTINCT v) AS d FROM _alert_edges GROUP BY u`,
  ];
}

function r3RelatedBlacklisted(rule: Rule, prev: PrevState): string {
  const win = p<number>(rule, 'window_days');
  const hops = p<number>(rule, 'max_hops');
  const maxDeg = p<number>(rule, 'max_degree');
  const level = levelSql(rule, { hops: 'hops', parties: 'parties' });
  const hop2 = hops >= 2 ? `
  UNION ALL
  -- hop 2: direct relations of a hop-1 organisation (hubs are not walked through)
  SELECT h.src, e.v AS node, e.v_name AS node_name, 2 AS hop, e.label AS via, h.node_name AS mid_name
  FROM h1 h JOIN _alert_degree dm ON dm.u = h.node AND dm.d <= ${int(maxDeg)}
  JOIN _alert_edges e ON e.u = h.node AND e.v <> h.src
  WHERE h.node NOT LIKE 'P:%'
  UNION ALL
  -- hop 2: organisations sharing a person with a hop-1 organisation
  SELECT h.src, e2.v, e2.v_name, 2, cw__alert_via(e1.v_name, e1.label, e2.label), h.node_name
  FROM h1 h JOIN _alert_degree dm ON dm.u = h.node AND dm.d <= ${int(maxDeg)}
  JOIN _alert_edges e1 ON e1.u = h.node AND e1.v LIKE 'P:%'
  JOIN _alert_degree dp ON dp.u = e1.v AND dp.d <= ${int(maxDeg)}
  JOIN _alert_edges e2 ON e2.u = e1.v AND e2.v <> h.node AND e2.v <> h.src
  WHERE h.node NOT LIKE 'P:%'` : '';
  return `${INSERT}
WITH fresh AS (${freshSql(rule, prev, p<string[]>(rule, 'blacklists'), win)}),
src AS (
  -- newly blacklisted subjects (organisations or persons)
  SELECT subject_key AS src, cw__alert_mask(subject_key, arg_max(name, event_date)) AS src_name, max(event_date) AS src_date,
    string_agg(DISTINCT kind_label, '、' ORDER BY kind_label) AS src_lists, list(record_key ORDER BY event_date DESC, record_key) AS src_keys
  FROM fresh GROUP BY subject_key
),
h1 AS (
  -- hop 1: direct relations (legal representative, shareholder, investment, guarantee)
  SELECT s.src, e.v AS node, e.v_name AS node_name, 1 AS hop, e.label AS via, NULL::VARCHAR AS mid_name
  FROM src s JOIN _alert_edges e ON e.u = s.src
  UNION ALL
  -- hop 1: organisations sharing a legal representative / shareholder person with a blacklisted organisation
  SELECT s.src, e2.v, e2.v_name, 1, cw__alert_via(e1.v_name, e1.label, e2.label), NULL
  FROM src s JOIN _alert_edges e1 ON e1.u = s.src AND e1.v LIKE 'P:%'
  JOIN _alert_degree dp ON dp.u = e1.v AND dp.d <= ${int(maxDeg)}
  JOIN _alert_edges e2 ON e2.u = e1.v AND e2.v <> s.src
),
paths AS (SELECT * FROM h1${hop2}),
best AS (
  -- the shortest path per (blacklisted party, subject)
  SELECT src, node, min(hop) AS hop, arg_min(via, hop) AS via, arg_min(mid_name, hop) AS mid_name
  FROM paths WHERE node <> src GROUP BY src, node
),
per_subject AS (
  SELECT b.node AS subject_key, min(b.hop) AS hops, count(*) AS parties,
    list(s.src_name || '（' || CASE WHEN b.hop = 1 THEN '直接关联: ' || b.via ELSE '二度关联, 经 ' || coalesce(b.mid_name, '') || ': ' || b.via END
      || '）于 ' || strftime(s.src_date, '%Y-%m-%d') || ' 新列入' || s.src_lists ORDER BY b.hop, s.src_date DESC, b.src) AS descs,
    list_sort(list_distinct(flatten(list(s.src_keys)))) AS keys
  FROM best b JOIN src s ON s.src = b.src
  WHERE b.node NOT LIKE 'P:%' AND b.node IN (SELECT subject_key FROM subject_dim)
  GROUP BY b.node
)
SELECT ${head(rule, level)}, 'subject', ps.subject_key, '', ps.subject_key, NULL, NULL, NULL,
  '{name} 的' || CASE WHEN ps.hops = 1 THEN '直接' ELSE '二度' END || '关联方新列入失信名单',
  '关联方 ' || array_to_string(ps.descs[1:3], '；') || CASE WHEN len(ps.descs) > 3 THEN '；等共 ' || len(ps.descs) || ' 个关联方' ELSE '' END,
  ps.keys, ps.parties, 1::DOUBLE
FROM per_subject ps
WHERE ps.hops <= ${int(hops)}`;
}

function r4CellPenaltyJump(rule: Rule): string {
  const B = p<number>(rule, 'baseline_months');
  const windows = p<number[]>(rule, 'windows');
  const minCount = p<number>(rule, 'min_count');
  const minZ = p<number>(rule, 'min_z');
  const minSigma = p<number>(rule, 'min_sigma');
  const poisson = p<boolean>(rule, 'poisson_floor');
  const periods = B + Math.max(...windows);
  const level = levelSql(rule, { z: 'b.z', count: 'b.x' });
  return `${INSERT}
WITH periods AS (
  -- rolling months ending at the as-of date: period k = (as_of - (k+1) months, as_of - k months]
  SELECT k, (cw_as_of() - to_months(CAST(k AS INTEGER) + 1))::DATE AS lo, (cw_as_of() - to_months(CAST(k AS INTEGER)))::DATE AS hi
  FROM range(0, ${int(periods)}) t(k)
),
pen AS (
  -- penalties of registered subjects; revoked ones (objection upheld) never happened, repaired ones did
  SELECT e.record_key, e.event_date, sd.county_code, sd.industry_division AS division
  FROM credit_events e JOIN subject_dim sd ON sd.subject_key = e.subject_key
  WHERE e.category = 'penalty' AND NOT e.revoked AND e.event_date <= cw_as_of()
    AND e.event_date > (cw_as_of() - to_months(${int(periods)}))::DATE
    AND sd.county_code IS NOT NULL AND sd.industry_division IS NOT NULL
),
pk AS (SELECT pen.*, periods.k FROM pen JOIN periods ON pen.event_date > periods.lo AND pen.event_date <= periods.hi),
counts AS (SELECT county_code, division, k, count(*) AS n FROM pk GROUP BY ALL),
cells AS (SELECT DISTINCT county_code, division FROM counts),
grid AS (
  SELECT c.county_code, c.division, periods.k, coalesce(n.n, 0) AS n
  FROM cells c CROSS JOIN periods
  LEFT JOIN counts n ON n.county_code = c.county_code AND n.division = c.division AND n.k = periods.k
),
win AS (SELECT unnest([${windows.map(int).join(', ')}]) AS w),
base AS (SELECT g.county_code, g.division, win.w, g.n FROM grid g JOIN win ON g.k >= win.w AND g.k < win.w + ${int(B)}),
med AS (SELECT county_code, division, w, quantile_cont(n, 0.5) AS med FROM base GROUP BY ALL),
mad AS (
  SELECT b.county_code, b.division, b.w, any_value(m.med) AS med, quantile_cont(abs(b.n - m.med), 0.5) AS mad
  FROM base b JOIN med m ON m.county_code = b.county_code AND m.division = b.division AND m.w = b.w
  GROUP BY ALL
),
recent AS (SELECT g.county_code, g.division, win.w, sum(g.n) AS x FROM grid g JOIN win ON g.k < win.w GROUP BY ALL),
scored AS (
  SELECT r.county_code, r.division, r.w, r.x, m.med, m.mad,
    greatest(1.4826 * m.mad, ${num(minSigma)}${poisson ? ', sqrt(m.med)' : ''}) AS sigma
  FROM recent r JOIN mad m ON m.county_code = r.county_code AND m.division = r.division AND m.w = r.w
),
z AS (SELECT *, (x - w * med) / (sqrt(w) * sigma) AS z FROM scored WHERE x >= ${num(minCount)}),
b AS (SELECT * FROM z WHERE z >= ${num(minZ)} QUALIFY row_number() OVER (PARTITION BY county_code, division ORDER BY z DESC, w) = 1),
keys AS (
  SELECT b.county_code, b.division, list(pk.record_key ORDER BY pk.event_date DESC, pk.record_key)[1:500] AS keys
  FROM b JOIN pk ON pk.county_code = b.county_code AND pk.division = b.division AND pk.k < b.w
  GROUP BY ALL
)
SELECT ${head(rule, level)}, 'cell', b.county_code || ':' || b.division, strftime(cw_as_of(), '%Y-%m'), NULL,
  coalesce(rc.name, b.county_code) || ' · ' || coalesce(ri.division_name, b.division), b.county_code, b.division,
  coalesce(rc.name, b.county_code) || ' ' || coalesce(ri.division_name, b.division) || ' 行政处罚数量异常上升',
  '近' || b.w || '个月行政处罚 ' || CAST(b.x AS BIGINT) || ' 起'
    || CASE WHEN b.med > 0 THEN ', 约为基线同期的 ' || cw__alert_num(b.x / (b.w * b.med)) || ' 倍' ELSE ', 基线期间月中位数为 0' END
    || '; 基线（此前${B}个月）月处罚数中位数 ' || cw__alert_num(b.med) || ', MAD ' || cw__alert_num(b.mad)
    || ', σ = ' || cw__alert_num(b.sigma) || ', 稳健 z = ' || cw__alert_num(b.z) || '（预警阈值 ${minZ}）',
  k.keys, round(b.z, 4), ${num(minZ)}
FROM b JOIN keys k ON k.county_code = b.county_code AND k.division = b.division
LEFT JOIN ref_county rc ON rc.code = b.county_code
LEFT JOIN ref_industry ri ON ri.division = b.division`;
}

function r5CommitmentBreach(rule: Rule): string {
  const w = p<number>(rule, 'window_months');
  const min = p<number>(rule, 'min_count');
  const level = levelSql(rule, { count: 'n' });
  return `${INSERT}
WITH agg AS (
  SELECT subject_key, arg_max(name, event_date) AS raw_name, count(*) AS n,
    string_agg(DISTINCT detail_list[1], '、' ORDER BY detail_list[1]) AS types, list(record_key ORDER BY event_date, record_key) AS keys
  FROM credit_events
  WHERE category = 'commitment_breach' AND effective AND event_date > (cw_as_of() - to_months(${int(w)}))::DATE AND event_date <= cw_as_of()
  GROUP BY subject_key
  HAVING count(*) >= ${int(min)}
)
SELECT ${head(rule, level)}, 'subject', subject_key, '', subject_key, raw_name, NULL, NULL,
  '{name} 近${w}个月信用承诺违诺 ' || n || ' 次',
  '近${w}个月信用承诺违诺 ' || n || ' 次（承诺类型: ' || coalesce(types, '') || '; 预警阈值 ${min} 次）',
  keys, n, ${num(min)}
FROM agg`;
}

// ---------------------------------------------------------------------------------------------
// Assembly
// ---------------------------------------------------------------------------------------------

async function setup(conn: DuckDBConnection, depts: DepartmentMap): Promise<void> {
  await conn.run(`CREATE OR REPLACE TEMP MACRO cw__alert_num(x) AS
    CASE WHEN x IS NULL THEN '' ELSE rtrim(rtrim(printf('%.2f', CAST(x AS DOUBLE)), '0'), '.') END`);
  // natural persons: only the surname is shown
  await conn.run(`CREATE OR REPLACE TEMP MACRO cw__alert_mask(k, nm) AS
    CASE WHEN k LIKE 'P:%' THEN left(coalesce(nm, ''), 1) || repeat('*', greatest(length(coalesce(nm, '')) - 1, 1)) ELSE nm END`);
  // how two organisations are linked through a person: '同一法定代表人 张*(…)' or '共同关联人 张*(…)（股东/法定代表人）'
  await conn.run(`CREATE OR REPLACE TEMP MACRO cw__alert_via(person, l1, l2) AS
    CASE WHEN l1 = l2 THEN '同一' || l1 || ' ' || person ELSE '共同关联人 ' || person || '（' || l1 || '/' || l2 || '）' END`);
  await conn.run(`CREATE OR REPLACE TEMP TABLE _alert_candidates (
    rule_id VARCHAR, rule_type VARCHAR, rule_name VARCHAR, level VARCHAR, entity_type VARCHAR, entity_key VARCHAR, situation_key VARCHAR,
    subject_key VARCHAR, raw_name VARCHAR, county_code VARCHAR, industry_code VARCHAR, title VARCHAR, detail VARCHAR,
    trigger_record_keys VARCHAR[], metric DOUBLE, threshold DOUBLE)`);
  const rows = [...depts.byIndustry].map(([code, ds]) => `(${lit(code)}, ${litList(ds)})`);
  await conn.run(`CREATE OR REPLACE TEMP TABLE _alert_departments AS
    SELECT * FROM (VALUES ${rows.length ? rows.join(', ') : `('', ['']::VARCHAR[])`}) t(code, departments)`);
}

async function cleanup(conn: DuckDBConnection): Promise<void> {
  for (const t of ['_alert_candidates', '_alert_departments', '_alert_edges', '_alert_degree']) await conn.run(`DROP TABLE IF EXISTS temp.main.${ident(t)}`);
  for (const m of ['cw__alert_num', 'cw__alert_mask', 'cw__alert_via']) await conn.run(`DROP MACRO IF EXISTS temp.main.${ident(m)}`);
}

const EDGE_COLUMNS = ['subject_key', 'related_key', 'relation_type', 'subject_label', 'related_label'];

async function requireEdges(conn: DuckDBConnection): Promise<void> {
  const cols = await queryRows<{ c: string }>(conn, `SELECT column_name AS c FROM duckdb_columns()
    WHERE database_name = current_database() AND schema_name = 'main' AND table_name = 'relation_edges'`);
  const missing = EDGE_COLUMNS.filter((c) => !cols.some((x) => x.c === c));
  if (missing.length) throw new Error(`alert rules of type related_party_blacklisted need table relation_edges (step 30) with columns ${EDGE_COLUMNS.join(', ')}; missing: ${missing.join(', ')}`);
}

function assembleSql(depts: DepartmentMap, prev: PrevState): string {
  const prevJoin = prev.alerts ? 'LEFT JOIN prev.alerts p ON p.alert_id = g.alert_id' : '';
  const change = prev.alerts
    ? `CASE WHEN p.alert_id IS NULL THEN 'new'
        WHEN g.level_rank < p.level_rank THEN 'escalated'
        WHEN g.level_rank <> p.level_rank OR g.metric_r IS DISTINCT FROM p.metric
          OR list_sort(g.trigger_record_keys) IS DISTINCT FROM list_sort(p.trigger_record_keys) THEN 'updated'
        ELSE 'unchanged' END`
    : `'new'`;
  return `CREATE OR REPLACE TABLE alerts AS
WITH c AS (
  SELECT *, md5(rule_id || chr(31) || entity_key || chr(31) || coalesce(situation_key, '')) AS alert_id,
    CASE level WHEN '红' THEN 1 WHEN '橙' THEN 2 WHEN '黄' THEN 3 WHEN '蓝' THEN 4 END AS level_rank
  FROM _alert_candidates
  QUALIFY row_number() OVER (PARTITION BY alert_id ORDER BY level_rank, metric DESC) = 1
),
e AS (
  SELECT c.*,
    CASE WHEN c.entity_type = 'subject' AND c.subject_key NOT LIKE 'P:%' THEN c.subject_key END AS uscc,
    CASE WHEN c.entity_type = 'subject' THEN coalesce(sd.name, cw__alert_mask(c.subject_key, c.raw_name)) ELSE c.raw_name END AS name,
    coalesce(c.county_code, sd.county_code) AS county_code2,
    coalesce(c.industry_code, sd.industry_code) AS industry_code2
  -- plain equi-joins only (an extra non-equality condition makes DuckDB fall back to a nested loop);
  -- cells have no subject_key, so they never match
  FROM c LEFT JOIN subject_dim sd ON sd.subject_key = c.subject_key
),
f AS (
  SELECT e.*, rc.name AS county_name, ri.section AS industry_section, ri.division AS industry_division,
    coalesce(d4.departments, d3.departments, d2.departments, ds.departments, ${litList(depts.default)}) AS city_departments
  FROM e
  LEFT JOIN ref_county rc ON rc.code = e.county_code2
  LEFT JOIN ref_industry ri ON ri.division = left(e.industry_code2, 2)
  -- longest prefix: left(code, 4) of a shorter code is the code itself, which the shorter join finds too
  LEFT JOIN _alert_departments d4 ON d4.code = left(e.industry_code2, 4)
  LEFT JOIN _alert_departments d3 ON d3.code = left(e.industry_code2, 3)
  LEFT JOIN _alert_departments d2 ON d2.code = left(e.industry_code2, 2)
  LEFT JOIN _alert_departments ds ON ds.code = ri.section
),
g AS (
  -- subject alerts go to the county-level office of the subject's county; cell alerts to the city
  SELECT f.*,
    CASE WHEN f.entity_type = 'subject' AND f.county_name IS NOT NULL
      THEN list_transform(f.city_departments, x -> CASE WHEN starts_with(x, '市') AND NOT list_contains(${litList(depts.cityLevelOnly.length ? depts.cityLevelOnly : [''])}, x)
        THEN f.county_name || substr(x, 2) ELSE x END)
      ELSE f.city_departments END AS departments,
    round(f.metric, 4) AS metric_r
  FROM f
)
SELECT g.alert_id, g.rule_id, g.rule_type, g.rule_name, g.level, g.level_rank, g.entity_type, g.entity_key, g.subject_key, g.uscc, g.name,
  g.county_code2 AS county_code, g.county_name, g.industry_section, g.industry_division,
  array_to_string(g.departments, '、') AS department, g.departments,
  replace(g.title, '{name}', coalesce(g.name, '')) AS title, g.detail, g.trigger_record_keys, g.metric_r AS metric, g.threshold,
  ${prev.alerts ? 'least(coalesce(p.first_seen, cw_as_of()), cw_as_of())' : 'cw_as_of()'} AS first_seen,
  ${prev.alerts ? 'coalesce(p.first_seen_build, cw_build_id())' : 'cw_build_id()'} AS first_seen_build,
  cw_build_id() AS last_seen_build,
  ${change} AS change,
  cw_as_of() AS as_of
FROM g ${prevJoin}
ORDER BY g.level_rank, g.rule_id, g.metric_r DESC, g.alert_id`;
}

function resolvedSql(prev: PrevState, ruleIds: string[]): string {
  if (!prev.alerts) {
    return `CREATE OR REPLACE TABLE alerts_resolved AS
      SELECT *, NULL::DATE AS resolved_as_of, NULL::VARCHAR AS resolved_build, NULL::VARCHAR AS resolution FROM alerts WHERE false`;
  }
  return `CREATE OR REPLACE TABLE alerts_resolved AS
SELECT ${ALERT_COLUMNS.map((c) => `p.${ident(c)}`).join(', ')},
  cw_as_of() AS resolved_as_of, cw_build_id() AS resolved_build,
  CASE WHEN p.rule_id IN (${ruleIds.length ? ruleIds.map(lit).join(', ') : "''"}) THEN 'condition_ended' ELSE 'rule_disabled' END AS resolution
FROM prev.alerts p
WHERE NOT EXISTS (SELECT 1 FROM alerts a WHERE a.alert_id = p.alert_id)
ORDER BY p.level_rank, p.rule_id, p.alert_id`;
}

/** The SQL statements of one build (exported for inspection and tests). */
export function renderRuleSql(rule: Rule, prev: PrevState): string[] {
  switch (rule.type) {
    case 'subject_penalty_accumulation': return [r1PenaltyAccumulation(rule)];
    case 'serious_dishonesty_with_public_contracts': return [r2SeriousWithContracts(rule, prev)];
    case 'related_party_blacklisted': return [...relationGraphSql(), r3RelatedBlacklisted(rule, prev)];
    case 'cell_penalty_jump': return [r4CellPenaltyJump(rule)];
    case 'commitment_breach_repeat': return [r5CommitmentBreach(rule)];
  }
}

const step: TsStep = {
  async run(ctx) {
    const rules = loadRules(ctx.dataDir).rules.filter((r) => r.enabled);
    const depts = loadDepartments(ctx.dataDir);
    const prev = await previousState(ctx);
    if (rules.some((r) => r.type === 'related_party_blacklisted')) await requireEdges(ctx.conn);
    await setup(ctx.conn, depts);
    try {
      for (const rule of rules) {
        for (const sql of renderRuleSql(rule, prev)) {
          try {
            await ctx.conn.run(sql);
          } catch (e) {
            throw new Error(`alert rule '${rule.id}' (${rule.type}) failed: ${(e as Error).message}`);
          }
        }
      }
      await ctx.conn.run(assembleSql(depts, prev));
      await ctx.conn.run(resolvedSql(prev, rules.map((r) => r.id)));
    } finally {
      await cleanup(ctx.conn);
    }
    return ['alerts', 'alerts_resolved'];
  },
};

export default step;
