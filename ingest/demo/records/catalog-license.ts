/**
 * Licence templates: which department grants what to which industries, with the document and
 * certificate names, category, validity (0 = long-term, written 2099/12/31) and number formats seen
 * on credit websites. `promise` marks matters handled under 告知承诺制 (a 审批替代型 commitment).
 */
import type { Rng } from '../rng.ts';
import { Weighted } from '../rng.ts';

export interface NumberCtx { uscc: string; county: string; year: number; seq: number; rng: Rng }

export interface LicenseTemplate {
  dept: string;
  category: '普通' | '特许' | '认可' | '核准' | '登记' | '其他';
  docName: string;
  cert: string;
  contents: readonly string[];
  years: number;
  /** Division weights; '*' = every market subject. */
  divisions: Readonly<Record<number, number>> | '*';
  weight: number;
  /** Always granted by the city-level bureau. */
  cityOnly?: boolean;
  promise?: boolean;
  number: (c: NumberCtx) => string;
}

const d = (n: number, w: number) => String(n).padStart(w, '0');
const rnd = (c: NumberCtx, w: number) => d(c.rng.int(10 ** Math.min(w, 9)), w);

const MANUFACTURING: Record<number, number> = Object.fromEntries(Array.from({ length: 31 }, (_, k) => [13 + k, 1]));

