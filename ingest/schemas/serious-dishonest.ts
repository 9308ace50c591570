import { sourceFields } from './common.ts';
import type { KindSchema } from './types.ts';

/** National serious-dishonesty lists by field (STANDARDS.md 1.4). */
export const SERIOUS_LIST_TYPES = [
  '重大税收违法失信主体', '严重违法失信名单（市场监管）', '政府采购严重违法失信行为记录名单', '拖欠农民工工资失信联合惩戒对象名单',
  '安全生产严重失信主体名单', '统计严重失信企业', '海关失信企业', '生态环境领域严重失信主体', '食品药品领域严重失信主体',
  '招标投标领域严重失信主体', '交通运输领域严重失信主体', '医疗保障领域严重失信主体', '其他',
] as const;

/** 严重失信主体名单 entries. */
export const seriousDishonest: KindSchema = {
  kind: 'serious_dishonest',
  label: '严重失信主体名单',
  description: '各领域严重失信主体名单认定 (serious-dishonesty list entries)',
  fields: [
    { key: 'subject_name', label: '主体名称', aliases: ['失信主体名称', '企业名称'], type: 'text', required: true },
    { key: 'subject_uscc', label: '统一社会信用代码', aliases: ['社会信用代码'], type: 'uscc', required: true },
    { key: 'legal_rep', label: '法定代表人', type: 'text' },
    { key: 'list_type', label: '名单类型', aliases: ['名单类别', '失信领域'], type: 'enum', required: true, values: SERIOUS_LIST_TYPES },
    { key: 'reason', label: '列入事由', aliases: ['列入原因', '失信行为'], type: 'text', required: true },
    { key: 'basis', label: '认定依据', aliases: ['列入依据'], type: 'text', required: true },
    { key: 'decision_no', label: '认定文书号', aliases: ['列入文书号', '决定文书号'], type: 'text', required: true },
    { key: 'authority', label: '认定部门', aliases: ['认定机关', '列入机关'], type: 'text', required: true },
    { key: 'authority_uscc', label: '认定部门统一社会信用代码', aliases: ['认定机关统一社会信用代码'], type: 'uscc', required: true },
    { key: 'listed_date', label: '列入日期', aliases: ['认定日期'], type: 'date', required: true, notFuture: true },
    { key: 'expires', label: '有效期至', aliases: ['移出日期（预计）', '公示期限'], type: 'date', required: true, notBefore: 'listed_date' },
    ...sourceFields(null),
  ],
  naturalKey: ['decision_no', 'authority_uscc', 'subject_key'],
  naturalKeyNote: '认定文书号 + 认定部门 + 主体',
  monthField: 'listed_date',
  subject: { uscc: 'subject_uscc', name: 'subject_name' },
  signature: ['名单类型', '列入事由', '认定部门'],
};
