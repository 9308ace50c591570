/** 合同履约 rows: government procurement, bidding, government investment, PPP and ordinary contracts. */
import { contract as schema } from '../../schemas/contract.ts';
import { townsOf } from '../names.ts';
import { F_PROTECTED } from '../outputs.ts';
import { fieldIndex, newRow, wan, type World } from './context.ts';
import { maybeObjection } from './repair-objection.ts';

const F = fieldIndex(schema, [
  'contract_no', 'contract_name', 'contract_type', 'subject_name', 'subject_uscc', 'counterparty', 'counterparty_uscc', 'amount',
  'sign_date', 'due_date', 'status', 'breach_detail', 'source_unit', 'source_unit_uscc',
]);

export type ContractType = '政府采购' | '招标投标' | '政府投资项目' | 'PPP项目' | '一般商事合同';

const PROCUREMENT_ITEMS = ['办公设备', '信息化系统建设', '物业管理服务', '绿化养护服务', '食堂食材配送', '医疗设备', '学生校服', '车辆维修服务', '印刷服务', '保安服务'];
const WORKS = ['道路改造工程', '安置小区工程', '中心小学教学楼工程', '河道整治工程', '农村饮水安全工程', '污水管网工程'];
const GOODS = ['原材料购销合同', '设备采购合同', '技术服务合同', '房屋租赁合同', '货物运输合同', '产品购销合同', '委托加工合同'];
const BREACHES = ['未按合同约定期限交付货物', '未按约定支付合同价款', '工程质量不符合合同约定', '逾期竣工', '擅自转包合同义务'];

const PARAMS: Record<ContractType, { median: number; dept: string; code: string }> = {
  政府采购: { median: 60, dept: 'finance', code: 'ZC' },
  招标投标: { median: 400, dept: 'housing', code: 'ZB' },
  政府投资项目: { median: 800, dept: 'ndrc', code: 'TZ' },
  PPP项目: { median: 20_000, dept: 'ndrc', code: 'PPP' },
  一般商事合同: { median: 20, dept: 'amr', code: 'HT' },
};

/** A public buyer in the subject's county: a 机关/事业单位 subject, else a county bureau. */
function buyer(w: World, county: number): { name: string; uscc: string } {
  const list = w.subjects.buyersByCounty[county];
  if (list && list.length > 0) {
    const j = list[w.rng.int(list.length)];
    return { name: w.subjects.name[j], uscc: w.subjects.uscc[j] };
  }
  const u = w.units.get(w.rng.pick(['housing', 'health', 'transport', 'agri']), county);
  return { name: u.name, uscc: u.uscc };
}

function firmCounterparty(w: World, i: number): { name: string; uscc: string } {
  const list = w.subjects.enterprisesByCounty[w.rng.int(w.counties.length)];
  if (list && list.length > 1) {
    const j = list[w.rng.int(list.length)];
    if (j !== i) return { name: w.subjects.name[j], uscc: w.subjects.uscc[j] };
  }
  return buyer(w, w.subjects.county[i]);
}

export interface ContractOptions { protect?: boolean; noBreach?: boolean }

/** One contract of subject i signed on `day`; returns its number. */
export function emitContract(w: World, i: number, day: number, type: ContractType, o: ContractOptions = {}): string {
  const s = w.subjects;
  const rng = w.rng;
  const cal = w.cal;
  const p = PARAMS[type];
  const county = w.counties[s.county[i]];
  const src = w.units.get(p.dept, -1);
  const year = cal.year(day);
  const no = `${p.code}${year}${county.code}${String(w.docs.seq(src.index, p.code, year)).padStart(5, '0')}`;
  const cp = type === '一般商事合同' ? firmCounterparty(w, i) : buyer(w, s.county[i]);
  const row = newRow(schema);
  row[F.contract_no] = no;
  if (type === '政府采购') row[F.contract_name] = `${cp.name}${rng.pick(PROCUREMENT_ITEMS)}采购项目合同`;
  else if (type === '一般商事合同') row[F.contract_name] = rng.pick(GOODS);
  else row[F.contract_name] = `${county.name}${rng.pick(townsOf(county.code))}${rng.pick(WORKS)}${type === 'PPP项目' ? 'PPP项目合同' : '施工合同'}`;
  row[F.contract_type] = type;
  row[F.subject_name] = s.name[i];
  row[F.subject_uscc] = s.uscc[i];
  row[F.counterparty] = cp.name;
  row[F.counterparty_uscc] = cp.uscc;
  row[F.amount] = wan(rng.logNormal(p.median, 1));
  row[F.sign_date] = day;
  const due = day + rng.range(90, 720);
  row[F.due_date] = due;
  const breach = cal.toWorkday(day + rng.range(60, 600), day + 1);
  if (!o.noBreach && rng.next() < 0.03 * Math.min(3, Math.sqrt(s.risk[i])) && breach <= cal.asOf) {
    row[F.status] = '违约';
    row[F.breach_detail] = rng.pick(BREACHES);
    if (rng.next() < 0.02) maybeObjection(w, i, '合同履约', no, breach, src);
  } else if (due <= cal.asOf) {
    row[F.status] = rng.next() < 0.98 ? '已履约' : '解除';
  } else {
    row[F.status] = '履约中';
  }
  row[F.source_unit] = src.name;
  row[F.source_unit_uscc] = src.uscc;
  w.out.contract.add(row, day, src.index, i, o.protect ? F_PROTECTED : 0);
  return no;
}

/** Yearly rates of contract types for subject i. */
export function contractRates(w: World, i: number): [ContractType, number][] {
  const s = w.subjects;
  const d = s.division[i];
  if (s.type[i] === 2) return [['一般商事合同', 0.04]];
  if (!s.isFirm(i) && s.type[i] !== 3) return [];
  const works = d >= 47 && d <= 50;
  const services = [51, 52, 65, 72, 74, 75, 78, 80, 81, 23, 18].includes(d);
  return [
    ['政府采购', services ? 0.12 : 0.02],
    ['招标投标', works ? 0.35 : 0.01],
    ['政府投资项目', works ? 0.05 : 0.002],
    ['PPP项目', works ? 0.003 : 0],
    ['一般商事合同', 1.1],
  ];
}
