/**
 * Subject search (paged, sorted server-side, in the user's scope) and the subject profile. Search
 * reads the one-row-per-subject search table (serving-aids.ts) in SQL, or, once it has loaded,
 * the in-memory index of it (search-index.ts) with the same results. The profile reads one subject
 * from each table through the lookup indexes (sql.ts byKey); a subject outside the user's scope is
 * answered 404 like an unknown one (its existence is not revealed).
 */
import { inScope, seesPersonalData } from '../../plugins/auth.ts';
import type { BuildSession } from '../../plugins/warehouse.ts';
import { SUBJECT_SORTS, SubjectsBody, SubjectsQuery } from '../../schemas/views.ts';
import type { SessionUser } from '../../types.ts';
import { SUBJECT_EXPORT_ROLES, SUBJECT_ROLES, type ListDef, type Paging } from './lists.ts';
import { isPerson, maskFramePersons, maskText, personName } from './mask.ts';
import type { PersonalShown } from './serve.ts';
import type { SearchIndexHolder } from './search-index.ts';
import { SEARCH_INDEX, SEARCH_TABLE, aid } from './serving-aids.ts';
import { Where, byKey, byKeys, cols, hasColumn, notFound, requireTables, rows } from './sql.ts';

type Sort = (typeof SUBJECT_SORTS)[number];
/** Characters of a USCC (GB 32100: digits and upper-case letters without I, O, Z, S, V). */
const USCC_PREFIX = /^[0-9A-HJ-NP-RTUWXY]{2,18}$/;

const SORT_SQL: Record<Sort, (dir: string) => string> = {
  score: (d) => `score ${d} NULLS LAST`,
  name: (d) => `name ${d}`,
  exposure: (d) => `exposure ${d} NULLS LAST`,
  negative_events: (d) => `negative_events ${d} NULLS LAST`,
  grade: (d) => `grade ${d} NULLS LAST, score ${d === 'ASC' ? 'DESC' : 'ASC'} NULLS LAST`,
  county_code: (d) => `county_code ${d} NULLS LAST`,
  uscc: (d) => `uscc ${d} NULLS LAST`,
};

/** ASC or DESC: the order asked for, else ascending for score, name and codes, descending for counts and exposure. */
function sortDirection(sort: Sort, order: string | undefined): 'ASC' | 'DESC' {
  return (order ?? (sort === 'score' || sort === 'name' || sort === 'county_code' || sort === 'uscc' ? 'asc' : 'desc')).toUpperCase() as 'ASC' | 'DESC';
}

/** Filters of the search on the search table `s` (serving-aids.ts: one row per subject). */
function subjectFilters(user: SessionUser, q: SubjectsQuery): Where {
  const w = new Where();
  if (q.q) {
    // name contains the text; a USCC-like text also matches the code prefix
    const term = q.q.trim();
    const upper = term.toUpperCase();
    w.add(USCC_PREFIX.test(upper) ? `(starts_with(s.uscc, ${w.p(upper)}) OR contains(s.name, ${w.p(term)}))` : `contains(s.name, ${w.p(term)})`);
  }
  if (q.county) w.add(`s.county_code = ${w.p(q.county)}`);
  if (q.section) w.add(`s.industry_section = ${w.p(q.section)}`);
  if (q.division) w.add(`s.industry_division = ${w.p(q.division)}`);
  if (q.grade) w.add(`list_contains(${w.p(q.grade.split(','))}, s.grade)`);
  if (q.list) w.add(`list_contains(s.lists, ${w.p(q.list)})`);
  w.scope(user, { county: 's.county_code', section: 's.industry_section', division: 's.industry_division' });
  return w;
}

const SEARCH_COLUMNS = 'subject_key, uscc, name, subject_type, county_code, county_name, industry_section, industry_division, score, grade, grade_label, negative_events, positive_events, exposure, lists';

