/** 失信被执行人 (court) and 严重失信主体名单 rows. */
import { courtDishonest as courtSchema, DISHONEST_BEHAVIOURS } from '../../schemas/court-dishonest.ts';
import { seriousDishonest as seriousSchema } from '../../schemas/serious-dishonest.ts';
import { F_PROTECTED } from '../outputs.ts';
import { Weighted } from '../rng.ts';
import { fieldIndex, newRow, partyType, wan, type World } from './context.ts';
import { emitRepair } from './repair-objection.ts';

const C = fieldIndex(courtSchema, [
  'case_no', 'subject_name', 'party_type', 'subject_uscc', 'id_number', 'legal_rep', 'court', 'province', 'basis_no',
  'basis_unit', 'filing_date', 'duty', 'performance', 'unperformed_amount', 'behaviours', 'publish_date', 'source_unit',
  'source_unit_uscc',
]);
const S = fieldIndex(seriousSchema, [
  'subject_name', 'subject_uscc', 'legal_rep', 'list_type', 'reason', 'basis', 'decision_no', 'authority', 'authority_uscc',
  'listed_date', 'expires', 'source_unit', 'source_unit_uscc',
]);

const BEHAVIOUR_TABLE = new Weighted([...DISHONEST_BEHAVIOURS], [70, 3, 6, 10, 9, 2]);
const DUTIES = ['支付货款', '偿还借款本金及利息', '支付工程款', '支付劳动报酬', '支付租金', '支付违约金'];

export interface CourtOptions { protect?: boolean; person?: number }

/**
 * A court listing published on `publish` for subject i, or for person `o.person` (a natural-person
 * debtor of county index of subject i). Returns the case number.
 */
export function emitCourt(w: World, i: number, publish: number, o: CourtOptions = {}): string {
  const s = w.subjects;
  const rng = w.rng;
  const cal = w.cal;
  const county = s.county[i];
  const court = w.units.get('court', rng.next() < 0.1 ? -1 : county);
  const code = court.county < 0 ? court.area.slice(2, 4) : court.area.slice(2, 6);
  const filing = Math.max(cal.toWorkday(publish - rng.range(20, 160), publish - 200), s.regDay[i]);
  const fy = cal.year(filing);
  const row = newRow(courtSchema);
  const no = `（${fy}）${w.province}${code}执${w.docs.seq(court.index, '执', fy)}号`;
  const amount = wan(rng.logNormal(o.protect ? 60 : 15, 1.2));
  row[C.case_no] = no;
  if (o.person !== undefined) {
    row[C.subject_name] = w.persons.names[o.person];
    row[C.party_type] = '自然人';
    row[C.id_number] = w.persons.ids[o.person];
  } else {
    row[C.subject_name] = s.name[i];
    row[C.party_type] = partyType(w, i);
    row[C.subject_uscc] = s.uscc[i];
    row[C.legal_rep] = w.persons.names[s.rep[i]];
  }
  row[C.court] = court.name;
  row[C.province] = w.provinceName;
  row[C.basis_no] = `（${fy - rng.int(2)}）${w.province}${code}民初${rng.range(100, 9999)}号`;
  row[C.basis_unit] = court.name;
  row[C.filing_date] = filing;
  row[C.duty] = `被执行人应于判决生效之日起十日内${rng.pick(DUTIES)}人民币${Math.round(Number(amount) * 10_000)}元`;
  const x = rng.next();
  row[C.performance] = o.protect || x < 0.7 ? '全部未履行' : x < 0.95 ? '部分未履行' : '已履行';
  row[C.unperformed_amount] = row[C.performance] === '已履行' ? '0' : amount;
  const b1 = BEHAVIOUR_TABLE.pick(rng);
  const b2 = rng.next() < 0.2 ? BEHAVIOUR_TABLE.pick(rng) : b1;
  row[C.behaviours] = b1 === b2 ? b1 : `${b1},${b2}`;
  row[C.publish_date] = publish;
  const src = w.units.get('court', -1);
  row[C.source_unit] = src.name;
  row[C.source_unit_uscc] = src.uscc;
  w.out.court_dishonest.add(row, publish, src.index, o.person !== undefined ? -1 : i, o.protect ? F_PROTECTED : 0);
  if (!o.protect && o.person === undefined && row[C.performance] === '已履行' && rng.next() < 0.5) {
    emitRepair(w, i, '失信被执行人', no, publish + 30, court);
  }
  return no;
}

interface ListType { type: string; dept: string; reason: string; basis: string; years: number }

