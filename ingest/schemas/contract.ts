import { sourceFields } from './common.ts';
import type { KindSchema } from './types.ts';

/** 合同履约: contract performance, incl. government procurement and bids (Yancheng appendix project 6). */
export const contract: KindSchema = {
  kind: 'contract',
  label: '合同履约',
  description: '合同履约信息 (contract performance; 政府采购/招标投标/一般合同)',
  fields: [
    { key: 'contract_no', label: '合同编号', type: 'text', required: true },
    { key: 'contract_name', label: '合同名称', type: 'text', required: true },
    { key: 'contract_type', label: '合同类型', type: 'enum', required: true, values: ['政府采购', '招标投标', '政府投资项目', 'PPP项目', '一般商事合同'] },
    { key: 'subject_name', label: '履约主体名称', aliases: ['乙方名称', '供应商名称'], type: 'text', required: true },
    { key: 'subject_uscc', label: '履约主体统一社会信用代码', aliases: ['统一社会信用代码', '乙方统一社会信用代码'], type: 'uscc', required: true },
    { key: 'counterparty', label: '合同相对方名称', aliases: ['甲方名称', '采购人名称'], type: 'text', required: true },
    { key: 'counterparty_uscc', label: '合同相对方统一社会信用代码', aliases: ['甲方统一社会信用代码'], type: 'uscc' },
    { key: 'amount', label: '合同金额（万元）', aliases: ['合同金额'], type: 'amount', required: true },
    { key: 'sign_date', label: '签订日期', aliases: ['合同签订日期'], type: 'date', required: true, notFuture: true },
    { key: 'due_date', label: '履行期限', aliases: ['合同到期日'], type: 'date', notBefore: 'sign_date' },
    { key: 'status', label: '履约状态', type: 'enum', required: true, values: ['履约中', '已履约', '违约', '解除'], valueAliases: { 正常履约: '履约中', 履约完毕: '已履约' } },
    { key: 'breach_detail', label: '违约情形', type: 'text', required: { field: 'status', in: ['违约'] } },
    ...sourceFields(null),
  ],
  naturalKey: ['contract_no', 'subject_key', 'status'],
  naturalKeyNote: '合同编号 + 履约主体 + 履约状态 (a status change is a new event; analytics use the latest)',
  monthField: 'sign_date',
  subject: { uscc: 'subject_uscc', name: 'subject_name' },
  signature: ['合同编号', '履约状态', '合同相对方名称'],
};
