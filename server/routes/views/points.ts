/**
 * `/points`: every subject of a county with coordinates, score, grade and exposure, for the map's
 * point, hexagon and heat layers (usually as Arrow). Leaders read aggregates only, so they get the
 * non-identifying columns (position, score, grade, exposure, industry) and a 403 when they ask for
 * keys or names; other roles get the subjects in their scope.
 */
import { HttpError } from '../../plugins/platform.ts';
import { DEFAULT_POINT_FIELDS, IDENTIFYING_POINT_FIELDS, POINT_FIELDS, PointsBody, PointsQuery } from '../../schemas/views.ts';
import type { SessionUser } from '../../types.ts';
import { countyScoped } from './indicators.ts';
import { AGGREGATE_ROLES, SUBJECT_EXPORT_ROLES, type ListCtx, type ListDef } from './lists.ts';
import { Where, forbidden, requireTables } from './sql.ts';

type Field = (typeof POINT_FIELDS)[number];

/** Where each field comes from: d = subject_dim, s = subject_scores, r = relation_risk. */
const SOURCE: Record<Field, 'd' | 's' | 'r'> = {
  subject_key: 'd', uscc: 'd', name: 'd', subject_type: 'd', county_code: 'd', industry_section: 'd', industry_division: 'd',
  lon: 'd', lat: 'd', score: 's', grade: 's', exposure: 'r', cluster_id: 'r',
};
const LEADER_DEFAULT: Field[] = ['lon', 'lat', 'score', 'grade', 'exposure'];

export function pointFields(user: SessionUser, fields: unknown): Field[] {
  const asked = typeof fields === 'string' ? [...new Set(fields.split(','))] as Field[] : null;
  if (user.role === 'leader') {
    const identifying = (asked ?? []).filter((f) => (IDENTIFYING_POINT_FIELDS as readonly string[]).includes(f));
    if (identifying.length) throw forbidden(`领导账号仅可查看汇总数据, 不能获取主体标识字段 ${identifying.join(', ')} (leaders get non-identifying point fields only)`);
    return asked ?? LEADER_DEFAULT;
  }
  return asked ?? [...DEFAULT_POINT_FIELDS];
}

function pointCounty(user: SessionUser, county: unknown): string {
  const c = typeof county === 'string' ? county : countyScoped(user) ? user.counties[0] : undefined;
  if (!c) throw new HttpError(400, 'CW_ERR_COUNTY_REQUIRED', '请指定县区代码 county, 例如 ?county=320902 (points are served per county)');
  if (countyScoped(user) && !user.counties.includes(c)) throw forbidden(`无权查看县区 ${c} 的主体 (county ${c} is outside your scope)`);
  return c;
}

export const pointsList: ListDef = {
  id: 'points', path: '/points', title: '主体点位', summary: "subjects of a county with lon/lat, score, grade and exposure (Arrow for the map's point layers)",
  roles: AGGREGATE_ROLES, exportRoles: SUBJECT_EXPORT_ROLES, querystring: PointsQuery, body: PointsBody,
  query(s, { user, query }: ListCtx) {
    requireTables(s, 'subject_dim');
    const fields = pointFields(user, query.fields);
    const county = pointCounty(user, query.county);
    const needS = fields.some((f) => SOURCE[f] === 's') && s.has('subject_scores');
    const needR = fields.some((f) => SOURCE[f] === 'r') && s.has('relation_risk');
    const select = fields.map((f) => {
      const src = SOURCE[f];
      if ((src === 's' && !needS) || (src === 'r' && !needR)) return `NULL AS ${f}`;
      return `${src}.${f} AS ${f}`;
    });
    const w = new Where();
    w.add(`d.county_code = ${w.p(county)}`);
    w.add('d.lon IS NOT NULL AND d.lat IS NOT NULL'); // only subjects that can be placed
    w.scope(user, { county: 'd.county_code', section: 'd.industry_section', division: 'd.industry_division' });
    return {
      sql: `SELECT ${select.join(', ')} FROM subject_dim d
        ${needS ? 'LEFT JOIN subject_scores s ON s.subject_key = d.subject_key' : ''}
        ${needR ? 'LEFT JOIN relation_risk r ON r.subject_key = d.subject_key' : ''}
        ${w.sql} ORDER BY d.subject_key`,
      params: w.params,
    };
  },
  meta(_s, { user, query }) {
    return { county: pointCounty(user, query.county), fields: pointFields(user, query.fields) };
  },
};
