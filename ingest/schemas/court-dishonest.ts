import { sourceFields, PARTY_TYPE_ALIASES } from './common.ts';
import type { KindSchema } from './types.ts';

/** The six 具体情形 of 最高人民法院《关于公布失信被执行人名单信息的若干规定》 Art. 1. */
export const DISHONEST_BEHAVIOURS = [
  '有履行能力而拒不履行生效法律文书确定义务',
  '以伪造证据、暴力、威胁等方法妨碍、抗拒执行',
  '以虚假诉讼、虚假仲裁或者以隐匿、转移财产等方法规避执行',
  '违反财产报告制度',
  '违反限制消费令',
  '无正当理由拒不履行执行和解协议',
] as const;

const IS_ORG = { field: 'party_type', in: ['法人及非法人组织', '个体工商户'] } as const;

/** 失信被执行人, as published by the courts' enforcement-information site (STANDARDS.md 1.3). */
export const courtDishonest: KindSchema = {
  kind: 'court_dishonest',
  label: '失信被执行人',
  description: '法院公布的失信被执行人 (court-listed dishonest judgment debtors)',
  fields: [
    { key: 'case_no', label: '案号', aliases: ['casecode'], type: 'text', required: true },
    { key: 'subject_name', label: '被执行人姓名/名称', aliases: ['被执行人名称', '被执行人姓名', 'iname'], type: 'text', required: true },
    {
      key: 'party_type', label: '失信人类型', aliases: ['被执行人类型'], type: 'enum', required: true,
      values: ['法人及非法人组织', '自然人', '个体工商户'], valueAliases: PARTY_TYPE_ALIASES,
    },
    { key: 'subject_uscc', label: '统一社会信用代码', aliases: ['组织机构代码', '社会信用代码'], type: 'uscc', required: IS_ORG },
    { key: 'id_number', label: '身份证号码', aliases: ['证件号码', 'cardnum'], type: 'idno', required: { field: 'party_type', in: ['自然人'] } },
    { key: 'legal_rep', label: '法定代表人或者负责人姓名', aliases: ['法定代表人', 'businessentity'], type: 'text' },
    { key: 'court', label: '执行法院', aliases: ['courtname'], type: 'text', required: true },
    { key: 'province', label: '省份', aliases: ['areaname'], type: 'text' },
    { key: 'basis_no', label: '执行依据文号', aliases: ['gistid'], type: 'text', required: true },
    { key: 'basis_unit', label: '做出执行依据单位', aliases: ['gistunit'], type: 'text' },
    { key: 'filing_date', label: '立案时间', aliases: ['立案日期', 'regdate'], type: 'date', required: true, notFuture: true },
    { key: 'duty', label: '生效法律文书确定的义务', aliases: ['duty'], type: 'text' },
    { key: 'performance', label: '被执行人的履行情况', aliases: ['履行情况', 'performance'], type: 'enum', required: true, values: ['全部未履行', '部分未履行', '已履行'] },
    { key: 'unperformed_amount', label: '未履行金额（万元）', aliases: ['未履行部分'], type: 'amount' },
    { key: 'behaviours', label: '失信被执行人行为具体情形', aliases: ['具体情形', 'disrupttypename'], type: 'enum', multi: true, required: true, values: DISHONEST_BEHAVIOURS },
    { key: 'publish_date', label: '发布时间', aliases: ['发布日期', 'publishdate'], type: 'date', required: true, notFuture: true, notBefore: 'filing_date' },
    ...sourceFields(null),
  ],
  naturalKey: ['case_no', 'subject_key', 'performance'],
  naturalKeyNote: '案号 + 被执行人 + 履行情况 (one case can list several debtors; a change of performance is a new event, analytics use the latest)',
  monthField: 'publish_date',
  subject: { uscc: 'subject_uscc', name: 'subject_name', partyType: 'party_type', idNumber: 'id_number' },
  signature: ['案号', '执行法院', '失信被执行人行为具体情形'],
};
