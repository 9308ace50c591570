/**
 * 信用修复 and 异议 rows. Both point at the record they concern through `target_kind` (the Chinese
 * kind label) and `target_ref` (its 决定书文号 / 案号 / 承诺书编号 / 认定文书号; for 经营异常名录, the
 * listing decision number carried in that row's 备注). Repairs usually come with a 信用修复型 commitment.
 */
import { objection as objectionSchema } from '../../schemas/objection.ts';
import { repair as repairSchema } from '../../schemas/repair.ts';
import type { Unit } from '../units.ts';
import { emitCommitment } from './commitment.ts';
import { fieldIndex, newRow, type World } from './context.ts';

const R = fieldIndex(repairSchema, [
  'subject_name', 'subject_uscc', 'repair_no', 'target_kind', 'target_ref', 'apply_date', 'result', 'done_date', 'authority',
  'source_unit', 'source_unit_uscc',
]);
const O = fieldIndex(objectionSchema, [
  'subject_name', 'subject_uscc', 'objection_no', 'target_kind', 'target_ref', 'claim', 'apply_date', 'result', 'done_date',
  'authority', 'source_unit', 'source_unit_uscc',
]);

const CLAIMS: Record<string, readonly string[]> = {
  行政许可: ['许可信息记载的主体名称有误', '许可有效期记载错误'],
  行政处罚: ['处罚决定已被行政复议决定撤销', '罚款金额记载错误', '处罚已履行完毕，公示期已满仍在公示', '处罚对象与本单位不符'],
  经营异常名录: ['已按期报送年度报告，列入错误', '已补报年度报告并移出，信息未更新'],
  失信被执行人: ['已全部履行生效法律文书确定的义务', '执行和解协议已履行完毕'],
  纳税信用等级: ['纳税信用评价指标扣分有误', '已补正申报，申请复评'],
  合同履约: ['违约责任在对方，本单位已按约履行'],
  严重失信主体名单: ['认定依据不足'],
};

/** A repair application for a record of subject i that became eligible on `eligible`. */
export function emitRepair(w: World, i: number, targetKind: string, targetRef: string, eligible: number, decider: Unit, protect = false): void {
  const rng = w.rng;
  const cal = w.cal;
  const apply = cal.toWorkday(eligible + rng.range(10, 240), eligible);
  if (apply > cal.asOf) return;
  const s = w.subjects;
  const row = newRow(repairSchema);
  const year = cal.year(apply);
  const ndrc = w.units.get('ndrc', -1);
  row[R.subject_name] = s.name[i];
  row[R.subject_uscc] = s.uscc[i];
  row[R.repair_no] = `XYXF${year}${w.counties[s.county[i]].code}${String(w.docs.seq(ndrc.index, 'XF', year)).padStart(6, '0')}`;
  row[R.target_kind] = targetKind;
  row[R.target_ref] = targetRef;
  row[R.apply_date] = apply;
  const done = cal.addWorkdays(apply, rng.range(3, 20));
  const x = rng.next();
  if (done > cal.asOf || x < 0.08) {
    row[R.result] = '受理中';
  } else {
    row[R.result] = x < 0.9 ? '修复完成' : '不予修复';
    row[R.done_date] = done;
  }
  row[R.authority] = decider.name;
  row[R.source_unit] = ndrc.name;
  row[R.source_unit_uscc] = ndrc.uscc;
  w.out.repair.add(row, apply, ndrc.index, i, protect ? 1 : 0);
  if (rng.next() < 0.7) emitCommitment(w, i, apply, '信用修复型', `${targetKind}信用修复承诺（${targetRef}）`, ndrc, { breachDay: false });
}

/** An objection against a record of subject i (decided on `day` by `unit`). */
export function maybeObjection(w: World, i: number, targetKind: string, targetRef: string, day: number, unit: Unit): void {
  const rng = w.rng;
  const cal = w.cal;
  const apply = cal.toWorkday(day + rng.range(5, 120), day);
  if (apply > cal.asOf) return;
  const s = w.subjects;
  const row = newRow(objectionSchema);
  const year = cal.year(apply);
  const ndrc = w.units.get('ndrc', -1);
  row[O.subject_name] = s.name[i];
  row[O.subject_uscc] = s.uscc[i];
  row[O.objection_no] = `YY${year}${String(w.docs.seq(ndrc.index, 'YY', year)).padStart(5, '0')}`;
  row[O.target_kind] = targetKind;
  row[O.target_ref] = targetRef;
  row[O.claim] = rng.pick(CLAIMS[targetKind] ?? ['信息记载有误']);
  row[O.apply_date] = apply;
  const done = cal.addWorkdays(apply, rng.range(2, 15));
  const x = rng.next();
  if (done > cal.asOf) {
    row[O.result] = '处理中';
  } else {
    row[O.result] = x < 0.55 ? '维持' : x < 0.8 ? '更正' : '撤销';
    row[O.done_date] = done;
  }
  row[O.authority] = unit.name;
  row[O.source_unit] = ndrc.name;
  row[O.source_unit_uscc] = ndrc.uscc;
  w.out.objection.add(row, apply, ndrc.index, i);
}
