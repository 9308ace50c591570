-- relation_edges: the relation graph (关联关系) in force on the build date, one row per
-- (subject firm, related party, relation type). Model and reasons: analytics/docs/relation-risk.md.
--
-- Nodes are subject keys: firms by USCC, natural persons by 'P:' + ID hash (the same key their own
-- credit records carry). subject_id / related_id = hash(key) (64 bit) are the build-internal node
-- ids steps 31-33 join on instead of the 66-character person keys. Persons are only ever shown
-- masked: first character of the name + '*' per further character, and the masked ID number.
--
-- In force: a relation spell is (subject, type, related party, start date). Its ending arrives as a
-- new lake row of the same spell with 终止日期 set (the lake keeps both rows), so a spell is ended
-- when ANY of its rows has end_date <= as-of. Spells that start after as-of are not in
-- asof_relation. An edge is in force when one of its spells is; its attributes come from the rows
-- not ended (max share ratio and guarantee amount, first start date). Set-based for ~3 M rows at
-- 1 M subjects: the (few) ended spells are anti-joined away, then one GROUP BY; no window, no join.
--
-- weight: 法定代表人 1.0; 担保 0.8; 股东 / 对外投资 0.2 + 0.8 * share_ratio/100 (share clamped to
-- 0..100 %), 0.5 when the share ratio is not reported.
CREATE OR REPLACE TABLE relation_edges AS
WITH src AS (
  -- UNION BY NAME supplies related_key when the lake has no relation file yet (the empty
  -- records_relation view lacks that column)
  SELECT subject_uscc, subject_name, relation_type, related_key, related_name, related_id_number_masked,
    share_ratio, guarantee_amount, start_date, end_date
  FROM (SELECT * FROM asof_relation UNION ALL BY NAME SELECT NULL::VARCHAR AS related_key WHERE false)
  WHERE subject_uscc IS NOT NULL AND related_key IS NOT NULL AND related_key <> subject_uscc
),
ended AS (
  SELECT DISTINCT subject_uscc, relation_type, related_key, start_date FROM src WHERE end_date <= cw_as_of()
),
live AS (
  SELECT s.* FROM src s
  ANTI JOIN ended e ON e.subject_uscc = s.subject_uscc AND e.relation_type = s.relation_type
    AND e.related_key = s.related_key AND e.start_date = s.start_date
  WHERE s.end_date IS NULL OR s.end_date > cw_as_of()
),
edge AS (
  SELECT subject_uscc AS subject_key, related_key, relation_type,
    min(subject_name) AS subject_name,
    min(related_name) AS related_name,
    min(related_id_number_masked) AS related_masked,
    max(share_ratio) AS share_ratio,
    max(guarantee_amount) AS guarantee_amount,
    min(start_date) AS start_date,
    count(*)::INTEGER AS records
  FROM live GROUP BY ALL
)
SELECT
  subject_key,
  hash(subject_key) AS subject_id,
  subject_name AS subject_label,
  related_key,
  hash(related_key) AS related_id,
  CASE WHEN starts_with(related_key, 'P:') THEN 'person' ELSE 'firm' END AS related_type,
  CASE WHEN starts_with(related_key, 'P:')
    THEN left(related_name, 1) || repeat('*', greatest(length(related_name) - 1, 1)) || '(' || coalesce(related_masked, '******') || ')'
    ELSE related_name END AS related_label,
  relation_type,
  round(CASE relation_type
    WHEN '法定代表人' THEN 1.0
    WHEN '担保' THEN 0.8
    ELSE CASE WHEN share_ratio IS NULL THEN 0.5 ELSE 0.2 + 0.8 * least(greatest(share_ratio, 0), 100) / 100 END
  END, 4)::DOUBLE AS weight,
  share_ratio,
  guarantee_amount,
  start_date,
  records
FROM edge;
