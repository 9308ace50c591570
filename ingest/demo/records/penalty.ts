/** 行政处罚 rows (双公示), with their follow-ups: credit repairs and objections. */
import { penalty as schema } from '../../schemas/penalty.ts';
import { F_PROTECTED } from '../outputs.ts';
import { PENALTY_DEPTS, penaltyDeptTable, type PenaltyDept, type Violation } from './catalog-penalty.ts';
import { fieldIndex, newRow, partyType, publishDay, wan, yuanText, type World } from './context.ts';
import { emitRepair, maybeObjection } from './repair-objection.ts';

const F = fieldIndex(schema, [
  'subject_name', 'party_type', 'subject_uscc', 'legal_rep', 'id_type', 'id_number', 'decision_no', 'violation_type',
  'violation_facts', 'legal_basis', 'penalty_types', 'content', 'fine_amount', 'confiscation_amount', 'license_revoked',
  'decision_date', 'valid_to', 'publicity_end', 'authority', 'authority_uscc', 'publish_date', 'source_unit', 'source_unit_uscc',
]);

const SCALE_FINE = [4, 2, 1.2, 1, 1];
const BY_ID = new Map(PENALTY_DEPTS.map((p) => [p.dept, p]));
const PERSON_DEPTS = ['transport', 'agri', 'land', 'amr'];

export interface PenaltyOptions {
  dept?: string;
  protect?: boolean;
  /** Never warning-only (story rows should carry fines). */
  fine?: boolean;
}

interface Built { row: (string | number)[]; unitSource: number; no: string; warnOnly: boolean; unit: number }

function build(w: World, pd: PenaltyDept, v: Violation, county: number, day: number, fineScale: number, forceFine: boolean): Built {
  const rng = w.rng;
  const cal = w.cal;
  const unit = w.units.get(pd.dept, rng.next() < 0.15 ? -1 : county);
  const row = newRow(schema);
  const year = cal.year(day);
  const no = `${unit.prefix}${unit.dept.abbr}${pd.series}〔${year}〕${w.docs.seq(unit.index, 'CF', year)}号`;
  const warnOnly = !forceFine && rng.next() < v.warn;
  const types: string[] = [];
  let content: string;
  let severe = false;
  if (warnOnly) {
    types.push('警告');
    content = '给予警告，责令限期改正';
  } else {
    types.push('罚款');
    let fine = rng.logNormal(pd.fineMedian * fineScale, pd.fineSigma);
    if (fine > 0.1) fine = Math.round(fine * 100) / 100;
    const fineText = wan(fine);
    row[F.fine_amount] = fineText;
    content = `责令改正，罚款${yuanText(fineText)}`;
    if (Number(fineText) >= 10) severe = true;
    if (v.confiscate && rng.next() < v.confiscate) {
      types.push('没收违法所得');
      const c = wan(rng.logNormal(0.3 * fineScale, 1));
      row[F.confiscation_amount] = c;
      content += `，没收违法所得${yuanText(c)}`;
    }
    if (v.suspend && rng.next() < v.suspend) {
      types.push('责令停产停业');
      content += '，责令停产停业整顿';
      severe = true;
    }
    if (v.revoke && rng.next() < 0.03) {
      types.push('吊销许可证件');
      row[F.license_revoked] = `${v.revoke}（编号：JY1${w.counties[county].code}${String(rng.int(1e7)).padStart(7, '0')}）`;
      content += `，吊销《${v.revoke}》`;
      severe = true;
    }
  }
  const span = warnOnly ? 90 : severe ? 3 * 365 : 365;
  row[F.decision_no] = no;
  row[F.violation_type] = v.type;
  row[F.violation_facts] = `经查，当事人于${year}年${cal.month(day)}月前${v.fact}。`;
  row[F.legal_basis] = v.basis;
  row[F.penalty_types] = types.join(',');
  row[F.content] = content;
  row[F.decision_date] = day;
  row[F.valid_to] = day + span;
  row[F.publicity_end] = day + span;
  row[F.authority] = unit.name;
  row[F.authority_uscc] = unit.uscc;
  row[F.publish_date] = publishDay(w, day);
  const src = w.units.all[unit.source];
  row[F.source_unit] = src.name;
  row[F.source_unit_uscc] = src.uscc;
  return { row, unitSource: unit.source, no, warnOnly, unit: unit.index };
}

/** One penalty for subject i on `day`; returns its decision number. */
export function emitPenalty(w: World, i: number, day: number, o: PenaltyOptions = {}): string {
  const s = w.subjects;
  const rng = w.rng;
  const ind = s.type[i] === 2;
  const pd = (o.dept && BY_ID.get(o.dept)) || penaltyDeptTable(s.division[i], ind).pick(rng);
  const v = rng.pick(pd.violations);
  const b = build(w, pd, v, s.county[i], day, ind ? 0.4 : SCALE_FINE[s.scale[i]], !!o.fine);
  b.row[F.subject_name] = s.name[i];
  b.row[F.party_type] = partyType(w, i);
  b.row[F.subject_uscc] = s.uscc[i];
  b.row[F.legal_rep] = w.persons.names[s.rep[i]];
  w.out.penalty.add(b.row, day, b.unitSource, i, o.protect ? F_PROTECTED : 0);
  if (!o.protect) {
    const unit = w.units.all[b.unit];
    if (!b.warnOnly && rng.next() < 0.15) emitRepair(w, i, '行政处罚', b.no, day + 90, unit);
    if (rng.next() < 0.004) maybeObjection(w, i, '行政处罚', b.no, day, unit);
  }
  return b.no;
}

/** A penalty on a natural person of county index c (非法营运, 禁渔期捕捞, 非法占地, 无照经营). */
export function emitPersonPenalty(w: World, c: number, day: number): void {
  const rng = w.rng;
  const pd = BY_ID.get(rng.pick(PERSON_DEPTS))!;
  const v = pd.dept === 'amr' ? pd.violations[pd.violations.length - 1] : rng.pick(pd.violations);
  const b = build(w, pd, v, c, day, 0.3, false);
  const p = w.persons.create(rng, c, 1960, 2000);
  b.row[F.subject_name] = w.persons.names[p];
  b.row[F.party_type] = '自然人';
  b.row[F.id_type] = '身份证';
  b.row[F.id_number] = w.persons.ids[p];
  w.out.penalty.add(b.row, day, b.unitSource, -1);
}
