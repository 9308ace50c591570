import { sourceFields } from './common.ts';
import type { KindSchema } from './types.ts';

/** 信用修复: after a completed repair the original record stops being published and its sanctions end. */
export const repair: KindSchema = {
  kind: 'repair',
  label: '信用修复',
  description: '信用修复申请与结果 (credit repair; points at the repaired record)',
  fields: [
    { key: 'subject_name', label: '主体名称', aliases: ['申请主体名称'], type: 'text', required: true },
    { key: 'subject_uscc', label: '统一社会信用代码', aliases: ['社会信用代码'], type: 'uscc', required: true },
    { key: 'repair_no', label: '修复编号', aliases: ['修复申请编号'], type: 'text', required: true },
    {
      key: 'target_kind', label: '原失信信息类别', aliases: ['修复信息类别'], type: 'enum', required: true,
      values: ['行政处罚', '严重失信主体名单', '经营异常名录', '失信被执行人', '信用承诺'],
    },
    { key: 'target_ref', label: '原信息文书号', aliases: ['原决定文书号', '原案号', '原承诺书编号'], type: 'text', required: true },
    { key: 'apply_date', label: '申请日期', type: 'date', required: true, notFuture: true },
    { key: 'result', label: '修复结果', type: 'enum', required: true, values: ['受理中', '修复完成', '不予修复'], valueAliases: { 已修复: '修复完成', 同意修复: '修复完成' } },
    { key: 'done_date', label: '修复完成日期', aliases: ['决定日期'], type: 'date', required: { field: 'result', in: ['修复完成', '不予修复'] }, notBefore: 'apply_date', notFuture: true },
    { key: 'authority', label: '修复决定机关', aliases: ['受理机关'], type: 'text', required: true },
    ...sourceFields(null),
  ],
  naturalKey: ['repair_no', 'subject_key', 'result'],
  naturalKeyNote: '修复编号 + 主体 + 修复结果 (a later result for the same application is a new event; analytics use the latest)',
  monthField: 'apply_date',
  subject: { uscc: 'subject_uscc', name: 'subject_name' },
  signature: ['修复编号', '原失信信息类别', '修复结果'],
};
