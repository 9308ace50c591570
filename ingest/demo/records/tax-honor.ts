/**
 * 纳税信用等级 (published each April for the previous year; A ~10%, B ~60%, M ~20%, C ~7%, D ~3%,
 * driven by the subject's latent risk) and the red list (红名单/荣誉): A级纳税人 follow the A grades;
 * 守合同重信用企业, 诚信示范企业, 劳动保障守法诚信 go to low-risk firms.
 */
import { honor as honorSchema } from '../../schemas/honor.ts';
import { taxGrade as taxSchema } from '../../schemas/tax-grade.ts';
import { dayOf } from '../calendar.ts';
import type { Unit } from '../units.ts';
import { fieldIndex, newRow, type World } from './context.ts';
import { maybeObjection } from './repair-objection.ts';

const T = fieldIndex(taxSchema, ['subject_name', 'subject_uscc', 'eval_year', 'grade', 'eval_date', 'authority', 'source_unit', 'source_unit_uscc']);
const H = fieldIndex(honorSchema, [
  'subject_name', 'subject_uscc', 'honor_type', 'honor_name', 'decision_no', 'authority', 'granted_date', 'valid_to',
  'source_unit', 'source_unit_uscc',
]);

/** Standard-normal quantiles used as grade cut points of the risk score. */
const Z_A = -1.15; // 12.5 %
const Z_C = 1.15; // 87.5 %
const Z_D = 1.78; // 96.25 %

/** Whether subject i files taxes under the credit evaluation (all firms; some individuals, co-ops). */
function isTaxpayer(w: World, i: number): boolean {
  const t = w.subjects.type[i];
  if (t === 0 || t === 1) return true;
  const h = Math.imul(i + 1, 2654435761) >>> 0;
  if (t === 2) return h % 100 < 15;
  if (t === 3) return h % 100 < 50;
  return false;
}

/** Publication day of the grades for evaluation year `y` (mid April of y + 1). */
function gradeDay(w: World, y: number, county: number): number {
  let d = dayOf(y + 1, 4, 14);
  while (!w.cal.isWorkday(d)) d++;
  return w.cal.addWorkdays(d, county % 3);
}

function honorRow(w: World, i: number, type: string, name: string, no: string, unit: Unit, day: number, until: number): void {
  const s = w.subjects;
  const row = newRow(honorSchema);
  row[H.subject_name] = s.name[i];
  row[H.subject_uscc] = s.uscc[i];
  row[H.honor_type] = type;
  row[H.honor_name] = name;
  row[H.decision_no] = no;
  row[H.authority] = unit.name;
  row[H.granted_date] = day;
  row[H.valid_to] = until;
  const src = w.units.all[unit.source];
  row[H.source_unit] = src.name;
  row[H.source_unit_uscc] = src.uscc;
  w.out.honor.add(row, day, unit.source, i);
}

/** Grades (and A级纳税人 honours) of subject i for every April inside the window. */
export function emitTaxYears(w: World, i: number): void {
  if (!isTaxpayer(w, i)) return;
  const s = w.subjects;
  const rng = w.rng;
  const county = s.county[i];
  const unit = w.units.get('tax', county);
  const city = w.units.get('tax', -1);
  for (const y of w.cal.years.map((x) => x - 1)) {
    if (s.regDay[i] > dayOf(y, 12, 31)) continue;
    const day = gradeDay(w, y, county);
    if (day < w.cal.start || day > w.cal.asOf) continue;
    let grade: string;
    const fresh = s.regDay[i] > dayOf(y - 1, 1, 1);
    if (rng.next() < (fresh ? 0.7 : 0.12)) grade = 'M';
    else {
      const z = (Math.log(s.risk[i]) + 0.3 + 0.55 * rng.gauss()) / 1.0;
      grade = z < Z_A ? 'A' : z < Z_C ? 'B' : z < Z_D ? 'C' : 'D';
    }
    const row = newRow(taxSchema);
    row[T.subject_name] = s.name[i];
    row[T.subject_uscc] = s.uscc[i];
    row[T.eval_year] = String(y);
    row[T.grade] = grade;
    row[T.eval_date] = day;
    row[T.authority] = unit.name;
    row[T.source_unit] = city.name;
    row[T.source_unit_uscc] = city.uscc;
    w.out.tax_grade.add(row, day, city.index, i);
    if (grade === 'A') {
      honorRow(w, i, 'A级纳税人', `${y}年度纳税信用A级纳税人`, `${city.prefix}税公告〔${y + 1}〕${3 + (y % 5)}号`, city, day, dayOf(y + 2, 4, 30));
    } else if ((grade === 'C' || grade === 'D') && rng.next() < 0.03) {
      maybeObjection(w, i, '纳税信用等级', `${y}年度纳税信用评价`, day, unit);
    }
  }
}

/** Other honours of subject i (low-risk firms only). */
export function emitOtherHonors(w: World, i: number): void {
  const s = w.subjects;
  if (!s.isFirm(i) || s.risk[i] > 0.8) return;
  const rng = w.rng;
  for (const y of w.cal.years) {
    // 守合同重信用企业: published by market regulation in June of even years, valid two years
    if (y % 2 === 0 && rng.next() < 0.03) {
      const day = w.cal.toWorkday(dayOf(y, 6, 20), dayOf(y, 6, 1));
      const u = w.units.get('amr', -1);
      if (day >= w.cal.start && day <= w.cal.asOf && s.regDay[i] < day - 730) {
        honorRow(w, i, '守合同重信用企业', `${y - 1}-${y}年度${w.provinceName}省守合同重信用企业`, `${u.prefix}市监〔${y}〕${40 + (y % 7)}号`, u, day, dayOf(y + 2, 6, 30));
      }
    }
    if (rng.next() < 0.004) {
      const day = w.cal.toWorkday(dayOf(y, 12, 10), dayOf(y, 12, 1));
      const u = w.units.get('ndrc', -1);
      if (day >= w.cal.start && day <= w.cal.asOf) honorRow(w, i, '诚信示范企业', `${y}年度${w.cityName}诚信示范企业`, `${u.prefix}发改〔${y}〕${120 + (y % 9)}号`, u, day, dayOf(y + 3, 12, 31));
    }
    if (rng.next() < 0.006) {
      const day = w.cal.toWorkday(dayOf(y, 9, 15), dayOf(y, 9, 1));
      const u = w.units.get('hrss', -1);
      if (day >= w.cal.start && day <= w.cal.asOf) honorRow(w, i, '劳动保障守法诚信', `${y}年度劳动保障守法诚信A级用人单位`, `${u.prefix}人社〔${y}〕${60 + (y % 11)}号`, u, day, dayOf(y + 2, 9, 14));
    }
  }
}
