/**
 * Step 60: 名单管理 - the current members of the 红名单, 黑名单, 重点关注名单 and 预警名单, derived
 * from the effective records in `credit_events` (so a completed 信用修复 or an upheld 异议 removes
 * the membership it caused), from `subject_scores` (grade D) and from `alerts` when the early-warning
 * step has produced it. Rules and bases are documented in `analytics/docs/watchlists.md`; windows,
 * thresholds and basis texts are in `analytics/scoring.json` (`watchlists`).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { queryRows } from '../../ingest/duck.ts';
import { lit } from '../../ingest/pipeline/sql-util.ts';
import type { BuildContext, TsStep } from '../build.ts';
import { loadScoring, num, type ScoringModel } from './20_subject_scores.ts';

export const LIST_LABELS = { red: '红名单', black: '黑名单', focus: '重点关注名单', warning: '预警名单' } as const;

/** Long-term dates (2099-12-31 and later) mean "no end": published as NULL. */
const until = (d: string) => `CASE WHEN ${d} >= DATE '2099-12-31' THEN NULL ELSE ${d} END`;

export interface WatchlistInputs {
  /** `alerts` exists (step 5x ran). */
  alerts: boolean;
  /** Optional columns of `alerts`: a VARCHAR[] of record keys (its name), the rule's name, the responsible department. */
  alertRecordKeys?: string;
  alertRuleName?: boolean;
  alertDepartment?: boolean;
  /** `alerts.name` (masked for persons by step 5x): the name of a subject not in subject_scores. */
  alertName?: boolean;
  /** The previous build has `watchlist_members` (decided_on of evaluation-based entries is carried). */
  previous: boolean;
}

