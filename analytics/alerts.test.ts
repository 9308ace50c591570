/**
 * Early warning (step 50): each rule at its boundaries on small hand-built fixtures, the
 * de-duplication across builds, rules.json / departments.json validation, and the demo city's
 * planted stories. Expected values are worked out by hand in the comments.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildFixture, fixtureLake, testIdNumber, testUscc, warehouseRows, type FixtureLake } from './test-support.ts';
import { ALERT_COLUMNS } from './steps/50_alerts.ts';
import { AlertConfigError, DEPARTMENTS_FILE, RULES_FILE, loadDepartments, loadRules, validateDepartments, validateRules } from './steps/50_alerts-config.ts';

const AS_OF = '2026-11-25';

type Rec = Record<string, string>;
const firmName = (u: string) => `测试企业${u.slice(-6)}`;
const subject = (u: string, industry: string): Rec => ({
  subject_uscc: u, subject_name: firmName(u), subject_type: '企业法人', industry_code: industry, county_code: u.slice(2, 8), reg_date: '2015/01/01', status: '存续',
});
let seq = 0;
/** A penalty of a firm on `date` (YYYY/MM/DD); with `fine` (万元) it is a 罚款. */
const penalty = (u: string, date: string, fine?: string, no = `测罚〔${++seq}〕号`): Rec => ({
  subject_uscc: u, subject_name: firmName(u), decision_no: no, decision_date: date, valid_to: '2030/12/31',
  ...(fine ? { penalty_types: '罚款', fine_amount: fine } : {}),
});
const personPenalty = (id: string, name: string, date: string): Rec => ({
  subject_name: name, party_type: '自然人', id_type: '身份证', id_number: id, decision_no: `测罚〔${++seq}〕号`, decision_date: date, valid_to: '2030/12/31',
});
const breach = (u: string, date: string): Rec => ({
  subject_uscc: u, subject_name: firmName(u), commitment_no: `CN${++seq}`, commitment_type: '审批替代型', matter: '告知承诺', commit_date: '2024/01/01',
  receiver: '盐城市行政审批局', fulfilment: '违诺', breach_date: date, breach_detail: '未按承诺补齐材料',
});
const serious = (u: string, date: string, listType = '安全生产严重失信主体名单'): Rec => ({
  subject_uscc: u, subject_name: firmName(u), list_type: listType, reason: '测试事由', basis: '测试依据', decision_no: `失信认〔${++seq}〕号`,
  authority: '盐城市应急管理局', listed_date: date, expires: '2029/12/31',
});
const contractRow = (u: string, no: string, type: string, signed: string, status: string): Rec => ({
  contract_no: no, contract_name: `合同${no}`, contract_type: type, subject_name: firmName(u), subject_uscc: u, counterparty: '盐城市某局',
  amount: '120', sign_date: signed, status,
});
const orgRelation = (u: string, type: string, related: string, extra: Rec = {}): Rec => ({
  subject_uscc: u, subject_name: firmName(u), relation_type: type, related_party_type: '法人及非法人组织', related_name: firmName(related),
  related_uscc: related, start_date: '2024/01/01', ...(type === '担保' ? { guarantee_amount: '100' } : {}), ...extra,
});
const personRelation = (u: string, type: string, id: string, name: string): Rec => ({
  subject_uscc: u, subject_name: firmName(u), relation_type: type, related_party_type: '自然人', related_name: name,
  related_id_type: '身份证', related_id_number: id, start_date: '2024/01/01',
});
const repairOf = (u: string, ref: string, done: string, kind = '行政处罚'): Rec => ({
  subject_uscc: u, subject_name: firmName(u), repair_no: `XF${++seq}`, target_kind: kind, target_ref: ref, apply_date: '2026/09/01',
  result: '修复完成', done_date: done, authority: '盐城市发展和改革委员会',
});

interface AlertRow {
  alert_id: string; rule_id: string; level: string; level_rank: number; entity_type: string; subject_key: string | null; uscc: string | null;
  name: string; county_code: string | null; county_name: string | null; industry_section: string | null; industry_division: string | null;
  department: string; departments: string[]; title: string; detail: string; trigger_record_keys: string[]; metric: number; threshold: number;
  first_seen: string; first_seen_build: string; last_seen_build: string; change: string; as_of: string;
}
const ALERTS_SQL = `SELECT * REPLACE (strftime(first_seen, '%Y-%m-%d') AS first_seen, strftime(as_of, '%Y-%m-%d') AS as_of) FROM alerts`;
const alertsOf = (dir: string, where = 'true') => warehouseRows<AlertRow>(dir, `${ALERTS_SQL} WHERE ${where} ORDER BY rule_id, entity_key`);
const recordKeys = async (dir: string, refs: string[]) =>
  (await warehouseRows<{ k: string }>(dir, `SELECT record_key AS k FROM credit_events WHERE ref IN (${refs.map((r) => `'${r}'`).join(', ')})`)).map((r) => r.k);

// ---------------------------------------------------------------------------------------------

