/**
 * The subject register (主体登记) rows: attributes from the population plus an address and a point
 * inside the subject's county polygon. Coordinates and addresses come from their own random stream.
 */
import { SCALES, subject as schema } from '../schemas/subject.ts';
import { T_GOV, T_PUBLIC, T_SOCIAL } from './city-profile.ts';
import type { CountySampler } from './geo-sampler.ts';
import { ROADS, townOf, townsOf } from './names.ts';
import { F_PROTECTED } from './outputs.ts';
import { fieldIndex, newRow, wan, type World } from './records/context.ts';
import type { Rng } from './rng.ts';
import { SCALE_NONE, STATUS_NAMES } from './subjects.ts';

const F = fieldIndex(schema, [
  'subject_uscc', 'subject_name', 'subject_type', 'industry_code', 'county_code', 'scale', 'reg_date', 'reg_capital', 'legal_rep',
  'status', 'address', 'lon', 'lat', 'reg_authority', 'source_unit', 'source_unit_uscc',
]);

/** Register row of subject i. `industryLetter` writes C26 instead of 26. */
export function emitRegisterRow(w: World, i: number, geo: Rng, samplers: readonly CountySampler[], sectionOf: (d: string) => string): void {
  const s = w.subjects;
  const c = w.counties[s.county[i]];
  const t = s.type[i];
  const row = newRow(schema);
  const div = String(s.division[i]).padStart(2, '0');
  row[F.subject_uscc] = s.uscc[i];
  row[F.subject_name] = s.name[i];
  row[F.subject_type] = s.typeName(i);
  row[F.industry_code] = geo.next() < 0.3 ? sectionOf(div) + div : div;
  row[F.county_code] = c.code;
  row[F.scale] = s.scale[i] === SCALE_NONE ? '' : SCALES[s.scale[i]];
  row[F.reg_date] = s.regDay[i];
  row[F.reg_capital] = Number.isNaN(s.capital[i]) ? '' : wan(s.capital[i]);
  row[F.legal_rep] = w.persons.names[s.rep[i]];
  row[F.status] = STATUS_NAMES[s.status[i]];
  const seatShare = t >= T_SOCIAL ? 0.8 : 0.6;
  const [lon, lat] = samplers[s.county[i]].sample(geo, seatShare);
  row[F.lon] = lon.toFixed(6);
  row[F.lat] = lat.toFixed(6);
  // individual businesses, co-ops and institutions sit in the town their name gives
  const town = t === 0 || t === 1 ? geo.pick(townsOf(c.code)) : townOf(c.code, i);
  const road = geo.pick(ROADS);
  row[F.address] = `${w.provinceName}省${w.cityName}${c.name}${town}${road}${geo.range(1, 399)}号${t === 2 && geo.next() < 0.3 ? `${geo.range(1, 30)}室` : ''}`;
  const deptId = t === T_SOCIAL ? 'civil' : t === T_PUBLIC || t === T_GOV ? 'staffing' : 'amr';
  const registrar = w.units.get(deptId, s.county[i]);
  row[F.reg_authority] = registrar.name;
  const src = w.units.get(deptId, -1);
  row[F.source_unit] = src.name;
  row[F.source_unit_uscc] = src.uscc;
  w.out.subject.add(row, s.regDay[i], src.index, i, w.roles[i] ? F_PROTECTED : 0);
}