export const subjectsList: ListDef = {
  id: 'subjects', path: '/subjects', title: '信用主体查询', summary: 'search subjects by name or USCC prefix, county, industry, grade and list membership; paged and sorted server-side, in your scope',
  roles: SUBJECT_ROLES, exportRoles: SUBJECT_EXPORT_ROLES, querystring: SubjectsQuery, body: SubjectsBody, paged: true,
  query(s, { user, query }, page?: Paging) {
    requireTables(s, 'subject_scores', SEARCH_TABLE);
    const q = query as SubjectsQuery;
    const w = subjectFilters(user, q);
    const sort = (q.sort ?? 'score') as Sort;
    const dir = sortDirection(sort, q.order);
    const limit = page ? ` LIMIT ${w.p(page.limit)} OFFSET ${w.p(page.offset)}` : '';
    return {
      sql: `SELECT ${SEARCH_COLUMNS} FROM ${aid(SEARCH_TABLE)} s ${w.sql} ORDER BY ${SORT_SQL[sort](dir)}, subject_key${limit}`,
      params: w.params,
      countSql: `SELECT count(*) AS n FROM ${aid(SEARCH_TABLE)} s ${w.sql}`,
    };
  },
  fastPage(s, { user, query }, page) {
    const index = s.aid<SearchIndexHolder>(SEARCH_INDEX)?.index;
    if (!index) return null;
    const q = query as SubjectsQuery;
    const sort = (q.sort ?? 'score') as Sort;
    const r = index.search(user, { q: q.q, county: q.county, section: q.section, division: q.division, grades: q.grade?.split(','), list: q.list },
      sort, sortDirection(sort, q.order) === 'DESC', page.offset, page.limit);
    return { frame: index.frame(r.rows), total: r.total };
  },
  post(f, { user }) {
    maskFramePersons(user, f, { nameCol: 'name', typeCol: 'subject_type', keyCol: 'subject_key' });
    return f;
  },
  personal(f) {
    const keys = f.columns[f.names.indexOf('subject_key')] ?? [];
    const types = f.columns[f.names.indexOf('subject_type')] ?? [];
    const persons = keys.filter((k, i) => isPerson(types[i], k)).map(String);
    return persons.length ? { subject: persons[0], persons } : null;
  },
};

// ----- profile -----

const REGISTER_COLS = ['subject_key', 'uscc', 'name', 'subject_type', 'county_code', 'county_name', 'industry_code', 'industry_section', 'industry_division',
  'industry_section_name', 'industry_division_name', 'scale', 'reg_date', 'reg_capital', 'legal_rep', 'status', 'address', 'lon', 'lat'];
const SCORE_COLS = ['subject_key', 'uscc', 'name', 'subject_type', 'county_code', 'industry_section', 'industry_division', 'score', 'grade', 'grade_label',
  'supervision_band', 'inspection_ratio', 'negative_events', 'positive_events', 'hard_rule', 'as_of'];
const TIMELINE_LIMIT = 500;
const RELATED_LIMIT = 200;

type Row = Record<string, unknown>;

/** The subject `key` (subject_key or USCC) as this user may see it, or a 404. */
async function findSubject(s: BuildSession, user: SessionUser, key: string): Promise<{ reg: Row | null; score: Row | null }> {
  requireTables(s, 'subject_scores');
  const dims = (s.columns('subject_scores') ?? []).filter((c) => c.startsWith('dim_'));
  const read = async (where: (table: string) => string) => {
    const [reg, score] = await Promise.all([
      s.has('subject_dim') ? rows(s, `SELECT ${cols(s, 'subject_dim', REGISTER_COLS)} FROM subject_dim WHERE ${where('subject_dim')} LIMIT 1`, { k: key }) : [],
      rows(s, `SELECT ${cols(s, 'subject_scores', [...SCORE_COLS, ...dims])} FROM subject_scores WHERE ${where('subject_scores')} LIMIT 1`, { k: key }),
    ]);
    return { reg: reg[0] ?? null, score: score[0] ?? null };
  };
  let { reg, score } = await read((t) => byKey(s, t, 'subject_key', '$k'));
  // a USCC that is not the subject key (subject_key is the USCC for organisations): scan by code
  if (!reg && !score && USCC_PREFIX.test(key)) ({ reg, score } = await read(() => 'uscc = $k'));
  const any = reg ?? score;
  // out of scope answers exactly like unknown
  if (!any || !inScope(user, any as Row)) throw notFound(`没有找到主体 ${key}, 或不在您的数据权限范围内 (subject not found or outside your scope)`);
  return { reg, score };
}

