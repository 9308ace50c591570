import { sourceFields } from './common.ts';
import type { KindSchema } from './types.ts';

/** 异议: a disputed record; upheld objections correct or revoke it. */
export const objection: KindSchema = {
  kind: 'objection',
  label: '异议',
  description: '信用信息异议申请与处理 (objections; upheld = record corrected or revoked)',
  fields: [
    { key: 'subject_name', label: '主体名称', aliases: ['异议申请人'], type: 'text', required: true },
    { key: 'subject_uscc', label: '统一社会信用代码', aliases: ['社会信用代码'], type: 'uscc', required: true },
    { key: 'objection_no', label: '异议编号', aliases: ['异议申请编号'], type: 'text', required: true },
    {
      key: 'target_kind', label: '异议信息类别', type: 'enum', required: true,
      values: ['行政许可', '行政处罚', '严重失信主体名单', '经营异常名录', '失信被执行人', '合同履约', '纳税信用等级'],
    },
    { key: 'target_ref', label: '异议信息文书号', aliases: ['原决定文书号', '原案号'], type: 'text', required: true },
    { key: 'claim', label: '异议内容', aliases: ['异议理由'], type: 'text', required: true },
    { key: 'apply_date', label: '申请日期', type: 'date', required: true, notFuture: true },
    {
      key: 'result', label: '处理结果', aliases: ['异议处理结果'], type: 'enum', required: true,
      values: ['处理中', '更正', '撤销', '维持'], valueAliases: { 驳回: '维持', 不予支持: '维持' },
    },
    { key: 'done_date', label: '处理完成日期', aliases: ['办结日期'], type: 'date', required: { field: 'result', in: ['更正', '撤销', '维持'] }, notBefore: 'apply_date', notFuture: true },
    { key: 'authority', label: '处理机关', type: 'text', required: true },
    ...sourceFields(null),
  ],
  naturalKey: ['objection_no', 'subject_key', 'result'],
  naturalKeyNote: '异议编号 + 主体 + 处理结果 (each result is an event; analytics use the latest)',
  monthField: 'apply_date',
  subject: { uscc: 'subject_uscc', name: 'subject_name' },
  signature: ['异议编号', '异议信息类别', '异议内容'],
};
