/**
 * Penalty catalogue: which department punishes which industries for what, under which article, and
 * how large fines run (万元, log-normal). Fines concentrate in market regulation, environment,
 * emergency management (safety), tax and transport, as in real 双公示 data.
 */
import { Weighted } from '../rng.ts';

export interface Violation {
  type: string;
  fact: string;
  basis: string;
  /** Share of decisions that are a warning only. */
  warn: number;
  /** Share with confiscation of illegal gains, and with suspension / revocation of a licence. */
  confiscate?: number;
  suspend?: number;
  revoke?: string;
}

export interface PenaltyDept {
  dept: string;
  /** Document word: 滨市监处罚〔2025〕1号, 盐税稽罚〔2025〕1号, 滨应急罚〔2025〕1号. */
  series: string;
  fineMedian: number;
  fineSigma: number;
  violations: readonly Violation[];
  /** Weight of this department for a subject of division `div` (individual businesses: `ind`). */
  weight: (div: number, ind: boolean) => number;
}

const isC = (d: number) => d >= 13 && d <= 43;

export const PENALTY_DEPTS: readonly PenaltyDept[] = [
  {
    dept: 'amr', series: '处罚', fineMedian: 0.5, fineSigma: 1.1,
    weight: (d) => 5 * (d === 52 || d === 62 ? 1.6 : d === 13 || d === 14 ? 1.5 : 1),
    violations: [
      { type: '食品安全违法行为', fact: '销售超过保质期的食品', basis: '《中华人民共和国食品安全法》第一百二十四条第一款', warn: 0.15, confiscate: 0.5, revoke: '食品经营许可证' },
      { type: '产品质量违法行为', fact: '生产、销售不符合保障人体健康和人身、财产安全的国家标准、行业标准的产品', basis: '《中华人民共和国产品质量法》第四十九条', warn: 0.1, confiscate: 0.4 },
      { type: '广告违法行为', fact: '发布虚假广告，欺骗、误导消费者', basis: '《中华人民共和国广告法》第五十五条', warn: 0.2 },
      { type: '价格违法行为', fact: '未按规定明码标价', basis: '《中华人民共和国价格法》第四十二条', warn: 0.5 },
      { type: '计量违法行为', fact: '使用未经检定的计量器具', basis: '《中华人民共和国计量法》第二十六条', warn: 0.4 },
      { type: '特种设备违法行为', fact: '使用未经定期检验的特种设备', basis: '《中华人民共和国特种设备安全法》第八十四条', warn: 0.1 },
      { type: '商标侵权行为', fact: '销售侵犯注册商标专用权的商品', basis: '《中华人民共和国商标法》第六十条第二款', warn: 0.05, confiscate: 0.7 },
      { type: '无照经营行为', fact: '未依法取得营业执照从事经营活动', basis: '《无证无照经营查处办法》第十三条', warn: 0.3 },
    ],
  },
  {
    dept: 'tax', series: '稽罚', fineMedian: 0.2, fineSigma: 1.4,
    weight: (d, ind) => (ind ? 0.6 : 1.6) * (d === 51 ? 1.3 : 1),
    violations: [
      { type: '税收违法行为', fact: '未按照规定期限办理纳税申报和报送纳税资料', basis: '《中华人民共和国税收征收管理法》第六十二条', warn: 0.1 },
      { type: '发票违法行为', fact: '未按规定开具发票', basis: '《中华人民共和国发票管理办法》第三十五条', warn: 0.1, confiscate: 0.1 },
      { type: '偷税', fact: '在账簿上多列支出，少缴应纳税款', basis: '《中华人民共和国税收征收管理法》第六十三条第一款', warn: 0 },
    ],
  },
  {
    dept: 'env', series: '罚', fineMedian: 6, fineSigma: 0.9,
    weight: (d) => ({ 26: 7, 25: 6, 27: 4, 28: 4, 22: 3, 30: 3, 31: 3, 32: 3, 29: 2, 17: 2.5, 33: 2, 13: 1.5, 3: 2, 44: 2, 77: 1, 42: 2 } as Record<number, number>)[d] ?? (isC(d) ? 1 : 0.04),
    violations: [
      { type: '大气污染违法行为', fact: '超过大气污染物排放标准排放大气污染物', basis: '《中华人民共和国大气污染防治法》第九十九条', warn: 0.02, suspend: 0.05 },
      { type: '水污染违法行为', fact: '通过暗管等逃避监管的方式排放水污染物', basis: '《中华人民共和国水污染防治法》第八十三条', warn: 0, suspend: 0.1 },
      { type: '固体废物违法行为', fact: '未按照规定贮存危险废物', basis: '《中华人民共和国固体废物污染环境防治法》第一百一十二条', warn: 0.02 },
      { type: '环评违法行为', fact: '建设项目环境影响报告表未经批准擅自开工建设', basis: '《中华人民共和国环境影响评价法》第三十一条', warn: 0 },
      { type: '排污许可违法行为', fact: '未按照排污许可证规定安装、使用污染物排放自动监测设备', basis: '《排污许可管理条例》第三十六条', warn: 0.05 },
    ],
  },
  {
    dept: 'safety', series: '罚', fineMedian: 2, fineSigma: 0.9,
    weight: (d) => ({ 26: 7, 25: 6, 27: 2.5, 28: 2.5, 10: 5, 47: 2.5, 48: 2.5, 59: 1.5, 51: 0.5, 61: 0.3 } as Record<number, number>)[d] ?? (isC(d) ? 1 : 0.08),
    violations: [
      { type: '安全生产违法行为', fact: '未如实记录安全生产教育和培训情况', basis: '《中华人民共和国安全生产法》第九十七条', warn: 0.05 },
      { type: '安全生产违法行为', fact: '未采取措施消除事故隐患', basis: '《中华人民共和国安全生产法》第一百零二条', warn: 0.02, suspend: 0.08 },
      { type: '危险化学品违法行为', fact: '危险化学品储存不符合国家标准要求', basis: '《危险化学品安全管理条例》第八十条', warn: 0, suspend: 0.05 },
      { type: '安全生产违法行为', fact: '特种作业人员未按照规定经专门的安全作业培训并取得相应资格上岗作业', basis: '《中华人民共和国安全生产法》第九十七条', warn: 0.05 },
    ],
  },
  {
    dept: 'transport', series: '罚', fineMedian: 0.2, fineSigma: 0.8,
    weight: (d) => ({ 54: 8, 55: 6, 58: 3, 59: 2, 48: 1 } as Record<number, number>)[d] ?? 0.03,
    violations: [
      { type: '道路运输违法行为', fact: '货运车辆超限运输', basis: '《公路安全保护条例》第六十四条', warn: 0 },
      { type: '道路运输违法行为', fact: '未取得道路运输经营许可擅自从事道路普通货物运输经营', basis: '《中华人民共和国道路运输条例》第六十三条', warn: 0, confiscate: 0.3 },
      { type: '水路运输违法行为', fact: '船舶未按照规定配备持证船员', basis: '《中华人民共和国船员条例》第五十三条', warn: 0.1 },
    ],
  },
  {
    dept: 'housing', series: '罚', fineMedian: 3, fineSigma: 1,
    weight: (d) => ({ 47: 5, 48: 4, 49: 3, 50: 3, 70: 4 } as Record<number, number>)[d] ?? 0.02,
    violations: [
      { type: '建筑市场违法行为', fact: '未取得施工许可证擅自施工', basis: '《建设工程质量管理条例》第五十七条', warn: 0 },
      { type: '建筑市场违法行为', fact: '违法分包建设工程', basis: '《建设工程质量管理条例》第六十二条', warn: 0, confiscate: 0.3 },
      { type: '房地产违法行为', fact: '未取得商品房预售许可证预售商品房', basis: '《城市房地产开发经营管理条例》第三十九条', warn: 0, confiscate: 0.5 },
    ],
  },
  {
    dept: 'health', series: '罚', fineMedian: 0.3, fineSigma: 0.8,
    weight: (d) => ({ 84: 6, 80: 2, 61: 2, 83: 1, 89: 1 } as Record<number, number>)[d] ?? 0.03,
    violations: [
      { type: '公共场所卫生违法行为', fact: '从业人员未取得有效健康合格证明从事直接为顾客服务工作', basis: '《公共场所卫生管理条例实施细则》第三十八条', warn: 0.4 },
      { type: '医疗违法行为', fact: '使用非卫生技术人员从事医疗卫生技术工作', basis: '《医疗机构管理条例》第四十七条', warn: 0.1 },
    ],
  },
  {
    dept: 'hrss', series: '罚', fineMedian: 0.5, fineSigma: 0.8,
    weight: (d, ind) => (ind ? 0.05 : 0.4) * (d === 47 || d === 48 ? 3 : d === 17 || d === 18 ? 2 : 1),
    violations: [
      { type: '劳动保障违法行为', fact: '未按照规定为劳动者缴纳社会保险费', basis: '《中华人民共和国社会保险法》第八十六条', warn: 0.2 },
      { type: '劳动保障违法行为', fact: '违反规定延长劳动者工作时间', basis: '《劳动保障监察条例》第二十五条', warn: 0.3 },
    ],
  },
  {
    dept: 'agri', series: '罚', fineMedian: 0.3, fineSigma: 0.9,
    weight: (d) => ({ 1: 3, 3: 4, 4: 4, 5: 2, 13: 0.5, 51: 0.2, 52: 0.1 } as Record<number, number>)[d] ?? 0.01,
    violations: [
      { type: '农业违法行为', fact: '经营劣质农药', basis: '《农药管理条例》第五十六条', warn: 0.1, confiscate: 0.6 },
      { type: '渔业违法行为', fact: '在禁渔期内进行捕捞', basis: '《中华人民共和国渔业法》第三十八条', warn: 0.1, confiscate: 0.5 },
      { type: '动物防疫违法行为', fact: '未按规定对病死动物进行无害化处理', basis: '《中华人民共和国动物防疫法》第九十八条', warn: 0.2 },
    ],
  },
  {
    dept: 'culture', series: '罚', fineMedian: 0.5, fineSigma: 0.7,
    weight: (d) => ({ 90: 6, 88: 2, 64: 1, 87: 1, 61: 0.2 } as Record<number, number>)[d] ?? 0,
    violations: [
      { type: '文化市场违法行为', fact: '娱乐场所未按规定时间营业', basis: '《娱乐场所管理条例》第四十八条', warn: 0.4 },
      { type: '旅游违法行为', fact: '旅行社未与旅游者签订旅游合同', basis: '《中华人民共和国旅游法》第一百条', warn: 0.3 },
    ],
  },
  {
    dept: 'police', series: '罚', fineMedian: 0.1, fineSigma: 0.7,
    weight: (d) => ({ 61: 3, 90: 2, 81: 0.5 } as Record<number, number>)[d] ?? 0.01,
    violations: [
      { type: '治安管理违法行为', fact: '旅馆业工作人员未按规定登记住宿旅客姓名、有效身份证件种类和号码', basis: '《中华人民共和国治安管理处罚法》第五十六条', warn: 0.3 },
    ],
  },
  {
    dept: 'land', series: '罚', fineMedian: 5, fineSigma: 1,
    weight: (d) => ({ 70: 2, 10: 3, 30: 0.5, 1: 0.3, 3: 0.3 } as Record<number, number>)[d] ?? 0.01,
    violations: [
      { type: '土地违法行为', fact: '未经批准非法占用土地建设厂房', basis: '《中华人民共和国土地管理法》第七十七条', warn: 0, confiscate: 0.3 },
    ],
  },
  {
    dept: 'medical', series: '罚', fineMedian: 2, fineSigma: 0.8,
    weight: (d) => ({ 84: 3, 52: 0.15 } as Record<number, number>)[d] ?? 0,
    violations: [{ type: '医疗保障违法行为', fact: '串换药品、医用耗材项目结算医保基金', basis: '《医疗保障基金使用监督管理条例》第三十八条', warn: 0 }],
  },
  {
    dept: 'stats', series: '罚', fineMedian: 2, fineSigma: 0.6,
    weight: (d, ind) => (ind ? 0 : isC(d) ? 0.2 : 0.08),
    violations: [{ type: '统计违法行为', fact: '提供不真实统计资料', basis: '《中华人民共和国统计法》第四十一条', warn: 0.3 }],
  },
  {
    dept: 'water', series: '罚', fineMedian: 1, fineSigma: 0.8,
    weight: (d) => ({ 10: 2, 1: 0.3, 48: 0.5, 46: 1 } as Record<number, number>)[d] ?? 0.01,
    violations: [{ type: '水事违法行为', fact: '未经批准擅自取水', basis: '《中华人民共和国水法》第六十九条', warn: 0.1 }],
  },
];

const tables = new Map<number, Weighted<PenaltyDept>>();

/** Departments that may punish a subject of this division (individual businesses separately). */
export function penaltyDeptTable(division: number, individual: boolean): Weighted<PenaltyDept> {
  const key = division * 2 + (individual ? 1 : 0);
  let t = tables.get(key);
  if (!t) {
    t = new Weighted(PENALTY_DEPTS, PENALTY_DEPTS.map((p) => p.weight(division, individual)));
    tables.set(key, t);
  }
  return t;
}

/** Penalty-rate multiplier of an industry (chemicals and construction are inspected more). */
export function penaltyIndustryFactor(division: number): number {
  const f: Record<number, number> = {
    26: 2.6, 25: 2.2, 27: 1.6, 28: 1.6, 22: 1.4, 29: 1.3, 30: 1.4, 33: 1.3, 10: 2, 47: 1.5, 48: 1.5, 49: 1.3, 50: 1.3,
    54: 1.6, 55: 1.5, 62: 1.3, 52: 1.1, 61: 1.2, 84: 1.3, 90: 1.4, 3: 1.3, 4: 1.2, 65: 0.5, 75: 0.6, 74: 0.7, 72: 0.8,
  };
  return f[division] ?? 1;
}