describe('alerts (subject rules R1, R2, R3, R5)', () => {
  // R1 (12 months = decisions after 2025-11-25; >= 3 -> 黄; >= 5 or fines >= 10 万元 -> 橙)
  const S1 = testUscc(1, '320922'); // 2 effective + 1 repaired -> 2: no alert
  const S2 = testUscc(2, '320922'); // 3 in window (one on 2025-11-26) + one on 2025-11-25 (outside) -> 黄
  const S3 = testUscc(3, '320902'); // 4 penalties, fines 4 + 3 + 2.5 + 0.5 = 10.0 -> 橙
  const S4 = testUscc(4, '320902'); // 4 penalties, fines 4 + 3 + 2.5 + 0.4 = 9.9 -> 黄
  const S5 = testUscc(5, '320902'); // 5 penalties, no fines -> 橙
  const P1 = testIdNumber(11); //       natural person, 3 penalties -> 黄, name masked
  // R5 (24 months = breaches after 2024-11-25; >= 2 -> 蓝, >= 3 -> 黄)
  const S6 = testUscc(6, '320902'); // 2026-05-01 + 2024-11-25 (outside) -> 1: no alert
  const S7 = testUscc(7, '320902'); // 2026-03-01 + 2024-11-26 -> 2: 蓝
  const S8 = testUscc(8, '320902'); // 3 -> 黄
  // R2 (new listing = listed after 2026-10-26; public contract 履约中 or signed after 2024-11-25)
  const S9 = testUscc(9, '320923'); //  listed 11-15, 政府采购 履约中 since 2020 -> 红
  const S10 = testUscc(10, '320923'); // listed 11-15, only 一般商事合同 -> none
  const S11 = testUscc(11, '320923'); // listed 2026-10-26 (30 days ago, outside), 政府采购 履约中 -> none
  const S12 = testUscc(12, '320923'); // listed 2026-10-27, 招标投标 已履约 signed 2024-11-26 -> 红
  const S13 = testUscc(13, '320923'); // listed 11-15, 政府投资项目 已履约 signed 2024-11-25 (outside) -> none
  const S14 = testUscc(14, '320923'); // listed 11-15, PPP 履约中 then 已履约 (latest), signed 2022 -> none
  // R3 (new listing = after 2026-10-26)
  const F1 = testUscc(21, '320924'); // serious listing 2026-11-20: the source
  const F2 = testUscc(22, '320924'); // guarantees F1 -> direct -> 橙
  const F3 = testUscc(23, '320924'); // same legal representative (person PA) as F1 -> direct -> 橙
  const F4 = testUscc(24, '320924'); // shareholder F2 -> 2 hops -> 蓝
  const F5 = testUscc(25, '320924'); // invests in F4 -> 3 hops -> none
  const F6 = testUscc(26, '320924'); // guarantees F7, listed 2026-10-01 (old) -> none
  const F7 = testUscc(27, '320924');
  const F8 = testUscc(28, '320924'); // legal representative PB court-listed 2026-11-22 -> direct -> 橙
  const F9 = testUscc(29, '320924'); // guaranteed F1, but the relation ended 2026-06-30 -> none
  const PA = testIdNumber(21);
  const PB = testIdNumber(22);
  let lake: FixtureLake;
  let rows: AlertRow[];
  const one = (rule: string, u: string) => rows.filter((r) => r.rule_id === rule && r.subject_key === u);
  const r1Refs: Record<string, string[]> = {};

  beforeAll(async () => {
    const pens: Rec[] = [];
    const add = (u: string, dates: string[], fines: (string | undefined)[] = []) => {
      r1Refs[u] = [];
      dates.forEach((d, i) => { const p = penalty(u, d, fines[i]); pens.push(p); r1Refs[u].push(p.decision_no); });
    };
    add(S1, ['2026/10/01', '2026/09/01', '2026/08/01']);
    add(S2, ['2026/11/20', '2026/06/01', '2025/11/26', '2025/11/25']);
    add(S3, ['2026/11/01', '2026/10/01', '2026/09/01', '2026/08/01'], ['4', '3', '2.5', '0.5']);
    add(S4, ['2026/11/01', '2026/10/01', '2026/09/01', '2026/08/01'], ['4', '3', '2.5', '0.4']);
    add(S5, ['2026/11/01', '2026/10/01', '2026/09/01', '2026/08/01', '2026/07/01']);
    pens.push(...['2026/11/01', '2026/10/01', '2026/09/01'].map((d) => personPenalty(P1, '张三丰', d)));
    lake = await fixtureLake({
      subject: [
        subject(S1, '2614'), subject(S2, '2614'), subject(S3, '4711'), subject(S4, '5121'), subject(S5, '6610'),
        ...[S6, S7, S8].map((u) => subject(u, '3610')),
        ...[S9, S10, S11, S12, S13, S14].map((u) => subject(u, '7240')),
        ...[F1, F2, F3, F4, F5, F6, F7, F8, F9].map((u) => subject(u, '5810')),
      ],
      penalty: pens,
      repair: [repairOf(S1, r1Refs[S1][2], '2026/09/15')],
      commitment: [breach(S6, '2026/05/01'), breach(S6, '2024/11/25'), breach(S7, '2026/03/01'), breach(S7, '2024/11/26'),
        breach(S8, '2026/03/01'), breach(S8, '2025/03/01'), breach(S8, '2025/12/01')],
      serious_dishonest: [
        serious(S9, '2026/11/15'), serious(S10, '2026/11/15'), serious(S11, '2026/10/26'), serious(S12, '2026/10/27'),
        serious(S13, '2026/11/15'), serious(S14, '2026/11/15'), serious(F1, '2026/11/20'), serious(F7, '2026/10/01'),
      ],
      contract: [
        contractRow(S9, 'HT9', '政府采购', '2020/03/01', '履约中'), contractRow(S10, 'HT10', '一般商事合同', '2026/01/01', '履约中'),
        contractRow(S11, 'HT11', '政府采购', '2026/01/01', '履约中'), contractRow(S12, 'HT12', '招标投标', '2024/11/26', '已履约'),
        contractRow(S13, 'HT13', '政府投资项目', '2024/11/25', '已履约'),
        contractRow(S14, 'HT14', 'PPP项目', '2022/01/01', '履约中'), contractRow(S14, 'HT14', 'PPP项目', '2022/01/01', '已履约'),
      ],
      relation: [
        orgRelation(F2, '担保', F1), personRelation(F1, '法定代表人', PA, '王小明'), personRelation(F3, '法定代表人', PA, '王小明'),
        orgRelation(F4, '股东', F2), orgRelation(F5, '对外投资', F4), orgRelation(F6, '担保', F7),
        personRelation(F8, '法定代表人', PB, '李四'),
        orgRelation(F9, '担保', F1), orgRelation(F9, '担保', F1, { end_date: '2026/06/30' }),
      ],
      court_dishonest: [{
        case_no: '（2026）苏0924执1号', subject_name: '李四', party_type: '自然人', id_number: PB, court: '滨海县人民法院', basis_no: '（2026）苏0924民初1号',
        filing_date: '2026/10/01', performance: '全部未履行', behaviours: '有履行能力而拒不履行生效法律文书确定义务', publish_date: '2026/11/22',
      }],
    });
    await buildFixture(lake.dataDir, AS_OF);
    rows = await alertsOf(lake.dataDir);
  });
  afterAll(() => lake?.cleanup());

  test('should raise R1 at 3 effective penalties in 12 months and not at 2 (a repaired one does not count)', () => {
    expect(one('R1', S1)).toEqual([]);
    const [a] = one('R1', S2);
    expect(a).toMatchObject({ level: '黄', level_rank: 3, metric: 3, threshold: 3, entity_type: 'subject', change: 'new', as_of: AS_OF, first_seen: AS_OF });
    // the decision of 2025-11-25 is exactly 12 months old: outside the window
    expect(a.detail).toBe('近12个月有效行政处罚 3 起, 罚款合计 0 万元（预警阈值 3 起）');
    expect(a.trigger_record_keys).toHaveLength(3);
  });

  test('should escalate R1 to 橙 at fines of 10 万元 or 5 penalties, and stay 黄 at 9.9 万元', () => {
    expect(one('R1', S3)[0]).toMatchObject({ level: '橙', level_rank: 2, metric: 4 });
    expect(one('R1', S3)[0].detail).toContain('罚款合计 10 万元');
    expect(one('R1', S4)[0]).toMatchObject({ level: '黄', metric: 4 });
    expect(one('R1', S4)[0].detail).toContain('罚款合计 9.9 万元');
    expect(one('R1', S5)[0]).toMatchObject({ level: '橙', metric: 5 });
  });

  test('should list the triggering penalties of an R1 alert', async () => {
    const keys = await recordKeys(lake.dataDir, r1Refs[S5]);
    expect([...one('R1', S5)[0].trigger_record_keys].sort()).toEqual(keys.sort());
  });

  test('should mask a natural person and route to the city-level default department', () => {
    const p = rows.filter((r) => r.rule_id === 'R1' && r.subject_key?.startsWith('P:'));
    expect(p).toHaveLength(1);
    expect(p[0]).toMatchObject({ name: '张**', uscc: null, county_code: null, department: '市市场监督管理局', level: '黄' });
    expect(p[0].title).toBe('张** 近12个月行政处罚累积 3 起');
  });

  test('should route subject alerts to the county-level office of the industry department', () => {
    expect(one('R1', S2)[0]).toMatchObject({ county_code: '320922', county_name: '滨海县', industry_section: 'C', industry_division: '26', uscc: S2 });
    expect(one('R1', S2)[0].departments).toEqual(['滨海县应急管理局', '滨海县生态环境局']);
    expect(one('R1', S2)[0].department).toBe('滨海县应急管理局、滨海县生态环境局');
    expect(one('R1', S3)[0].department).toBe('亭湖区住房和城乡建设局'); // E 47
    expect(one('R1', S4)[0].department).toBe('亭湖区市场监督管理局'); // F 512 食品批发 (group beats section F 商务局)
    expect(one('R1', S5)[0].department).toBe('市地方金融监督管理局'); // J: city level only
    expect(one('R1', S3)[0].name).toBe(firmName(S3));
  });

  test('should raise R5 at 2 breaches in 24 months (蓝) and 3 (黄), not at 1', () => {
    expect(one('R5', S6)).toEqual([]); // 2024-11-25 is exactly 24 months old
    expect(one('R5', S7)[0]).toMatchObject({ level: '蓝', metric: 2, threshold: 2 });
    expect(one('R5', S8)[0]).toMatchObject({ level: '黄', metric: 3 });
    expect(one('R5', S8)[0].detail).toBe('近24个月信用承诺违诺 3 次（承诺类型: 审批替代型; 预警阈值 2 次）');
  });

  test('should raise R2 (红) for a new listing of a subject holding a public contract', () => {
    const [a] = one('R2', S9);
    expect(a).toMatchObject({ level: '红', level_rank: 1, metric: 1, threshold: 1 });
    expect(a.title).toBe(`${firmName(S9)} 新列入安全生产严重失信主体名单且承接公共合同`);
    expect(a.detail).toContain('持有政府采购合同 1 份');
    expect(a.detail).toContain('合计 120 万元');
    expect(a.trigger_record_keys).toHaveLength(2); // the listing and the contract
    expect(one('R2', S12)[0]).toMatchObject({ level: '红' }); // listed 29 days ago; 已履约 but signed 23 months 30 days ago
  });

  test('should not raise R2 for general contracts, old listings, or contracts ended more than 24 months after signing', () => {
    for (const u of [S10, S11, S13, S14]) expect(one('R2', u)).toEqual([]);
  });

  test('should raise R3 橙 for direct related parties of a newly blacklisted subject and 蓝 at 2 hops', () => {
    expect(one('R3', F2)[0]).toMatchObject({ level: '橙', metric: 1 });
    expect(one('R3', F2)[0].detail).toBe(`关联方 ${firmName(F1)}（直接关联: 担保）于 2026-11-20 新列入严重失信主体名单`);
    expect(one('R3', F3)[0]).toMatchObject({ level: '橙' });
    expect(one('R3', F3)[0].detail).toContain('同一法定代表人 王*');
    expect(one('R3', F8)[0]).toMatchObject({ level: '橙' }); // its legal representative was court-listed
    expect(one('R3', F8)[0].detail).toBe('关联方 李*（直接关联: 法定代表人）于 2026-11-22 新列入失信被执行人');
    expect(one('R3', F4)[0]).toMatchObject({ level: '蓝' });
    expect(one('R3', F4)[0].detail).toContain(`二度关联, 经 ${firmName(F2)}`);
  });

  test('should not raise R3 at 3 hops, for old listings, ended relations, persons or the listed subject itself', () => {
    for (const u of [F5, F6, F9, F1, F7]) expect(one('R3', u)).toEqual([]);
    expect(rows.filter((r) => r.rule_id === 'R3' && r.subject_key?.startsWith('P:'))).toEqual([]);
    expect(rows.filter((r) => r.rule_id === 'R3').map((r) => r.subject_key).sort()).toEqual([F2, F3, F4, F8].sort());
  });

  test('should give every alert a stable unique id and an empty alerts_resolved on the first build', async () => {
    expect(new Set(rows.map((r) => r.alert_id)).size).toBe(rows.length);
    expect(rows.every((r) => /^[0-9a-f]{32}$/.test(r.alert_id) && r.first_seen_build === r.last_seen_build)).toBe(true);
    expect(await warehouseRows(lake.dataDir, 'SELECT * FROM alerts_resolved')).toEqual([]);
  });

  test('should publish exactly the documented columns (what the next build needs to carry alerts over)', async () => {
    const cols = (t: string) => warehouseRows<{ c: string }>(lake.dataDir, `SELECT column_name AS c FROM duckdb_columns() WHERE table_name = '${t}' ORDER BY column_index`);
    expect((await cols('alerts')).map((r) => r.c)).toEqual([...ALERT_COLUMNS]);
    expect((await cols('alerts_resolved')).map((r) => r.c)).toEqual([...ALERT_COLUMNS, 'resolved_as_of', 'resolved_build', 'resolution']);
  });
});

