/** 行政许可 rows (双公示), and the 审批替代型 commitments signed with them under 告知承诺制. */
import { license as schema } from '../../schemas/license.ts';
import { dayOf } from '../calendar.ts';
import type { Unit } from '../units.ts';
import { licenseTable, PERSON_LICENSES, type LicenseTemplate } from './catalog-license.ts';
import { emitCommitment } from './commitment.ts';
import { fieldIndex, newRow, partyType, publishDay, type World } from './context.ts';
import { maybeObjection } from './repair-objection.ts';

const F = fieldIndex(schema, [
  'subject_name', 'party_type', 'subject_uscc', 'legal_rep', 'id_type', 'id_number', 'decision_doc_name', 'decision_no',
  'license_category', 'certificate_name', 'license_no', 'content', 'decision_date', 'valid_from', 'valid_to', 'authority',
  'authority_uscc', 'status', 'publish_date', 'source_unit', 'source_unit_uscc', 'remark',
]);

const LONG_TERM = dayOf(2099, 12, 31);

const SETUP: LicenseTemplate = {
  dept: 'amr', category: '登记', docName: '准予设立登记通知书', cert: '营业执照', weight: 0, years: 0, divisions: '*',
  contents: ['设立登记'], number: (c) => c.uscc,
};
const SETUP_CONTENT = ['企业设立登记', '企业设立登记', '个体工商户设立登记', '农民专业合作社设立登记'];

/** The unit granting a licence of `tpl` to a subject in county `county`. */
function grantingUnit(w: World, tpl: LicenseTemplate, county: number): Unit {
  const cityLevel = tpl.cityOnly || w.rng.next() < 0.15;
  return w.units.get(tpl.dept, cityLevel ? -1 : county);
}

function fill(w: World, tpl: LicenseTemplate, unit: Unit, day: number, uscc: string, county: string): (string | number)[] {
  const row = newRow(schema);
  const year = w.cal.year(day);
  const seq = w.docs.seq(unit.index, tpl.category === '登记' ? '登' : '许', year);
  row[F.decision_doc_name] = tpl.docName;
  row[F.decision_no] = `${unit.prefix}${unit.dept.abbr}${tpl.category === '登记' ? '登' : '许'}〔${year}〕${seq}号`;
  row[F.license_category] = tpl.category;
  row[F.certificate_name] = tpl.cert;
  row[F.license_no] = tpl.number({ uscc, county, year, seq, rng: w.rng });
  row[F.content] = w.rng.pick(tpl.contents);
  row[F.decision_date] = day;
  row[F.valid_from] = day;
  const to = tpl.years ? day + Math.round(tpl.years * 365.25) - 1 : LONG_TERM;
  row[F.valid_to] = to;
  row[F.authority] = unit.name;
  row[F.authority_uscc] = unit.uscc;
  row[F.status] = to >= w.cal.asOf ? '有效' : '无效';
  row[F.publish_date] = publishDay(w, day);
  const src = w.units.all[unit.source];
  row[F.source_unit] = src.name;
  row[F.source_unit_uscc] = src.uscc;
  return row;
}

/** One licence for subject i on `day` (a drawn template unless given). */
export function emitLicense(w: World, i: number, day: number, given?: LicenseTemplate): void {
  const s = w.subjects;
  const tpl = given ?? licenseTable(s.division[i]).pick(w.rng);
  const county = w.counties[s.county[i]];
  const unit = grantingUnit(w, tpl, s.county[i]);
  const row = fill(w, tpl, unit, day, s.uscc[i], county.code);
  row[F.subject_name] = s.name[i];
  row[F.party_type] = partyType(w, i);
  row[F.subject_uscc] = s.uscc[i];
  row[F.legal_rep] = w.persons.names[s.rep[i]];
  if (tpl === SETUP) row[F.content] = SETUP_CONTENT[Math.min(s.type[i], 3)];
  const promise = tpl.promise && w.rng.next() < 0.6;
  if (promise) row[F.remark] = '告知承诺制审批';
  const no = row[F.decision_no] as string;
  w.out.license.add(row, day, unit.source, i);
  if (promise) {
    const signed = Math.max(w.cal.start, day - w.rng.int(4));
    emitCommitment(w, i, signed, '审批替代型', `${tpl.cert || tpl.docName}告知承诺`, unit);
  }
  if (w.rng.next() < 0.0006) maybeObjection(w, i, '行政许可', no, day, unit);
}

/** The 设立登记 decision of a subject registered inside the window. */
export function emitSetup(w: World, i: number): void {
  emitLicense(w, i, w.subjects.regDay[i], SETUP);
}

/** A licence to a natural person of county index `c` (a person who is not in the subject register). */
export function emitPersonLicense(w: World, c: number, day: number): void {
  const tpl = w.rng.next() < 0.8 ? PERSON_LICENSES[0] : PERSON_LICENSES[1];
  const county = w.counties[c];
  const unit = grantingUnit(w, tpl, c);
  const row = fill(w, tpl, unit, day, '', county.code);
  const p = w.persons.create(w.rng, c, 1955, 1995);
  row[F.subject_name] = w.persons.names[p];
  row[F.party_type] = '自然人';
  row[F.id_type] = '身份证';
  row[F.id_number] = w.persons.ids[p];
  w.out.license.add(row, day, unit.source, -1);
}
