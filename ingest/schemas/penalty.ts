import { partyFields, sourceFields, PUBLISH_DATE } from './common.ts';
import type { KindSchema } from './types.ts';

/** 处罚类别 after the 2021 revision of the 行政处罚法 (Art. 9), plus the older combined wording. */
export const PENALTY_TYPES = [
  '警告', '通报批评', '罚款', '没收违法所得', '没收非法财物', '暂扣许可证件', '降低资质等级', '吊销许可证件',
  '限制开展生产经营活动', '责令停产停业', '责令关闭', '限制从业', '行政拘留', '暂扣或者吊销许可证、暂扣或者吊销执照', '其他',
] as const;

/** 行政处罚, the national 双公示 layout (reference/STANDARDS.md 1.2). */
export const penalty: KindSchema = {
  kind: 'penalty',
  label: '行政处罚',
  description: '双公示 行政处罚决定 (administrative penalties)',
  fields: [
    ...partyFields('CF'),
    { key: 'decision_no', label: '行政处罚决定书文号', aliases: ['处罚决定书文号', '行政处罚决定文书号', 'xy020102', 'CF_WSH'], type: 'text', required: true },
    { key: 'violation_type', label: '违法行为类型', aliases: ['xy020109', 'CF_WFXW'], type: 'text', required: true },
    { key: 'violation_facts', label: '违法事实', aliases: ['xy020104', 'CF_SY'], type: 'text', required: true },
    { key: 'legal_basis', label: '处罚依据', aliases: ['xy020106', 'CF_YJ'], type: 'text', required: true },
    {
      key: 'penalty_types', label: '处罚类别', aliases: ['xy020103', 'CF_CFLB'], type: 'enum', multi: true, required: true,
      values: PENALTY_TYPES, valueAliases: { 吊销许可证: '吊销许可证件', 暂扣许可证: '暂扣许可证件', '没收违法所得、没收非法财物': '没收违法所得' },
    },
    { key: 'content', label: '处罚内容', aliases: ['xy020130', 'CF_NR'], type: 'text', required: true },
    { key: 'fine_amount', label: '罚款金额（万元）', aliases: ['罚款金额', 'xy020116', 'CF_NR_FK'], type: 'amount', required: { field: 'penalty_types', contains: '罚款' } },
    {
      key: 'confiscation_amount', label: '没收违法所得、没收非法财物的金额（万元）', aliases: ['没收金额（万元）', 'CF_NR_WFFF'], type: 'amount',
      required: { field: 'penalty_types', contains: '没收' },
    },
    {
      key: 'license_revoked', label: '暂扣或吊销证照名称及编号', aliases: ['CF_NR_ZKDX'], type: 'text',
      required: { field: 'penalty_types', contains: '许可证' },
    },
    { key: 'decision_date', label: '处罚决定日期', aliases: ['决定日期', 'xy020107', 'CF_JDRQ'], type: 'date', required: true, notFuture: true },
    { key: 'valid_to', label: '处罚有效期', aliases: ['CF_YXQ'], type: 'date', required: true, notBefore: 'decision_date' },
    { key: 'publicity_end', label: '公示截止期', aliases: ['xy020133', 'CF_GSJZQ'], type: 'date', notBefore: 'decision_date' },
    { key: 'authority', label: '处罚机关', aliases: ['xy020101', 'CF_CFJG'], type: 'text', required: true },
    { key: 'authority_uscc', label: '处罚机关统一社会信用代码', aliases: ['xy020134', 'CF_CFJGDM'], type: 'uscc', required: true },
    PUBLISH_DATE,
    ...sourceFields('CF'),
  ],
  naturalKey: ['decision_no', 'authority_uscc'],
  naturalKeyNote: '行政处罚决定书文号 + 处罚机关统一社会信用代码 (a decision number is unique within its authority)',
  monthField: 'decision_date',
  subject: { uscc: 'subject_uscc', name: 'subject_name', partyType: 'party_type', idNumber: 'id_number' },
  signature: ['行政处罚决定书文号', '处罚类别', '违法事实', '处罚机关'],
};