// ---------------------------------------------------------------------------------------------

describe('alerts (R4 cell_penalty_jump)', () => {
  // Period k = (as_of - (k+1) months, as_of - k months]; the 10th of month (2026-11 - k) lies in
  // period k. Window 1 tests period 0 against periods 1..12, window 2 tests periods 0+1 against
  // periods 2..13 (monthly series). sigma = max(1.4826 * MAD, sqrt(median), 1);
  // z_w = (x_w - w * median) / (sqrt(w) * sigma); alert at x_w >= 5 and z >= 3 (黄 >= 4, 橙 >= 6).
  const BASE_A = [2, 3, 2, 4, 3, 2, 3, 2, 3, 4, 3, 2]; // periods 1..12; period 13 = 3
  // window 1: sorted 2,2,2,2,2,3,3,3,3,3,4,4 -> median 3; |dev| 0 x5, 1 x7 -> MAD 1 -> 1.4826 < sqrt(3) = 1.7321 = sigma
  //   A1: x = 8 -> z = 5 / 1.7321 = 2.887 (< 3, no alert); A2: x = 9 -> z = 6 / 1.7321 = 3.4641 -> 蓝
  // window 2 (periods 2..13 = 3,2,4,3,2,3,2,3,4,3,2,3): median 3, MAD 0.5 -> sigma 1.7321;
  //   A1: (8 + 2 - 6) / (1.4142 * 1.7321) = 1.633; A2: (9 + 2 - 6) / 2.4495 = 2.041 (both < window 1)
  const BASE_B = [1, 5, 1, 5, 1, 5, 1, 5, 1, 5, 1, 5]; // period 13 = 1
  // window 1: median 3, MAD 2 -> sigma = 2.9652 (> sqrt 3); x = 15 -> z = 12 / 2.9652 = 4.0469 -> 黄
  // window 2: (15 + 1 - 6) / (1.4142 * 2.9652) = 2.385
  // C: all zeros, x = 4 -> z = 4 but x < 5 -> none.  D: zeros, x = 5 -> z = 5 / 1 = 5 -> 黄 (window 2: 5 / 1.4142 = 3.54)
  // E: zeros, periods 0 and 1 = 6 each -> window 1: z = 6 (橙), window 2: 12 / 1.4142 = 8.4853 -> 橙 via window 2
  const A1 = testUscc(31, '320903'); // 盐都区 x 36
  const A2 = testUscc(32, '320904'); // 大丰区 x 36
  const B = testUscc(33, '320921'); //  响水县 x 13
  const C = testUscc(34, '320923'); //  阜宁县 x 14
  const D = testUscc(35, '320924'); //  射阳县 x 29
  const E = testUscc(36, '320925'); //  建湖县 x 26
  const monthDay = (k: number) => { const d = new Date(Date.UTC(2026, 10 - k, 10)); return `${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/10`; };
  /** counts[k] penalties on the 10th of month 2026-11 minus k. */
  const series = (u: string, counts: number[]) => counts.flatMap((n, k) => Array.from({ length: n }, () => penalty(u, monthDay(k))));
  let lake: FixtureLake;
  let rows: AlertRow[];
  const cell = (county: string, division: string) => rows.filter((r) => r.entity_type === 'cell' && r.county_code === county && r.industry_division === division);

  beforeAll(async () => {
    lake = await fixtureLake({
      subject: [subject(A1, '3610'), subject(A2, '3610'), subject(B, '1310'), subject(C, '1410'), subject(D, '2910'), subject(E, '2610')],
      penalty: [
        ...series(A1, [8, ...BASE_A, 3]), ...series(A2, [9, ...BASE_A, 3]), ...series(B, [15, ...BASE_B, 1]),
        ...series(C, [4]), ...series(D, [5]), ...series(E, [6, 6]),
      ],
    });
    await buildFixture(lake.dataDir, AS_OF);
    rows = await alertsOf(lake.dataDir, `rule_id = 'R4'`);
  });
  afterAll(() => lake?.cleanup());

  test('should not alert just below the z threshold and alert just above it', () => {
    expect(cell('320903', '36')).toEqual([]);
    const [a] = cell('320904', '36');
    expect(a).toMatchObject({ level: '蓝', threshold: 3, entity_type: 'cell', subject_key: null, name: '大丰区 · 汽车制造业', industry_section: 'C' });
    expect(a.metric).toBeCloseTo(3.4641, 3);
    expect(a.detail).toBe('近1个月行政处罚 9 起, 约为基线同期的 3 倍; 基线（此前12个月）月处罚数中位数 3, MAD 1, σ = 1.73, 稳健 z = 3.46（预警阈值 3）');
    expect(a.trigger_record_keys).toHaveLength(9);
  });

  test('should use the MAD when it exceeds the Poisson floor', () => {
    const [b] = cell('320921', '13');
    expect(b.level).toBe('黄');
    expect(b.metric).toBeCloseTo(4.0469, 3);
    expect(b.detail).toContain('MAD 2, σ = 2.97');
  });

  test('should require the minimum count in sparse cells', () => {
    expect(cell('320923', '14')).toEqual([]);
    const [d] = cell('320924', '29');
    expect(d.level).toBe('黄');
    expect(d.metric).toBeCloseTo(5, 6);
  });

  test('should take the strongest window and route cells to city-level departments', () => {
    const [e] = cell('320925', '26');
    expect(e.level).toBe('橙');
    expect(e.metric).toBeCloseTo(8.4853, 3);
    expect(e.detail).toMatch(/^近2个月行政处罚 12 起, 基线期间月中位数为 0/);
    expect(e.department).toBe('市应急管理局、市生态环境局');
    expect(e.trigger_record_keys).toHaveLength(12);
    expect(rows).toHaveLength(4); // A2, B, D, E
  });
});

