/**
 * risk_clusters and risk_cluster_members: groups where one person or a group of persons/firms
 * stands behind several high-risk firms (一人多企、关联失信).
 *
 * Cluster graph (see analytics/docs/relation-risk.md):
 *   nodes = natural persons + high-risk firms (relation_seeds.high_risk) + "connector" firms
 *           (not high-risk, directly related to >= 2 high-risk nodes: a holding or guarantee hub)
 *   edges = in-force relations (any type) between two such nodes.
 * Clusters are its connected components holding >= 2 high-risk firms, found by union-find in JS
 * over the pulled edge list (see components()). The cluster graph only holds the neighbourhood of
 * high-risk firms (a few % of the graph); even the whole 3 M-edge graph of a 1 M-subject city takes
 * under a second this way, against ~12 rounds and tens of seconds of min-label propagation in SQL.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { TsStep } from '../build.ts';
import { queryRows } from '../../ingest/duck.ts';
import { HIGH_RISK } from './31_relation_seeds.ts';

/** member_keys lists at most this many members. */
export const MEMBER_KEYS_MAX = 50;
/** Clusters need at least this many high-risk firms. */
export const MIN_RISKY_FIRMS = 2;

/**
 * Connected components of the undirected pairs rc_pair(a, b) over the nodes rc_node(id) into
 * rc_label(id, label), label = the smallest id of the component. Union-find in JS over Int32Arrays
 * of dense indexes: only the edge list is pulled out of DuckDB (columnar), and the labels go back
 * through an appender. Returns the number of components.
 */
export async function components(conn: DuckDBConnection): Promise<number> {
  await conn.run(`CREATE OR REPLACE TEMP TABLE rc_dense AS SELECT id, (row_number() OVER (ORDER BY id) - 1)::INTEGER AS i FROM rc_node`);
  const n = Number((await queryRows<{ n: number }>(conn, 'SELECT count(*) AS n FROM rc_dense'))[0].n);
  const edges = await conn.runAndReadAll(`SELECT da.i AS a, db.i AS b FROM rc_pair p JOIN rc_dense da ON da.id = p.a JOIN rc_dense db ON db.id = p.b`);
  const cols = edges.getColumns() as unknown as number[][];
  const ea = cols[0] ?? [];
  const eb = cols[1] ?? [];
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  };
  // union by smaller index: a root is always the smallest index (= smallest id) of its set
  for (let k = 0; k < ea.length; k++) {
    const x = find(ea[k]);
    const y = find(eb[k]);
    if (x < y) parent[y] = x;
    else if (y < x) parent[x] = y;
  }
  await conn.run('CREATE OR REPLACE TEMP TABLE rc_uf (i INTEGER, root INTEGER)');
  const app = await conn.createAppender('rc_uf', 'main', 'temp');
  let comps = 0;
  for (let i = 0; i < n; i++) {
    const r = find(i);
    if (r === i) comps++;
    app.appendInteger(i);
    app.appendInteger(r);
    app.endRow();
  }
  app.closeSync();
  await conn.run(`
    CREATE OR REPLACE TEMP TABLE rc_label AS
    SELECT d.id, r.id AS label FROM rc_uf u JOIN rc_dense d ON d.i = u.i JOIN rc_dense r ON r.i = u.root`);
  await conn.run('DROP TABLE rc_uf; DROP TABLE rc_dense');
  return comps;
}

