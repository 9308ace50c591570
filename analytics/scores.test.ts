/**
 * subject_scores / score_explanations (step 20) on small fixtures. Expected scores are computed by
 * hand from the model in analytics/docs/scores.md and analytics/scoring.json:
 *   base 80; half-life 365 days (decay = 0.5^(age_days/365)); penalty window 1095 days;
 *   penalty points = most severe 处罚类别 (警告 -2, 罚款 -4, 暂扣许可证件 -8, 责令关闭 -20, ...)
 *     + fine tier (>= 1万 -1, >= 10万 -2, >= 50万 -3, >= 100万 -5);
 *   court 全部未履行 -25 / 部分未履行 -20; serious list -40; abnormal -12; commitment breach -6 (decays);
 *   commitment kept +1 (decays); tax C -5 / D -10 / A +5; honours 守合同重信用/诚信示范/海关高级认证 +5;
 *   years in business +1 per full year, max +5;
 *   dimension caps: basic [-15,5] admin [-30,0] judicial [-40,0] dishonesty [-50,0] performance [-25,3] incentive [0,15];
 *   total clamped to [0,100]; grades A >= 90, B >= 75, C >= 60, else D; hard rule (serious list or
 *   unperformed court dishonesty) forces D.
 * As-of date: 2026-11-25 (TEST_TODAY). Useful ages: 2025-11-25 = 365 days (decay 0.5),
 * 2024-11-25 = 730 days (0.25), 2023-11-26 = 1095 days (0.125, last day in the window), 2023-11-25 = 1096 (out).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runBuild } from './build.ts';
import { fixtureLake, testIdNumber, testUscc, TEST_TODAY, warehouseRows, type FixtureLake, type FixtureRecords } from './test-support.ts';

/** The real build, stopped after this step (the later steps do not read into it). */
const buildScores = (dataDir: string) => runBuild({ dataDir, asOf: TEST_TODAY, threads: 1, memoryLimit: '1GB', onlyUntil: '20_subject_scores' });

type Row = Record<string, string>;
const U = (n: number) => testUscc(n);
const NAME = (n: number) => `测试企业${n}号`;
const org = (n: number) => ({ subject_uscc: U(n), subject_name: NAME(n) });

const subject = (n: number, reg_date: string, status = '存续'): Row => ({ ...org(n), subject_type: '企业法人', industry_code: '2611', county_code: '320902', reg_date, status });
const penalty = (n: number, no: string, date: string, types: string, fine?: string): Row => ({
  ...org(n), party_type: '法人及非法人组织', decision_no: no, penalty_types: types, decision_date: date, valid_to: '2099/12/31',
  ...(fine ? { fine_amount: fine } : {}), ...(types.includes('许可证') ? { license_revoked: '食品经营许可证 JY001' } : {}),
});
const honor = (n: number, type: string, no: string, granted: string, validTo: string): Row => ({
  ...org(n), honor_type: type, honor_name: `${type}称号`, decision_no: no, authority: '盐城市人民政府', granted_date: granted, valid_to: validTo,
});

const PERSON_ID = testIdNumber(7);
const person = { subject_name: '王小明', party_type: '自然人', id_type: '身份证', id_number: PERSON_ID };