// ---------------------------------------------------------------------------------------------

describe('alerts across builds (first_seen, change, alerts_resolved)', () => {
  const X = testUscc(41, '320902'); // 3 penalties, +1 later -> updated
  const Y = testUscc(42, '320902'); // 3 penalties, +2 later -> escalated (5 -> 橙)
  const Z = testUscc(43, '320902'); // 3 penalties, one repaired later -> resolved
  const W = testUscc(44, '320902'); // serious listing dated 85 days back arrives late, with a 政府采购 contract -> R2
  const V = testUscc(45, '320902'); // 2 breaches -> R5, then R5 disabled -> resolved as rule_disabled
  const U = testUscc(46, '320902'); // legal representative PC court-listed in May; a later 履行情况 update is not a new listing
  const PC = testIdNumber(23);
  const courtPC = (performance: string): Rec => ({
    case_no: '（2026）苏0902执9号', subject_name: '赵六', party_type: '自然人', id_number: PC, court: '亭湖区人民法院', basis_no: '（2026）苏0902民初9号',
    filing_date: '2026/04/01', performance, behaviours: '违反财产报告制度', publish_date: '2026/05/01',
  });
  let lake: FixtureLake;
  const builds: string[] = [];
  const snapshot: Record<string, AlertRow[]> = {};
  const resolved: Record<string, Record<string, unknown>[]> = {};
  const zPenalties = [penalty(Z, '2026/09/01'), penalty(Z, '2026/10/01'), penalty(Z, '2026/11/01')];
  const build = async (asOf: string) => {
    const r = await buildFixture(lake.dataDir, asOf);
    builds.push(r.build_id);
    snapshot[asOf] = await alertsOf(lake.dataDir);
    resolved[asOf] = await warehouseRows(lake.dataDir, `SELECT alert_id, rule_id, subject_key, resolution, strftime(resolved_as_of, '%Y-%m-%d') AS resolved_as_of FROM alerts_resolved`);
  };
  const get = (asOf: string, rule: string, u: string) => snapshot[asOf].find((r) => r.rule_id === rule && r.subject_key === u);

  beforeAll(async () => {
    lake = await fixtureLake({
      subject: [X, Y, Z, W, V, U].map((u) => subject(u, '4711')),
      penalty: [X, Y].flatMap((u) => ['2026/09/01', '2026/10/01', '2026/11/01'].map((d) => penalty(u, d))).concat(zPenalties),
      commitment: [breach(V, '2026/03/01'), breach(V, '2026/04/01')],
      relation: [personRelation(U, '法定代表人', PC, '赵六')],
      court_dishonest: [courtPC('全部未履行')],
    });
    await build('2026-11-20');
    await build('2026-11-21');
    await fixtureLake({
      penalty: [penalty(X, '2026/11/21'), penalty(Y, '2026/11/21'), penalty(Y, '2026/11/21')],
      repair: [repairOf(Z, zPenalties[0].decision_no, '2026/11/22')],
      serious_dishonest: [serious(W, '2026/08/30', '政府采购严重违法失信行为记录名单')],
      contract: [contractRow(W, 'HTW', '政府采购', '2026/01/01', '履约中')],
      court_dishonest: [courtPC('部分未履行')],
    }, lake.dataDir);
    await build('2026-11-23');
    // the operator disables R5 through the data-dir copy of the rule set
    const rules = JSON.parse(readFileSync(RULES_FILE, 'utf8')) as { rules: { id: string; enabled: boolean }[] };
    rules.rules.find((r) => r.id === 'R5')!.enabled = false;
    mkdirSync(join(lake.dataDir, 'config'), { recursive: true });
    writeFileSync(join(lake.dataDir, 'config', 'rules.json'), JSON.stringify(rules, null, 2));
    await build('2026-11-24');
  });
  afterAll(() => lake?.cleanup());

  test('should keep alert_id and first_seen and mark an unchanged situation unchanged', () => {
    const a = get('2026-11-20', 'R1', X)!;
    const b = get('2026-11-21', 'R1', X)!;
    expect(a.change).toBe('new');
    expect(b).toMatchObject({ alert_id: a.alert_id, first_seen: '2026-11-20', first_seen_build: builds[0], last_seen_build: builds[1], change: 'unchanged', level: '黄' });
    expect(snapshot['2026-11-21'].every((r) => r.change === 'unchanged')).toBe(true);
    expect(resolved['2026-11-21']).toEqual([]);
  });

  test('should mark a new penalty as updated (same level) or escalated (higher level)', () => {
    const x = get('2026-11-23', 'R1', X)!;
    expect(x).toMatchObject({ alert_id: get('2026-11-20', 'R1', X)!.alert_id, change: 'updated', level: '黄', metric: 4, first_seen: '2026-11-20', first_seen_build: builds[0] });
    const y = get('2026-11-23', 'R1', Y)!;
    expect(y).toMatchObject({ change: 'escalated', level: '橙', metric: 5, first_seen: '2026-11-20' });
    expect(get('2026-11-21', 'R1', Y)).toMatchObject({ alert_id: y.alert_id, level: '黄' });
  });

  test('should list an alert whose situation ended through a repair in alerts_resolved', () => {
    expect(get('2026-11-23', 'R1', Z)).toBeUndefined();
    expect(resolved['2026-11-23']).toEqual([
      { alert_id: get('2026-11-20', 'R1', Z)!.alert_id, rule_id: 'R1', subject_key: Z, resolution: 'condition_ended', resolved_as_of: '2026-11-23' },
    ]);
  });

  test('should raise R2 for a late-arriving listing since the previous build and keep it open in the next one', () => {
    // listed 2026-08-30 (85 days before), but not in the previous build's credit_events
    const w = get('2026-11-23', 'R2', W)!;
    expect(w).toMatchObject({ level: '红', change: 'new', first_seen: '2026-11-23' });
    // next build: no longer "since the previous build", kept because first seen within 30 days
    expect(get('2026-11-24', 'R2', W)).toMatchObject({ alert_id: w.alert_id, change: 'unchanged', first_seen: '2026-11-23' });
  });

  test('should not take a 履行情况 update of an old court listing for a new listing (R3)', () => {
    // the update has a new record_key, but the same case number as the listing of the previous build
    for (const d of ['2026-11-20', '2026-11-23']) expect(snapshot[d].filter((r) => r.rule_id === 'R3')).toEqual([]);
  });

  test('should resolve the alerts of a disabled rule as rule_disabled', () => {
    expect(get('2026-11-23', 'R5', V)).toMatchObject({ level: '蓝' });
    expect(snapshot['2026-11-24'].filter((r) => r.rule_id === 'R5')).toEqual([]);
    expect(resolved['2026-11-24']).toEqual([
      { alert_id: get('2026-11-23', 'R5', V)!.alert_id, rule_id: 'R5', subject_key: V, resolution: 'rule_disabled', resolved_as_of: '2026-11-24' },
    ]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('rules.json and departments.json validation', () => {
  const base = { id: 'R1', type: 'subject_penalty_accumulation', name: '主体行政处罚累积', description: '近12个月处罚累积', level: '黄' };
  const problems = (rule: Record<string, unknown>, extra: Record<string, unknown> = {}): string[] => {
    try {
      validateRules({ version: 1, rules: [rule], ...extra });
    } catch (e) {
      expect(e).toBeInstanceOf(AlertConfigError);
      return (e as AlertConfigError).problems;
    }
    return [];
  };

  test('should load the shipped rule set with defaults filled in', () => {
    const { rules } = loadRules(undefined, RULES_FILE);
    expect(rules.map((r) => [r.id, r.type, r.level])).toEqual([
      ['R1', 'subject_penalty_accumulation', '黄'], ['R2', 'serious_dishonesty_with_public_contracts', '红'], ['R3', 'related_party_blacklisted', '蓝'],
      ['R4', 'cell_penalty_jump', '蓝'], ['R5', 'commitment_breach_repeat', '蓝'],
    ]);
    expect(validateRules({ rules: [base] }).rules[0].params).toEqual({ window_months: 12, min_count: 3 });
  });

  test('should name the rule and the field of a bad parameter', () => {
    expect(problems({ ...base, parameters: { min_count: 0 } })).toEqual([`rule 'R1': parameters.min_count should be an integer from 1 to 1000, instead got 0`]);
    expect(problems({ ...base, parameters: { min_cout: 3 } })[0]).toMatch(/^rule 'R1': parameters.min_cout is not a parameter of subject_penalty_accumulation \(expected window_months, min_count\)$/);
    expect(problems({ ...base, id: 'R4', type: 'cell_penalty_jump', parameters: { windows: [1, 1] } })[0]).toMatch(/^rule 'R4': parameters.windows should be a non-empty list of distinct integers/);
    expect(problems({ ...base, id: 'R2', type: 'serious_dishonesty_with_public_contracts', parameters: { contract_types: ['政府采购', '租赁'] } })[0])
      .toMatch(/^rule 'R2': parameters.contract_types should be a non-empty list of distinct values from '政府采购'/);
  });

  test('should reject unknown types, levels, fields and non-Chinese descriptions', () => {
    expect(problems({ ...base, type: 'penalty_count' })[0]).toMatch(/^rule 'R1': type should be one of subject_penalty_accumulation, .*instead got 'penalty_count'$/);
    expect(problems({ ...base, level: '紫' })).toEqual([`rule 'R1': level should be one of 红 橙 黄 蓝, instead got '紫'`]);
    expect(problems({ ...base, threshold: 3 })).toEqual([`rule 'R1': threshold is not a rule field (expected id, type, name, description, enabled, level, parameters, escalations)`]);
    expect(problems({ ...base, description: 'penalties pile up' })).toEqual([`rule 'R1': description should explain the rule in Chinese (JSON has no comments)`]);
    expect(problems({ ...base, id: '1 bad' })[0]).toMatch(/^rule #1: id should be a short identifier/);
  });

  test('should check escalations: more severe level, known measures, at least one condition', () => {
    expect(problems({ ...base, escalations: [{ level: '蓝', min_count: 5 }] })).toEqual([`rule 'R1': escalations[0].level '蓝' should be more severe than the rule's level '黄' (红 > 橙 > 黄 > 蓝)`]);
    expect(problems({ ...base, escalations: [{ level: '橙', min_fines: 5 }] })[0]).toBe(`rule 'R1': escalations[0].min_fines is not a condition of subject_penalty_accumulation (expected min_/max_ of count, fine_total)`);
    expect(problems({ ...base, escalations: [{ level: '橙' }] })).toEqual([`rule 'R1': escalations[0] needs at least one condition such as "min_count": 5`]);
    expect(problems({ ...base, escalations: [{ level: '橙', min_count: '5' }] })).toEqual([`rule 'R1': escalations[0].min_count should be a number, instead got '5'`]);
  });

  test('should report every problem at once, including duplicate ids', () => {
    const p = problems(base, { rules: [base, { ...base, level: 'X' }], extra: 1 });
    expect(p).toEqual([
      `unknown top-level field 'extra' (expected version, description, rules)`,
      `rule 'R1': id is used by more than one rule (ids must be unique: they are part of every alert_id)`,
      `rule 'R1': level should be one of 红 橙 黄 蓝, instead got 'X'`,
    ]);
  });

  test('should explain that JSON has no comments', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cw-rules-'));
    try {
      const f = join(dir, 'rules.json');
      writeFileSync(f, '{ // my rules\n "rules": [] }');
      expect(() => loadRules(undefined, f)).toThrow(/rules\.json is invalid \(1 problem\):\n {2}- not valid JSON \(comments are not allowed in JSON: explain a rule in its "description"\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('should load the shipped departments and reject bad industry codes and empty lists', () => {
    const d = loadDepartments(undefined, DEPARTMENTS_FILE);
    expect(d.byIndustry.get('26')).toEqual(['市应急管理局', '市生态环境局']);
    expect(d.default).toEqual(['市市场监督管理局']);
    let err: AlertConfigError | undefined;
    try {
      validateDepartments({ default: ['市市场监督管理局'], by_industry: { '98': { departments: ['市某局'] }, U: { departments: ['市某局'] }, '26': { name: '化工', departments: [] } } });
    } catch (e) {
      err = e as AlertConfigError;
    }
    expect(err?.problems).toEqual([
      `by_industry '26': departments should be a non-empty list of department names, instead got []`,
      `by_industry '98': not a GB/T 4754-2017 section letter (A-T) or a 2-4 digit code starting with a valid division`,
      `by_industry 'U': not a GB/T 4754-2017 section letter (A-T) or a 2-4 digit code starting with a valid division`,
    ]);
  });
});

// ---------------------------------------------------------------------------------------------

const CLI = fileURLToPath(new URL('../bin/credit-watch.mjs', import.meta.url));
const HAS_DEMO = existsSync(fileURLToPath(new URL('../ingest/demo/generate.ts', import.meta.url)));

describe.skipIf(!HAS_DEMO)('alerts on the demo city (planted stories)', () => {
  let dir: string;
  let stories: { as_of: string; stories: Record<string, unknown>[] };
  const story = <T>(id: string) => stories.stories.find((s) => s.id === id) as T;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cw-alerts-demo-'));
    execFileSync(process.execPath, [CLI, 'demo', '--subjects', '3000', '--data-dir', dir, '--as-of', AS_OF, '--json'], { stdio: 'pipe', timeout: 280_000 });
    stories = JSON.parse(readFileSync(join(dir, 'config', 'demo_stories.json'), 'utf8'));
    await buildFixture(dir, stories.as_of);
  }, 300_000);
  afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  test('should raise an R4 alert for the planted jumping cell (滨海县 x C26), triggered by the planted penalties', async () => {
    const s = story<{ county_code: string; industry_code: string; planted_decision_nos: string[] }>('penalty_surge');
    const [a] = await alertsOf(dir, `rule_id = 'R4' AND county_code = '${s.county_code}' AND industry_division = '${s.industry_code}'`);
    expect(a).toBeDefined();
    expect(a.metric).toBeGreaterThanOrEqual(3);
    const planted = await recordKeys(dir, s.planted_decision_nos);
    expect(planted.length).toBe(s.planted_decision_nos.length);
    // the planted rows that fall in the alert's window are among its triggers
    expect(planted.filter((k) => a.trigger_record_keys.includes(k)).length).toBeGreaterThanOrEqual(Math.min(4, planted.length));
  });

  test('should raise R2 for the procurement firm and R1 for the repeat offender', async () => {
    const p = story<{ uscc: string }>('procurement_blacklisted');
    expect((await alertsOf(dir, `rule_id = 'R2' AND subject_key = '${p.uscc}'`))[0]).toMatchObject({ level: '红' });
    const r = story<{ uscc: string; count: number }>('repeat_penalties');
    expect((await alertsOf(dir, `rule_id = 'R1' AND subject_key = '${r.uscc}'`))[0]?.metric).toBeGreaterThanOrEqual(r.count);
  });
});
