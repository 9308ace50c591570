import { sourceFields } from './common.ts';
import type { KindSchema } from './types.ts';

export const SUBJECT_TYPES = ['企业法人', '非法人企业', '个体工商户', '农民专业合作社', '社会组织', '事业单位', '机关'] as const;
export const SCALES = ['大型', '中型', '小型', '微型'] as const;

/** 主体登记: the subject register every record joins to (industry, county, coordinates). */
export const subject: KindSchema = {
  kind: 'subject',
  label: '主体登记',
  description: '法人和非法人组织、个体工商户登记信息 (subject register)',
  fields: [
    { key: 'subject_uscc', label: '统一社会信用代码', aliases: ['社会信用代码'], type: 'uscc', required: true },
    { key: 'subject_name', label: '主体名称', aliases: ['企业名称', '名称'], type: 'text', required: true },
    { key: 'subject_type', label: '主体类型', aliases: ['市场主体类型', '企业类型'], type: 'enum', required: true, values: SUBJECT_TYPES },
    { key: 'industry_code', label: '行业代码', aliases: ['国民经济行业代码', '所属行业代码'], type: 'industry', required: true },
    { key: 'county_code', label: '所属区县代码', aliases: ['行政区划代码', '区县代码', '住所所在地行政区划代码'], type: 'county', required: true },
    { key: 'scale', label: '企业规模', aliases: ['规模'], type: 'enum', values: SCALES, valueAliases: { 大: '大型', 中: '中型', 小: '小型', 微: '微型' } },
    { key: 'reg_date', label: '成立日期', aliases: ['注册日期', '登记日期'], type: 'date', required: true, notFuture: true },
    { key: 'reg_capital', label: '注册资本（万元）', aliases: ['注册资本'], type: 'amount' },
    { key: 'legal_rep', label: '法定代表人', aliases: ['负责人', '经营者'], type: 'text' },
    { key: 'status', label: '登记状态', aliases: ['经营状态'], type: 'enum', required: true, values: ['存续', '在业', '注销', '吊销', '迁出'], valueAliases: { 开业: '存续' } },
    { key: 'address', label: '住所', aliases: ['注册地址', '经营场所'], type: 'text' },
    { key: 'lon', label: '经度', type: 'lon' },
    { key: 'lat', label: '纬度', type: 'lat', required: { field: 'lon', present: true } },
    { key: 'reg_authority', label: '登记机关', type: 'text' },
    ...sourceFields(null),
  ],
  naturalKey: ['subject_uscc'],
  naturalKeyNote: '统一社会信用代码 (one register row per subject; changes arrive as 异议/更正, not as a second row)',
  monthField: 'reg_date',
  subject: { uscc: 'subject_uscc', name: 'subject_name' },
  signature: ['主体类型', '行业代码', '所属区县代码'],
};
