/**
 * relation_seeds: the own risk (seed) in [0, 1] of every subject (firm or person) that has one,
 * from its effective credit_events (repairs and upheld objections already applied there) and,
 * when step 2x has written `subject_scores`, its grade D. A node's seed is the highest value of
 * the rules it meets (not a sum: one serious listing already says "high risk"); `high_risk` is
 * seed >= 0.5 (these nodes are counted as risky parties and form risk clusters). Subjects outside
 * the relation graph are listed too: they simply pass nothing on. node_id = hash(node_key), the id
 * relation_edges uses.
 *
 * A TS step only because `subject_scores` is optional: its existence is read via duckdb_tables().
 */
import type { BuildContext, TsStep } from '../build.ts';
import { queryRows } from '../../ingest/duck.ts';

/** Seed rules (rule_no orders them by seed value, highest first; SQL over `ev` gives subject_key). */
export const SEED_RULES: { no: number; risk: number; reason: string; sql: string }[] = [
  { no: 1, risk: 1.0, reason: '严重失信主体名单', sql: `SELECT subject_key FROM ev WHERE category = 'serious_dishonest'` },
  { no: 2, risk: 1.0, reason: '失信被执行人', sql: `SELECT subject_key FROM ev WHERE category = 'court_dishonest'` },
  // rule 3 (综合评价D级, 0.8) comes from subject_scores when present
  { no: 4, risk: 0.6, reason: '纳税信用D级', sql: `SELECT subject_key FROM ev WHERE category = 'tax_grade' AND detail = 'D'` },
  {
    no: 5, risk: 0.6, reason: '严重行政处罚',
    sql: `SELECT subject_key FROM ev WHERE category = 'penalty' AND event_date > cw_as_of() - INTERVAL 12 MONTH
      AND list_has_any(detail_list, ['吊销许可证件', '暂扣许可证件', '降低资质等级', '限制开展生产经营活动', '责令停产停业', '责令关闭', '限制从业', '行政拘留', '暂扣或者吊销许可证、暂扣或者吊销执照'])`,
  },
  {
    no: 6, risk: 0.5, reason: '多次行政处罚',
    sql: `SELECT subject_key FROM ev WHERE category = 'penalty' AND event_date > cw_as_of() - INTERVAL 12 MONTH GROUP BY subject_key HAVING count(*) >= 3`,
  },
  // below the high-risk line: frequent, weaker signals (an unfiled annual report lists a firm in 经营异常名录)
  { no: 7, risk: 0.3, reason: '经营异常名录', sql: `SELECT subject_key FROM ev WHERE category = 'abnormal_operation'` },
  {
    no: 8, risk: 0.3, reason: '大额罚款',
    sql: `SELECT subject_key FROM ev WHERE category = 'penalty' AND event_date > cw_as_of() - INTERVAL 12 MONTH AND fine_amount >= 10`,
  },
  { no: 9, risk: 0.3, reason: '信用承诺违诺', sql: `SELECT subject_key FROM ev WHERE category = 'commitment_breach' AND event_date > cw_as_of() - INTERVAL 24 MONTH` },
  { no: 10, risk: 0.3, reason: '合同违约', sql: `SELECT subject_key FROM ev WHERE category = 'contract_breach' AND event_date > cw_as_of() - INTERVAL 24 MONTH` },
  { no: 11, risk: 0.2, reason: '纳税信用C级', sql: `SELECT subject_key FROM ev WHERE category = 'tax_grade' AND detail = 'C'` },
];
export const GRADE_D_RULE = { no: 3, risk: 0.8, reason: '综合评价D级' };
/** Seeds at or above this are "high risk": counted in risky_neighbors and the nodes of risk clusters. */
export const HIGH_RISK = 0.5;

/** True when `subject_scores` (subject_key, grade) exists in the build database. */
async function hasSubjectScores(ctx: BuildContext): Promise<boolean> {
  const rows = await queryRows<{ n: number }>(ctx.conn, `
    SELECT count(*) AS n FROM duckdb_columns()
    WHERE database_name = current_database() AND schema_name = 'main' AND table_name = 'subject_scores'
      AND column_name IN ('subject_key', 'grade')`);
  return rows[0].n === 2;
}

export function seedsSql(withScores: boolean): string {
  const hits = SEED_RULES.map((r) => `SELECT subject_key, ${r.no} AS rule_no, ${r.risk} AS risk, '${r.reason}' AS reason FROM (${r.sql})`);
  if (withScores) {
    hits.push(`SELECT subject_key, ${GRADE_D_RULE.no}, ${GRADE_D_RULE.risk}, '${GRADE_D_RULE.reason}' FROM subject_scores WHERE grade = 'D'`);
  }
  return `
CREATE OR REPLACE TABLE relation_seeds AS
WITH ev AS MATERIALIZED (
  SELECT subject_key, category, detail, detail_list, fine_amount, event_date
  FROM credit_events
  WHERE effective AND subject_key IS NOT NULL
    AND category IN ('serious_dishonest', 'court_dishonest', 'tax_grade', 'penalty', 'abnormal_operation', 'commitment_breach', 'contract_breach')
    AND (category NOT IN ('penalty', 'commitment_breach', 'contract_breach') OR event_date > cw_as_of() - INTERVAL 24 MONTH)
),
hits AS (
  ${hits.join('\n  UNION ALL\n  ')}
),
rules AS (
  SELECT DISTINCT subject_key, rule_no, risk, reason FROM hits
)
SELECT
  subject_key AS node_key,
  hash(subject_key) AS node_id,
  CASE WHEN starts_with(subject_key, 'P:') THEN 'person' ELSE 'firm' END AS node_type,
  max(risk)::DOUBLE AS seed_risk,
  arg_min(reason, rule_no) AS seed_reason,
  list(reason ORDER BY rule_no) AS reasons,
  max(risk) >= ${HIGH_RISK} AS high_risk
FROM rules
GROUP BY subject_key
ORDER BY subject_key`;
}

const step: TsStep = {
  async run(ctx) {
    await ctx.conn.run(seedsSql(await hasSubjectScores(ctx)));
    return ['relation_seeds'];
  },
};
export default step;