/** The base fixture: one subject per property under test. */
function baseRecords(): FixtureRecords {
  return {
    subject: [
      subject(1, '2010/01/01'), subject(2, '2024/06/01'), subject(3, '2015/03/01'), subject(4, '2015/03/01'),
      subject(5, '2026/01/01'), subject(6, '2000/01/01'),
      subject(7, '2020/01/01'), subject(8, '2020/01/01'), subject(9, '2020/01/01'), subject(10, '2020/01/01'), subject(11, '2020/01/01'),
      subject(12, '2018/01/01'), subject(13, '2018/01/01'), subject(14, '2026/02/01'), subject(15, '2026/02/01'),
      subject(16, '2026/02/01'), subject(17, '2026/02/01'), subject(18, '2026/02/01'),
    ],
    penalty: [
      penalty(1, '盐市监处罚〔2025〕12号', '2025/11/25', '罚款', '2.5'),
      penalty(2, 'P2-1', '2026/11/25', '警告'),
      penalty(5, 'P5-1', '2026/11/25', '责令关闭'), penalty(5, 'P5-2', '2026/11/25', '责令关闭'), penalty(5, 'P5-3', '2026/11/25', '责令关闭'),
      { ...person, decision_no: 'PP-1', penalty_types: '罚款', fine_amount: '0.5', decision_date: '2026/11/25', valid_to: '2099/12/31' },
      penalty(7, 'R-7', '2025/11/25', '罚款', '5'), penalty(8, 'R-8', '2025/11/25', '罚款', '5'),
      penalty(9, 'R-9', '2025/11/25', '罚款', '5'), penalty(11, 'R-11', '2025/11/25', '罚款', '5'),
      penalty(13, 'G13', '2024/11/25', '警告'),
      penalty(14, 'G14', '2026/11/25', '罚款', '1'), penalty(15, 'G15a', '2026/11/25', '罚款', '1'), penalty(15, 'G15b', '2024/11/25', '警告'),
      penalty(16, 'G16', '2026/11/25', '暂扣许可证件'), penalty(17, 'G17a', '2026/11/25', '暂扣许可证件'), penalty(17, 'G17b', '2024/11/25', '警告'),
      penalty(18, 'W18-in', '2023/11/26', '警告'), penalty(18, 'W18-out', '2023/11/25', '警告'),
    ],
    honor: [
      honor(1, '守合同重信用企业', 'H1', '2025/01/01', '2027/12/31'),
      honor(6, '守合同重信用企业', 'H6a', '2025/01/01', '2027/12/31'), honor(6, '诚信示范企业', 'H6b', '2025/01/01', '2027/12/31'),
      honor(6, '海关高级认证企业', 'H6c', '2025/01/01', '2027/12/31'),
      honor(12, '诚信示范企业', 'H12', '2025/01/01', '2027/12/31'), honor(13, '诚信示范企业', 'H13', '2025/01/01', '2027/12/31'),
    ],
    commitment: [
      { ...org(2), commitment_no: 'C2', commitment_type: '审批替代型', matter: '按期补齐材料', commit_date: '2024/01/01', receiver: '盐城市行政审批局', fulfilment: '违诺', breach_date: '2024/11/25', breach_detail: '逾期未补齐' },
      ...[1, 2, 3, 4].map((i) => ({ ...org(6), commitment_no: `K6-${i}`, commitment_type: '主动公示型', matter: '守法经营', commit_date: '2026/11/25', receiver: '盐城市行政审批局', fulfilment: '践诺' })),
    ],
    abnormal_operation: [
      { ...org(2), reason: '未按规定报送年度报告', listed_date: '2026/01/10', authority: '盐城市亭湖区市场监督管理局' },
      { ...org(16), reason: '未按规定报送年度报告', listed_date: '2026/03/01', authority: '盐城市亭湖区市场监督管理局' },
      { ...org(17), reason: '未按规定报送年度报告', listed_date: '2026/03/01', authority: '盐城市亭湖区市场监督管理局' },
    ],
    tax_grade: [
      { ...org(2), eval_year: '2025', grade: 'C', eval_date: '2026/04/15', authority: '国家税务总局盐城市税务局' },
      { ...org(6), eval_year: '2025', grade: 'A', eval_date: '2026/04/15', authority: '国家税务总局盐城市税务局' },
    ],
    court_dishonest: [
      { ...org(3), party_type: '法人及非法人组织', case_no: '(2026)苏0902执100号', court: '盐城市亭湖区人民法院', basis_no: '(2025)苏0902民初1号', filing_date: '2026/01/01', performance: '部分未履行', behaviours: '有履行能力而拒不履行生效法律文书确定义务', publish_date: '2026/02/01' },
      { subject_name: person.subject_name, party_type: '自然人', id_number: PERSON_ID, case_no: '(2026)苏0902执200号', court: '盐城市亭湖区人民法院', basis_no: '(2025)苏0902民初2号', filing_date: '2026/01/01', performance: '全部未履行', behaviours: '违反限制消费令', publish_date: '2026/01/01' },
    ],
    serious_dishonest: [
      { ...org(4), list_type: '安全生产严重失信主体名单', reason: '发生较大生产安全事故', basis: '《安全生产严重失信主体名单管理办法》', decision_no: 'S4', authority: '盐城市应急管理局', authority_uscc: testUscc(900, '320900', '11'), listed_date: '2026/03/01', expires: '2029/03/01' },
    ],
    repair: [
      { ...org(7), repair_no: 'XF-7', target_kind: '行政处罚', target_ref: 'R-7', apply_date: '2026/09/01', result: '修复完成', done_date: '2026/10/01', authority: '盐城市市场监督管理局' },
      { ...org(9), repair_no: 'XF-9', target_kind: '行政处罚', target_ref: 'R-9', apply_date: '2026/09/01', result: '不予修复', done_date: '2026/10/01', authority: '盐城市市场监督管理局' },
    ],
    objection: [
      { ...org(8), objection_no: 'YY-8', target_kind: '行政处罚', target_ref: 'R-8', claim: '处罚主体错误', apply_date: '2026/09/01', result: '撤销', done_date: '2026/10/01', authority: '盐城市市场监督管理局' },
      { ...org(11), objection_no: 'YY-11', target_kind: '行政处罚', target_ref: 'R-11', claim: '金额有误', apply_date: '2026/09/01', result: '更正', done_date: '2026/10/01', authority: '盐城市市场监督管理局' },
    ],
  };
}