export const LIST_TYPES: Record<string, ListType> = {
  tax: { type: '重大税收违法失信主体', dept: 'tax', reason: '虚开增值税专用发票', basis: '《重大税收违法失信主体信息公布管理办法》第六条', years: 3 },
  amr: { type: '严重违法失信名单（市场监管）', dept: 'amr', reason: '被列入经营异常名录届满3年仍未履行相关义务', basis: '《市场监督管理严重违法失信名单管理办法》第十三条', years: 3 },
  procurement: { type: '政府采购严重违法失信行为记录名单', dept: 'finance', reason: '提供虚假材料谋取中标、成交', basis: '《中华人民共和国政府采购法》第七十七条', years: 3 },
  wages: { type: '拖欠农民工工资失信联合惩戒对象名单', dept: 'hrss', reason: '克扣、无故拖欠农民工工资达到认定拒不支付劳动报酬罪数额标准', basis: '《拖欠农民工工资失信联合惩戒对象名单管理暂行办法》第五条', years: 3 },
  safety: { type: '安全生产严重失信主体名单', dept: 'safety', reason: '发生生产安全事故，造成人员死亡', basis: '《安全生产严重失信主体名单管理办法》第六条', years: 3 },
  stats: { type: '统计严重失信企业', dept: 'stats', reason: '提供不真实统计资料，情节严重', basis: '《统计严重失信企业信用管理办法》第七条', years: 3 },
  env: { type: '生态环境领域严重失信主体', dept: 'env', reason: '通过暗管、渗井等逃避监管的方式违法排放污染物', basis: '《企业环境信用评价办法（试行）》第十六条', years: 3 },
  food: { type: '食品药品领域严重失信主体', dept: 'amr', reason: '生产经营不符合食品安全标准的食品，情节严重', basis: '《中华人民共和国食品安全法》第一百三十五条', years: 5 },
  bidding: { type: '招标投标领域严重失信主体', dept: 'housing', reason: '串通投标', basis: '《中华人民共和国招标投标法》第五十三条', years: 3 },
  transport: { type: '交通运输领域严重失信主体', dept: 'transport', reason: '超限超载运输，情节严重', basis: '《公路安全保护条例》第六十六条', years: 3 },
  medical: { type: '医疗保障领域严重失信主体', dept: 'medical', reason: '骗取医疗保障基金支出', basis: '《医疗保障基金使用监督管理条例》第四十条', years: 3 },
};

/** Which list a subject of this division lands on. */
function listFor(w: World, div: number): ListType {
  const r = w.rng.next();
  if (div === 26 || div === 25 || div === 27 || div === 28) return r < 0.45 ? LIST_TYPES.safety : r < 0.8 ? LIST_TYPES.env : LIST_TYPES.tax;
  if (div >= 47 && div <= 50) return r < 0.5 ? LIST_TYPES.wages : r < 0.75 ? LIST_TYPES.bidding : LIST_TYPES.tax;
  if (div === 52 || div === 62 || div === 13 || div === 14) return r < 0.45 ? LIST_TYPES.food : r < 0.75 ? LIST_TYPES.amr : LIST_TYPES.tax;
  if (div === 54 || div === 55) return r < 0.6 ? LIST_TYPES.transport : LIST_TYPES.tax;
  if (div === 84) return r < 0.6 ? LIST_TYPES.medical : LIST_TYPES.tax;
  return r < 0.45 ? LIST_TYPES.tax : r < 0.85 ? LIST_TYPES.amr : r < 0.93 ? LIST_TYPES.stats : LIST_TYPES.wages;
}

/** A serious-dishonesty list entry for subject i on `day`; returns its decision number. */
export function emitSerious(w: World, i: number, day: number, list?: ListType, protect = false): string {
  const s = w.subjects;
  const lt = list ?? listFor(w, s.division[i]);
  const unit = w.units.get(lt.dept, lt.dept === 'finance' || lt.dept === 'tax' ? -1 : s.county[i]);
  const year = w.cal.year(day);
  const no = `${unit.prefix}${unit.dept.abbr}失信认〔${year}〕${w.docs.seq(unit.index, 'SX', year)}号`;
  const row = newRow(seriousSchema);
  row[S.subject_name] = s.name[i];
  row[S.subject_uscc] = s.uscc[i];
  row[S.legal_rep] = w.persons.names[s.rep[i]];
  row[S.list_type] = lt.type;
  row[S.reason] = lt.reason;
  row[S.basis] = lt.basis;
  row[S.decision_no] = no;
  row[S.authority] = unit.name;
  row[S.authority_uscc] = unit.uscc;
  row[S.listed_date] = day;
  row[S.expires] = day + Math.round(lt.years * 365.25);
  const src = w.units.all[unit.source];
  row[S.source_unit] = src.name;
  row[S.source_unit_uscc] = src.uscc;
  w.out.serious_dishonest.add(row, day, unit.source, i, protect ? F_PROTECTED : 0);
  if (!protect && w.rng.next() < 0.05) emitRepair(w, i, '严重失信主体名单', no, day + 365, unit);
  return no;
}
