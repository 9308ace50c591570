/**
 * watchlist_members (step 60) on a small fixture. The warehouse is built with the real pipeline up
 * to the scores (step 20); step 60 is then run on that build with the lake views, once without an
 * `alerts` table, once with one (as step 5x would write it), and once with a previous build attached.
 * As-of 2026-11-25; the 12-month window holds events dated after 2025-11-25 (2025-11-26 .. 2026-11-25).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openDuck, queryRows } from '../ingest/duck.ts';
import { lit } from '../ingest/pipeline/sql-util.ts';
import { prepareInputs, runBuild } from './build.ts';
import step from './steps/60_watchlist_members.ts';
import { fixtureLake, testIdNumber, testUscc, TEST_TODAY, type FixtureLake, type FixtureRecords } from './test-support.ts';
import { readCurrent, warehousePaths } from './warehouse.ts';

type Row = Record<string, string>;
const U = (n: number) => testUscc(200 + n);
const org = (n: number) => ({ subject_uscc: U(n), subject_name: `名单测试${n}号` });
const subject = (n: number): Row => ({ ...org(n), subject_type: '企业法人', industry_code: '5211', county_code: '320903', reg_date: '2026/01/01', status: '存续' });
const fine = (n: number, no: string, date: string): Row => ({
  ...org(n), party_type: '法人及非法人组织', decision_no: no, penalty_types: '罚款', fine_amount: '1', decision_date: date, valid_to: '2099/12/31', authority: '盐城市盐都区市场监督管理局',
});
const warn = (n: number, no: string, date: string): Row => ({ ...fine(n, no, date), penalty_types: '警告', fine_amount: '' });
const close = (n: number, no: string): Row => ({ ...fine(n, no, '2026/11/01'), penalty_types: '责令关闭', fine_amount: '' });
const honor = (n: number, no: string, validTo: string): Row => ({
  ...org(n), honor_type: '守合同重信用企业', honor_name: '江苏省守合同重信用企业', decision_no: no, authority: '江苏省市场监督管理局', granted_date: '2025/06/01', valid_to: validTo,
});
const tax = (n: number, year: string, grade: string): Row => ({ ...org(n), eval_year: year, grade, eval_date: `${Number(year) + 1}/04/15`, authority: '国家税务总局盐城市税务局' });
const serious = (n: number, no: string, expires: string): Row => ({
  ...org(n), list_type: '拖欠农民工工资失信联合惩戒对象名单', reason: '拖欠农民工工资', basis: '《拖欠农民工工资失信联合惩戒对象名单管理暂行办法》',
  decision_no: no, authority: '盐城市人力资源和社会保障局', authority_uscc: testUscc(901, '320900', '11'), listed_date: '2026/02/01', expires,
});
const court = (n: number, caseNo: string, performance: string): Row => ({
  ...org(n), party_type: '法人及非法人组织', case_no: caseNo, court: '盐城市盐都区人民法院', basis_no: '(2025)苏0903民初9号', filing_date: '2026/01/01',
  performance, behaviours: '有履行能力而拒不履行生效法律文书确定义务', publish_date: '2026/02/01',
});
const abnormal = (n: number, removed?: string): Row => ({
  ...org(n), reason: '通过登记的住所或者经营场所无法联系', listed_date: '2026/03/01', authority: '盐城市盐都区市场监督管理局',
  ...(removed ? { removed_date: removed, removed_reason: '恢复正常记载状态' } : {}),
});
const breach = (n: number, no: string, date: string): Row => ({
  ...org(n), commitment_no: no, commitment_type: '证明替代型', matter: '提供无犯罪记录证明', commit_date: '2025/01/01', receiver: '盐城市行政审批局',
  fulfilment: '违诺', breach_date: date, breach_detail: '承诺不实',
});
const PERSON_ID = testIdNumber(42);

function records(): FixtureRecords {
  return {
    subject: Array.from({ length: 21 }, (_, i) => subject(i + 1)),
    penalty: [
      fine(1, 'F1a', '2025/11/26'), fine(1, 'F1b', '2026/06/01'), // 2 fines in the window: member
      fine(2, 'F2a', '2025/11/25'), fine(2, 'F2b', '2026/06/01'), // first one is 12 months old: out
      fine(3, 'F3a', '2026/06/01'), warn(3, 'F3b', '2026/07/01'), // a warning is not a fine
      fine(4, 'F4a', '2026/01/01'), fine(4, 'F4b', '2026/02/01'), fine(4, 'F4c', '2026/03/01'), // F4b repaired: still 2
      fine(5, 'F5a', '2026/01/01'), fine(5, 'F5b', '2026/02/01'), // F5b repaired: 1 left
      close(21, 'K21a'), close(21, 'K21b'), close(21, 'K21c'), // 3 x 责令关闭: score 50, grade D
    ],
    honor: [honor(6, 'H6', '2026/11/25'), honor(7, 'H7', '2026/11/24')],
    tax_grade: [tax(8, '2025', 'A'), tax(9, '2024', 'A'), tax(10, '2025', 'D')],
    serious_dishonest: [serious(11, 'S11', '2026/11/25'), serious(12, 'S12', '2026/11/24'), serious(13, 'S13', '2029/01/31'), serious(14, 'S14', '2099/12/31')],
    court_dishonest: [
      court(15, '(2026)苏0903执15号', '全部未履行'),
      court(16, '(2026)苏0903执16号', '全部未履行'), court(16, '(2026)苏0903执16号', '已履行'), // latest state: performed
      {
        subject_name: '李四', party_type: '自然人', id_number: PERSON_ID, case_no: '(2026)苏0903执99号', court: '盐城市盐都区人民法院', basis_no: '(2025)苏0903民初99号',
        filing_date: '2026/01/01', performance: '部分未履行', behaviours: '违反限制消费令', publish_date: '2026/02/01',
      },
    ],
    abnormal_operation: [abnormal(17), abnormal(18, '2026/11/25')],
    commitment: [breach(19, 'CB19', '2025/11/26'), breach(20, 'CB20', '2025/11/25')],
    repair: [
      { ...org(4), repair_no: 'XF4', target_kind: '行政处罚', target_ref: 'F4b', apply_date: '2026/05/01', result: '修复完成', done_date: '2026/06/01', authority: '盐城市盐都区市场监督管理局' },
      { ...org(5), repair_no: 'XF5', target_kind: '行政处罚', target_ref: 'F5b', apply_date: '2026/05/01', result: '修复完成', done_date: '2026/06/01', authority: '盐城市盐都区市场监督管理局' },
      { ...org(13), repair_no: 'XF13', target_kind: '严重失信主体名单', target_ref: 'S13', apply_date: '2026/05/01', result: '修复完成', done_date: '2026/06/01', authority: '盐城市人力资源和社会保障局' },
    ],
  };
}

interface Member {
  list_type: string; list_label: string; rule: string; subject_key: string; uscc: string | null; name: string | null; county_code: string | null;
  industry_section: string | null; industry_division: string | null; reason: string; basis: string; source_record_keys: string[];
  decided_on: Date | null; valid_until: Date | null; authority: string | null; member_key: string;
}

const day = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : null);

/** Runs step 60 on the current build of `dataDir` (read-write), with optional alerts / previous build. */
async function runStep(dataDir: string, o: { alerts?: string; prevSetup?: string } = {}): Promise<Member[]> {
  const w = warehousePaths(dataDir);
  const db = await openDuck({ path: join(w.root, readCurrent(w)!.file), threads: 1, memoryLimit: '1GB' });
  const scratch = mkdtempSync(join(tmpdir(), 'cw-wl-prev-'));
  try {
    await prepareInputs(db.conn, dataDir, TEST_TODAY, 'test');
    await db.conn.run('DROP TABLE IF EXISTS alerts');
    if (o.alerts) await db.conn.run(o.alerts);
    if (o.prevSetup) {
      await db.conn.run(`ATTACH ${lit(join(scratch, 'prev.duckdb'))} AS prev`);
      await db.conn.run(o.prevSetup);
    }
    await step.run({ conn: db.conn, asOf: TEST_TODAY, buildId: 'test', dataDir, hasPrevious: Boolean(o.prevSetup) });
    return await queryRows<Member>(db.conn, 'SELECT * FROM watchlist_members');
  } finally {
    db.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

let lake: FixtureLake;
let M: Member[];
let personKey: string;
const find = (rule: string, n: number | string) => M.filter((m) => m.rule === rule && m.subject_key === (typeof n === 'number' ? U(n) : n));

beforeAll(async () => {
  lake = await fixtureLake(records());
  await runBuild({ dataDir: lake.dataDir, asOf: TEST_TODAY, threads: 1, memoryLimit: '1GB', onlyUntil: '20_subject_scores' });
  M = await runStep(lake.dataDir);
  personKey = M.find((m) => m.subject_key.startsWith('P:'))?.subject_key ?? 'none';
});

afterAll(() => lake?.cleanup());

describe('watchlist_members', () => {
  test('should hold exactly the members the rules select', () => {
    const no = new Map(Array.from({ length: 21 }, (_, i) => [U(i + 1), String(i + 1)]));
    const got = M.map((m) => `${m.rule}:${m.subject_key === personKey ? 'person' : no.get(m.subject_key)}`).sort();
    expect(got).toEqual(['B1:11', 'B1:14', 'B2:15', 'B2:person', 'F1:1', 'F1:4', 'F2:17', 'F3:19', 'F4:10', 'F5:21', 'R1:6', 'R2:8']);
    expect(new Set(M.map((m) => `${m.list_type}/${m.list_label}`))).toEqual(new Set(['red/红名单', 'black/黑名单', 'focus/重点关注名单']));
  });

  test('should count fines within 12 months only, from the day after the same date a year ago', () => {
    // (1) fines 2025-11-26 and 2026-06-01: both in the window -> member since the 2nd (2026-06-01),
    // until the older one leaves the window: 2025-11-26 + 12 months - 1 day = 2026-11-25
    const [m] = find('F1', 1);
    expect([day(m.decided_on), day(m.valid_until), m.source_record_keys.length]).toEqual(['2026-06-01', '2026-11-25', 2]);
    expect(m.reason).toBe('12个月内受到 2 次及以上罚款类行政处罚');
    expect(m.authority).toBe('盐城市盐都区市场监督管理局');
    expect(m.basis).toContain('F1a、F1b');
    // (2) 2025-11-25 is exactly 12 months old: out; (3) a 警告 is not a fine
    expect([find('F1', 2), find('F1', 3)]).toEqual([[], []]);
  });

  test('should drop the repaired record from a membership, and the membership when too few remain', () => {
    // (4) fines 01-01, 02-01 (repaired), 03-01 -> 2 effective: decided 2026-03-01, valid until 2026-01-01 + 12 months - 1 day
    const [m] = find('F1', 4);
    expect([day(m.decided_on), day(m.valid_until), m.source_record_keys.length, m.basis.includes('F4b')]).toEqual(['2026-03-01', '2026-12-31', 2, false]);
    // (5) fines 01-01, 02-01 (repaired) -> 1 left: not a member; (13) repaired serious listing: not black
    expect([find('F1', 5), find('B1', 13)]).toEqual([[], []]);
  });

  test('should list honours in force until their last valid day', () => {
    const [m] = find('R1', 6); // valid_to = as-of: still in force
    expect([m.list_label, m.reason, day(m.decided_on), day(m.valid_until)]).toEqual(['红名单', '荣誉在有效期内: 守合同重信用企业', '2025-06-01', '2026-11-25']);
    expect(m.basis).toContain('H6');
    expect(find('R1', 7)).toEqual([]); // expired yesterday
  });

  test('should list A- and D-grade taxpayers of the latest evaluation year only', () => {
    // latest year in the data: 2025. (8) A 2025 -> red; (9) A 2024 -> not; (10) D 2025 -> focus
    expect(find('R2', 8).map((m) => [m.reason, day(m.decided_on)])).toEqual([['A级纳税人（2025年度）', '2026-04-15']]);
    expect(find('R2', 9)).toEqual([]);
    expect(find('F4', 10).map((m) => m.reason)).toEqual(['纳税信用等级 D 级（2025年度）']);
  });

  test('should black-list serious listings in force with their basis, long-term ones without an end', () => {
    const [m] = find('B1', 11); // expires = as-of: in force
    expect([m.reason, day(m.decided_on), day(m.valid_until), m.authority]).toEqual(['列入严重失信主体名单: 拖欠农民工工资失信联合惩戒对象名单', '2026-02-01', '2026-11-25', '盐城市人力资源和社会保障局']);
    expect(m.basis).toContain('《拖欠农民工工资失信联合惩戒对象名单管理暂行办法》');
    expect(find('B1', 12)).toEqual([]); // expired yesterday
    expect(find('B1', 14).map((x) => day(x.valid_until))).toEqual([null]); // 2099-12-31 = long-term
  });

  test('should black-list unperformed court dishonesty, persons masked', () => {
    expect(find('B2', 15).map((m) => [m.reason, m.authority])).toEqual([['失信被执行人（未履行生效法律文书确定的义务）', '盐城市盐都区人民法院']]);
    expect(find('B2', 16)).toEqual([]); // latest state 已履行
    const [p] = find('B2', personKey);
    expect(p.uscc).toBeNull();
    expect(p.name).toMatch(/^李\*（3209\*{10}\d{3}[\dX]）$/);
    // no clear ID number anywhere
    for (const m of M) {
      expect(JSON.stringify(m)).not.toContain(PERSON_ID);
      expect([m.name, m.reason, m.basis, m.authority].join(' ')).not.toMatch(/\d{17}[\dX]/);
    }
  });

  test('should focus-list abnormal-operation listings in force and recent commitment breaches', () => {
    expect(find('F2', 17).map((m) => [day(m.decided_on), m.valid_until])).toEqual([['2026-03-01', null]]);
    expect(find('F2', 18)).toEqual([]); // removed on the as-of date
    // (19) breach 2025-11-26: in the window until 2026-11-25; (20) breach 2025-11-25: out
    expect(find('F3', 19).map((m) => day(m.valid_until))).toEqual(['2026-11-25']);
    expect(find('F3', 20)).toEqual([]);
  });

  test('should focus-list grade D without a black-list entry, with the records that lowered the score', () => {
    // (21): 3 x 责令关闭 -> 80 - 30 (admin floor) = 50 -> D; (11), (15): D by hard rule but black-listed -> no F5
    const [m] = find('F5', 21);
    expect([m.reason, day(m.decided_on), m.source_record_keys.length]).toEqual(['公共信用综合评价等级为 D（差）', TEST_TODAY, 3]);
    expect([find('F5', 11), find('F5', 15), find('F5', personKey)]).toEqual([[], [], []]);
  });

  test('should carry subject attributes and a stable member key', () => {
    const [m] = find('F2', 17);
    expect([m.uscc, m.name, m.county_code, m.industry_section, m.industry_division]).toEqual([U(17), '名单测试17号', '320903', 'F', '52']);
    const md5 = (s: string) => createHash('md5').update(s).digest('hex');
    for (const x of M) expect(x.member_key).toBe(md5(`${x.list_type}|${x.subject_key}|${x.reason}`));
    expect(new Set(M.map((x) => x.member_key)).size).toBe(M.length);
  });

  test('should add subjects with an alert to the 预警名单 when alerts exist', async () => {
    const alerts = `CREATE TABLE alerts AS SELECT * FROM (VALUES
      ('AL-1', 'R01', '主体行政处罚累积', '黄', 'subject', ${lit(U(2))}, ${lit(U(2))}, '12个月内罚款 2 次', DATE '2026-06-01', ['k1', 'k2'], '盐都区市场监管局'),
      ('AL-2', 'S01', '处罚激增', '橙', 'cell', NULL, NULL, '亭湖区 C 处罚激增', DATE '2026-10-01', []::VARCHAR[], '市市场监管局')
    ) t(alert_id, rule_id, rule_name, level, entity_type, subject_key, uscc, title, first_seen, trigger_record_keys, department)`;
    const withAlerts = await runStep(lake.dataDir, { alerts });
    const w = withAlerts.filter((m) => m.list_type === 'warning');
    expect(w.map((m) => [m.list_label, m.subject_key, m.name, m.reason, day(m.decided_on)])).toEqual([['预警名单', U(2), '名单测试2号', '【黄色预警】12个月内罚款 2 次', '2026-06-01']]);
    expect([w[0].basis.endsWith('规则 R01 主体行政处罚累积'), w[0].source_record_keys, w[0].authority]).toEqual([true, ['k1', 'k2'], '盐都区市场监管局']);
    expect(w[0].member_key).toBe(createHash('md5').update(`warning|${U(2)}|AL-1`).digest('hex'));
    expect(withAlerts.length).toBe(M.length + 1);
    expect(M.filter((m) => m.list_type === 'warning')).toEqual([]); // without alerts: none
  });

  test('should keep the designation date of an evaluation-based entry from the previous build', async () => {
    const prevSetup = `CREATE TABLE prev.watchlist_members AS SELECT * FROM watchlist_members;
      UPDATE prev.watchlist_members SET decided_on = DATE '2026-01-15' WHERE rule = 'F5'`;
    const again = await runStep(lake.dataDir, { prevSetup });
    expect(again.filter((m) => m.rule === 'F5').map((m) => day(m.decided_on))).toEqual(['2026-01-15']);
    expect(again.map((m) => m.member_key).sort()).toEqual(M.map((m) => m.member_key).sort());
  });
});
