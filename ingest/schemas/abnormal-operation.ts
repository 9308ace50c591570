import { sourceFields } from './common.ts';
import type { KindSchema } from './types.ts';

/** 经营异常名录 (market regulation); not a "serious" list, but a focus-list input. */
export const abnormalOperation: KindSchema = {
  kind: 'abnormal_operation',
  label: '经营异常名录',
  description: '市场监管部门列入经营异常名录 (abnormal-operation directory)',
  fields: [
    { key: 'subject_name', label: '企业名称', aliases: ['主体名称'], type: 'text', required: true },
    { key: 'subject_uscc', label: '统一社会信用代码', aliases: ['社会信用代码'], type: 'uscc', required: true },
    {
      key: 'reason', label: '列入经营异常名录原因', aliases: ['列入原因'], type: 'enum', required: true,
      values: ['未按规定报送年度报告', '未按规定公示企业信息', '公示信息隐瞒真实情况、弄虚作假', '通过登记的住所或者经营场所无法联系', '其他'],
    },
    { key: 'listed_date', label: '列入日期', type: 'date', required: true, notFuture: true },
    { key: 'authority', label: '作出决定机关', aliases: ['决定机关', '列入机关'], type: 'text', required: true },
    { key: 'removed_date', label: '移出日期', type: 'date', notBefore: 'listed_date', notFuture: true },
    { key: 'removed_reason', label: '移出原因', type: 'text', required: { field: 'removed_date', present: true } },
    ...sourceFields(null),
  ],
  naturalKey: ['subject_key', 'listed_date', 'authority', 'removed_date'],
  naturalKeyNote: '主体 + 列入日期 + 决定机关 + 移出日期 (the removal is a new event of the same listing; an entity can be listed again later)',
  monthField: 'listed_date',
  subject: { uscc: 'subject_uscc', name: 'subject_name' },
  signature: ['列入经营异常名录原因', '作出决定机关'],
};
