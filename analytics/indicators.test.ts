/**
 * Indicators (step 40): every column checked against values computed by hand from small fixtures.
 * The arithmetic is in the comments; see analytics/docs/indicators.md for the definitions.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildFixture, fixtureLake, testIdNumber, testUscc, warehouseRows, type FixtureLake, type FixtureRecords } from './test-support.ts';

const A = '320902'; // 亭湖区
const B = '320903'; // 盐都区

type Row = Record<string, unknown>;

function subject(uscc: string, county: string, industry: string, reg: string, status = '存续'): Record<string, string> {
  return { subject_uscc: uscc, subject_name: `企业${uscc.slice(-6)}`, subject_type: '企业法人', industry_code: industry, county_code: county, reg_date: reg, status };
}
let penaltyNo = 0;
function penalty(uscc: string, date: string, fine?: string): Record<string, string> {
  penaltyNo += 1;
  const y = Number(date.slice(0, 4));
  return {
    subject_name: `企业${uscc.slice(-6)}`, party_type: '法人及非法人组织', subject_uscc: uscc, decision_no: `测罚〔${y}〕${penaltyNo}号`,
    decision_date: date, valid_to: `${y + 1}${date.slice(4)}`, penalty_types: fine ? '罚款' : '警告', ...(fine ? { fine_amount: fine } : {}),
  };
}
function commitment(uscc: string, no: string, date: string, breach?: string): Record<string, string> {
  return {
    subject_name: `企业${uscc.slice(-6)}`, subject_uscc: uscc, commitment_no: no, commit_date: date,
    ...(breach ? { fulfilment: '违诺', breach_date: breach, breach_detail: '未按承诺补齐材料' } : { fulfilment: '践诺' }),
  };
}

// ---- the main fixture ------------------------------------------------------------------------
// County A (320902): f0..f29 and a1 in C/26 (31 subjects), a2 in F/52, a3 in C/27 (registered
// 2025-03-10), a4 in F/52 but 注销. County B (320903): b1 F/52, b2 F/52 (registered 2024-06-15),
// b3 C/26 but 吊销. Plus an unregistered organisation and a natural person (never in indicators).
const f = Array.from({ length: 30 }, (_, i) => testUscc(100 + i, A));
const a1 = testUscc(1, A), a2 = testUscc(2, A), a3 = testUscc(3, A), a4 = testUscc(4, A);
const b1 = testUscc(5, B), b2 = testUscc(6, B), b3 = testUscc(7, B);
const outsider = testUscc(8, A);

function mainFixture(): FixtureRecords {
  penaltyNo = 0;
  const p19 = penalty(a2, '2025/05/05'); // revoked 2025-06-10: still counted in May (as known at May end)
  const p20 = penalty(a2, '2025/06/05'); // revoked 2025-06-20: not counted in June
  return {
    subject: [
      ...f.map((u) => subject(u, A, '2611', '2010/01/01')),
      subject(a1, A, '2614', '2010/01/01'), subject(a2, A, '5211', '2010/01/01'), subject(a3, A, '2710', '2025/03/10'),
      subject(a4, A, '5212', '2012/01/01', '注销'),
      subject(b1, B, '5211', '2015/01/01'), subject(b2, B, '5211', '2024/06/15'), subject(b3, B, '2611', '2018/01/01', '吊销'),
    ],
    penalty: [
      ...f.slice(0, 5).map((u) => penalty(u, '2024/06/10', '1')), // A/C26 2024-06: 5, fines 5.0
      ...f.slice(0, 5).map((u) => penalty(u, '2025/05/10', '0.5')), // A/C26 2025-05: 5, fines 2.5; 2nd fine within 12 months -> 5 focus entries
      ...f.slice(5, 13).map((u) => penalty(u, '2025/06/10', '0.25')), // A/C26 2025-06: 8, fines 2.0
      p19, p20,
      penalty(a4, '2024/07/15', '3'), // A/F52 2024-07 (注销 subject: counts as a flow)
      penalty(b1, '2025/05/12'), // B 2025-05: 1
      penalty(b1, '2025/06/02'), penalty(b1, '2025/06/03'), penalty(b1, '2025/06/04'),
      penalty(b2, '2025/06/05'), penalty(b2, '2025/06/06'), penalty(b2, '2025/06/07'), // B 2025-06: 6
      { subject_name: '张三', party_type: '自然人', id_type: '身份证', id_number: testIdNumber(9), decision_no: '测罚〔2025〕自1号', decision_date: '2025/06/10', valid_to: '2026/06/10', penalty_types: '罚款', fine_amount: '9' },
      penalty(outsider, '2025/06/11', '7'),
    ],
    objection: [
      { subject_name: 'a2', subject_uscc: a2, objection_no: 'YY-1', target_kind: '行政处罚', target_ref: p19.decision_no, claim: '认定错误', apply_date: '2025/06/01', result: '撤销', done_date: '2025/06/10', authority: '盐城市市场监督管理局' },
      { subject_name: 'a2', subject_uscc: a2, objection_no: 'YY-2', target_kind: '行政处罚', target_ref: p20.decision_no, claim: '认定错误', apply_date: '2025/06/08', result: '撤销', done_date: '2025/06/20', authority: '盐城市市场监督管理局' },
    ],
    serious_dishonest: [
      { subject_name: 'b1', subject_uscc: b1, list_type: '重大税收违法失信主体', decision_no: 'SD-1', listed_date: '2024/08/15', expires: '2027/08/15' },
      { subject_name: 'a2', subject_uscc: a2, list_type: '重大税收违法失信主体', decision_no: 'SD-2', listed_date: '2025/01/10', expires: '2028/01/10' },
      { subject_name: 'a4', subject_uscc: a4, list_type: '重大税收违法失信主体', decision_no: 'SD-3', listed_date: '2024/10/08', expires: '2027/10/08' },
    ],
    court_dishonest: [
      { case_no: '(2024)苏0902执1号', subject_name: 'a1', party_type: '法人及非法人组织', subject_uscc: a1, court: '亭湖区人民法院', basis_no: '(2024)苏0902民初1号', filing_date: '2024/08/01', performance: '全部未履行', publish_date: '2024/09/10' },
      { case_no: '(2024)苏0902执1号', subject_name: 'a1', party_type: '法人及非法人组织', subject_uscc: a1, court: '亭湖区人民法院', basis_no: '(2024)苏0902民初1号', filing_date: '2024/08/01', performance: '已履行', publish_date: '2025/02/20' },
      { case_no: '(2025)苏0902执2号', subject_name: 'a2', party_type: '法人及非法人组织', subject_uscc: a2, court: '亭湖区人民法院', basis_no: '(2025)苏0902民初2号', filing_date: '2025/01/15', performance: '全部未履行', publish_date: '2025/02/05' },
    ],
    repair: [
      { subject_name: 'a2', subject_uscc: a2, repair_no: 'XF-1', target_kind: '严重失信主体名单', target_ref: 'SD-2', apply_date: '2025/04/01', result: '修复完成', done_date: '2025/04/15', authority: '盐城市发展和改革委员会' },
      { subject_name: 'a2', subject_uscc: a2, repair_no: 'XF-2', target_kind: '行政处罚', target_ref: 'P19', apply_date: '2025/06/01', result: '受理中', authority: '盐城市市场监督管理局' },
    ],
    commitment: [
      commitment(b1, 'CN-0', '2024/05/20'), // the first record of the lake: the series starts 2024-05
      ...f.slice(0, 10).map((u, i) => commitment(u, `CN-${i + 1}`, '2024/08/01', i === 0 ? '2025/03/05' : i === 1 ? '2025/03/06' : undefined)),
      ...f.slice(10, 15).map((u, i) => commitment(u, `CN-${i + 11}`, '2025/06/01', i === 0 ? '2025/06/20' : undefined)),
    ],
    contract: [
      { contract_no: 'HT-1', contract_name: '采购合同', contract_type: '政府采购', subject_name: 'a2', subject_uscc: a2, counterparty: '盐城市某局', amount: '10', sign_date: '2024/11/05', status: '违约', breach_detail: '逾期交付' },
      { contract_no: 'HT-2', contract_name: '采购合同', contract_type: '政府采购', subject_name: 'a2', subject_uscc: a2, counterparty: '盐城市某局', amount: '10', sign_date: '2024/11/20', status: '已履约' },
      { contract_no: 'HT-3', contract_name: '采购合同', contract_type: '政府采购', subject_name: 'a2', subject_uscc: a2, counterparty: '盐城市某局', amount: '10', sign_date: '2025/06/02', status: '履约中' },
    ],
    abnormal_operation: [{ subject_name: 'b2', subject_uscc: b2, reason: '未按规定报送年度报告', listed_date: '2025/02/10', authority: '盐都区市场监督管理局' }],
    tax_grade: [{ subject_name: 'b1', subject_uscc: b1, eval_year: '2024', grade: 'D', eval_date: '2025/04/15', authority: '国家税务总局盐城市盐都区税务局' }],
  };
}

const at = (rows: Row[], month: string, pred: (r: Row) => boolean = () => true) => {
  const hit = rows.filter((r) => (r.month as Date).toISOString().slice(0, 7) === month && pred(r));
  if (hit.length !== 1) throw new Error(`expected one row for ${month}, instead got ${hit.length}`);
  return hit[0];
};

describe('county_indicators', () => {
  let lake: FixtureLake;
  let rows: Row[];
  let scores: { subject_key: string; grade: string }[];
  let cells: Row[];
  let industries: Row[];
  let partial: Row[];
  beforeAll(async () => {
    lake = await fixtureLake(mainFixture());
    await buildFixture(lake.dataDir, '2025-06-30');
    rows = await warehouseRows(lake.dataDir, 'SELECT * FROM county_indicators ORDER BY month, county_code');
    cells = await warehouseRows(lake.dataDir, 'SELECT * FROM county_industry_indicators ORDER BY ALL');
    industries = await warehouseRows(lake.dataDir, 'SELECT * FROM industry_indicators ORDER BY ALL');
    scores = await warehouseRows(lake.dataDir, 'SELECT subject_key, grade FROM subject_scores');
    // the same lake as of mid-June: a partial month
    await buildFixture(lake.dataDir, '2025-06-15');
    partial = await warehouseRows(lake.dataDir, 'SELECT * FROM county_indicators ORDER BY month, county_code');
  }, 120_000);
  afterAll(() => lake.cleanup());

  const county = (m: string, c: string) => at(rows, m, (r) => r.county_code === c);
  const city = (m: string) => at(rows, m, (r) => r.is_city === true);

  test('should cover every month from the first record month to the as-of month, for the city and each county', () => {
    // first record: commitment CN-0 on 2024-05-20 -> 2024-05 .. 2025-06 = 14 months; rows: city, A, B
    const months = [...new Set(rows.map((r) => (r.month as Date).toISOString().slice(0, 7)))];
    expect(months[0]).toBe('2024-05');
    expect(months.at(-1)).toBe('2025-06');
    expect(months).toHaveLength(14);
    expect(rows).toHaveLength(14 * 3);
    expect(city('2025-06')).toMatchObject({ county_code: '320900', county_name: '盐城市', is_city: true });
    expect(county('2025-06', A)).toMatchObject({ county_name: '亭湖区', is_city: false });
  });

  test('should count registered subjects that are not 注销/吊销 at month end, and new registrations', () => {
    // A: f0..f29 + a1 + a2 = 32, a3 from 2025-03 -> 33 (a4 注销 never); B: b1, b2 from 2024-06 (b3 吊销 never)
    expect(county('2025-02', A).subjects).toBe(32);
    expect(county('2025-03', A)).toMatchObject({ subjects: 33, new_subjects: 1 });
    expect(county('2024-05', B)).toMatchObject({ subjects: 1, new_subjects: 0 });
    expect(county('2024-06', B)).toMatchObject({ subjects: 2, new_subjects: 1 });
    expect(city('2025-06')).toMatchObject({ subjects: 35, new_subjects: 0 }); // 33 + 2
  });

  test('should count subjects on the blacklist at month end, with repair and court performance ending a listing', () => {
    // A: a1 court 2024-09-10 .. performed 2025-02-20; a2 serious 2025-01-10 .. repaired 2025-04-15,
    //    a2 court from 2025-02-05 (same subject: counted once); a4 is 注销 (not in the base)
    const a = ['2024-08', '2024-09', '2024-12', '2025-01', '2025-02', '2025-04', '2025-06'].map((m) => county(m, A).dishonest_subjects);
    expect(a).toEqual([0, 1, 1, 2, 1, 1, 1]);
    // B: b1 serious from 2024-08-15
    expect(county('2024-07', B).dishonest_subjects).toBe(0);
    expect(county('2024-08', B).dishonest_subjects).toBe(1);
    // per 10k: A June 1 / 33 * 10000 = 303.03; city June 2 / 35 * 10000 = 571.43
    expect(county('2025-06', A).dishonest_per_10k).toBeCloseTo(303.03, 2);
    expect(city('2025-06')).toMatchObject({ dishonest_subjects: 2 });
    expect(city('2025-06').dishonest_per_10k).toBeCloseTo(571.43, 2);
  });

  test('should count penalties and fines (万元) of registered subjects in the month, as known at month end', () => {
    // A 2024-06: f0..f4 * 1.0 = 5 penalties, 5.0; A 2024-07: a4 (注销) 3.0
    expect(county('2024-06', A)).toMatchObject({ penalties: 5, fines_wan: 5 });
    expect(county('2024-07', A)).toMatchObject({ penalties: 1, fines_wan: 3 });
    // A 2025-05: f0..f4 * 0.5 = 2.5, + p19 (a2, 警告, revoked only on 2025-06-10) -> 6 penalties
    expect(county('2025-05', A)).toMatchObject({ penalties: 6, fines_wan: 2.5 });
    // A 2025-06: f5..f12 * 0.25 = 2.0; p20 revoked 2025-06-20 is not counted
    expect(county('2025-06', A)).toMatchObject({ penalties: 8, fines_wan: 2 });
    // B 2025-06: 6 warnings; city 8 + 6 = 14 (natural person and unregistered org excluded)
    expect(county('2025-06', B)).toMatchObject({ penalties: 6, fines_wan: 0 });
    expect(city('2025-06')).toMatchObject({ penalties: 14, fines_wan: 2 });
  });

  test('should count new blacklist entries, court listings, focus entries and completed repairs in their months', () => {
    // black: b1 serious 2024-08 (B); a1 court 2024-09, a4 serious 2024-10, a2 serious 2025-01, a2 court 2025-02 (A)
    expect(county('2024-08', B).new_black_entries).toBe(1);
    expect([county('2024-09', A), county('2024-10', A), county('2025-01', A), county('2025-02', A)].map((r) => r.new_black_entries)).toEqual([1, 1, 1, 1]);
    expect([county('2024-09', A), county('2024-10', A), county('2025-02', A)].map((r) => r.court_dishonest_new)).toEqual([1, 0, 1]);
    // focus: A 2025-03 two commitment breaches; A 2025-05 five 2nd fines within 12 months; A 2025-06 one breach;
    //        B 2025-02 经营异常名录 (b2); B 2025-04 tax grade D (b1)
    expect([county('2025-03', A), county('2025-05', A), county('2025-06', A), county('2024-06', A)].map((r) => r.new_focus_entries)).toEqual([2, 5, 1, 0]);
    expect([county('2025-02', B), county('2025-04', B)].map((r) => r.new_focus_entries)).toEqual([1, 1]);
    // repairs: XF-1 done 2025-04-15 (XF-2 受理中 not counted)
    expect(county('2025-04', A).repairs).toBe(1);
    expect(city('2025-06').repairs).toBe(0);
    expect(city('2025-06').new_focus_entries).toBe(1);
  });

  test('should count commitments and contracts with 12-month breach rates', () => {
    // A: 10 commitments 2024-08, 5 in 2025-06; breaches 2 in 2025-03, 1 in 2025-06
    expect(county('2024-08', A).commitments).toBe(10);
    expect(county('2025-03', A).commitment_breaches).toBe(2);
    // June 2025, window 2024-07..2025-06: 15 commitments, 3 breaches -> 3 / 15 = 0.2
    expect(county('2025-06', A)).toMatchObject({ commitments: 5, commitment_breaches: 1, commitments_12m: 15, commitment_breaches_12m: 3, commitment_breach_rate: 0.2 });
    // B: CN-0 (2024-05) is outside the June window -> no rate
    expect(county('2025-06', B)).toMatchObject({ commitments_12m: 0, commitment_breach_rate: null });
    expect(county('2024-05', B).commitments).toBe(1);
    // contracts (a2): 2 signed 2024-11 (one 违约), 1 in 2025-06 -> June: 1 / 3 = 0.3333
    expect(county('2024-11', A)).toMatchObject({ contracts: 2, contract_breaches: 1 });
    expect(county('2025-06', A)).toMatchObject({ contracts: 1, contract_breaches: 0, contracts_12m: 3, contract_breaches_12m: 1, contract_breach_rate: 0.3333 });
  });

  test('should fill the grade mix from subject_scores in the as-of month only', () => {
    const base = new Set([...f, a1, a2, a3]); // counted subjects of A at the as-of date
    const count = (g: string) => scores.filter((s) => base.has(s.subject_key) && s.grade === g).length;
    const june = county('2025-06', A);
    expect([june.grade_a, june.grade_b, june.grade_c, june.grade_d]).toEqual([count('A'), count('B'), count('C'), count('D')]);
    expect(count('A') + count('B') + count('C') + count('D')).toBe(33);
    expect(june.grade_cd_share).toBeCloseTo((count('C') + count('D')) / 33, 4);
    expect(county('2025-05', A)).toMatchObject({ grade_a: null, grade_b: null, grade_c: null, grade_d: null, grade_cd_share: null });
  });

  test('should compute MoM and YoY of penalties, NULL on a zero base', () => {
    // A June: (8 - 6) / 6 = 0.3333; YoY (8 - 5) / 5 = 0.6; bases >= 5 and 33 subjects -> not small
    expect(county('2025-06', A)).toMatchObject({ penalties_prev_month: 6, penalties_prev_year: 5, mom_penalties: 0.3333, yoy_penalties: 0.6, small_count: false, trend_note: null });
    // A May 2025: April 0 and May 2024 0 -> both NULL
    expect(county('2025-05', A)).toMatchObject({ mom_penalties: null, yoy_penalties: null, small_count: true, trend_note: '上月处罚为0，不计算环比；上年同期处罚为0，不计算同比' });
    // the first month has no base at all
    expect(county('2024-05', A)).toMatchObject({ penalties_prev_month: null, mom_penalties: null, trend_note: '无上月数据；无上年同期数据' });
    // 12 months: A June 2024-07..2025-06 = 1 + 6 + 8 = 15 -> 15 * 1000 / 33 = 454.545 per 1k per year
    expect(county('2025-06', A).penalties_12m).toBe(15);
    expect(county('2025-06', A).penalties_per_1k_yr).toBeCloseTo(454.545, 3);
  });

  test('should flag a jump from 1 to 6 penalties as a small count with a note, not as a plain +500 %', () => {
    // B June: (6 - 1) / 1 = 5.0, base 1 < 5, 2 subjects < 30
    expect(county('2025-06', B)).toMatchObject({
      mom_penalties: 5, yoy_penalties: null, small_count: true,
      trend_note: '主体数2户（不足30户），比率波动大；上月处罚仅1件，基数小，环比仅供参考；上年同期处罚为0，不计算同比',
    });
  });

  test('should mark the as-of month as partial and count only what was known by the as-of date', () => {
    // as of 2025-06-15: A June = f5..f12 (06-10) = 8 plus p20 (06-05, revoked only on 06-20) = 9
    const a = at(partial, '2025-06', (r) => r.county_code === A);
    expect(a).toMatchObject({ penalties: 9, partial_month: true, commitment_breaches: 0 });
    expect(a.trend_note).toBe('本月数据截至2025-06-15，非完整月');
    // May is complete and unchanged
    expect(at(partial, '2025-05', (r) => r.county_code === A)).toMatchObject({ penalties: 6, partial_month: false });
    expect(county('2025-06', A).partial_month).toBe(false);
  });

  test('should give the same numbers in county_industry_indicators for a county x division cell', () => {
    const cell = (m: string, div: string) => at(cells, m, (r) => r.county_code === A && r.level === 'division' && r.industry_division === div);
    // A/C26: f0..f29 + a1 = 31 subjects; June: 8 penalties (2.0), May 5 -> MoM 0.6; June 2024 5 -> YoY 0.6
    expect(cell('2025-06', '26')).toMatchObject({
      industry_section: 'C', industry_name: '化学原料和化学制品制造业', subjects: 31, new_subjects: 0, dishonest_subjects: 0, dishonest_per_10k: 0,
      penalties: 8, fines_wan: 2, new_black_entries: 0, new_focus_entries: 1, repairs: 0, commitments: 5, commitment_breaches: 1,
      commitment_breach_rate: 0.2, contracts: 0, contract_breaches: 0, contract_breach_rate: null, court_dishonest_new: 0,
      mom_penalties: 0.6, yoy_penalties: 0.6, small_count: false,
    });
    // A/C26 dishonest: a1 from 2024-09 to 2025-01 -> 1 / 31 * 10000 = 322.58
    expect(cell('2024-12', '26').dishonest_per_10k).toBeCloseTo(322.58, 2);
    // A/F52: a2 only (a4 注销); penalties: 2024-07 a4 (3.0), 2025-05 p19; repair 2025-04; contracts
    expect(cell('2024-07', '52')).toMatchObject({ subjects: 1, penalties: 1, fines_wan: 3 });
    expect(cell('2025-04', '52')).toMatchObject({ repairs: 1, dishonest_subjects: 1, court_dishonest_new: 0 });
    expect(cell('2025-06', '52')).toMatchObject({ contracts_12m: 3, contract_breach_rate: 0.3333, small_count: true });
    // A/C27: a3 registered 2025-03-10
    expect(cell('2025-02', '27')).toMatchObject({ subjects: 0, risk_index: null });
    expect(cell('2025-03', '27')).toMatchObject({ subjects: 1, new_subjects: 1 });
  });

  test('should roll cells up to county x section and to industries', () => {
    const sec = at(cells, '2025-06', (r) => r.county_code === A && r.level === 'section' && r.industry_section === 'C');
    // A/C = C26 (31) + C27 (1)
    expect(sec).toMatchObject({ industry_division: null, industry_name: '制造业', subjects: 32, penalties: 8 });
    // section F city-wide June: a2 + b1 + b2 = 3 subjects; penalties B 6; dishonest a2 + b1 = 2 -> 6666.67 per 10k
    const f52 = at(industries, '2025-06', (r) => r.level === 'section' && r.industry_code === 'F');
    expect(f52).toMatchObject({ industry_name: '批发和零售业', subjects: 3, penalties: 6, dishonest_subjects: 2, contracts_12m: 3 });
    expect(f52.dishonest_per_10k).toBeCloseTo(6666.67, 2);
    const d52 = at(industries, '2025-05', (r) => r.level === 'division' && r.industry_code === '52');
    // May: p19 (a2) + b1 = 2; YoY base May 2024 0 -> NULL
    expect(d52).toMatchObject({ industry_section: 'F', industry_division: '52', penalties: 2, yoy_penalties: null });
  });
});

// ---- the risk index on a 2-county, 1-month fixture ----------------------------------------------
describe('risk_index', () => {
  let lake: FixtureLake;
  let rows: Row[];
  let cells: Row[];
  beforeAll(async () => {
    penaltyNo = 0;
    const x = [testUscc(11, A), testUscc(12, A), testUscc(13, A)]; // A, C/26
    const x4 = testUscc(14, A); // A, F/52
    const y1 = testUscc(15, B); // B, F/52
    lake = await fixtureLake({
      subject: [...x.map((u) => subject(u, A, '2611', '2010/01/01')), subject(x4, A, '5211', '2010/01/01'), subject(y1, B, '5211', '2010/01/01')],
      penalty: [penalty(x[0], '2025/06/03', '1'), penalty(x[0], '2025/06/04', '1'), penalty(y1, '2025/06/05', '1')],
      serious_dishonest: [{ subject_name: 'x4', subject_uscc: x4, list_type: '重大税收违法失信主体', decision_no: 'SD-9', listed_date: '2025/06/01', expires: '2028/06/01' }],
      commitment: [
        commitment(x[0], 'R-1', '2025/06/01', '2025/06/20'), commitment(x[0], 'R-2', '2025/06/01'), commitment(x[0], 'R-3', '2025/06/01'), commitment(x[0], 'R-4', '2025/06/01'),
        commitment(y1, 'R-5', '2025/06/02'),
      ],
    });
    await buildFixture(lake.dataDir, '2025-06-30');
    rows = await warehouseRows(lake.dataDir, 'SELECT * FROM county_indicators');
    cells = await warehouseRows(lake.dataDir, 'SELECT * FROM county_industry_indicators');
  }, 120_000);
  afterAll(() => lake.cleanup());

  // One month (2025-06), so the 12-month penalty rate is annualised by 12 / 1.
  // Raw values (x = per-10k dishonest, p = penalties per 1k per year, c = commitment breach rate):
  //   city: 5 subjects, 1 dishonest -> x = 2000; 3 penalties -> p = 3 * 12 * 1000 / 5 = 7200; c = 1 / 5 = 0.2
  //   A:    4 subjects, 1 dishonest -> x = 2500; 2 penalties -> p = 2 * 12 * 1000 / 4 = 6000; c = 1 / 4 = 0.25
  //   B:    1 subject,  0 dishonest -> x = 0;    1 penalty   -> p = 12000;                   c = 0 / 1 = 0
  // Scales s = median of the county values (2 values: their mean), floors 1 / 1 / 0.01:
  //   s_x = (2500 + 0) / 2 = 1250; s_p = (6000 + 12000) / 2 = 9000; s_c = (0.25 + 0) / 2 = 0.125
  // Component r = x~ / (x~ + s). No contracts: that component is missing everywhere, the weights
  // renormalise over 40 + 30 + 15 = 85.
  test('should compute the city risk index from the raw city values', () => {
    // r = 2000 / 3250 = 0.615385, 7200 / 16200 = 0.444444, 0.2 / 0.325 = 0.615385
    // 100 * (40*0.615385 + 30*0.444444 + 15*0.615385) / 85 = 100 * (24.61538 + 13.33333 + 9.23077) / 85 = 55.51 -> 55.5
    const c = rows.find((r) => r.is_city)!;
    expect(c).toMatchObject({ risk_dishonest: 61.5, risk_penalty: 44.4, risk_commitment: 61.5, risk_contract: null, risk_index: 55.5 });
  });

  test('should shrink a county towards the city with weight n / (n + k)', () => {
    // A (n = 4 subjects, k = 200; n = 4 commitments, k = 20):
    //   x~ = (4*2500 + 200*2000) / 204 = 2009.8039 -> 2009.8039 / 3259.8039 = 0.616541
    //   p~ = (4*6000 + 200*7200) / 204 = 7176.4706 -> 7176.4706 / 16176.4706 = 0.443636
    //   c~ = (4*0.25 + 20*0.2) / 24 = 0.208333 -> 0.208333 / 0.333333 = 0.625
    //   100 * (24.66165 + 13.30909 + 9.375) / 85 = 55.70 -> 55.7
    const a = rows.find((r) => r.county_code === A)!;
    expect(a).toMatchObject({ risk_dishonest: 61.7, risk_penalty: 44.4, risk_commitment: 62.5, risk_index: 55.7, shrink_weight: 0.0196 });
    // B (n = 1; 1 commitment):
    //   x~ = 200*2000 / 201 = 1990.0498 -> 0.614203; p~ = (12000 + 200*7200) / 201 = 7223.8806 -> 0.445262
    //   c~ = (0 + 20*0.2) / 21 = 0.190476 -> 0.190476 / 0.315476 = 0.603774
    //   100 * (24.56814 + 13.35787 + 9.05660) / 85 = 55.27 -> 55.3
    const b = rows.find((r) => r.county_code === B)!;
    expect(b).toMatchObject({ risk_index: 55.3, dishonest_per_10k: 0, penalties_per_1k_yr: 12000 });
  });

  test('should shrink a county x section cell towards its industry section, itself shrunk towards the city', () => {
    // section C (x1..x3, all in A): n = 3, x = 0, p = 2*12*1000/3 = 8000, c = 0.25 (4 commitments)
    //   C~: x = 200*2000/203 = 1970.4433; p = (3*8000 + 200*7200)/203 = 7211.8227; c = (1 + 4)/24 = 0.208333
    // cell A/C (same subjects): x = 200*1970.4433/203 = 1941.3235 -> 1941.3235 / 3191.3235 = 0.608313
    //   p = (3*8000 + 200*7211.8227)/203 = 7223.4706 -> 0.445248; c = (4*0.25 + 20*0.208333)/24 = 0.215278 -> 0.632653
    //   100 * (24.33252 + 13.35745 + 9.48980) / 85 = 55.51 -> 55.5
    const cell = cells.find((r) => r.county_code === A && r.level === 'section' && r.industry_section === 'C')!;
    expect(cell).toMatchObject({ subjects: 3, risk_dishonest: 60.8, risk_penalty: 44.5, risk_commitment: 63.3, risk_index: 55.5 });
  });
});
