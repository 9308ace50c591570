-- relation_risk: each registered subject's exposure (关联风险暴露度, 0-100) to risky related parties
-- within 3 hops of the in-force relation graph (relation_edges), through person and firm nodes.
-- Full model and reasons: analytics/docs/relation-risk.md.
--
--   contribution of seed r to subject v = max over paths v ~ r of at most 3 edges of
--       seed_risk(r) * prod(edge weights on the path) * 0.5 ^ (edges - 1)
--   exposure(v) = 100 * (1 - prod over seeds r != v of (1 - contribution(r, v)))
--
-- Computed hop by hop from the seeds outward (seeds are a few % of the nodes), keeping only the
-- best walk per (node, seed) at each hop: a walk that revisits a node is never better than the
-- path that skips the loop (weights <= 1, decay < 1), so max over walks = max over simple paths.
-- Nodes with more than 100 links (registration agents, large groups) are reached but not passed
-- through. Parallel relations between two nodes count once, with the highest weight. All joins
-- are on the 64-bit node ids of relation_edges (hash of the key).

-- Undirected adjacency: one entry per ordered pair, the strongest relation type labels the link
-- (ties: 法定代表人 > 股东 > 对外投资 > 担保).
-- dst_firm: the far end is a firm (the subject side of a relation always is).
CREATE OR REPLACE TEMP TABLE rr_adj AS
WITH pair AS (
  SELECT least(subject_id, related_id) AS a, greatest(subject_id, related_id) AS b,
    bool_or(subject_id < related_id OR related_type = 'firm') AS a_firm,
    bool_or(subject_id > related_id OR related_type = 'firm') AS b_firm,
    max(weight) AS w,
    arg_max(relation_type, round(weight * 10000) * 10
      - CASE relation_type WHEN '法定代表人' THEN 1 WHEN '股东' THEN 2 WHEN '对外投资' THEN 3 ELSE 4 END) AS rel
  FROM relation_edges GROUP BY least(subject_id, related_id), greatest(subject_id, related_id)
)
SELECT a AS src, b AS dst, b_firm AS dst_firm, rel, w FROM pair
UNION ALL
SELECT b, a, a_firm, rel, w FROM pair;

-- nodes that are not passed through
CREATE OR REPLACE TEMP TABLE rr_hub AS
SELECT src AS id FROM rr_adj GROUP BY src HAVING count(*) > 100;

CREATE OR REPLACE TEMP TABLE rr_seed AS
SELECT node_id AS id, seed_risk AS s, high_risk, seed_reason FROM relation_seeds WHERE seed_risk > 0;

-- hop 1: direct neighbours of a seed
CREATE OR REPLACE TEMP TABLE rr_h1 AS
SELECT a.dst AS node, a.dst_firm AS firm, s.id AS seed, s.s * a.w AS c, [s.id, a.dst] AS path, [a.rel] AS rels
FROM rr_seed s JOIN rr_adj a ON a.src = s.id;

-- hop 2: best 2-edge walk per (node, seed); dropped where a 1-edge walk is at least as strong
CREATE OR REPLACE TEMP TABLE rr_h2 AS
WITH w2 AS (
  SELECT a.dst AS node, a.dst_firm AS firm, h.seed, h.c * a.w * 0.5 AS c, list_append(h.path, a.dst) AS path, list_append(h.rels, a.rel) AS rels
  FROM rr_h1 h JOIN rr_adj a ON a.src = h.node
  WHERE a.dst <> h.seed AND h.node NOT IN (SELECT id FROM rr_hub)
  QUALIFY row_number() OVER (PARTITION BY a.dst, h.seed ORDER BY h.c * a.w DESC, h.node) = 1
)
SELECT w2.* FROM w2 ANTI JOIN rr_h1 h ON h.node = w2.node AND h.seed = w2.seed AND h.c >= w2.c;

-- hop 3: only firm targets (persons are not reported and there is no 4th hop)
CREATE OR REPLACE TEMP TABLE rr_h3 AS
SELECT a.dst AS node, a.dst_firm AS firm, h.seed, h.c * a.w * 0.5 AS c, list_append(h.path, a.dst) AS path, list_append(h.rels, a.rel) AS rels
FROM rr_h2 h JOIN rr_adj a ON a.src = h.node
WHERE a.dst <> h.seed AND a.dst_firm AND h.node NOT IN (SELECT id FROM rr_hub)
QUALIFY row_number() OVER (PARTITION BY a.dst, h.seed ORDER BY h.c * a.w DESC, h.node) = 1;