const step: TsStep = {
  async run(ctx) {
    const { conn } = ctx;
    await conn.run(`
      CREATE OR REPLACE TEMP TABLE rc_risky AS
      SELECT node_id AS id, node_type FROM relation_seeds WHERE seed_risk >= ${HIGH_RISK}`);
    // Core firms: high-risk firms, and connector firms (not high-risk, directly related to >= 2
    // high-risk nodes).
    await conn.run(`
      CREATE OR REPLACE TEMP TABLE rc_core AS
      WITH touch AS (
        SELECT DISTINCT k, k_type, r FROM (
          SELECT e.related_id AS k, e.related_type AS k_type, e.subject_id AS r FROM relation_edges e SEMI JOIN rc_risky x ON x.id = e.subject_id
          UNION ALL
          SELECT e.subject_id, 'firm', e.related_id FROM relation_edges e SEMI JOIN rc_risky x ON x.id = e.related_id
        )
      ),
      connector AS (
        SELECT k AS id FROM touch WHERE k_type = 'firm' AND k NOT IN (SELECT id FROM rc_risky)
        GROUP BY k HAVING count(*) >= 2
      )
      SELECT id FROM rc_risky WHERE node_type = 'firm'
      UNION
      SELECT id FROM connector`);
    // Cluster-graph edges: the subject (always a firm) is a core firm, the related party a person
    // or a core firm. Keys and labels come along for the members.
    await conn.run(`
      CREATE OR REPLACE TEMP TABLE rc_cand AS
      SELECT e.subject_id, e.subject_key, e.subject_label, e.related_id, e.related_key, e.related_label
      FROM relation_edges e SEMI JOIN rc_core c ON c.id = e.subject_id
      WHERE e.related_type = 'person' OR e.related_id IN (SELECT id FROM rc_core)`);
    await conn.run(`
      CREATE OR REPLACE TEMP TABLE rc_keys AS
      SELECT id, min(k) AS node_key, coalesce(min(label) FILTER (WHERE pref = 0), min(label)) AS label FROM (
        SELECT subject_id AS id, subject_key AS k, subject_label AS label, 0 AS pref FROM rc_cand
        UNION ALL
        SELECT related_id, related_key, related_label, 1 FROM rc_cand
      ) GROUP BY id`);
    await conn.run(`
      CREATE OR REPLACE TEMP TABLE rc_pair AS
      SELECT DISTINCT least(subject_id, related_id) AS a, greatest(subject_id, related_id) AS b FROM rc_cand`);
    await conn.run(`CREATE OR REPLACE TEMP TABLE rc_node AS SELECT id FROM rc_keys`);
    await conn.run(`CREATE OR REPLACE TEMP TABLE rc_edge AS SELECT a, b FROM rc_pair UNION ALL SELECT b, a FROM rc_pair`);
    await components(conn);

    // Members of qualifying components, with their (high-risk) links inside the cluster graph. The
    // cluster id hashes the smallest member key (stable while the smallest member stays).
    await conn.run(`
      CREATE OR REPLACE TABLE risk_cluster_members AS
      WITH links AS (
        SELECT e.a AS id, count(x.id)::INTEGER AS risky_links, count(*)::INTEGER AS links
        FROM rc_edge e LEFT JOIN rc_risky x ON x.id = e.b GROUP BY e.a
      ),
      sized AS (
        SELECT l.id, l.label, k.node_key, k.label AS node_label,
          count(*) FILTER (WHERE x.node_type = 'firm') OVER (PARTITION BY l.label) AS risky_firms,
          min(k.node_key) OVER (PARTITION BY l.label) AS root_key
        FROM rc_label l JOIN rc_keys k ON k.id = l.id LEFT JOIN rc_risky x ON x.id = l.id
      )
      SELECT
        'RC-' || substr(md5(m.root_key), 1, 12) AS cluster_id,
        m.node_key,
        CASE WHEN starts_with(m.node_key, 'P:') THEN 'person' ELSE 'firm' END AS node_type,
        m.node_label AS label,
        coalesce(sd.seed_risk, 0)::DOUBLE AS seed_risk,
        sd.seed_reason,
        coalesce(sd.seed_risk >= ${HIGH_RISK}, false) AS high_risk,
        k.risky_links,
        k.links
      FROM sized m
      JOIN links k ON k.id = m.id
      LEFT JOIN relation_seeds sd ON sd.node_id = m.id
      WHERE m.risky_firms >= ${MIN_RISKY_FIRMS}
      ORDER BY cluster_id, m.node_key`);

    await conn.run(`
      CREATE OR REPLACE TABLE risk_clusters AS
      WITH m AS (SELECT * FROM risk_cluster_members),
      -- the member with most high-risk links; ties: a person before a firm, more links, smaller key
      anchor AS (
        SELECT cluster_id, node_key AS anchor_key FROM m
        QUALIFY row_number() OVER (PARTITION BY cluster_id ORDER BY risky_links DESC, (node_type = 'person') DESC, links DESC, node_key) = 1
      ),
      firm AS (
        SELECT m.cluster_id, d.county_code, d.industry_section, d.industry_division
        FROM m JOIN subject_dim d ON d.subject_key = m.node_key
      ),
      counties AS (
        SELECT cluster_id, list({'county_code': county_code, 'firms': n} ORDER BY n DESC, county_code) AS counties
        FROM (SELECT cluster_id, county_code, count(*)::INTEGER AS n FROM firm GROUP BY ALL) GROUP BY cluster_id
      ),
      industries AS (
        SELECT cluster_id, list({'industry_section': industry_section, 'industry_division': industry_division, 'firms': n} ORDER BY n DESC, industry_division) AS industries
        FROM (SELECT cluster_id, industry_section, industry_division, count(*)::INTEGER AS n FROM firm GROUP BY ALL) GROUP BY cluster_id
      ),
      ev AS (
        SELECT m.cluster_id,
          sum(e.fine_amount) FILTER (WHERE e.category = 'penalty') AS fines,
          min(e.event_date) FILTER (WHERE e.category IN ('court_dishonest', 'serious_dishonest')) AS first_d,
          max(e.event_date) FILTER (WHERE e.category IN ('court_dishonest', 'serious_dishonest')) AS latest_d
        FROM m JOIN credit_events e ON e.subject_key = m.node_key
        WHERE e.effective AND e.category IN ('penalty', 'court_dishonest', 'serious_dishonest')
        GROUP BY m.cluster_id
      ),
      agg AS (
        SELECT cluster_id,
          count(*)::INTEGER AS members,
          count(*) FILTER (WHERE high_risk)::INTEGER AS risky_members,
          count(*) FILTER (WHERE high_risk AND node_type = 'firm')::INTEGER AS risky_firms,
          count(*) FILTER (WHERE node_type = 'person')::INTEGER AS persons,
          list(node_key ORDER BY risky_links DESC, seed_risk DESC, node_key)[1:${MEMBER_KEYS_MAX}] AS member_keys,
          max(seed_risk) AS max_seed_risk
        FROM m GROUP BY cluster_id
      )
      SELECT
        a.cluster_id,
        row_number() OVER (ORDER BY a.risky_firms DESC, a.risky_members DESC, a.max_seed_risk DESC, coalesce(ev.fines, 0) DESC, a.cluster_id)::INTEGER AS cluster_rank,
        an.anchor_key,
        am.label AS anchor_name,
        am.node_type AS anchor_type,
        am.risky_links AS anchor_risky_links,
        a.members,
        a.risky_members,
        a.risky_firms,
        a.persons,
        a.member_keys,
        coalesce(c.counties, []) AS counties,
        coalesce(i.industries, []) AS industries,
        round(coalesce(ev.fines, 0), 4)::DOUBLE AS total_fines_wan,
        a.max_seed_risk,
        ev.first_d AS first_dishonest_date,
        ev.latest_d AS latest_dishonest_date
      FROM agg a
      JOIN anchor an USING (cluster_id)
      JOIN m am ON am.cluster_id = a.cluster_id AND am.node_key = an.anchor_key
      LEFT JOIN counties c USING (cluster_id)
      LEFT JOIN industries i USING (cluster_id)
      LEFT JOIN ev USING (cluster_id)
      ORDER BY cluster_rank`);
    for (const t of ['rc_risky', 'rc_core', 'rc_cand', 'rc_keys', 'rc_pair', 'rc_node', 'rc_edge', 'rc_label']) await conn.run(`DROP TABLE IF EXISTS ${t}`);
    return ['risk_clusters', 'risk_cluster_members'];
  },
};
export default step;
