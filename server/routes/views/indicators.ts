/**
 * Aggregate list views: the city index history, counties with their latest indicators, a county's
 * indicator history, industry indicators, the county x industry heat matrix, the county index
 * ranking, and collection data quality. Scope: county users see their own counties' rows (plus
 * city-wide totals, which aggregate everyone); regulators' industry scope applies to
 * subject-level data only, so they read these aggregates in full.
 */
import { scopeSql } from '../../plugins/auth.ts';
import type { BuildSession } from '../../plugins/warehouse.ts';
import {
  CityIndexBody, CityIndexQuery, CountiesBody, NoQuery, CountyIndexBody, CountyParams, CrossBody, CrossQuery, IndicatorsBody,
  IndustriesBody, IndustriesQuery, MonthOnlyQuery, QualityBody, QualityQuery, RangeQuery,
} from '../../schemas/views.ts';
import type { SessionUser } from '../../types.ts';
import { AGGREGATE_ROLES, type ListCtx, type ListDef } from './lists.ts';
import { Where, forbidden, hasColumn, monthStart, notFound, requireTables, rows } from './sql.ts';

/** Roles auth.ts scopes by county or industry; admin, leader and analyst see every row (auth scopeSql). */
const SCOPED_ROLES = new Set(['county', 'regulator']);

/** True when the user is limited to some counties (county users; regulators given counties too). */
export const countyScoped = (u: SessionUser) => SCOPED_ROLES.has(u.role) && (u.role === 'county' || u.counties.length > 0);

/** Restricts `col` to the user's counties (county-scoped users only). */
export function countyScope(w: Where, user: SessionUser, col: string): Where {
  if (!countyScoped(user)) return w;
  const s = scopeSql({ ...user, role: 'county', industries: [] }, { county: col });
  Object.assign(w.params, s.params);
  return w.add(`(${s.where})`);
}

/** The month asked for, or the latest month of `table`. */
function monthExpr(w: Where, table: string, month: unknown): string {
  return typeof month === 'string' ? `CAST(${w.p(monthStart(month))} AS DATE)` : `(SELECT max(month) FROM ${table})`;
}

function range(w: Where, q: Record<string, unknown>): void {
  // from/to bound the months (inclusive), both optional
  if (typeof q.from === 'string') w.add(`month >= CAST(${w.p(monthStart(q.from))} AS DATE)`);
  if (typeof q.to === 'string') w.add(`month <= CAST(${w.p(monthStart(q.to))} AS DATE)`);
}

/** `* EXCLUDE (...)` for the columns the table really has. */
function starExcept(s: BuildSession, table: string, drop: string[], alias = ''): string {
  const have = drop.filter((c) => hasColumn(s, table, c));
  return `${alias ? `${alias}.` : ''}*${have.length ? ` EXCLUDE (${have.join(', ')})` : ''}`;
}

export const cityIndexList: ListDef = {
  id: 'city-index', path: '/city-index', title: '城市信用指数历史', summary: 'city credit index by month with sub-indexes (idx_*) and MoM/YoY changes',
  roles: AGGREGATE_ROLES, exportRoles: AGGREGATE_ROLES, querystring: CityIndexQuery, body: CityIndexBody,
  query(s, { query }) {
    requireTables(s, 'city_index');
    const w = new Where();
    range(w, query);
    return { sql: `SELECT * FROM city_index ${w.sql} ORDER BY month`, params: w.params };
  },
};

export const countiesList: ListDef = {
  id: 'counties', path: '/counties', title: '县区最新指标', summary: 'counties of the city with their latest monthly indicators and credit index rank',
  roles: AGGREGATE_ROLES, exportRoles: AGGREGATE_ROLES, querystring: NoQuery, body: CountiesBody,
  query(s, { user }) {
    requireTables(s, 'county_indicators');
    const w = new Where();
    w.add('ci.month = (SELECT max(month) FROM county_indicators)');
    if (hasColumn(s, 'county_indicators', 'is_city')) w.add('NOT ci.is_city'); // counties only; the city row is in /overview
    countyScope(w, user, 'ci.county_code');
    const idx = s.has('county_index');
    return {
      sql: `SELECT ${starExcept(s, 'county_indicators', ['is_city'], 'ci')}${idx ? ', x.index_value, x.rank' : ', NULL::DOUBLE AS index_value, NULL::INTEGER AS rank'}
        FROM county_indicators ci
        ${idx ? 'LEFT JOIN county_index x ON x.county_code = ci.county_code AND x.month = (SELECT max(month) FROM county_index)' : ''}
        ${w.sql} ORDER BY ci.county_code`,
      params: w.params,
    };
  },
};

export const countyIndicatorsList: ListDef = {
  id: 'county-indicators', path: '/counties/:code/indicators', title: '县区指标历史', summary: "a county's (or the city's) monthly indicators between from and to",
  roles: AGGREGATE_ROLES, exportRoles: AGGREGATE_ROLES, params: CountyParams, querystring: RangeQuery, body: IndicatorsBody,
  async query(s, { user, params, query }) {
    requireTables(s, 'county_indicators');
    const code = params.code;
    const isCity = hasColumn(s, 'county_indicators', 'is_city');
    const found = await s.read(`SELECT ${isCity ? 'bool_or(is_city)' : 'false'} AS city, count(*) AS n FROM county_indicators WHERE county_code = $code`, { code });
    const [city, n] = found.getRows()[0] as [boolean | null, bigint];
    if (Number(n) === 0) throw notFound(`没有县区 ${code} 的指标 (no indicators for county ${code}; see GET /api/v1/counties)`);
    if (!city && countyScoped(user) && !user.counties.includes(code)) {
      throw forbidden(`无权查看县区 ${code} 的数据: 您的账号限于 ${user.counties.join('、')} (county ${code} is outside your scope)`);
    }
    const w = new Where();
    w.add(`county_code = ${w.p(code)}`);
    range(w, query);
    return { sql: `SELECT ${starExcept(s, 'county_indicators', ['is_city'])} FROM county_indicators ${w.sql} ORDER BY month`, params: w.params };
  },
};

