/**
 * `/overview`: the big screen's headline numbers in one body: the latest city credit index with
 * MoM/YoY, subjects, dishonest subjects, this month's penalties and fines, open alerts by level,
 * list members by type, the collection-quality gauges and the as-of date. County users get their
 * counties' totals; alerts and list counts follow each user's full scope. Parts whose table is
 * missing from the build are null/zero and named in `missing`.
 */
import type { BuildSession } from '../../plugins/warehouse.ts';
import type { SessionUser } from '../../types.ts';
import { countyScope, countyScoped } from './indicators.ts';
import { Where, hasColumn, rows } from './sql.ts';

const LEVELS = ['红', '橙', '黄', '蓝'];
const LIST_TYPES = ['red', 'black', 'focus', 'warning'];
const OVERVIEW_TABLES = ['county_indicators', 'city_index', 'alerts', 'watchlist_members', 'data_quality'];

type Row = Record<string, unknown>;

async function headline(s: BuildSession, user: SessionUser): Promise<{ month: string | null; counts: Row }> {
  const empty = { subjects: null, dishonest_subjects: null, dishonest_per_10k: null, penalties_month: null, fines_wan_month: null, risk_index: null };
  if (!s.has('county_indicators')) return { month: null, counts: empty };
  const w = new Where();
  w.add('month = (SELECT max(month) FROM county_indicators)');
  if (countyScoped(user)) countyScope(w, user, 'county_code');
  else if (hasColumn(s, 'county_indicators', 'is_city')) w.add('is_city'); // the city row holds the totals
  const r = (await rows(s, `SELECT max(month) AS month, sum(subjects) AS subjects, sum(dishonest_subjects) AS dishonest_subjects,
      round(sum(dishonest_subjects) * 10000.0 / nullif(sum(subjects), 0), 2) AS dishonest_per_10k,
      sum(penalties) AS penalties_month, round(sum(fines_wan), 4) AS fines_wan_month,
      round(sum(risk_index * subjects) / nullif(sum(subjects), 0), 2) AS risk_index
    FROM county_indicators ${w.sql}`, w.params))[0];
  return { month: (r?.month as string | null) ?? null, counts: r ? { ...empty, ...Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'month')) } : empty };
}

async function countsBy(s: BuildSession, user: SessionUser, table: string, col: string, keys: string[], distinct: boolean): Promise<Record<string, number>> {
  const out = Object.fromEntries(keys.map((k) => [k, 0]));
  if (!s.has(table)) return out;
  const w = new Where();
  w.scope(user, { county: 'county_code', section: 'industry_section', division: 'industry_division' });
  for (const r of await rows<{ k: string; n: number }>(s, `SELECT ${col} AS k, count(${distinct ? 'DISTINCT subject_key' : '*'}) AS n FROM ${table} ${w.sql} GROUP BY 1`, w.params)) {
    out[r.k] = r.n;
  }
  return out;
}

export async function overview(s: BuildSession, user: SessionUser): Promise<Row> {
  const [head, city, alerts, lists, quality] = await Promise.all([
    headline(s, user),
    s.has('city_index')
      ? rows(s, 'SELECT month, index_value, mom_change, yoy_change FROM city_index WHERE index_value IS NOT NULL ORDER BY month DESC LIMIT 1')
      : [],
    countsBy(s, user, 'alerts', 'level', LEVELS, false),
    countsBy(s, user, 'watchlist_members', 'list_type', LIST_TYPES, true),
    s.has('data_quality')
      ? rows(s, `SELECT month, compliance, timeliness, reporting_rate FROM data_quality
          ${hasColumn(s, 'data_quality', 'level') ? "WHERE level = 'month'" : ''} ORDER BY month DESC LIMIT 1`)
      : [],
  ]);
  return {
    build_id: s.buildId,
    as_of: s.asOf,
    month: head.month,
    scope: { counties: user.counties, industries: user.industries },
    city_index: city[0] ?? null,
    counts: head.counts,
    alerts_by_level: alerts,
    lists_by_type: lists,
    quality: quality[0] ?? null,
    missing: OVERVIEW_TABLES.filter((t) => !s.has(t)),
  };
}