/** One more penalty each for several subjects (the "never raises" property). */
function extraPenalties(): Row[] {
  return [
    penalty(1, 'X1', '2026/06/01', '罚款', '3'), penalty(2, 'X2', '2026/06/01', '警告'), penalty(3, 'X3', '2026/06/01', '罚款', '20'),
    penalty(5, 'X5', '2026/06/01', '警告'), penalty(6, 'X6', '2026/11/25', '警告'), penalty(12, 'X12', '2024/11/25', '警告'),
    { ...person, decision_no: 'PP-X', penalty_types: '警告', decision_date: '2026/06/01', valid_to: '2099/12/31' },
  ];
}

interface ScoreRow {
  subject_key: string; uscc: string | null; name: string; subject_type: string; score: number; grade: string; grade_label: string;
  hard_rule: string | null; inspection_ratio: number; supervision_band: string; negative_events: number; positive_events: number;
  dim_basic: number; dim_admin: number; dim_judicial: number; dim_dishonesty: number; dim_performance: number; dim_incentive: number;
}
interface ExplRow { subject_key: string; seq: number; dimension: string; factor: string; record_key: string | null; contribution: number }

async function scores(dir: string): Promise<Map<string, ScoreRow>> {
  const rows = await warehouseRows<ScoreRow>(dir, 'SELECT * FROM subject_scores');
  return new Map(rows.map((r) => [r.subject_key, r]));
}

let base: FixtureLake;
let plus: FixtureLake;
let S: Map<string, ScoreRow>;
let S2: Map<string, ScoreRow>;
let personKey: string;

beforeAll(async () => {
  base = await fixtureLake(baseRecords());
  await buildScores(base.dataDir);
  S = await scores(base.dataDir);
  const rec = baseRecords();
  rec.penalty = [...rec.penalty!, ...extraPenalties()];
  plus = await fixtureLake(rec);
  await buildScores(plus.dataDir);
  S2 = await scores(plus.dataDir);
  personKey = [...S.keys()].find((k) => k.startsWith('P:'))!;
});

afterAll(() => {
  base?.cleanup();
  plus?.cleanup();
});

const sc = (n: number) => S.get(U(n))!;