export const industriesList: ListDef = {
  id: 'industries', path: '/industries', title: '行业指标', summary: 'indicators per industry section or division for a month (default latest); county users get their county',
  roles: AGGREGATE_ROLES, exportRoles: AGGREGATE_ROLES, querystring: IndustriesQuery, body: IndustriesBody,
  query(s, { user, query }) {
    const level = (query.level as string | undefined) ?? 'section';
    const w = new Where();
    if (countyScoped(user)) {
      // county users: their county's cells of the cross table, shaped like industry rows
      requireTables(s, 'county_industry_indicators');
      w.add(`level = ${w.p(level)}`);
      w.add(`month = ${monthExpr(w, 'county_industry_indicators', query.month)}`);
      countyScope(w, user, 'county_code');
      return {
        sql: `SELECT month, level, CASE WHEN level = 'section' THEN industry_section ELSE industry_division END AS industry_code,
            ${starExcept(s, 'county_industry_indicators', ['month', 'level', 'county_name'])}
          FROM county_industry_indicators ${w.sql} ORDER BY county_code, industry_code`,
        params: w.params,
      };
    }
    requireTables(s, 'industry_indicators');
    w.add(`level = ${w.p(level)}`);
    w.add(`month = ${monthExpr(w, 'industry_indicators', query.month)}`);
    const extra = hasColumn(s, 'industry_indicators', 'county_code') ? '' : ', NULL::VARCHAR AS county_code';
    return { sql: `SELECT *${extra} FROM industry_indicators ${w.sql} ORDER BY industry_code`, params: w.params };
  },
};

export const countyIndustryList: ListDef = {
  id: 'county-industry', path: '/county-industry', title: '县区×行业指标矩阵', summary: 'the county x industry heat matrix for a month (default latest) at section or division level',
  roles: AGGREGATE_ROLES, exportRoles: AGGREGATE_ROLES, querystring: CrossQuery, body: CrossBody,
  query(s, { user, query }) {
    requireTables(s, 'county_industry_indicators');
    const w = new Where();
    w.add(`level = ${w.p((query.level as string | undefined) ?? 'section')}`);
    w.add(`month = ${monthExpr(w, 'county_industry_indicators', query.month)}`);
    countyScope(w, user, 'county_code');
    return { sql: `SELECT * FROM county_industry_indicators ${w.sql} ORDER BY county_code, industry_section, industry_division`, params: w.params };
  },
};

export const countyIndexList: ListDef = {
  id: 'county-index', path: '/county-index', title: '县区信用指数排名', summary: 'county credit index ranking for a month (default latest)',
  roles: AGGREGATE_ROLES, exportRoles: AGGREGATE_ROLES, querystring: MonthOnlyQuery, body: CountyIndexBody,
  query(s, { user, query }) {
    requireTables(s, 'county_index');
    const w = new Where();
    w.add(`month = ${monthExpr(w, 'county_index', query.month)}`);
    countyScope(w, user, 'county_code');
    return { sql: `SELECT * FROM county_index ${w.sql} ORDER BY rank NULLS LAST, county_code`, params: w.params };
  },
};

export const qualityList: ListDef = {
  id: 'quality', path: '/quality', title: '归集数据质量', summary: 'collection quality (合规率, 及时率, 报送率) per month, or per source unit for one month',
  roles: AGGREGATE_ROLES, exportRoles: AGGREGATE_ROLES, querystring: QualityQuery, body: QualityBody,
  query(s, { query }) {
    requireTables(s, 'data_quality');
    const w = new Where();
    const level = (query.level as string | undefined) ?? 'month';
    const byLevel = hasColumn(s, 'data_quality', 'level');
    if (byLevel) w.add(`level = ${w.p(level)}`);
    if (level === 'source_unit' || query.month) w.add(`month = ${monthExpr(w, 'data_quality', query.month)}`);
    const order = level === 'source_unit' && hasColumn(s, 'data_quality', 'compliance') ? 'compliance NULLS FIRST, source_unit' : 'month';
    return { sql: `SELECT * FROM data_quality ${w.sql} ORDER BY ${order}`, params: w.params };
  },
  async meta(s) {
    // the gauges: the latest month-level row
    const where = hasColumn(s, 'data_quality', 'level') ? "WHERE level = 'month'" : '';
    const latest = await rows(s, `SELECT * FROM data_quality ${where} ORDER BY month DESC LIMIT 1`);
    return { latest: latest[0] ?? null };
  },
};

export const INDICATOR_LISTS: ListDef[] = [cityIndexList, countiesList, countyIndicatorsList, industriesList, countyIndustryList, countyIndexList, qualityList];

export type { ListCtx };