export function watchlistSql(m: ScoringModel, inp: WatchlistInputs): string {
  const w = m.watchlists;
  const b = w.basis;
  const months = num(w.window_months);
  const nFines = num(w.focus_min_fined_penalties);
  const nBreach = num(w.focus_min_commitment_breaches);
  const d = m.grades.find((g) => g.grade === m.hard_rule_grade)!;
  const lastDay = (listExpr: string) => `(${listExpr} + INTERVAL ${months} MONTH - INTERVAL 1 DAY)::DATE`;
  // Plain list() aggregates with list functions afterwards: ordered aggregates are much slower.
  const joined = (col: string) => `array_to_string(list_sort(list_distinct(list(${col}))), '、')`;
  const authorities = joined('authority');
  const refs = joined('ref');
  const keys = (p = '') => `list_transform(list_sort(list({'d': ${p}event_date, 'k': ${p}record_key})), x -> x.k)`;
  const nth = (n: string, desc = false) => `${desc ? 'list_reverse_sort' : 'list_sort'}(list(event_date))[${n}]`;

  const warning = inp.alerts
    ? `UNION ALL
  -- W1 预警名单: subjects with an alert of the early-warning step
  SELECT 'warning', 'W1', subject_key, '【' || coalesce(level, '') || '色预警】' || coalesce(title, rule_id, ''),
    ${lit(b.warning)} || '；规则 ' || rule_id${inp.alertRuleName ? ` || coalesce(' ' || rule_name, '')` : ''},
    ${inp.alertRecordKeys ? `coalesce(${inp.alertRecordKeys}, [])::VARCHAR[]` : '[]::VARCHAR[]'}, first_seen::DATE, NULL::DATE,
    ${inp.alertDepartment ? 'department::VARCHAR' : 'NULL'},
    md5('warning|' || subject_key || '|' || alert_id), uscc, ${inp.alertName ? 'name::VARCHAR' : 'NULL'}
  FROM alerts WHERE entity_type = 'subject' AND subject_key IS NOT NULL`
    : '';

  return `CREATE OR REPLACE TABLE watchlist_members AS
WITH params AS (
  SELECT (cw_as_of() - INTERVAL ${months} MONTH)::DATE AS window_start,
    (SELECT max(TRY_CAST(ref AS INTEGER)) FROM credit_events WHERE category = 'tax_grade') AS tax_year
),
serious_basis AS (SELECT record_key, min(basis) AS basis FROM asof_serious_dishonest GROUP BY record_key),
black AS (
  -- B1 黑名单: 严重失信主体名单 entries in force, one member per subject and list type
  SELECT 'black' AS list_type, 'B1' AS rule, e.subject_key, '列入严重失信主体名单: ' || coalesce(e.detail_list[1], '其他') AS reason,
    coalesce('认定依据: ' || nullif(array_to_string(list_sort(list_distinct(list(s.basis))), '；'), ''), ${lit(b.black_serious)}) || '；认定文书号 ' || ${joined('e.ref')} AS basis,
    ${keys('e.')} AS source_record_keys, min(e.event_date) AS decided_on,
    ${until('max(e.ends)')} AS valid_until, ${joined('e.authority')} AS authority
  FROM credit_events e LEFT JOIN serious_basis s USING (record_key)
  WHERE e.effective AND e.category = 'serious_dishonest' GROUP BY e.subject_key, e.detail_list[1]
  UNION ALL
  -- B2 黑名单: 失信被执行人 not (fully) performed
  SELECT 'black', 'B2', subject_key, '失信被执行人（未履行生效法律文书确定的义务）', ${lit(b.black_court)} || '；案号 ' || ${refs},
    ${keys()}, min(event_date), NULL::DATE, ${authorities}
  FROM credit_events WHERE effective AND category = 'court_dishonest' GROUP BY subject_key
),
members AS (
  -- R1 红名单: honours in force, one member per subject and honour type
  SELECT 'red' AS list_type, 'R1' AS rule, subject_key, '荣誉在有效期内: ' || coalesce(detail_list[1], '其他') AS reason,
    ${lit(b.red_honor)} || '；认定文号 ' || ${refs} AS basis, ${keys()} AS source_record_keys,
    min(event_date) AS decided_on, ${until('max(ends)')} AS valid_until, ${authorities} AS authority
  FROM credit_events WHERE effective AND category = 'honor' GROUP BY subject_key, detail_list[1]
  UNION ALL
  -- R2 红名单: A-grade taxpayers of the latest evaluation year in the data
  SELECT 'red', 'R2', subject_key, 'A级纳税人（' || ref || '年度）', ${lit(b.red_tax_a)}, [record_key], event_date, NULL::DATE, authority
  FROM credit_events, params WHERE effective AND category = 'tax_grade' AND detail = 'A' AND TRY_CAST(ref AS INTEGER) = params.tax_year
  UNION ALL
  SELECT * FROM black
  UNION ALL
  -- F1 重点关注: >= N penalties with a fine decided within the window
  SELECT 'focus', 'F1', subject_key, ${lit(`${w.window_months}个月内受到 ${w.focus_min_fined_penalties} 次及以上罚款类行政处罚`)},
    ${lit(b.focus_fines)} || '；处罚决定书 ' || ${refs}, ${keys()},
    ${nth(nFines)}, ${lastDay(nth(nFines, true))}, ${authorities}
  FROM credit_events, params
  WHERE effective AND category = 'penalty' AND (coalesce(fine_amount, 0) > 0 OR list_contains(detail_list, '罚款')) AND event_date > params.window_start
  GROUP BY subject_key HAVING count(*) >= ${nFines}
  UNION ALL
  -- F2 重点关注: listed in 经营异常名录 (not removed, not repaired)
  SELECT 'focus', 'F2', subject_key, '列入经营异常名录', ${lit(b.focus_abnormal)}, ${keys()}, min(event_date), NULL::DATE, ${authorities}
  FROM credit_events WHERE effective AND category = 'abnormal_operation' GROUP BY subject_key
  UNION ALL
  -- F3 重点关注: broken credit commitment(s) within the window
  SELECT 'focus', 'F3', subject_key, ${lit(`${w.window_months}个月内信用承诺违诺`)}, ${lit(b.focus_commitment)} || '；承诺书 ' || ${refs}, ${keys()},
    ${nth(nBreach)}, ${lastDay(nth(nBreach, true))}, ${authorities}
  FROM credit_events, params WHERE effective AND category = 'commitment_breach' AND event_date > params.window_start
  GROUP BY subject_key HAVING count(*) >= ${nBreach}
  UNION ALL
  -- F4 重点关注: D-grade taxpayer of the latest evaluation year
  SELECT 'focus', 'F4', subject_key, '纳税信用等级 D 级（' || ref || '年度）', ${lit(b.focus_tax_d)}, [record_key], event_date, NULL::DATE, authority
  FROM credit_events, params WHERE effective AND category = 'tax_grade' AND detail = 'D' AND TRY_CAST(ref AS INTEGER) = params.tax_year
  UNION ALL
  -- F5 重点关注: evaluation grade D without a black-list entry
  SELECT 'focus', 'F5', g.subject_key, ${lit(`公共信用综合评价等级为 ${d.grade}（${d.label}）`)},
    ${lit(b.focus_grade_d)} || '；评分 ' || printf('%.2f', g.score), coalesce(x.keys, []::VARCHAR[]), cw_as_of(), NULL::DATE, ${lit(w.evaluation_authority)}
  FROM subject_scores g
  LEFT JOIN (
    SELECT e.subject_key, list_transform(list_sort(list({'c': e.contribution, 'k': e.record_key})), x -> x.k) AS keys
    FROM score_explanations e SEMI JOIN subject_scores d ON d.subject_key = e.subject_key AND d.grade = ${lit(d.grade)}
    WHERE e.record_key IS NOT NULL AND e.contribution < 0
    GROUP BY e.subject_key
  ) x USING (subject_key)
  ANTI JOIN black bl ON bl.subject_key = g.subject_key
  WHERE g.grade = ${lit(d.grade)}
),
keyed AS (
  SELECT *, md5(list_type || '|' || subject_key || '|' || reason) AS member_key, NULL::VARCHAR AS alert_uscc, NULL::VARCHAR AS alert_name FROM members
  -- trust incentives exclude subjects on the black list (守信激励 is not granted to 失信主体)
  WHERE NOT (list_type = 'red' AND subject_key IN (SELECT subject_key FROM black))
  ${warning}
)
SELECT k.list_type,
  CASE k.list_type WHEN 'red' THEN '${LIST_LABELS.red}' WHEN 'black' THEN '${LIST_LABELS.black}' WHEN 'focus' THEN '${LIST_LABELS.focus}' ELSE '${LIST_LABELS.warning}' END AS list_label,
  k.subject_key,
  coalesce(s.uscc, CASE WHEN k.subject_key LIKE 'P:%' THEN NULL ELSE coalesce(k.alert_uscc, k.subject_key) END) AS uscc,
  coalesce(s.name, k.alert_name) AS name, s.county_code, s.industry_section, s.industry_division,
  k.reason, k.basis, k.source_record_keys,
  ${inp.previous ? `CASE WHEN k.rule = 'F5' THEN coalesce(p.decided_on, k.decided_on) ELSE k.decided_on END` : 'k.decided_on'} AS decided_on,
  k.valid_until, k.authority, k.member_key, k.rule, cw_as_of() AS as_of
FROM keyed k
LEFT JOIN subject_scores s USING (subject_key)
${inp.previous ? 'LEFT JOIN (SELECT member_key, min(decided_on) AS decided_on FROM prev.watchlist_members GROUP BY member_key) p USING (member_key)' : ''}
ORDER BY CASE k.list_type WHEN 'black' THEN 1 WHEN 'focus' THEN 2 WHEN 'warning' THEN 3 ELSE 4 END, s.county_code, k.subject_key, k.rule, k.reason`;
}

