import { sourceFields } from './common.ts';
import type { KindSchema } from './types.ts';

/** 信用承诺 and whether it was kept (践诺) or broken (违诺). */
export const commitment: KindSchema = {
  kind: 'commitment',
  label: '信用承诺',
  description: '市场主体信用承诺及履约践诺情况 (credit commitments, kept or broken)',
  fields: [
    { key: 'subject_name', label: '承诺主体名称', aliases: ['主体名称'], type: 'text', required: true },
    { key: 'subject_uscc', label: '统一社会信用代码', aliases: ['社会信用代码'], type: 'uscc', required: true },
    { key: 'commitment_no', label: '承诺书编号', aliases: ['承诺编号'], type: 'text', required: true },
    {
      key: 'commitment_type', label: '承诺类型', aliases: ['承诺类别'], type: 'enum', required: true,
      values: ['审批替代型', '证明替代型', '主动公示型', '行业自律型', '信用修复型'],
    },
    { key: 'matter', label: '承诺事项', aliases: ['承诺内容'], type: 'text', required: true },
    { key: 'commit_date', label: '承诺日期', aliases: ['作出承诺日期'], type: 'date', required: true, notFuture: true },
    { key: 'receiver', label: '承诺受理单位', aliases: ['受理单位'], type: 'text', required: true },
    { key: 'fulfilment', label: '履约践诺状态', aliases: ['践诺情况', '履诺状态'], type: 'enum', required: true, values: ['履约中', '践诺', '违诺'], valueAliases: { 已践诺: '践诺', 未践诺: '违诺', 失诺: '违诺' } },
    { key: 'breach_date', label: '违诺认定日期', type: 'date', required: { field: 'fulfilment', in: ['违诺'] }, notBefore: 'commit_date', notFuture: true },
    { key: 'breach_detail', label: '违诺情形', type: 'text', required: { field: 'fulfilment', in: ['违诺'] } },
    ...sourceFields(null),
  ],
  naturalKey: ['commitment_no', 'subject_key', 'fulfilment'],
  naturalKeyNote: '承诺书编号 + 主体 + 履约践诺状态 (践诺/违诺 after 履约中 is a new event; analytics use the latest)',
  monthField: 'commit_date',
  subject: { uscc: 'subject_uscc', name: 'subject_name' },
  signature: ['承诺书编号', '承诺类型', '履约践诺状态'],
};
