-- credit_events: every record that can move a credit judgement, one row each, in one shape, with
-- its state as of the build date. This is the ONE place where 信用修复 (repair) and 异议 (objection)
-- are applied: scores, indicators, watchlists and alerts all read `effective` from here.
--   polarity: -1 dishonest/negative, +1 trustworthy/positive, 0 neutral (licences)
--   repaired: a 修复完成 repair of this record (by 文书号/案号/承诺书编号) done on or before as-of
--   revoked:  an upheld objection (处理结果 撤销) of this record done on or before as-of
--   corrected: an objection answered 更正 (record kept, flagged as corrected)
--   active:   the record's own effect period covers as-of (listing not expired or removed, penalty
--             still within its 公示截止期)
--   effective = active AND NOT repaired AND NOT revoked
CREATE OR REPLACE TABLE credit_events AS
WITH
-- Status events: the latest state per entity (later ingest runs and rows win), and only states
-- whose own date is not after as-of.
court AS (
  SELECT * FROM asof_court_dishonest
  QUALIFY row_number() OVER (PARTITION BY case_no, subject_key ORDER BY run_id DESC, row_number DESC) = 1
),
commit_latest AS (
  SELECT * FROM asof_commitment
  WHERE fulfilment <> '违诺' OR breach_date <= cw_as_of()
  QUALIFY row_number() OVER (PARTITION BY commitment_no, subject_key ORDER BY run_id DESC, row_number DESC) = 1
),
contract_latest AS (
  SELECT * FROM asof_contract
  QUALIFY row_number() OVER (PARTITION BY contract_no, subject_key ORDER BY run_id DESC, row_number DESC) = 1
),
abnormal AS (
  SELECT * FROM asof_abnormal_operation
  QUALIFY row_number() OVER (PARTITION BY subject_key, listed_date, authority ORDER BY (removed_date IS NOT NULL AND removed_date <= cw_as_of()) DESC, run_id DESC) = 1
),
events AS (
  SELECT subject_key, subject_uscc AS uscc, subject_name AS name, 'penalty' AS category, '行政处罚' AS kind_label, record_key,
    decision_no AS ref, decision_date AS event_date, -1 AS polarity,
    fine_amount, penalty_types AS detail_list, authority, violation_type AS detail,
    -- a penalty stops being published at its 公示截止期; without one it stays in force
    coalesce(publicity_end >= cw_as_of(), true) AS active, publicity_end AS ends
  FROM asof_penalty
  UNION ALL
  SELECT subject_key, subject_uscc, subject_name, 'court_dishonest', '失信被执行人', record_key, case_no, publish_date, -1,
    unperformed_amount, behaviours, court, performance,
    performance <> '已履行', NULL::DATE
  FROM court
  UNION ALL
  SELECT subject_key, subject_uscc, subject_name, 'serious_dishonest', '严重失信主体名单', record_key, decision_no, listed_date, -1,
    NULL, [list_type], authority, reason,
    expires >= cw_as_of(), expires
  FROM asof_serious_dishonest
  UNION ALL
  SELECT subject_key, subject_uscc, subject_name, 'abnormal_operation', '经营异常名录', record_key, authority || '@' || strftime(listed_date, '%Y-%m-%d'), listed_date, -1,
    NULL, [reason], authority, reason,
    removed_date IS NULL OR removed_date > cw_as_of(), removed_date
  FROM abnormal
  UNION ALL
  SELECT subject_key, subject_uscc, subject_name, 'commitment_breach', '信用承诺违诺', record_key, commitment_no, breach_date, -1,
    NULL, [commitment_type], receiver, breach_detail,
    true, NULL::DATE
  FROM commit_latest WHERE fulfilment = '违诺'
  UNION ALL
  SELECT subject_key, subject_uscc, subject_name, 'contract_breach', '合同违约', record_key, contract_no, sign_date, -1,
    amount, [contract_type], counterparty, breach_detail,
    true, NULL::DATE
  FROM contract_latest WHERE status = '违约'
  UNION ALL
  SELECT subject_key, subject_uscc, subject_name, 'tax_grade', '纳税信用等级', record_key, CAST(eval_year AS VARCHAR), eval_date,
    CASE grade WHEN 'A' THEN 1 WHEN 'C' THEN -1 WHEN 'D' THEN -1 ELSE 0 END,
    NULL, [grade], authority, grade,
    -- only the latest year's grade is in force
    row_number() OVER (PARTITION BY subject_key ORDER BY eval_year DESC, eval_date DESC, run_id DESC, row_number DESC) = 1, NULL::DATE
  FROM asof_tax_grade
  UNION ALL
  SELECT subject_key, subject_uscc, subject_name, 'honor', '红名单/荣誉', record_key, decision_no, granted_date, 1,
    NULL, [honor_type], authority, honor_name,
    valid_to >= cw_as_of(), valid_to
  FROM asof_honor
  UNION ALL
  SELECT subject_key, subject_uscc, subject_name, 'commitment_kept', '信用承诺践诺', record_key, commitment_no, commit_date, 1,
    NULL, [commitment_type], receiver, matter,
    true, NULL::DATE
  FROM commit_latest WHERE fulfilment = '践诺'
),
-- Repairs and objections point at a record by its document number (文书号/案号/承诺书编号) and kind.
repairs AS (
  SELECT subject_key, target_ref, target_kind, min(done_date) AS done_date FROM asof_repair
  WHERE result = '修复完成' AND done_date <= cw_as_of() GROUP BY ALL
),
-- 经营异常名录 listings have no document number: a completed repair clears the subject's listings
-- made before it.
abnormal_repairs AS (
  SELECT subject_key, max(done_date) AS done_date FROM asof_repair
  WHERE result = '修复完成' AND target_kind = '经营异常名录' AND done_date <= cw_as_of() GROUP BY ALL
),
objections AS (
  SELECT subject_key, target_ref, target_kind,
    min(done_date) FILTER (WHERE result = '撤销') AS revoked_date,
    min(done_date) FILTER (WHERE result = '更正') AS corrected_date
  FROM asof_objection WHERE result IN ('撤销', '更正') AND done_date <= cw_as_of() GROUP BY ALL
),
kind_map AS (
  SELECT * FROM (VALUES ('penalty', '行政处罚'), ('court_dishonest', '失信被执行人'), ('serious_dishonest', '严重失信主体名单'),
    ('abnormal_operation', '经营异常名录'), ('commitment_breach', '信用承诺'), ('contract_breach', '合同履约'), ('tax_grade', '纳税信用等级')) t(category, target_kind)
)
SELECT
  e.* REPLACE (
    -- natural persons' names are personal data: only the surname is kept
    CASE WHEN e.subject_key LIKE 'P:%' THEN left(e.name, 1) || repeat('*', greatest(length(e.name) - 1, 1)) ELSE e.name END AS name),
  date_trunc('month', e.event_date)::DATE AS month,
  coalesce(r.done_date, ar.done_date) IS NOT NULL AS repaired,
  coalesce(r.done_date, ar.done_date) AS repaired_date,
  o.revoked_date IS NOT NULL AS revoked,
  o.revoked_date,
  o.corrected_date IS NOT NULL AS corrected,
  e.active AND coalesce(r.done_date, ar.done_date) IS NULL AND o.revoked_date IS NULL AS effective
FROM events e
LEFT JOIN kind_map k ON k.category = e.category
LEFT JOIN repairs r ON r.subject_key = e.subject_key AND r.target_ref = e.ref AND r.target_kind = k.target_kind
LEFT JOIN abnormal_repairs ar ON e.category = 'abnormal_operation' AND ar.subject_key = e.subject_key AND e.event_date <= ar.done_date
LEFT JOIN objections o ON o.subject_key = e.subject_key AND o.target_ref = e.ref AND o.target_kind = k.target_kind
WHERE e.event_date IS NOT NULL AND e.event_date <= cw_as_of();
