import { sourceFields, ID_TYPES, ID_TYPE_ALIASES } from './common.ts';
import type { KindSchema } from './types.ts';

export const RELATION_TYPES = ['法定代表人', '股东', '对外投资', '担保'] as const;

const IS_PERSON = { field: 'related_party_type', in: ['自然人'] } as const;
const IS_ORG = { field: 'related_party_type', in: ['法人及非法人组织'] } as const;

/** Relations between a subject and a person or another subject: the graph of 关联风险. */
export const relation: KindSchema = {
  kind: 'relation',
  label: '关联关系',
  description: '法定代表人、股东、对外投资、担保关系 (relations for correlated risk)',
  fields: [
    { key: 'subject_uscc', label: '统一社会信用代码', aliases: ['主体统一社会信用代码'], type: 'uscc', required: true },
    { key: 'subject_name', label: '主体名称', aliases: ['企业名称'], type: 'text', required: true },
    { key: 'relation_type', label: '关联类型', aliases: ['关系类型'], type: 'enum', required: true, values: RELATION_TYPES, valueAliases: { 投资: '对外投资', 法人: '法定代表人' } },
    {
      key: 'related_party_type', label: '关联方类别', type: 'enum', required: true, values: ['自然人', '法人及非法人组织'],
      valueAliases: { '01': '自然人', '02': '法人及非法人组织', 法人: '法人及非法人组织', 企业: '法人及非法人组织' },
    },
    { key: 'related_name', label: '关联方名称', aliases: ['关联方姓名/名称', '关联方姓名'], type: 'text', required: true },
    { key: 'related_uscc', label: '关联方统一社会信用代码', type: 'uscc', required: IS_ORG },
    { key: 'related_id_type', label: '关联方证件类型', type: 'enum', values: ID_TYPES, valueAliases: ID_TYPE_ALIASES },
    { key: 'related_id_number', label: '关联方证件号码', type: 'idno', required: IS_PERSON },
    { key: 'share_ratio', label: '持股比例（%）', aliases: ['持股比例', '出资比例'], type: 'number' },
    { key: 'guarantee_amount', label: '担保金额（万元）', aliases: ['担保金额'], type: 'amount', required: { field: 'relation_type', in: ['担保'] } },
    { key: 'start_date', label: '起始日期', aliases: ['任职日期', '出资日期'], type: 'date', required: true, notFuture: true },
    { key: 'end_date', label: '终止日期', type: 'date', notBefore: 'start_date' },
    ...sourceFields(null),
  ],
  naturalKey: ['subject_uscc', 'relation_type', 'related_key', 'start_date', 'end_date'],
  naturalKeyNote: '主体 + 关联类型 + 关联方 (USCC or ID hash) + 起始日期 + 终止日期 (an ended relation is a new event)',
  monthField: 'start_date',
  subject: { uscc: 'subject_uscc', name: 'subject_name' },
  signature: ['关联类型', '关联方类别', '关联方名称'],
};
