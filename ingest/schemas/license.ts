import { partyFields, sourceFields, PUBLISH_DATE } from './common.ts';
import type { KindSchema } from './types.ts';

/** 行政许可, the national 双公示 layout (reference/STANDARDS.md 1.1). */
export const license: KindSchema = {
  kind: 'license',
  label: '行政许可',
  description: '双公示 行政许可决定 (administrative licences)',
  fields: [
    ...partyFields('XK'),
    { key: 'decision_doc_name', label: '行政许可决定文书名称', aliases: ['许可决定文书名称', 'XK_XKWS'], type: 'text', required: true },
    { key: 'decision_no', label: '行政许可决定文书号', aliases: ['许可决定文书号', '许可文书号', 'XK_WSH'], type: 'text', required: true },
    {
      key: 'license_category', label: '许可类别', aliases: ['XK_XKLB'], type: 'enum', required: true,
      values: ['普通', '特许', '认可', '核准', '登记', '其他'],
      valueAliases: { '01': '普通', '02': '特许', '03': '认可', '04': '核准', '05': '登记', '06': '其他' },
    },
    { key: 'certificate_name', label: '许可证书名称', aliases: ['XK_XKZS'], type: 'text' },
    { key: 'license_no', label: '许可编号', aliases: ['XK_XKBH'], type: 'text' },
    { key: 'content', label: '许可内容', aliases: ['XK_NR'], type: 'text', required: true },
    { key: 'decision_date', label: '许可决定日期', aliases: ['决定日期', 'XK_JDRQ'], type: 'date', required: true, notFuture: true },
    { key: 'valid_from', label: '有效期自', aliases: ['XK_YXQZ'], type: 'date', required: true },
    { key: 'valid_to', label: '有效期至', aliases: ['XK_YXQZI'], type: 'date', required: true, notBefore: 'valid_from' },
    { key: 'authority', label: '许可机关', aliases: ['XK_XKJG'], type: 'text', required: true },
    { key: 'authority_uscc', label: '许可机关统一社会信用代码', aliases: ['XK_XKJGDM'], type: 'uscc', required: true },
    {
      key: 'status', label: '当前状态', aliases: ['XK_ZT'], type: 'enum', values: ['有效', '无效'],
      valueAliases: { '1': '有效', '2': '无效', '0': '无效' },
    },
    PUBLISH_DATE,
    ...sourceFields('XK'),
  ],
  naturalKey: ['decision_no', 'authority_uscc', 'subject_key'],
  naturalKeyNote: '许可决定文书号 + 许可机关统一社会信用代码 + 相对人 (one batch decision may license several counterparts)',
  monthField: 'decision_date',
  subject: { uscc: 'subject_uscc', name: 'subject_name', partyType: 'party_type', idNumber: 'id_number' },
  signature: ['行政许可决定文书号', '许可类别', '许可内容', '许可机关'],
};
