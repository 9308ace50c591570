/**
 * Serving aids, built in memory when a warehouse build is opened (before it is swapped in, so the
 * old build keeps serving meanwhile). The build file is read-only and its tables are not ordered
 * by subject, so a lookup of one subject would scan whole tables: at 100 k subjects a profile
 * took ~260 ms, credit_events alone ~80 ms (measured here, loaded machine). Two aids fix that:
 * - lookup indexes `lk_<table>__<column>(h, rid)`: the 64-bit hash of the key and the row id, with an
 *   ART index on h: a key lookup is an index probe (~0.5 ms; a sorted key table without the index
 *   took 1.5-6 ms), `rowid IN (SELECT rid ...)` fetches only the matching rows of the build table,
 *   and the key itself is compared on those rows (hash collisions). Hashes instead of the 18-char
 *   keys keep the aids small: ~16 B per row plus the index (at 100 k subjects all aids took 210 MB
 *   with string keys, 149 MB with hashes). The fetch is fast only when a subject's rows sit together
 *   (the semi-join prunes row groups by the rowid range): at 1 M subjects credit_events by key took
 *   474 ms plain, 74 ms through the index as built (rows of a subject scattered), 12 ms plain and
 *   6.5 ms through the index once the table was ordered by subject_key. So the build should write
 *   subject tables in subject_key order; zone maps alone prune poorly (string stats keep 8 bytes);
 * - `cw_subject_search`: one row per subject with everything a search page shows (scores, county
 *   name, exposure, list memberships), so a search needs no joins; exports query it in SQL and the
 *   views search its copy in JS arrays (search-index.ts).
 * Both live in the instance's `memory` catalog (the build is attached as `wh` and is the default).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { PreparerContext } from '../../plugins/warehouse.ts';
import { SearchIndexHolder, SubjectSearchIndex } from './search-index.ts';

/** (table, key column) pairs the views look rows up by. */
export const LOOKUPS: readonly (readonly [string, string])[] = [
  ['subject_dim', 'subject_key'], ['subject_scores', 'subject_key'], ['credit_events', 'subject_key'],
  ['score_explanations', 'subject_key'], ['watchlist_members', 'subject_key'], ['alerts', 'subject_key'],
  ['relation_edges', 'subject_key'], ['relation_edges', 'related_key'], ['relation_risk', 'subject_key'],
];

export const lookupTable = (table: string, column: string) => `lk_${table}__${column}`;
export const SEARCH_TABLE = 'cw_subject_search';
/** Qualified name of an aid table. */
export const aid = (name: string) => `memory.main.${name}`;

/** Name of the in-memory subject search (search-index.ts) among a build's JS aids. */
export const SEARCH_INDEX = 'subjectSearch';

export async function prepareServingAids(conn: DuckDBConnection, cat: PreparerContext): Promise<Record<string, unknown>> {
  for (const [table, col] of LOOKUPS) {
    if (!cat.columns(table)?.includes(col)) continue;
    const lk = lookupTable(table, col);
    await conn.run(`CREATE OR REPLACE TABLE ${aid(lk)} AS SELECT hash("${col}") AS h, rowid AS rid FROM wh.main."${table}" WHERE "${col}" IS NOT NULL`);
    await conn.run(`CREATE INDEX "${lk}_h" ON ${aid(lk)} (h)`);
  }
  if (!cat.has('subject_scores')) return {};
  const has = (t: string, c?: string) => (c ? Boolean(cat.columns(t)?.includes(c)) : cat.has(t));
  const s = (c: string) => (has('subject_scores', c) ? `s."${c}"` : 'NULL');
  const countyName = has('ref_county') ? 'c.name' : has('subject_dim', 'county_name') ? 'd.county_name' : 'NULL::VARCHAR';
  await conn.run(`CREATE OR REPLACE TABLE ${aid(SEARCH_TABLE)} AS
    SELECT s.subject_key, ${s('uscc')} AS uscc, ${s('name')} AS name, ${s('subject_type')} AS subject_type, ${s('county_code')} AS county_code,
      ${countyName} AS county_name, ${s('industry_section')} AS industry_section, ${s('industry_division')} AS industry_division,
      ${s('score')}::DOUBLE AS score, ${s('grade')} AS grade, ${s('grade_label')} AS grade_label,
      ${s('negative_events')}::DOUBLE AS negative_events, ${s('positive_events')}::DOUBLE AS positive_events,
      ${has('relation_risk', 'exposure') ? 'r.exposure' : 'NULL'}::DOUBLE AS exposure,
      ${has('watchlist_members', 'list_type') ? 'coalesce(l.lists, []::VARCHAR[])' : '[]::VARCHAR[]'} AS lists
    FROM wh.main.subject_scores s
    ${has('ref_county') ? 'LEFT JOIN (SELECT code, any_value(name) AS name FROM wh.main.ref_county GROUP BY code) c ON c.code = s.county_code' : ''}
    ${!has('ref_county') && has('subject_dim', 'county_name') ? 'LEFT JOIN (SELECT subject_key, any_value(county_name) AS county_name FROM wh.main.subject_dim GROUP BY subject_key) d ON d.subject_key = s.subject_key' : ''}
    ${has('relation_risk', 'exposure') ? 'LEFT JOIN (SELECT subject_key, max(exposure) AS exposure FROM wh.main.relation_risk GROUP BY subject_key) r ON r.subject_key = s.subject_key' : ''}
    ${has('watchlist_members', 'list_type') ? `LEFT JOIN (SELECT subject_key, list(DISTINCT list_type ORDER BY list_type) AS lists
        FROM wh.main.watchlist_members GROUP BY subject_key) l ON l.subject_key = s.subject_key` : ''}`);
  // the JS search index loads in the background on a connection of its own: the build is served
  // (searches in SQL) without waiting for it
  const own = await cat.connect();
  const holder = new SearchIndexHolder(
    () => SubjectSearchIndex.load(own, aid(SEARCH_TABLE)).finally(() => cat.disconnect(own)),
    () => undefined, // a build closed while loading, or a failure: searches stay in SQL
  );
  return { [SEARCH_INDEX]: holder };
}
