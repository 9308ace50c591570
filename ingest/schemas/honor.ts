import { sourceFields } from './common.ts';
import type { KindSchema } from './types.ts';

/** 红名单 / 荣誉: trust incentives (A级纳税人, 守合同重信用, 诚信示范, 行政奖励...). */
export const honor: KindSchema = {
  kind: 'honor',
  label: '红名单/荣誉',
  description: '守信激励对象名单与荣誉表彰 (red list and honours)',
  fields: [
    { key: 'subject_name', label: '主体名称', aliases: ['企业名称'], type: 'text', required: true },
    { key: 'subject_uscc', label: '统一社会信用代码', aliases: ['社会信用代码'], type: 'uscc', required: true },
    {
      key: 'honor_type', label: '荣誉类别', aliases: ['红名单类型', '名单类型'], type: 'enum', required: true,
      values: ['A级纳税人', '守合同重信用企业', '诚信示范企业', '海关高级认证企业', '行政奖励', '劳动保障守法诚信', '其他'],
    },
    { key: 'honor_name', label: '荣誉名称', aliases: ['奖励名称'], type: 'text', required: true },
    { key: 'decision_no', label: '认定文号', aliases: ['决定文书号'], type: 'text', required: true },
    { key: 'authority', label: '认定部门', aliases: ['认定机关'], type: 'text', required: true },
    { key: 'granted_date', label: '认定日期', aliases: ['授予日期'], type: 'date', required: true, notFuture: true },
    { key: 'valid_to', label: '有效期至', type: 'date', required: true, notBefore: 'granted_date' },
    ...sourceFields(null),
  ],
  naturalKey: ['decision_no', 'subject_key', 'honor_type'],
  naturalKeyNote: '认定文号 + 主体 + 荣誉类别',
  monthField: 'granted_date',
  subject: { uscc: 'subject_uscc', name: 'subject_name' },
  signature: ['荣誉类别', '荣誉名称', '认定文号'],
};
