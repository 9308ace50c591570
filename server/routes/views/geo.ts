/**
 * `/geo/counties`: the city's county polygons (data/geo, joined to GB/T 2260 codes by
 * ingest/reference cityCounties) with each county's latest indicators and index merged into the
 * feature properties, for the choropleth. The city is the one the warehouse was built for (its
 * city row in county_indicators), else the default city. Boundaries are public; indicators of
 * counties outside a county user's scope are left out (`in_scope: false`).
 */
import { DEFAULT_CITY, cityCounties, type CountyCollection } from '../../../ingest/reference/index.ts';
import type { BuildSession } from '../../plugins/warehouse.ts';
import type { SessionUser } from '../../types.ts';
import { countyScoped } from './indicators.ts';
import { hasColumn, rows } from './sql.ts';

/** Indicator columns copied into each feature's properties. */
const PROPS = ['subjects', 'dishonest_subjects', 'dishonest_per_10k', 'penalties', 'fines_wan', 'grade_a', 'grade_b', 'grade_c', 'grade_d', 'risk_index', 'mom_penalties', 'yoy_penalties'];

const boundaries = new Map<string, CountyCollection>();
function countiesOf(city: string): CountyCollection {
  let c = boundaries.get(city);
  if (!c) {
    c = cityCounties(city);
    boundaries.set(city, c);
  }
  return c;
}

type Row = Record<string, unknown>;

export async function geoCounties(s: BuildSession, user: SessionUser): Promise<Row> {
  let city = DEFAULT_CITY;
  let month: string | null = null;
  const byCode = new Map<string, Row>();
  if (s.has('county_indicators')) {
    const cityCol = hasColumn(s, 'county_indicators', 'is_city');
    if (cityCol) {
      const c = await rows<{ code: string }>(s, 'SELECT county_code AS code FROM county_indicators WHERE is_city LIMIT 1');
      if (c[0]) city = c[0].code;
    }
    const have = PROPS.filter((p) => hasColumn(s, 'county_indicators', p));
    const idx = s.has('county_index');
    const latest = await rows(s, `SELECT ci.month, ci.county_code, ${have.map((p) => `ci.${p}`).join(', ')}${idx ? ', x.index_value, x.rank' : ''}
      FROM county_indicators ci
      ${idx ? 'LEFT JOIN county_index x ON x.county_code = ci.county_code AND x.month = (SELECT max(month) FROM county_index)' : ''}
      WHERE ci.month = (SELECT max(month) FROM county_indicators) ${cityCol ? 'AND NOT ci.is_city' : ''}`);
    for (const r of latest) {
      month = r.month as string;
      byCode.set(String(r.county_code), r);
    }
  }
  const geo = countiesOf(city);
  return {
    type: 'FeatureCollection',
    build_id: s.buildId,
    as_of: s.asOf,
    city_code: city,
    month,
    features: geo.features.map((f) => {
      const inScope = !countyScoped(user) || user.counties.includes(f.properties.code);
      const ind = inScope ? byCode.get(f.properties.code) : undefined;
      const extra: Row = {};
      if (ind) for (const [k, v] of Object.entries(ind)) if (k !== 'month' && k !== 'county_code') extra[k] = v;
      return { type: 'Feature', properties: { ...f.properties, in_scope: inScope, ...extra }, geometry: f.geometry };
    }),
  };
}