describe('subject_scores', () => {
  test('should score every registered subject and every other subject with records', () => {
    // 18 registered subjects + 1 natural person (penalty and court record)
    expect(S.size).toBe(19);
    expect(personKey).toMatch(/^P:/);
  });

  test('should match the hand-computed score of a subject with a decayed fine and an honour', () => {
    // 甲 (1): base 80; founded 2010 -> 16 full years -> +1*16 capped at +5;
    // penalty 罚款 2.5万 on 2025-11-25: points -4 (罚款) -1 (>= 1万) = -5, age 365 d -> decay 0.5 -> -2.50;
    // honour 守合同重信用企业 in force -> +5.  80 + 5 - 2.5 + 5 = 87.5 -> B (75 <= 87.5 < 90)
    const r = sc(1);
    expect(r.score).toBe(87.5);
    expect([r.grade, r.grade_label]).toEqual(['B', '良']);
    expect([r.dim_basic, r.dim_admin, r.dim_incentive]).toEqual([5, -2.5, 5]);
    expect([r.negative_events, r.positive_events]).toEqual([1, 1]);
    expect(r.inspection_ratio).toBe(0.05);
  });

  test('should match the hand-computed score of a subject with records in four dimensions', () => {
    // 乙 (2): founded 2024-06-01 -> 2 full years -> +2; 警告 today -> -2 * 1 = -2;
    // commitment breach 2024-11-25 (730 d, decay 0.25) -> -6 * 0.25 = -1.5; tax grade C (2025) -> -5;
    // 经营异常名录 in force -> -12.  80 + 2 - 2 - 12 - 1.5 - 5 = 61.5 -> C (60 <= 61.5 < 75)
    const r = sc(2);
    expect(r.score).toBe(61.5);
    expect(r.grade).toBe('C');
    expect([r.dim_basic, r.dim_admin, r.dim_judicial, r.dim_dishonesty, r.dim_performance, r.dim_incentive]).toEqual([2, -2, 0, -12, -6.5, 0]);
    expect(r.negative_events).toBe(4); // penalty, breach, abnormal, tax C
  });

  test('should match the hand-computed score of a natural person, masked', () => {
    // person: 罚款 0.5万 today -> -4 (fine below 1万: no tier) ; court 全部未履行 -> -25.  80 - 4 - 25 = 51 -> D (hard rule too)
    const r = S.get(personKey)!;
    expect(r.score).toBe(51);
    expect(r.uscc).toBeNull();
    expect(r.subject_type).toBe('自然人');
    expect(r.name).toMatch(/^王\*\*（3209\*{10}\d{3}[\dX]）$/);
    expect(r.name).not.toContain(PERSON_ID);
    expect(r.hard_rule).toBe('失信被执行人未履行');
  });

  test('should cap a dimension with an explicit cap contribution', () => {
    // (5): founded 2026-01-01 -> 0 years; 3 x 责令关闭 today -> -60, admin floor -30 (cap +30) -> 80 - 30 = 50 -> D without hard rule
    const r = sc(5);
    expect([r.score, r.dim_admin, r.grade, r.hard_rule]).toEqual([50, -30, 'D', null]);
  });

  test('should clamp the total to 100 with an explicit cap contribution', () => {
    // (6): +5 years; honours 5+5+5 + tax A 5 = 20 -> incentive cap 15 (-5); 4 commitments kept today +4 -> performance cap 3 (-1);
    // 80 + 5 + 15 + 3 = 103 -> clamped to 100 (-3) -> A
    const r = sc(6);
    expect([r.score, r.dim_incentive, r.dim_performance, r.grade]).toEqual([100, 15, 3, 'A']);
  });

  test('should place the grade cut-offs at 90, 75 and 60 (inclusive)', () => {
    // (12) 80 + 5 + 5 (诚信示范) = 90 -> A; (13) same - 2 * 0.25 (警告 730 d) = 89.5 -> B
    // (14) 80 - 5 (罚款 1万 today: -4 -1) = 75 -> B; (15) 75 - 0.5 = 74.5 -> C
    // (16) 80 - 12 (异常名录) - 8 (暂扣许可证件 today) = 60 -> C; (17) 60 - 0.5 = 59.5 -> D
    const got = [12, 13, 14, 15, 16, 17].map((n) => [sc(n).score, sc(n).grade]);
    expect(got).toEqual([[90, 'A'], [89.5, 'B'], [75, 'B'], [74.5, 'C'], [60, 'C'], [59.5, 'D']]);
    expect(sc(12).supervision_band).toContain('无事不扰');
    expect([sc(17).inspection_ratio, sc(17).grade_label]).toEqual([0.2, '差']);
  });

  test('should count a penalty on the last day of the 1095-day window and not the day before', () => {
    // (18): 警告 2023-11-26 (1095 d, decay 0.125) -> -2 * 0.125 = -0.25; 警告 2023-11-25 (1096 d) -> outside. 80 - 0.25 = 79.75
    expect(sc(18).score).toBe(79.75);
  });

  test('should force grade D by the hard rules whatever the score', () => {
    // (3): 80 + 5 - 20 (court 部分未履行) = 65 would be C -> D by the hard rule
    expect([sc(3).score, sc(3).grade, sc(3).hard_rule]).toEqual([65, 'D', '失信被执行人未履行']);
    // (4): 80 + 5 - 40 (serious list) = 45 -> D, hard rule
    expect([sc(4).score, sc(4).grade, sc(4).hard_rule]).toEqual([45, 'D', '列入严重失信主体名单']);
    expect(sc(4).supervision_band).toContain('重点监管');
  });

  test('should remove exactly the effect of a penalty after a completed repair or an upheld objection', () => {
    // twins founded 2020 -> 80 + 5 = 85; penalty 罚款 5万 on 2025-11-25 would be (-4 -1) * 0.5 = -2.5
    expect(sc(10).score).toBe(85); // no penalty
    expect(sc(7).score).toBe(85); // penalty, repair 修复完成 (2026-10-01)
    expect(sc(8).score).toBe(85); // penalty, objection 撤销
    expect(sc(9).score).toBe(82.5); // penalty, repair 不予修复: still counts
    expect(sc(11).score).toBe(82.5); // penalty, objection 更正: record kept
    expect(sc(7).negative_events).toBe(0);
  });

  test('should never raise a score when a penalty is added', () => {
    for (const n of [1, 2, 3, 5, 6, 12]) expect(S2.get(U(n))!.score, `subject ${n}`).toBeLessThanOrEqual(sc(n).score);
    expect(S2.get(personKey)!.score).toBeLessThanOrEqual(S.get(personKey)!.score);
    // not at a cap: strictly lower. (1): + 罚款 3万 on 2026-06-01 -> lower than 87.5
    for (const n of [1, 2, 3, 12]) expect(S2.get(U(n))!.score, `subject ${n}`).toBeLessThan(sc(n).score);
    // (12): + 警告 730 d -> 90 - 0.5 = 89.5, drops from A to B
    expect([S2.get(U(12))!.score, S2.get(U(12))!.grade]).toEqual([89.5, 'B']);
    // (5) is at the admin floor (-30): unchanged at 50
    expect(S2.get(U(5))!.score).toBe(50);
  });
});

