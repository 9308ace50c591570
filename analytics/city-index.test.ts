/**
 * City credit index (step 45) and data quality (step 70): one month computed by hand from a small
 * fixture (arithmetic in the comments, model in analytics/docs/city-index.md), then comparability:
 * a build as of an earlier month end reproduces that month, and records added to later months do
 * not change earlier months.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { lakePaths } from '../ingest/lake/paths.ts';
import { runIngest } from '../ingest/pipeline/run.ts';
import { buildFixture, fixtureLake, testUscc, TEST_HASH_KEY, TEST_TODAY, warehouseRows, writeFixtureFiles, type FixtureLake, type FixtureRecords } from './test-support.ts';

const A = '320902';
const B = '320903';
const MARKET = '盐城市市场监督管理局'; // the fixtures' default source unit
const NDRC = '盐城市发展和改革委员会';
const TAX = '国家税务总局盐城市税务局';

type Row = Record<string, unknown>;

// County A: a0..a99 (C/26), plus z (注销, never counted); county B: b0..b49 (F/52). City: 150 subjects.
const a = Array.from({ length: 100 }, (_, i) => testUscc(200 + i, A));
const b = Array.from({ length: 50 }, (_, i) => testUscc(400 + i, B));
const z = testUscc(199, A);

const name = (u: string) => `企业${u.slice(-6)}`;
const subject = (u: string, county: string, industry: string, status = '存续') =>
  ({ subject_uscc: u, subject_name: name(u), subject_type: '企业法人', industry_code: industry, county_code: county, reg_date: '2015/01/01', status });
const org = (u: string) => ({ subject_name: name(u), party_type: '法人及非法人组织', subject_uscc: u });
const license = (u: string, no: string, date: string, publish?: string) =>
  ({ ...org(u), decision_no: no, decision_date: date, valid_from: date, valid_to: '2028/12/31', ...(publish ? { publish_date: publish } : {}) });
const honor = (u: string, no: string, from: string, to: string) => ({ subject_name: name(u), subject_uscc: u, decision_no: no, granted_date: from, valid_to: to });
const tax = (u: string, year: string, grade: string, date: string) => ({ subject_name: name(u), subject_uscc: u, eval_year: year, grade, eval_date: date });
const commitment = (u: string, no: string, date: string) => ({ subject_name: name(u), subject_uscc: u, commitment_no: no, commit_date: date, fulfilment: '践诺' });
const court = (u: string, no: string, performance: string, date: string) =>
  ({ ...org(u), case_no: no, court: '亭湖区人民法院', basis_no: `${no}依据`, filing_date: '2024/10/01', performance, publish_date: date });
const serious = (u: string, no: string, listed: string) =>
  ({ subject_name: name(u), subject_uscc: u, list_type: '重大税收违法失信主体', decision_no: no, listed_date: listed, expires: '2028/12/31' });

function fixture(): FixtureRecords {
  return {
    subject: [...a.map((u) => subject(u, A, '2611')), subject(z, A, '2611', '注销'), ...b.map((u) => subject(u, B, '5211'))],
    // 守信激励: honours and tax grades
    honor: [
      honor(a[0], 'RY-1', '2024/05/01', '2026/05/01'), honor(a[1], 'RY-2', '2023/06/01', '2025/05/31'), // a1 expired before June
      honor(b[0], 'RY-3', '2024/07/01', '2026/07/01'), honor(b[1], 'RY-4', '2025/01/10', '2027/01/10'),
      honor(z, 'RY-5', '2024/07/01', '2026/07/01'),
    ],
    tax_grade: [
      tax(a[0], '2024', 'A', '2025/04/15'), tax(a[2], '2024', 'A', '2025/04/15'),
      tax(a[3], '2023', 'A', '2024/04/15'), tax(a[3], '2024', 'B', '2025/04/15'), // A until 2025-04-14
      tax(a[4], '2023', 'C', '2024/04/15'), tax(b[2], '2024', 'D', '2025/04/15'),
    ],
    // 失信治理: blacklist records
    serious_dishonest: [serious(a[5], 'SD-5', '2024/10/01'), serious(a[7], 'SD-7', '2025/01/05'), serious(b[4], 'SD-9', '2025/04/01'), serious(z, 'SD-Z', '2025/01/01')],
    court_dishonest: [
      court(a[6], 'C-6', '全部未履行', '2024/12/01'), court(a[6], 'C-6', '已履行', '2025/05/10'),
      court(b[3], 'C-8', '全部未履行', '2025/02/01'),
    ],
    // 信用监管: commitments and 双公示 records
    commitment: [
      ...a.slice(0, 10).map((u, i) => commitment(u, `CN-A${i}`, '2024/09/01')), commitment(a[10], 'CN-A10', '2024/05/01'),
      ...b.slice(0, 10).map((u, i) => commitment(u, `CN-B${i}`, '2025/06/02')),
    ],
    license: [
      ...a.slice(0, 20).map((u, i) => license(u, `XK-A${i}`, '2024/08/05')),
      ...b.slice(0, 5).map((u, i) => license(u, `XK-B${i}`, '2025/01/06')),
      // June 2025 (Mon 06-09): published after 1, 3, 7 working days (timely) and 8 (late)
      license(b[0], 'XK-J0', '2025/06/09', '2025/06/10'), license(b[1], 'XK-J1', '2025/06/09', '2025/06/12'),
      license(b[2], 'XK-J2', '2025/06/09', '2025/06/18'), license(b[3], 'XK-J3', '2025/06/09', '2025/06/19'),
    ],
    penalty: [{ ...org(b[49]), decision_no: 'CF-B49', decision_date: '2024/06/03', valid_to: '2025/06/03' }],
    // 权益保护: repairs and objections
    repair: [
      { subject_name: name(a[7]), subject_uscc: a[7], repair_no: 'XF-7', target_kind: '严重失信主体名单', target_ref: 'SD-7', apply_date: '2025/03/10', result: '修复完成', done_date: '2025/03/20', authority: NDRC },
      { subject_name: name(a[8]), subject_uscc: a[8], repair_no: 'XF-8', target_kind: '行政处罚', target_ref: 'X-8', apply_date: '2025/05/01', result: '受理中', authority: MARKET },
      { subject_name: name(a[9]), subject_uscc: a[9], repair_no: 'XF-9', target_kind: '行政处罚', target_ref: 'X-9', apply_date: '2025/04/01', result: '不予修复', done_date: '2025/04/21', authority: MARKET },
    ],
    objection: [
      { subject_name: name(a[11]), subject_uscc: a[11], objection_no: 'YY-1', target_kind: '行政处罚', target_ref: 'X-11', claim: '信息有误', apply_date: '2025/02/01', result: '维持', done_date: '2025/02/11', authority: MARKET },
      { subject_name: name(a[12]), subject_uscc: a[12], objection_no: 'YY-2', target_kind: '行政处罚', target_ref: 'X-12', claim: '信息有误', apply_date: '2025/05/20', result: '处理中', authority: MARKET },
      { subject_name: name(b[5]), subject_uscc: b[5], objection_no: 'YY-3', target_kind: '行政许可', target_ref: 'XK-B0', claim: '信息有误', apply_date: '2025/06/10', result: '更正', done_date: '2025/06/15', authority: NDRC, source_unit: NDRC },
    ],
  };
}

async function ingestMore(dataDir: string, records: FixtureRecords): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'cw-idx-in-'));
  try {
    const s = await runIngest({ inputs: writeFixtureFiles(dir, records), dataDir, today: TEST_TODAY, hashKey: TEST_HASH_KEY });
    return s.rejected;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const month = (r: Row) => (r.month as Date).toISOString().slice(0, 7);
const strip = (r: Row) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? Number(v) : v));

// One lake for the whole file: built as of 2025-06-30, then as of 2025-03-31, then again as of
// 2025-06-30 after records of May 2025 arrive.
let lake: FixtureLake;
let city: Row[];
let counties: Row[];
let quality: Row[];
let marchBuild: { city: Row[]; counties: Row[] };
let later: { city: Row[]; counties: Row[] };
beforeAll(async () => {
  lake = await fixtureLake(fixture());
  // one rejected row in June 2025 (wrong USCC check character), from the market regulator
  const bad = { ...org('91320902T000011946'), decision_no: 'CF-BAD', decision_date: '2025/06/12', valid_to: '2026/06/12' };
  expect(await ingestMore(lake.dataDir, { penalty: [bad] })).toBe(1);
  // three configured source units (报送率)
  const cfg = lakePaths(lake.dataDir).config;
  mkdirSync(cfg, { recursive: true });
  writeFileSync(join(cfg, 'source_units.csv'), `code,name\n1,${MARKET}\n2,${NDRC}\n3,${TAX}\n`);

  await buildFixture(lake.dataDir, '2025-06-30');
  city = await warehouseRows(lake.dataDir, 'SELECT * FROM city_index ORDER BY month');
  counties = await warehouseRows(lake.dataDir, 'SELECT * FROM county_index ORDER BY month, county_code');
  quality = await warehouseRows(lake.dataDir, 'SELECT * FROM data_quality ORDER BY month, level, source_unit');

  await buildFixture(lake.dataDir, '2025-03-31');
  marchBuild = {
    city: await warehouseRows(lake.dataDir, 'SELECT * FROM city_index ORDER BY month'),
    counties: await warehouseRows(lake.dataDir, 'SELECT * FROM county_index ORDER BY month, county_code'),
  };

  // records of May 2025 arrive: a repair of SD-5, a new listing, licences, an honour
  expect(await ingestMore(lake.dataDir, {
    repair: [{ subject_name: name(a[5]), subject_uscc: a[5], repair_no: 'XF-5', target_kind: '严重失信主体名单', target_ref: 'SD-5', apply_date: '2025/05/02', result: '修复完成', done_date: '2025/05/15', authority: NDRC }],
    serious_dishonest: [serious(a[20], 'SD-20', '2025/05/03')],
    license: a.slice(50, 60).map((u, i) => license(u, `XK-M${i}`, '2025/05/06')),
    honor: [honor(b[30], 'RY-9', '2025/05/08', '2027/05/08')],
  })).toBe(0);
  await buildFixture(lake.dataDir, '2025-06-30');
  later = {
    city: await warehouseRows(lake.dataDir, 'SELECT * FROM city_index ORDER BY month'),
    counties: await warehouseRows(lake.dataDir, 'SELECT * FROM county_index ORDER BY month, county_code'),
  };
}, 240_000);
afterAll(() => lake?.cleanup());

describe('city_index', () => {
  const june = () => city.find((r) => month(r) === '2025-06')!;

  test('should have one row per month from the first record month (honour RY-2, 2023-06) to the as-of month', () => {
    expect(month(city[0])).toBe('2023-06');
    expect(city).toHaveLength(25);
    expect(june()).toMatchObject({ window_months: 12, partial_month: false, missing_parts: null, subjects: 150 });
    expect(city[0].window_months).toBe(1);
  });

  test('should compute 守信激励 from honours and A-grade taxpayers in force', () => {
    // June 30: a0 (honour + tax A), a2 (tax A), b0, b1 (honours); a1's honour expired 05-31, a3 is B since
    // 2025-04-15, z is 注销 -> 4 / 150 = 0.026667 -> 100 * 0.026667 / 0.1 = 26.67
    expect(june()).toMatchObject({ incentive_subjects: 4, incentive_share: 0.0267, idx_incentive: 26.67 });
  });

  test('should compute 失信治理 from blacklisted subjects per 10k and exits by repair or performance', () => {
    // in force June 30: SD-5 (a5), C-8 (b3), SD-9 (b4) = 3 -> 3 / 150 * 10000 = 200 per 10k
    //   -> 100 * (200 - 300) / (20 - 300) = 35.714
    // exits 2024-07..2025-06: SD-7 repaired 03-20, C-6 performed 05-10 -> 2 / (2 + 3) = 0.4 -> 100 * 0.4 / 0.5 = 80
    // 0.6 * 35.714 + 0.4 * 80 = 21.429 + 32 = 53.43
    expect(june()).toMatchObject({ dishonest_subjects: 3, dishonest_per_10k: 200, blacklist_in_force: 3, blacklist_exits_12m: 2, blacklist_exit_rate: 0.4, idx_governance: 53.43 });
  });

  test('should compute 信用监管 from commitment, tax-grade and 双公示 coverage', () => {
    // commitments 2024-07..2025-06: a0..a9 (2024-09) + b0..b9 (2025-06) = 20 (a10's is 2024-05) -> 20/150 = 0.1333 -> /0.5 = 26.667
    // tax grade in force: a0, a2, a3 (B), a4 (C 2023, no later grade), b2 (D) = 5 -> 5/150 = 0.0333 -> /0.6 = 5.556
    // 双公示 2024-07..2025-06: a0..a19, b0..b4 = 25 (b49's penalty is 2024-06) -> 25/150 = 0.1667 -> /0.8 = 20.833
    // 0.4 * 26.667 + 0.3 * 5.556 + 0.3 * 20.833 = 10.667 + 1.667 + 6.25 = 18.58
    expect(june()).toMatchObject({
      commitment_subjects_12m: 20, commitment_coverage: 0.1333, tax_graded_subjects: 5, tax_grade_coverage: 0.0333,
      publicity_subjects_12m: 25, publicity_coverage: 0.1667, idx_supervision: 18.58,
    });
  });

  test('should compute 归集质量 from 合规率, 及时率 and 报送率', () => {
    // June rows: 10 commitments + 4 licences + 1 objection accepted, 1 penalty rejected -> 15 / 16 = 0.9375 -> (0.9375 - 0.8) / 0.2 = 68.75
    // 及时率 3 / 4 = 0.75 -> (0.75 - 0.5) / 0.5 = 50; 报送率 2 of 3 units (market, NDRC) = 0.6667 -> 33.33
    // 0.4 * 68.75 + 0.3 * 50 + 0.3 * 33.333 = 27.5 + 15 + 10 = 52.5
    expect(june()).toMatchObject({ compliance: 0.9375, timeliness: 0.75, reporting_rate: 0.6667, idx_data_quality: 52.5 });
  });

  test('should compute 权益保护 from repair and objection handling', () => {
    // repair applications 2024-06..2025-05: XF-7, XF-8, XF-9; decided by June 30: XF-7, XF-9 -> 2/3 -> (0.6667 - 0.5) / 0.5 = 33.333
    // completed 2024-07..2025-06: XF-7 in 10 days -> (10 - 30) / (7 - 30) = 86.957
    // objections 2024-06..2025-05: YY-1, YY-2; handled YY-1 -> 0.5 -> 0
    // handled 2024-07..2025-06: YY-1 10 days, YY-3 5 days -> 7.5 -> (7.5 - 30) / (7 - 30) = 97.826
    // 0.25 * (33.333 + 86.957 + 0 + 97.826) = 54.53
    expect(june()).toMatchObject({
      repair_apps_12m: 3, repair_decided_12m: 2, repair_handled_rate: 0.6667, repairs_done_12m: 1, repair_avg_days: 10,
      objection_apps_12m: 2, objection_handled_12m: 1, objection_handled_rate: 0.5, objections_done_12m: 2, objection_avg_days: 7.5,
      idx_rights: 54.53,
    });
  });

  test('should weight the sub-indexes 15/30/25/15/15 into the index', () => {
    // (15 * 26.667 + 30 * 53.429 + 25 * 18.583 + 15 * 52.5 + 15 * 54.529) / 100
    //   = (400.0 + 1602.857 + 464.583 + 787.5 + 817.935) / 100 = 40.73
    expect(june().index_value).toBe(40.73);
    const may = city.find((r) => month(r) === '2025-05')!;
    expect(june().mom_change).toBeCloseTo(40.73 - (may.index_value as number), 2);
    const lastYear = city.find((r) => month(r) === '2024-06')!;
    expect(june().yoy_change).toBeCloseTo(40.73 - (lastYear.index_value as number), 2);
  });

  test('should reproduce a month exactly in a build as of that month end', () => {
    // the March build knows nothing of April..June (C-6 performance, SD-9, XF-9, 2025 tax grades)
    const march = city.find((r) => month(r) === '2025-03')!;
    const again = marchBuild.city.at(-1)!;
    expect(month(again)).toBe('2025-03');
    expect(strip(again)).toBe(strip(march));
    expect(marchBuild.city).toHaveLength(city.length - 3);
    const cm = counties.filter((r) => month(r) === '2025-03').map(strip);
    expect(marchBuild.counties.filter((r) => month(r) === '2025-03').map(strip)).toEqual(cm);
    // and March is a different picture from June: C-6 and SD-5, C-8 in force, SD-7 repaired
    expect(march).toMatchObject({ blacklist_in_force: 3, blacklist_exits_12m: 1, incentive_subjects: 5 });
  });

  test('should not change earlier months when records of a later month arrive', () => {
    for (let i = 0; i < city.length; i++) {
      if (month(city[i]) >= '2025-05') continue;
      expect(strip(later.city[i]), month(city[i])).toBe(strip(city[i]));
    }
    // May and June did change: SD-5 repaired on 05-15 (an exit), SD-20 listed
    const lj = later.city.find((r) => month(r) === '2025-06')!;
    expect(lj).toMatchObject({ blacklist_exits_12m: 3, dishonest_subjects: 3, publicity_subjects_12m: 35 });
    expect(lj.index_value).not.toBe(june().index_value);
    expect(later.counties.filter((r) => month(r) < '2025-05').map(strip)).toEqual(counties.filter((r) => month(r) < '2025-05').map(strip));
  });
});

describe('county_index', () => {
  // Data quality: 合规率 and 报送率 are city-wide, 及时率 is that of the county's own 双公示 records.
  const row = (c: string) => counties.find((r) => month(r) === '2025-06' && r.county_code === c)!;

  test('should compute each sub-index of county A by hand', () => {
    // 守信激励: a0, a2 -> 2 / 100 = 0.02 -> 20
    // 失信治理: SD-5 -> 1 / 100 * 10000 = 100 -> (100 - 300) / -280 = 71.429; exits 2 / (2 + 1) = 0.667 -> 100 (capped)
    //           0.6 * 71.429 + 0.4 * 100 = 82.86
    // 信用监管: commitments 10 / 100 -> 20; tax grades 4 / 100 = 0.04 -> 6.667; 双公示 20 / 100 = 0.2 -> 25
    //           0.4 * 20 + 0.3 * 6.667 + 0.3 * 25 = 17.5
    // 归集质量: 合规率 (city) 68.75; 及时率: no June 双公示 records in A -> missing; 报送率 33.333
    //           (0.4 * 68.75 + 0.3 * 33.333) / 0.7 = 37.5 / 0.7 = 53.57
    // 权益保护: repairs as the city (all in A): 33.333, 86.957; objections YY-1, YY-2 -> 0.5 -> 0; done YY-1 10 days -> 86.957
    //           0.25 * (33.333 + 86.957 + 0 + 86.957) = 51.81
    // index: (15 * 20 + 30 * 82.857 + 25 * 17.5 + 15 * 53.571 + 15 * 51.812) / 100
    //      = (300 + 2485.714 + 437.5 + 803.571 + 777.174) / 100 = 48.04
    expect(row(A)).toMatchObject({
      county_name: '亭湖区', subjects: 100, idx_incentive: 20, idx_governance: 82.86, idx_supervision: 17.5, compliance: 0.9375, timeliness: null,
      idx_data_quality: 53.57, idx_rights: 51.81, index_value: 48.04, rank: 1, ranked_counties: 2,
    });
  });

  test('should compute county B and rank it below A', () => {
    // 守信激励 b0, b1 -> 2 / 50 = 0.04 -> 40; 失信治理: C-8, SD-9 -> 400 per 10k -> 0; exits 0 / 2 -> 0 -> 0
    // 信用监管: 10 / 50 = 0.2 -> 40; tax b2 1 / 50 = 0.02 -> 3.333; 双公示 5 / 50 = 0.1 -> 12.5
    //           0.4 * 40 + 0.3 * 3.333 + 0.3 * 12.5 = 16 + 1 + 3.75 = 20.75
    // 归集质量: 0.4 * 68.75 + 0.3 * 50 (及时率 3 / 4) + 0.3 * 33.333 = 27.5 + 15 + 10 = 52.5
    // 权益保护: no repair or objection applications of B subjects in the window; YY-3 handled in 5 days -> 100
    // index: (15 * 40 + 30 * 0 + 25 * 20.75 + 15 * 52.5 + 15 * 100) / 100 = (600 + 518.75 + 787.5 + 1500) / 100 = 34.0625
    expect(row(B)).toMatchObject({
      idx_incentive: 40, idx_governance: 0, idx_supervision: 20.75, timeliness: 0.75, idx_data_quality: 52.5, idx_rights: 100,
      repair_handled_rate: null, objection_avg_days: 5, rank: 2,
    });
    expect(row(B).index_value).toBeCloseTo(34.06, 1);
  });
});

describe('data_quality', () => {
  const rows = () => quality;
  const june = (level: string, unit?: string) => rows().find((r) => month(r) === '2025-06' && r.level === level && (unit === undefined || r.source_unit === unit))!;

  test('should give the month totals: rows, 合规率, 及时率 and 报送率', () => {
    // accepted: 10 commitments + 4 licences + 1 objection = 15; rejected 1 -> 15 / 16 = 0.9375
    // published 4 (XK-J0..J3), timely 3 -> 0.75; units reporting: market, NDRC of 3 -> 0.6667
    expect(june('month')).toMatchObject({
      source_unit: null, rows: 16, accepted: 15, rejected: 1, compliance: 0.9375, published: 4, timely: 3, timeliness: 0.75,
      reporting_units: 2, expected_units: 3, reporting_rate: 0.6667,
    });
  });

  test('should give each source unit, and list configured units that sent nothing', () => {
    // market regulator: 10 commitments + 4 licences accepted, the rejected penalty -> 14 / 15 = 0.9333
    expect(june('source_unit', MARKET)).toMatchObject({ expected_unit: true, reported: true, rows: 15, accepted: 14, rejected: 1, compliance: 0.9333, published: 4, timely: 3, timeliness: 0.75 });
    expect(june('source_unit', NDRC)).toMatchObject({ rows: 1, accepted: 1, rejected: 0, compliance: 1, published: 0, timeliness: null });
    expect(june('source_unit', TAX)).toMatchObject({ expected_unit: true, reported: false, rows: 0, compliance: null, reporting_rate: null });
  });

  test('should leave out months after the as-of month', () => {
    expect(rows().every((r) => month(r) <= '2025-06')).toBe(true);
    // the register (all registered 2015-01) counts per source unit, not in the monthly totals (as in quality_by_month)
    expect(rows().some((r) => month(r) === '2015-01' && r.level === 'source_unit' && r.accepted === 151)).toBe(true);
    expect(rows().some((r) => month(r) === '2015-01' && r.level === 'month')).toBe(false);
  });
});