export interface ProfileResult { body: Row; personal: PersonalShown | null }

export async function subjectProfile(s: BuildSession, user: SessionUser, key: string): Promise<ProfileResult> {
  const { reg, score } = await findSubject(s, user, key);
  const base = (reg ?? score)!;
  const sk = String(base.subject_key);
  const natural = isPerson(base.subject_type, sk);
  const missing = ['subject_dim', 'score_explanations', 'credit_events', 'watchlist_members', 'alerts', 'relation_edges', 'relation_risk'].filter((t) => !s.has(t));
  const p = { k: sk };

  const [explanation, events, lists, alerts, related, risk, dimLabels] = await Promise.all([
    s.has('score_explanations')
      ? rows(s, `SELECT seq, dimension, factor, record_key, event_date, contribution FROM score_explanations WHERE ${byKey(s, 'score_explanations', 'subject_key', '$k')} ORDER BY seq LIMIT 200`, p)
      : [],
    s.has('credit_events')
      ? rows(s, `SELECT ${cols(s, 'credit_events', ['record_key', 'category', 'kind_label', 'ref', 'event_date', 'polarity', 'fine_amount', 'authority', 'detail', 'active', 'ends', 'repaired', 'repaired_date', 'revoked', 'corrected', 'effective'])}
          , count(*) OVER () AS __total
          FROM credit_events WHERE ${byKey(s, 'credit_events', 'subject_key', '$k')} ORDER BY event_date DESC NULLS LAST, record_key LIMIT ${TIMELINE_LIMIT}`, p)
      : [],
    s.has('watchlist_members')
      ? rows(s, `SELECT ${cols(s, 'watchlist_members', ['list_type', 'list_label', 'reason', 'basis', 'decided_on', 'valid_until', 'authority', 'member_key', 'source_record_keys'])}
          FROM watchlist_members WHERE ${byKey(s, 'watchlist_members', 'subject_key', '$k')} ORDER BY decided_on DESC NULLS LAST`, p)
      : [],
    s.has('alerts')
      ? rows(s, `SELECT ${cols(s, 'alerts', ['alert_id', 'rule_id', 'rule_name', 'level', 'title', 'detail', 'first_seen', 'change'])}
          FROM alerts WHERE ${byKey(s, 'alerts', 'subject_key', '$k')} ORDER BY ${hasColumn(s, 'alerts', 'level_rank') ? 'level_rank, ' : ''}first_seen DESC NULLS LAST`, p)
      : [],
    relatedParties(s, sk),
    s.has('relation_risk')
      ? rows(s, `SELECT ${cols(s, 'relation_risk', ['exposure', 'risky_neighbors', 'risk_sources', 'own_risk', 'cluster_id', 'top_paths', 'top_contrib'])} FROM relation_risk WHERE ${byKey(s, 'relation_risk', 'subject_key', '$k')} LIMIT 1`, p)
      : [],
    s.has('score_dimensions') ? rows<{ dimension: string; label: string }>(s, 'SELECT dimension, label FROM score_dimensions ORDER BY seq') : [],
  ]);

  const timelineTotal = (events[0]?.__total as number | undefined) ?? 0;
  const timeline = events.map(({ __total: _, ...e }) => e);

  // Natural persons shown: the subject itself, persons among related parties, the legal representative.
  const persons: string[] = [];
  if (natural) persons.push(sk);
  const sees = seesPersonalData(user);
  const subject: Row = {};
  for (const c of REGISTER_COLS) subject[c] = reg?.[c] ?? score?.[c] ?? null;
  subject.subject_key = sk;
  subject.natural_person = natural;
  subject.name = natural ? personName(user, String(subject.name)) : subject.name;
  if (subject.legal_rep !== null) {
    persons.push(`${sk}#legal_rep`);
    subject.legal_rep = personName(user, subject.legal_rep as string);
  }
  if (natural) subject.address = sees ? subject.address : null;

  const labels = new Map(dimLabels.map((d) => [d.dimension, d.label]));
  const scorePart = score ? {
    score: score.score, grade: score.grade, grade_label: score.grade_label, supervision_band: score.supervision_band, inspection_ratio: score.inspection_ratio,
    negative_events: score.negative_events, positive_events: score.positive_events, hard_rule: score.hard_rule, as_of: score.as_of,
    dimensions: Object.keys(score).filter((c) => c.startsWith('dim_')).map((c) => ({ dimension: c.slice(4), label: labels.get(c.slice(4)) ?? null, value: score[c] as number | null })),
  } : null;

  const relatedOut = related.map((r) => {
    const person = r.related_type === 'person' || String(r.related_key).startsWith('P:');
    if (person) persons.push(String(r.related_key));
    const visible = person || inScope(user, r);
    return {
      direction: r.direction, related_key: r.related_key, related_type: r.related_type,
      related_label: person ? personName(user, r.related_label as string) : r.related_label,
      relation_type: r.relation_type, share_ratio: r.share_ratio, guarantee_amount: r.guarantee_amount, start_date: r.start_date,
      in_scope: visible, grade: visible && !person ? r.grade : null, score: visible && !person ? r.score : null,
    };
  });

  const r0 = risk[0];
  const riskPart = r0 ? {
    exposure: r0.exposure, risky_neighbors: r0.risky_neighbors, risk_sources: r0.risk_sources, own_risk: r0.own_risk, cluster_id: r0.cluster_id,
    top_paths: ((r0.top_paths as string[] | null) ?? []).map((path, i) => ({ path: maskText(user, path) ?? '', contribution: ((r0.top_contrib as number[] | null) ?? [])[i] ?? null })),
  } : null;

  const body: Row = {
    build_id: s.buildId, as_of: s.asOf, subject, score: scorePart, explanation, timeline, timeline_total: timelineTotal,
    lists: lists.map((l) => ({ ...l, source_record_keys: (l.source_record_keys as string[] | null) ?? [] })),
    alerts, related: relatedOut, risk: riskPart, masked: !sees, missing,
  };
  return { body, personal: persons.length ? { subject: sk, persons } : null };
}