describe('score_explanations', () => {
  test('should sum exactly to the score for every subject', async () => {
    for (const dir of [base.dataDir, plus.dataDir]) {
      const bad = await warehouseRows(dir, `SELECT s.subject_key, s.score, e.total FROM subject_scores s
        LEFT JOIN (SELECT subject_key, sum(contribution::DECIMAL(12, 2)) AS total, count(*) FILTER (WHERE dimension = 'base') AS bases
          FROM score_explanations GROUP BY ALL) e USING (subject_key)
        WHERE e.total IS DISTINCT FROM s.score::DECIMAL(12, 2) OR e.bases <> 1`);
      expect(bad).toEqual([]);
    }
    const orphans = await warehouseRows(base.dataDir, 'SELECT subject_key FROM score_explanations EXCEPT SELECT subject_key FROM subject_scores');
    expect(orphans).toEqual([]);
  });

  test('should explain each record, cap and hard rule', async () => {
    const rows = await warehouseRows<ExplRow>(base.dataDir, 'SELECT * FROM score_explanations ORDER BY subject_key, seq');
    const of = (k: string) => rows.filter((r) => r.subject_key === k);
    // 甲: base, years, honour, penalty
    expect(of(U(1)).map((r) => [r.dimension, r.contribution])).toEqual([['base', 80], ['basic', 5], ['admin', -2.5], ['incentive', 5]]);
    expect(of(U(1))[2].factor).toBe('行政处罚 盐市监处罚〔2025〕12号 罚款 2.5万元 (2025-11-25), 基准 -5 分, 衰减系数 0.500');
    expect(of(U(1))[2].record_key).toMatch(/^[0-9a-f]{32}$/);
    // (5): three penalties of -20 and a +30 cap in the admin dimension
    expect(of(U(5)).map((r) => [r.dimension, r.contribution])).toEqual([['base', 80], ['admin', -20], ['admin', -20], ['admin', -20], ['admin', 30]]);
    // (6): incentive cap -5, performance cap -1, total clamp -3
    const caps6 = of(U(6)).filter((r) => r.record_key === null && /封|限定/.test(r.factor));
    expect(caps6.map((r) => [r.dimension, r.contribution])).toEqual([['performance', -1], ['incentive', -5], ['total', -3]]);
    // the 4 kept commitments are one summary row: 4 x (+1 x 1.0) = +4
    const kept = of(U(6)).filter((r) => r.factor.startsWith('信用承诺践诺'));
    expect(kept.map((r) => [r.factor, r.contribution, r.record_key])).toEqual([['信用承诺践诺 4 件 (2026-11-25 至 2026-11-25), 每件 +1 分 按时间衰减, 合计 +4.00 分', 4, null]]);
    // (4): a zero-contribution hard-rule row naming the listing
    const hard = of(U(4)).filter((r) => r.dimension === 'hard_rule');
    expect(hard.map((r) => r.contribution)).toEqual([0]);
    expect(hard[0].factor).toContain('等级强制为 D');
    // (7): the repaired penalty is shown with 0
    const rep = of(U(7)).filter((r) => r.dimension === 'admin');
    expect(rep.map((r) => r.contribution)).toEqual([0]);
    expect(rep[0].factor).toContain('已信用修复 (2026-10-01), 不计分');
    // (18): only the in-window penalty is listed
    expect(of(U(18)).filter((r) => r.dimension === 'admin').map((r) => r.factor)).toEqual(['行政处罚 W18-in 警告 (2023-11-26), 基准 -2 分, 衰减系数 0.125']);
    // seq is 1..n per subject
    for (const k of new Set(rows.map((r) => r.subject_key))) expect(of(k).map((r) => r.seq)).toEqual(of(k).map((_, i) => i + 1));
  });
});
