import { sourceFields } from './common.ts';
import type { KindSchema } from './types.ts';

/** 纳税信用等级 A/B/M/C/D, evaluated yearly by the tax bureau. */
export const taxGrade: KindSchema = {
  kind: 'tax_grade',
  label: '纳税信用等级',
  description: '税务部门纳税信用等级评价 (tax credit grade A/B/M/C/D)',
  fields: [
    { key: 'subject_name', label: '纳税人名称', aliases: ['企业名称', '主体名称'], type: 'text', required: true },
    { key: 'subject_uscc', label: '纳税人识别号', aliases: ['统一社会信用代码', '纳税人识别号(统一社会信用代码)'], type: 'uscc', required: true },
    { key: 'eval_year', label: '评价年度', aliases: ['年度'], type: 'int', required: true },
    { key: 'grade', label: '纳税信用等级', aliases: ['信用等级', '评价结果'], type: 'enum', required: true, values: ['A', 'B', 'M', 'C', 'D'], valueAliases: { A级: 'A', B级: 'B', M级: 'M', C级: 'C', D级: 'D' } },
    { key: 'eval_date', label: '评定日期', aliases: ['发布日期'], type: 'date', required: true, notFuture: true },
    { key: 'authority', label: '评价机关', aliases: ['税务机关'], type: 'text', required: true },
    ...sourceFields(null),
  ],
  naturalKey: ['subject_key', 'eval_year'],
  naturalKeyNote: '纳税人 + 评价年度 (one grade per taxpayer per year)',
  monthField: 'eval_date',
  subject: { uscc: 'subject_uscc', name: 'subject_name' },
  signature: ['纳税人识别号', '评价年度', '纳税信用等级'],
};