-- best path per (firm, seed) over 1..3 hops
CREATE OR REPLACE TEMP TABLE rr_best AS
SELECT b.node, b.seed, b.c, len(b.rels) AS hops, b.path, b.rels FROM (
  SELECT * FROM rr_h1 UNION ALL SELECT * FROM rr_h2 UNION ALL SELECT * FROM rr_h3
) b
WHERE b.firm
QUALIFY row_number() OVER (PARTITION BY b.node, b.seed ORDER BY b.c DESC, len(b.rels), b.path) = 1;

CREATE OR REPLACE TEMP TABLE rr_top AS
SELECT *, row_number() OVER (PARTITION BY node ORDER BY c DESC, hops, seed) AS rn FROM rr_best
QUALIFY rn <= 3;

-- path text, from the subject towards the seed (path = [seed, n1, n2, subject], rels[i] links
-- path[i] and path[i + 1]):
--   本企业 -[rels[3]]- label(path[3]) -[rels[2]]- label(path[2]) -[rels[1]]- label(path[1])(seed reason)
-- A node's label: its own name where it is the subject of a relation, else as recorded by others.
CREATE OR REPLACE TEMP TABLE rr_need AS
SELECT DISTINCT unnest(path[1:hops]) AS id FROM rr_top;

CREATE OR REPLACE TEMP TABLE rr_label AS
SELECT id, coalesce(min(label) FILTER (WHERE pref = 0), min(label)) AS label FROM (
  SELECT subject_id AS id, subject_label AS label, 0 AS pref FROM relation_edges SEMI JOIN rr_need n ON n.id = subject_id
  UNION ALL
  SELECT related_id, related_label, 1 FROM relation_edges SEMI JOIN rr_need n ON n.id = related_id
) GROUP BY id;

CREATE OR REPLACE TEMP TABLE rr_text AS
WITH seg AS (
  SELECT t.node, t.rn, t.c,
    '本企业'
    || CASE WHEN t.hops >= 3 THEN ' -[' || t.rels[3] || ']- ' || l3.label ELSE '' END
    || CASE WHEN t.hops >= 2 THEN ' -[' || t.rels[2] || ']- ' || l2.label ELSE '' END
    || ' -[' || t.rels[1] || ']- ' || l1.label || '(' || sd.seed_reason || ')' AS txt
  FROM rr_top t
  JOIN rr_label l1 ON l1.id = t.path[1]
  LEFT JOIN rr_label l2 ON l2.id = t.path[2]
  LEFT JOIN rr_label l3 ON l3.id = t.path[3]
  JOIN rr_seed sd ON sd.id = t.seed
)
SELECT node,
  list_filter([max(txt) FILTER (WHERE rn = 1), max(txt) FILTER (WHERE rn = 2), max(txt) FILTER (WHERE rn = 3)], x -> x IS NOT NULL) AS top_paths,
  list_filter([max(round(c, 4)) FILTER (WHERE rn = 1), max(round(c, 4)) FILTER (WHERE rn = 2), max(round(c, 4)) FILTER (WHERE rn = 3)], x -> x IS NOT NULL) AS top_contrib
FROM seg GROUP BY node;

CREATE OR REPLACE TEMP TABLE rr_agg AS
SELECT b.node,
  100 * (1 - product(1 - b.c)) AS exposure,
  count(*) FILTER (WHERE s.high_risk)::INTEGER AS risky_neighbors,
  count(*)::INTEGER AS risk_sources
FROM rr_best b JOIN rr_seed s ON s.id = b.seed
GROUP BY b.node;

CREATE OR REPLACE TABLE relation_risk AS
SELECT
  d.uscc,
  d.subject_key,
  d.name,
  d.county_code,
  d.industry_section,
  d.industry_division,
  round(coalesce(a.exposure, 0), 2)::DOUBLE AS exposure,
  coalesce(a.risky_neighbors, 0)::INTEGER AS risky_neighbors,
  coalesce(a.risk_sources, 0)::INTEGER AS risk_sources,
  coalesce(t.top_paths, []::VARCHAR[]) AS top_paths,
  coalesce(t.top_contrib, []::DOUBLE[]) AS top_contrib,
  coalesce(own.seed_risk, 0)::DOUBLE AS own_risk,
  m.cluster_id
FROM subject_dim d
LEFT JOIN rr_agg a ON a.node = hash(d.subject_key)
LEFT JOIN rr_text t ON t.node = a.node
LEFT JOIN relation_seeds own ON own.node_key = d.subject_key
LEFT JOIN risk_cluster_members m ON m.node_key = d.subject_key;

DROP TABLE rr_adj; DROP TABLE rr_hub; DROP TABLE rr_seed; DROP TABLE rr_h1; DROP TABLE rr_h2; DROP TABLE rr_h3;
DROP TABLE rr_best; DROP TABLE rr_top; DROP TABLE rr_need; DROP TABLE rr_label; DROP TABLE rr_text; DROP TABLE rr_agg;