/** Both directions of the subject's relations, with the other party's register scope and grade. */
async function relatedParties(s: BuildSession, sk: string): Promise<Row[]> {
  if (!s.has('relation_edges')) return [];
  const dim = s.has('subject_dim');
  const sc = s.has('subject_scores');
  return rows(s, `WITH e AS (
      SELECT 'out' AS direction, related_key, related_type, related_label, relation_type, share_ratio, guarantee_amount, start_date
      FROM relation_edges WHERE ${byKey(s, 'relation_edges', 'subject_key', '$k')}
      UNION ALL
      SELECT 'in', subject_key, 'firm', subject_label, relation_type, share_ratio, guarantee_amount, start_date
      FROM relation_edges WHERE ${byKey(s, 'relation_edges', 'related_key', '$k')}
      LIMIT ${RELATED_LIMIT})
    ${dim ? `, d AS (SELECT subject_key, county_code, industry_section, industry_division FROM subject_dim WHERE ${byKeys(s, 'subject_dim', 'subject_key', 'SELECT related_key FROM e')})` : ''}
    ${sc ? `, x AS (SELECT subject_key, grade, score FROM subject_scores WHERE ${byKeys(s, 'subject_scores', 'subject_key', 'SELECT related_key FROM e')})` : ''}
    SELECT e.*, ${dim ? 'd.county_code, d.industry_section, d.industry_division' : 'NULL AS county_code, NULL AS industry_section, NULL AS industry_division'},
      ${sc ? 'x.grade, x.score' : 'NULL AS grade, NULL AS score'}
    FROM e ${dim ? 'LEFT JOIN d ON d.subject_key = e.related_key' : ''} ${sc ? 'LEFT JOIN x ON x.subject_key = e.related_key' : ''}
    ORDER BY e.direction DESC, e.relation_type, e.related_key`, { k: sk });
}
