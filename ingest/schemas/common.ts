/** Field definitions shared by several record kinds (party identification, source unit, remarks). */
import type { FieldDef } from './types.ts';

/** 行政相对人类别 and its codes (01 自然人, 02 法人, 03 非法人组织, 04 个体工商户). */
export const PARTY_TYPES = ['法人及非法人组织', '自然人', '个体工商户'] as const;
export const PARTY_TYPE_ALIASES: Record<string, string> = {
  '01': '自然人',
  '02': '法人及非法人组织',
  '03': '法人及非法人组织',
  '04': '个体工商户',
  法人: '法人及非法人组织',
  非法人组织: '法人及非法人组织',
  法人或其他组织: '法人及非法人组织',
  法人和非法人组织: '法人及非法人组织',
};

/** 证件类型 list (national code list 01-05, plus 其他). */
export const ID_TYPES = ['身份证', '护照号', '港澳居民来往内地通行证', '台湾居民来往大陆通行证', '外国人永久居留身份证', '其他'] as const;
export const ID_TYPE_ALIASES: Record<string, string> = {
  '01': '身份证',
  '02': '护照号',
  '03': '港澳居民来往内地通行证',
  '04': '台湾居民来往大陆通行证',
  '05': '外国人永久居留身份证',
  居民身份证: '身份证',
  护照: '护照号',
};

const IS_PERSON = { field: 'party_type', in: ['自然人'] } as const;
const IS_ORG = { field: 'party_type', in: ['法人及非法人组织', '个体工商户'] } as const;

/**
 * The counterpart (行政相对人) block of the 双公示 standard. `prefix` is the national code prefix
 * (XK for licences, CF for penalties) used by local platforms' column codes.
 */
export function partyFields(prefix: 'XK' | 'CF' | null): FieldDef[] {
  const code = (c: string) => (prefix ? [`${prefix}_${c}`] : []);
  return [
    { key: 'subject_name', label: '行政相对人名称', aliases: ['相对人名称', '主体名称', 'xy010101', ...code('XDR_MC')], type: 'text', required: true },
    {
      key: 'party_type', label: '行政相对人类别', aliases: ['相对人类别', ...code('XDR_LB')], type: 'enum', required: true,
      values: PARTY_TYPES, valueAliases: PARTY_TYPE_ALIASES,
    },
    {
      key: 'subject_uscc', label: '行政相对人代码_1(统一社会信用代码)',
      aliases: ['统一社会信用代码', '行政相对人代码_1', '社会信用代码', ...code('XDR_SHXYM')], type: 'uscc', required: IS_ORG,
    },
    { key: 'legal_rep', label: '法定代表人', aliases: ['法定代表人姓名', ...code('FRDB')], type: 'text' },
    { key: 'id_type', label: '证件类型', aliases: [...code('XDR_ZJLX')], type: 'enum', required: IS_PERSON, values: ID_TYPES, valueAliases: ID_TYPE_ALIASES },
    { key: 'id_number', label: '证件号码', aliases: ['身份证号码', '身份证号', '证件号', ...code('XDR_ZJHM')], type: 'idno', required: IS_PERSON },
  ];
}

/** 数据来源单位 and its code, required by every national layout; 备注 optional. */
export function sourceFields(prefix: 'XK' | 'CF' | null): FieldDef[] {
  const code = (c: string) => (prefix ? [`${prefix}_${c}`] : []);
  return [
    { key: 'source_unit', label: '数据来源单位', aliases: ['来源单位', 'xy020135', ...code('SJLY'), ...code('LYDW')], type: 'text', required: true },
    { key: 'source_unit_uscc', label: '数据来源单位统一社会信用代码', aliases: ['来源单位统一社会信用代码', 'xy020136', ...code('SJLYDM'), ...code('LYDWDM')], type: 'uscc', required: true },
    { key: 'remark', label: '备注', aliases: ['BZ'], type: 'text' },
  ];
}

/** 公示日期: when the record was published on the credit website (drives 及时率). Not in every layout. */
export const PUBLISH_DATE: FieldDef = {
  key: 'publish_date', label: '公示日期', aliases: ['信息公示日期', '发布日期', '上报日期'], type: 'date', notFuture: true,
};
