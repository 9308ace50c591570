/**
 * 经营异常名录 rows. Most listings follow the 30 June annual-report deadline and are made in July
 * batches by the county market-regulation bureau; the listing decision number is carried in 备注
 * (the schema has no field for it) so that repairs can reference it.
 */
import { abnormalOperation as schema } from '../../schemas/abnormal-operation.ts';
import { fieldIndex, newRow, type World } from './context.ts';
import { dayOf } from '../calendar.ts';
import { emitRepair, maybeObjection } from './repair-objection.ts';

const F = fieldIndex(schema, [
  'subject_name', 'subject_uscc', 'reason', 'listed_date', 'authority', 'removed_date', 'removed_reason', 'source_unit',
  'source_unit_uscc', 'remark',
]);

export const ANNUAL_REPORT = '未按规定报送年度报告';
const OTHER_REASONS = ['通过登记的住所或者经营场所无法联系', '公示信息隐瞒真实情况、弄虚作假', '未按规定公示企业信息'];
const REMOVAL: Record<string, string> = {
  [ANNUAL_REPORT]: '补报未报年份的年度报告并公示',
  通过登记的住所或者经营场所无法联系: '依法办理住所变更登记，通过登记的住所可以重新取得联系',
  '公示信息隐瞒真实情况、弄虚作假': '更正其公示的信息',
  未按规定公示企业信息: '履行公示义务，公示相关信息',
};

/** July batch days: the n-th working day of July (n in 1, 6, 11, 16). */
export function julyBatchDay(w: World, year: number, rngPick: number): number {
  let start = dayOf(year, 7, 1);
  while (!w.cal.isWorkday(start)) start++;
  return w.cal.addWorkdays(start, [0, 5, 10, 15][rngPick]);
}

/** One listing of subject i on `day` for `reason`. */
export function emitAbnormal(w: World, i: number, day: number, reason: string = ANNUAL_REPORT): void {
  const s = w.subjects;
  const rng = w.rng;
  const cal = w.cal;
  const unit = w.units.get('amr', s.county[i]);
  const year = cal.year(day);
  const no = `${unit.prefix}市监异列〔${year}〕${w.docs.seq(unit.index, 'YC', year)}号`;
  const row = newRow(schema);
  row[F.subject_name] = s.name[i];
  row[F.subject_uscc] = s.uscc[i];
  row[F.reason] = reason;
  row[F.listed_date] = day;
  row[F.authority] = unit.name;
  row[F.remark] = no;
  const removed = cal.toWorkday(day + rng.range(15, 420), day + 1);
  const removes = rng.next() < 0.5 / Math.max(0.5, Math.sqrt(s.risk[i])) && removed <= cal.asOf;
  if (removes) {
    row[F.removed_date] = removed;
    row[F.removed_reason] = REMOVAL[reason] ?? '依法移出';
  }
  const src = w.units.all[unit.source];
  row[F.source_unit] = src.name;
  row[F.source_unit_uscc] = src.uscc;
  w.out.abnormal_operation.add(row, day, unit.source, i);
  if (removes && rng.next() < 0.35) emitRepair(w, i, '经营异常名录', no, day + 5, unit);
  if (rng.next() < 0.003) maybeObjection(w, i, '经营异常名录', no, day, unit);
}

/** Listings of subject i over the window: July annual-report batches plus the other reasons. */
export function emitAbnormalYears(w: World, i: number, yearlyRate: number): void {
  const s = w.subjects;
  const cal = w.cal;
  const rng = w.rng;
  for (const mo of cal.months) {
    if (mo.month !== 7) continue;
    // must have existed through the whole report year (Y-1)
    if (s.regDay[i] >= dayOf(mo.year - 1, 1, 1)) continue;
    if (rng.next() >= yearlyRate) continue;
    const day = julyBatchDay(w, mo.year, rng.int(4));
    if (day <= cal.asOf) emitAbnormal(w, i, day);
  }
  const extra = rng.poisson((yearlyRate * 0.25 * cal.months.length) / 12);
  for (let k = 0; k < extra; k++) {
    const mi = rng.int(cal.months.length);
    const day = cal.dayInMonth(rng, mi, s.regDay[i] + 180);
    if (day >= s.regDay[i] + 180 && day <= cal.asOf) emitAbnormal(w, i, day, rng.pick(OTHER_REASONS));
  }
}