async function exists(conn: DuckDBConnection, database: string, table: string): Promise<boolean> {
  const r = await queryRows<{ n: number }>(conn,
    `SELECT count(*) AS n FROM duckdb_tables() WHERE database_name = ${lit(database)} AND schema_name = 'main' AND table_name = ${lit(table)}`);
  return r[0].n > 0;
}

/** What the step can read in this build. */
export async function watchlistInputs(ctx: BuildContext): Promise<WatchlistInputs> {
  const db = (await queryRows<{ d: string }>(ctx.conn, 'SELECT current_database() AS d'))[0].d;
  const alerts = await exists(ctx.conn, db, 'alerts');
  let alertRecordKeys: string | undefined;
  let alertRuleName = false;
  let alertDepartment = false;
  let alertName = false;
  if (alerts) {
    const cols = await queryRows<{ c: string; t: string }>(ctx.conn, `SELECT column_name AS c, data_type AS t FROM duckdb_columns()
      WHERE database_name = ${lit(db)} AND schema_name = 'main' AND table_name = 'alerts'`);
    const has = (c: string, t: string) => cols.some((x) => x.c === c && x.t === t);
    alertRecordKeys = ['trigger_record_keys', 'source_record_keys', 'record_keys'].find((c) => has(c, 'VARCHAR[]'));
    alertRuleName = has('rule_name', 'VARCHAR');
    alertDepartment = has('department', 'VARCHAR');
    alertName = has('name', 'VARCHAR');
  }
  let previous = false;
  if (ctx.hasPrevious && (await exists(ctx.conn, 'prev', 'watchlist_members'))) {
    const cols = await queryRows<{ n: number }>(ctx.conn, `SELECT count(*) AS n FROM duckdb_columns() WHERE database_name = 'prev'
      AND table_name = 'watchlist_members' AND column_name IN ('member_key', 'decided_on')`);
    previous = cols[0].n === 2;
  }
  return { alerts, alertRecordKeys, alertRuleName, alertDepartment, alertName, previous };
}

const step: TsStep = {
  async run(ctx: BuildContext): Promise<string[]> {
    await ctx.conn.run(watchlistSql(loadScoring(), await watchlistInputs(ctx)));
    return ['watchlist_members'];
  },
};
export default step;
