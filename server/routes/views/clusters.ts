/**
 * Risk clusters (groups of subjects linked through shared people, investment or guarantees, with
 * several risky members). A scoped user sees a cluster when at least one member firm is in scope;
 * in the detail, member firms outside the scope are left out (only their count is given) and so
 * are the edges that touch them. Person anchors and members are masked like everywhere else.
 */
import { inScope } from '../../plugins/auth.ts';
import type { BuildSession } from '../../plugins/warehouse.ts';
import { ClustersBody, ClustersQuery } from '../../schemas/views.ts';
import type { SessionUser } from '../../types.ts';
import { column } from '../../arrow.ts';
import { SUBJECT_EXPORT_ROLES, SUBJECT_ROLES, type ListDef } from './lists.ts';
import { isPerson, personName } from './mask.ts';
import type { PersonalShown } from './serve.ts';
import { Where, byKeys, cols, notFound, requireTables, rows } from './sql.ts';

const CLUSTER_SCALARS = ['cluster_id', 'cluster_rank', 'anchor_key', 'anchor_name', 'anchor_type', 'members', 'risky_members', 'risky_firms', 'persons'];
const CLUSTER_TAIL = ['total_fines_wan', 'max_seed_risk', 'first_dishonest_date', 'latest_dishonest_date'];
const COUNTY_CODES = 'list_sort(list_distinct(list_transform(counties, c -> c.county_code)))';
const SECTIONS = 'list_sort(list_distinct(list_transform(industries, i -> i.industry_section)))';

function clusterSelect(s: BuildSession): string {
  return `${cols(s, 'risk_clusters', CLUSTER_SCALARS)}, ${COUNTY_CODES} AS county_codes, ${SECTIONS} AS industry_sections, ${cols(s, 'risk_clusters', CLUSTER_TAIL)}`;
}

/** Clusters with at least one member firm in the user's scope. */
function clusterScope(s: BuildSession, w: Where, user: SessionUser): void {
  const expr = w.scopeExpr(user, { county: 'd.county_code', section: 'd.industry_section', division: 'd.industry_division' });
  if (expr === null) return;
  requireTables(s, 'risk_cluster_members', 'subject_dim');
  w.add(`cluster_id IN (SELECT m.cluster_id FROM risk_cluster_members m JOIN subject_dim d ON d.subject_key = m.node_key WHERE ${expr})`);
}

export const clustersList: ListDef = {
  id: 'clusters', path: '/clusters', title: '关联风险集群', summary: 'risk clusters with at least one member firm in your scope, by rank',
  roles: SUBJECT_ROLES, exportRoles: SUBJECT_EXPORT_ROLES, querystring: ClustersQuery, body: ClustersBody,
  query(s, { user, query }) {
    requireTables(s, 'risk_clusters');
    const w = new Where();
    if (query.county) w.add(`list_contains(${COUNTY_CODES}, ${w.p(query.county)})`);
    if (query.section) w.add(`list_contains(${SECTIONS}, ${w.p(query.section)})`);
    clusterScope(s, w, user);
    return { sql: `SELECT ${clusterSelect(s)} FROM risk_clusters ${w.sql} ORDER BY cluster_rank NULLS LAST, cluster_id`, params: w.params };
  },
  post(f, { user }) {
    const names = column(f, 'anchor_name');
    const types = column(f, 'anchor_type');
    const keys = column(f, 'anchor_key');
    if (names) for (let i = 0; i < f.length; i++) if (isPerson(types?.[i], keys?.[i])) names[i] = personName(user, names[i] as string | null);
    return f;
  },
  personal(f) {
    const types = column(f, 'anchor_type') ?? [];
    const keys = column(f, 'anchor_key') ?? [];
    const persons = keys.filter((k, i) => isPerson(types[i], k)).map(String);
    return persons.length ? { subject: persons[0], persons } : null;
  },
};

type Row = Record<string, unknown>;

export async function clusterDetail(s: BuildSession, user: SessionUser, id: string): Promise<{ body: Row; personal: PersonalShown | null }> {
  requireTables(s, 'risk_clusters');
  const w = new Where();
  w.add(`cluster_id = ${w.p(id)}`);
  clusterScope(s, w, user);
  const found = await rows(s, `SELECT ${clusterSelect(s)} FROM risk_clusters ${w.sql}`, w.params);
  if (!found[0]) throw notFound(`没有找到风险集群 ${id}, 或不在您的数据权限范围内 (cluster not found or outside your scope)`);
  const cluster = found[0];
  const persons: string[] = [];
  if (isPerson(cluster.anchor_type, cluster.anchor_key)) {
    persons.push(String(cluster.anchor_key));
    cluster.anchor_name = personName(user, cluster.anchor_name as string | null);
  }
  const dim = s.has('subject_dim');
  const sc = s.has('subject_scores');
  const keysOf = 'SELECT node_key FROM m';
  const members = s.has('risk_cluster_members') ? await rows(s, `WITH m AS (SELECT * FROM risk_cluster_members WHERE cluster_id = $id)
    ${dim ? `, d AS (SELECT subject_key, county_code, industry_section, industry_division FROM subject_dim WHERE ${byKeys(s, 'subject_dim', 'subject_key', keysOf)})` : ''}
    ${sc ? `, x AS (SELECT subject_key, grade, score FROM subject_scores WHERE ${byKeys(s, 'subject_scores', 'subject_key', keysOf)})` : ''}
    SELECT m.node_key, m.node_type, m.label, m.seed_risk, m.seed_reason, m.high_risk, m.risky_links, m.links,
      ${dim ? 'd.county_code, d.industry_section, d.industry_division' : 'NULL AS county_code, NULL AS industry_section, NULL AS industry_division'},
      ${sc ? 'x.grade, x.score' : 'NULL AS grade, NULL AS score'}
    FROM m ${dim ? 'LEFT JOIN d ON d.subject_key = m.node_key' : ''} ${sc ? 'LEFT JOIN x ON x.subject_key = m.node_key' : ''}
    ORDER BY m.seed_risk DESC NULLS LAST, m.node_key`, { id }) : [];
  const shown: Row[] = [];
  let hidden = 0;
  for (const m of members) {
    const person = isPerson(m.node_type, m.node_key);
    if (!person && !inScope(user, m)) { hidden++; continue; }
    if (person) {
      persons.push(String(m.node_key));
      m.label = personName(user, m.label as string | null);
    }
    delete m.industry_division;
    shown.push(m);
  }
  const keys = shown.map((m) => String(m.node_key));
  const edges = keys.length && s.has('relation_edges')
    ? await rows(s, `SELECT DISTINCT subject_key AS "from", related_key AS "to", relation_type FROM relation_edges
        WHERE ${byKeys(s, 'relation_edges', 'subject_key', 'SELECT unnest($keys)')} AND list_contains($keys, subject_key) AND list_contains($keys, related_key) ORDER BY 1, 2, 3`, { keys })
    : [];
  return {
    body: { build_id: s.buildId, as_of: s.asOf, cluster, members: shown, edges, hidden_members: hidden },
    personal: persons.length ? { subject: `cluster:${id}`, persons } : null,
  };
}