export const LICENSES: readonly LicenseTemplate[] = [
  {
    dept: 'amr', category: '登记', docName: '准予变更登记通知书', cert: '营业执照', weight: 3.5, years: 0, divisions: '*',
    contents: ['经营范围变更登记', '住所变更登记', '法定代表人（负责人）变更登记', '注册资本变更登记', '名称变更登记'],
    number: (c) => c.uscc,
  },
  {
    dept: 'approval', category: '普通', docName: '食品经营许可决定书', cert: '食品经营许可证', weight: 6, years: 5, promise: true,
    divisions: { 52: 3, 62: 4, 61: 1, 51: 0.4, 83: 0.3, 85: 0.3 },
    contents: ['预包装食品销售（含冷藏冷冻食品）；散装食品销售', '热食类食品制售；冷食类食品制售', '预包装食品销售（不含冷藏冷冻食品）', '热食类食品制售；糕点类食品制售'],
    number: (c) => `JY1${c.county}${rnd(c, 7)}`,
  },
  {
    dept: 'amr', category: '普通', docName: '食品生产许可决定书', cert: '食品生产许可证', weight: 4, years: 5, cityOnly: true,
    divisions: { 13: 3, 14: 3, 15: 3 },
    contents: ['粮食加工品（大米）', '食用油、油脂及其制品', '糕点', '饮料（包装饮用水）', '调味品（酱油、食醋）'],
    number: (c) => `SC1${rnd(c, 2)}${c.county}${rnd(c, 4)}`,
  },
  {
    dept: 'env', category: '普通', docName: '排污许可决定书', cert: '排污许可证', weight: 3, years: 5,
    divisions: { ...MANUFACTURING, 26: 4, 25: 4, 27: 3, 28: 3, 22: 2.5, 30: 2, 17: 2, 3: 1, 44: 2, 77: 1 },
    contents: ['排污许可证核发（重点管理）', '排污许可证核发（简化管理）', '排污许可证变更', '排污许可证延续'],
    number: (c) => `${c.uscc}00${c.rng.range(1, 3)}${c.rng.pick(['P', 'V', 'R', 'U'])}`,
  },
  {
    dept: 'safety', category: '普通', docName: '安全生产许可决定书', cert: '安全生产许可证', weight: 3, years: 3, cityOnly: true,
    divisions: { 26: 5, 25: 5, 27: 2, 28: 2, 10: 4 },
    contents: ['危险化学品生产', '非煤矿矿山开采', '危险化学品生产（延期）'],
    number: (c) => `（苏）WH安许证字〔${c.year}〕${d(90_000 + c.seq, 6)}`,
  },
  {
    dept: 'safety', category: '普通', docName: '危险化学品经营许可决定书', cert: '危险化学品经营许可证', weight: 2, years: 3,
    divisions: { 51: 0.6, 26: 1.5, 52: 0.15 },
    contents: ['危险化学品经营（不带储存设施）', '危险化学品经营（带储存设施）', '成品油（汽油、柴油）零售'],
    number: (c) => `苏盐危化经字〔${c.year}〕${d(c.seq, 6)}`,
  },
  {
    dept: 'housing', category: '认可', docName: '建筑业企业资质核准决定书', cert: '建筑业企业资质证书', weight: 3, years: 5, promise: true,
    divisions: { 47: 3, 48: 3, 49: 3, 50: 3 },
    contents: ['建筑工程施工总承包三级', '市政公用工程施工总承包三级', '建筑装修装饰工程专业承包二级', '施工劳务不分等级', '水利水电工程施工总承包三级'],
    number: (c) => `D${c.rng.range(2, 3)}32${d(c.rng.int(10_000_000), 7)}`,
  },
  {
    dept: 'housing', category: '普通', docName: '建筑工程施工许可决定书', cert: '建筑工程施工许可证', weight: 2.5, years: 0,
    divisions: { 47: 3, 48: 2, 70: 4 },
    contents: ['住宅小区工程施工', '厂房及配套用房工程施工', '道路改造工程施工', '综合楼工程施工'],
    number: (c) => `${c.county}${c.year}${rnd(c, 4)}0101`,
  },
  {
    dept: 'transport', category: '普通', docName: '道路运输经营许可决定书', cert: '道路运输经营许可证', weight: 4, years: 4, promise: true,
    divisions: { 54: 5, 58: 2, 59: 2 },
    contents: ['道路普通货物运输', '道路普通货物运输；货物专用运输（集装箱）', '道路旅客运输（县内班车客运）', '危险货物运输（3类）'],
    number: (c) => `苏交运管许可盐字${c.county}${d(c.seq, 6)}号`,
  },
  {
    dept: 'health', category: '普通', docName: '公共场所卫生许可决定书', cert: '卫生许可证', weight: 3, years: 4, promise: true,
    divisions: { 61: 3, 80: 2.5, 89: 1.5, 90: 1 },
    contents: ['住宿', '美容美发', '沐浴', '游泳场所', '歌舞厅'],
    number: (c) => `盐卫公字〔${c.year}〕第${c.county.slice(4)}${d(c.seq, 5)}号`,
  },
  {
    dept: 'health', category: '普通', docName: '医疗机构执业许可决定书', cert: '医疗机构执业许可证', weight: 3, years: 5,
    divisions: { 84: 5 },
    contents: ['诊所执业登记', '门诊部执业登记', '医疗机构校验', '医疗机构变更诊疗科目'],
    number: (c) => `PDY${rnd(c, 5)}-${c.county}${rnd(c, 2)}D${c.rng.range(1001, 2212)}`,
  },
  {
    dept: 'amr', category: '普通', docName: '药品经营许可决定书', cert: '药品经营许可证', weight: 0.6, years: 5,
    divisions: { 52: 1 },
    contents: ['药品零售（中成药、化学药制剂、抗生素制剂、生化药品、生物制品）', '药品零售（中药饮片、中成药、化学药制剂）'],
    number: (c) => `苏CB${c.county.slice(2, 4)}${rnd(c, 4)}`,
  },
  {
    dept: 'water', category: '普通', docName: '取水许可决定书', cert: '取水许可证', weight: 1, years: 5,
    divisions: { 1: 1, 13: 1, 17: 1.5, 26: 1.5, 44: 2, 46: 3, 3: 0.5 },
    contents: ['取用地表水', '取用地下水', '取水许可延续'],
    number: (c) => `D${c.county}S${c.year}-${rnd(c, 4)}`,
  },
  {
    dept: 'land', category: '普通', docName: '建设工程规划许可决定书', cert: '建设工程规划许可证', weight: 2, years: 0,
    divisions: { 70: 4, 47: 1, 26: 0.5, 34: 0.5, 38: 0.5 },
    contents: ['新建厂房建设工程规划许可', '商住楼建设工程规划许可', '配套用房建设工程规划许可'],
    number: (c) => `建字第${c.county}${c.year}${d(c.seq, 5)}号`,
  },
  {
    dept: 'culture', category: '普通', docName: '娱乐经营许可决定书', cert: '娱乐经营许可证', weight: 3, years: 2, promise: true,
    divisions: { 90: 4, 88: 1 },
    contents: ['歌舞娱乐场所', '游艺娱乐场所'],
    number: (c) => `${c.county}${d(c.seq, 6)}`,
  },
  {
    dept: 'hrss', category: '普通', docName: '劳务派遣经营许可决定书', cert: '劳务派遣经营许可证', weight: 2, years: 3, promise: true,
    divisions: { 72: 1.2 },
    contents: ['劳务派遣经营', '劳务派遣经营许可延续'],
    number: (c) => `${c.county}${c.year}${d(c.seq, 4)}`,
  },
  {
    dept: 'agri', category: '普通', docName: '农药经营许可决定书', cert: '农药经营许可证', weight: 1, years: 5,
    divisions: { 51: 0.4, 52: 0.2, 5: 1 },
    contents: ['农药（不含限制使用农药）经营'],
    number: (c) => `农药经许（苏）${c.county}${rnd(c, 6)}`,
  },
  {
    dept: 'agri', category: '普通', docName: '动物防疫条件审查决定书', cert: '动物防疫条件合格证', weight: 3, years: 0,
    divisions: { 3: 4 },
    contents: ['动物饲养场（生猪）', '动物饲养场（家禽）', '动物饲养场（肉羊）'],
    number: (c) => `（苏盐）动防合字第${c.county}${d(c.seq, 3)}号`,
  },
  {
    dept: 'agri', category: '特许', docName: '渔业捕捞许可决定书', cert: '渔业捕捞许可证', weight: 3, years: 5,
    divisions: { 4: 4 },
    contents: ['近海捕捞', '内陆捕捞'],
    number: (c) => `（苏盐）船网（${c.year}）${d(c.seq, 5)}号`,
  },
  {
    dept: 'amr', category: '登记', docName: '特种设备使用登记决定', cert: '特种设备使用登记证', weight: 1.5, years: 0,
    divisions: { ...MANUFACTURING, 59: 1, 61: 0.5, 70: 1, 84: 0.5 },
    contents: ['锅炉使用登记', '压力容器使用登记', '电梯使用登记', '场（厂）内专用机动车辆使用登记'],
    number: (c) => `${c.rng.pick(['容', '梯', '锅', '车'])}${c.rng.range(11, 31)}苏J${d(c.seq % 100_000, 5)}(${String(c.year).slice(2)})`,
  },
  {
    dept: 'police', category: '特许', docName: '特种行业许可决定书', cert: '特种行业许可证', weight: 3, years: 0, promise: true,
    divisions: { 61: 3 },
    contents: ['旅馆业'],
    number: (c) => `J${c.county}${d(c.seq, 5)}`,
  },
  {
    dept: 'commerce', category: '核准', docName: '成品油零售经营批准决定书', cert: '成品油零售经营批准证书', weight: 1, years: 5,
    divisions: { 52: 0.15 },
    contents: ['成品油零售经营（汽油、柴油）'],
    number: (c) => `油零售证书第${d(c.seq, 5)}号`,
  },
  {
    dept: 'env', category: '普通', docName: '建设项目环境影响报告表的批复', cert: '', weight: 1.5, years: 0,
    divisions: { ...MANUFACTURING, 26: 3, 44: 1.5, 77: 1 },
    contents: ['建设项目环境影响报告表审批', '建设项目环境影响报告书审批'],
    number: () => '',
  },
];

/** Natural-person licences (乡村建设规划许可 for rural homes, fishing licences). */
export const PERSON_LICENSES: readonly LicenseTemplate[] = [
  {
    dept: 'land', category: '普通', docName: '乡村建设规划许可决定书', cert: '乡村建设规划许可证', weight: 3, years: 0, divisions: '*',
    contents: ['农村村民住宅建设'], number: (c) => `乡字第${c.county}${c.year}${d(c.seq, 5)}号`,
  },
  {
    dept: 'agri', category: '特许', docName: '渔业捕捞许可决定书', cert: '渔业捕捞许可证', weight: 1, years: 5, divisions: '*',
    contents: ['内陆捕捞'], number: (c) => `（苏盐）船网（${c.year}）${d(c.seq, 5)}号`,
  },
];

const tables = new Map<number, Weighted<LicenseTemplate>>();

/** Licence templates that fit a division, weighted. */
export function licenseTable(division: number): Weighted<LicenseTemplate> {
  let t = tables.get(division);
  if (!t) {
    const fit = LICENSES.map((l) => (l.divisions === '*' ? 1 : l.divisions[division] ?? 0) * l.weight);
    t = new Weighted(LICENSES, fit);
    tables.set(division, t);
  }
  return t;
}
