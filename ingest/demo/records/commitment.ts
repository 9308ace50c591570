/** 信用承诺 rows: signed with licences (审批替代型) or on their own; ~3% are broken (违诺). */
import { commitment as schema } from '../../schemas/commitment.ts';
import { F_PROTECTED } from '../outputs.ts';
import type { Unit } from '../units.ts';
import { fieldIndex, newRow, ROLE_CLUSTER, type World } from './context.ts';
import { emitRepair } from './repair-objection.ts';

const F = fieldIndex(schema, [
  'subject_name', 'subject_uscc', 'commitment_no', 'commitment_type', 'matter', 'commit_date', 'receiver', 'fulfilment',
  'breach_date', 'breach_detail', 'source_unit', 'source_unit_uscc',
]);

const BREACHES = [
  '未在承诺期限内补齐申请材料', '经核查承诺内容与实际情况不符', '未按承诺履行整改义务', '承诺期内发生严重失信行为',
  '未按承诺条件开展经营活动',
];

const OTHER: readonly { type: string; matters: readonly string[]; dept: string }[] = [
  { type: '证明替代型', matters: ['以告知承诺替代无犯罪记录证明', '以告知承诺替代纳税证明', '以告知承诺替代社会保险缴纳证明'], dept: 'approval' },
  { type: '主动公示型', matters: ['主动向社会公开信用承诺', '诚信经营主动承诺'], dept: 'ndrc' },
  { type: '行业自律型', matters: ['行业自律信用承诺', '守法诚信经营自律承诺'], dept: 'commerce' },
];
const OTHER_WEIGHTS = [0.55, 0.3, 0.15];

export interface CommitmentOptions {
  /** Force a breach on this day (story rows), or `false` to forbid one. */
  breachDay?: number | false;
  protect?: boolean;
}

/** One commitment; returns its number. */
export function emitCommitment(w: World, i: number, day: number, type: string, matter: string, receiver: Unit, o: CommitmentOptions = {}): string {
  const s = w.subjects;
  const rng = w.rng;
  const row = newRow(schema);
  const year = w.cal.year(day);
  const no = `${receiver.area}${year}CN${String(w.docs.seq(receiver.index, 'CN', year)).padStart(6, '0')}`;
  row[F.subject_name] = s.name[i];
  row[F.subject_uscc] = s.uscc[i];
  row[F.commitment_no] = no;
  row[F.commitment_type] = type;
  row[F.matter] = matter;
  row[F.commit_date] = day;
  row[F.receiver] = receiver.name;
  let breach = -1;
  if (typeof o.breachDay === 'number') breach = o.breachDay;
  else if (o.breachDay !== false && !(w.roles[i] & ROLE_CLUSTER) && rng.next() < 0.045 * Math.min(3, Math.sqrt(s.risk[i]))) {
    const b = w.cal.toWorkday(day + rng.range(30, 420), day);
    if (b <= w.cal.asOf) breach = b;
  }
  if (breach >= 0) {
    row[F.fulfilment] = '违诺';
    row[F.breach_date] = breach;
    row[F.breach_detail] = rng.pick(BREACHES);
  } else {
    row[F.fulfilment] = w.cal.asOf - day > 180 && rng.next() < 0.92 ? '践诺' : '履约中';
  }
  // the credit office (发改委) gathers commitments from every receiving unit
  const src = w.units.get('ndrc', -1);
  row[F.source_unit] = src.name;
  row[F.source_unit_uscc] = src.uscc;
  w.out.commitment.add(row, day, src.index, i, o.protect ? F_PROTECTED : 0);
  if (breach >= 0 && !o.protect && rng.next() < 0.1) emitRepair(w, i, '信用承诺', no, breach, receiver);
  return no;
}

/** A commitment that is not tied to a licence. */
export function emitOtherCommitment(w: World, i: number, day: number): void {
  const x = w.rng.next();
  const k = x < OTHER_WEIGHTS[0] ? 0 : x < OTHER_WEIGHTS[0] + OTHER_WEIGHTS[1] ? 1 : 2;
  const o = OTHER[k];
  const unit = w.units.get(o.dept, o.dept === 'ndrc' ? -1 : w.subjects.county[i]);
  emitCommitment(w, i, day, o.type, w.rng.pick(o.matters), unit);
}
