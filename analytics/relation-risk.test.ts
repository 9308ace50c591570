/**
 * Correlated risk (steps 30-33): relation_edges, relation_seeds, risk_clusters /
 * risk_cluster_members, relation_risk. One hand-made graph, built once; every expected number is
 * worked out by hand from the model in analytics/docs/relation-risk.md:
 *   edge weight: 法定代表人 1.0, 担保 0.8, 股东/对外投资 0.2 + 0.8 * share/100 (unknown share 0.5)
 *   contribution = seed * prod(weights) * 0.5^(edges - 1), best path per seed, at most 3 edges
 *   exposure = 100 * (1 - prod(1 - contribution))
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildFixture, fixtureLake, testIdNumber, testUscc, warehouseRows, type FixtureLake } from './test-support.ts';

const REPO = join(import.meta.dirname, '..');

const AS_OF = '2026-11-25';

interface Firm { uscc: string; name: string; county: string; industry: string }
const firm = (n: number, name: string, county = '320902', industry = '3411'): Firm => ({ uscc: testUscc(n, county), name, county, industry });

// Scenario 1 (the brief's example): P is legal rep of A, B, C; B is court-dishonest; A guarantees D;
// D guarantees E (4 hops from B); U is unrelated (its own clean legal rep V, a shareholder of unknown share).
const A = firm(1, '盐城测试甲机械有限公司');
const B = firm(2, '滨海县测试化工有限公司', '320922', '2614');
const C = firm(3, '盐城测试丙贸易有限公司', '320902', '5211');
const D = firm(4, '盐城测试丁建材有限公司');
const E = firm(5, '盐城测试戊物流有限公司');
const U = firm(6, '盐城测试无关有限公司');
// Scenario 2 (end dates): Q is legal rep of H (serious dishonest). Q's relations to G (ended
// 2025-06-30) and G2 (ending row arrives separately) are over; to G3 (50 %, ends 2027) in force.
const H = firm(8, '盐城测试失信有限公司');
const G = firm(7, '盐城测试己有限公司');
const G2 = firm(9, '盐城测试庚有限公司');
const G3 = firm(10, '盐城测试辛有限公司');
// Scenario 3 (cluster): R is legal rep of K1 (serious dishonest), K2 (court dishonest), K3
// (经营异常名录 only: a low seed, 0.3) and holds 60 % of K4 (3 penalties in 12 months: 0.5).
const K1 = firm(11, '滨海县测试一号化工有限公司', '320922', '2614');
const K2 = firm(12, '响水县测试二号化工有限公司', '320921', '2614');
const K3 = firm(13, '响水县测试三号贸易有限公司', '320921', '5211');
const K4 = firm(14, '响水县测试四号化工有限公司', '320921', '2619');
// Scenario 4 (connector firm): holding H0 (clean, legal rep S) invests 80 % in J1 (serious
// dishonest, legal rep T1) and 30 % in J2 (court dishonest).
const H0 = firm(15, '阜宁县测试控股有限公司', '320923', '7212');
const J1 = firm(16, '阜宁县测试甲有限公司', '320923', '3411');
const J2 = firm(17, '射阳县测试乙有限公司', '320924', '3411');
// Scenario 5 (person seed): W, a court-listed natural person, is legal rep of X.
const X = firm(18, '盐城测试壬有限公司');
const FIRMS = [A, B, C, D, E, U, H, G, G2, G3, K1, K2, K3, K4, H0, J1, J2, X];

const person = (n: number, name: string) => ({ id: testIdNumber(n), name });
const P = person(1, '张三');
const V = person(2, '赵六');
const Q = person(3, '钱七');
const R = person(5, '王小明');
const S = person(6, '李四');
const T1 = person(7, '周八');
const W = person(8, '吴九');
/** Masked label as the model shows persons: surname + '*' per further character, masked ID. */
const masked = (p: { id: string; name: string }) => `${p.name[0]}${'*'.repeat(p.name.length - 1)}(${p.id.slice(0, 4)}${'*'.repeat(10)}${p.id.slice(-4)})`;

function rel(subject: Firm, type: string, related: Firm | { id: string; name: string }, extra: Record<string, string> = {}) {
  const base = { subject_uscc: subject.uscc, subject_name: subject.name, relation_type: type, start_date: '2020-01-01' };
  return 'uscc' in related
    ? { ...base, related_party_type: '法人及非法人组织', related_name: related.name, related_uscc: related.uscc, ...extra }
    : { ...base, related_party_type: '自然人', related_name: related.name, related_id_type: '身份证', related_id_number: related.id, ...extra };
}
const court = (f: Firm, caseNo: string, published: string) => ({
  case_no: caseNo, subject_name: f.name, party_type: '法人及非法人组织', subject_uscc: f.uscc, court: '盐城市中级人民法院', basis_no: `${caseNo}-依据`,
  filing_date: '2024-01-05', performance: '全部未履行', behaviours: '有履行能力而拒不履行生效法律文书确定义务', publish_date: published,
});
const serious = (f: Firm, no: string, listed: string) => ({
  subject_name: f.name, subject_uscc: f.uscc, list_type: '安全生产严重失信主体名单', reason: '重大安全生产事故', basis: '安全生产严重失信主体名单管理办法',
  decision_no: no, authority: '盐城市应急管理局', listed_date: listed, expires: '2029-12-31',
});
const fine = (f: Firm, no: string, amount: string, date: string) => ({
  subject_name: f.name, party_type: '法人及非法人组织', subject_uscc: f.uscc, decision_no: no, penalty_types: '罚款', fine_amount: amount,
  decision_date: date, valid_to: '2027-12-31', authority: '盐城市市场监督管理局',
});

describe('correlated risk (relation_edges, relation_seeds, relation_risk, risk_clusters)', () => {
  let lake: FixtureLake;
  type Risk = { uscc: string; exposure: number; risky_neighbors: number; risk_sources: number; top_paths: string[]; top_contrib: number[]; own_risk: number; cluster_id: string | null };
  const risk = new Map<string, Risk>();

  beforeAll(async () => {
    lake = await fixtureLake({
      subject: FIRMS.map((f) => ({ subject_uscc: f.uscc, subject_name: f.name, subject_type: '企业法人', industry_code: f.industry, county_code: f.county, reg_date: '2015-06-01', status: '存续' })),
      relation: [
        rel(A, '法定代表人', P), rel(B, '法定代表人', P), rel(C, '法定代表人', P),
        rel(A, '担保', D, { guarantee_amount: '500' }), rel(D, '担保', E, { guarantee_amount: '200' }),
        rel(U, '法定代表人', V), rel(U, '股东', V),
        rel(H, '法定代表人', Q),
        rel(G, '法定代表人', Q, { end_date: '2025-06-30' }),
        rel(G2, '股东', Q, { share_ratio: '40' }), rel(G2, '股东', Q, { share_ratio: '40', end_date: '2026-03-01' }),
        rel(G3, '股东', Q, { share_ratio: '50', end_date: '2027-12-31' }),
        rel(K1, '法定代表人', R), rel(K2, '法定代表人', R), rel(K3, '法定代表人', R), rel(K4, '股东', R, { share_ratio: '60' }),
        rel(H0, '法定代表人', S), rel(H0, '对外投资', J1, { share_ratio: '80' }), rel(H0, '对外投资', J2, { share_ratio: '30' }), rel(J1, '法定代表人', T1),
        rel(X, '法定代表人', W),
      ],
      court_dishonest: [
        court(B, '（2024）苏0922执100号', '2024-03-01'),
        court(K2, '（2025）苏0921执200号', '2026-02-01'),
        court(J2, '（2025）苏0924执300号', '2025-08-01'),
        {
          case_no: '（2025）苏0902执400号', subject_name: W.name, party_type: '自然人', id_number: W.id, court: '盐城市亭湖区人民法院', basis_no: '依据400',
          filing_date: '2025-01-05', performance: '部分未履行', behaviours: '违反限制消费令', publish_date: '2025-02-01',
        },
      ],
      serious_dishonest: [serious(H, '盐应急失信〔2025〕1号', '2025-05-01'), serious(K1, '盐应急失信〔2025〕2号', '2025-03-10'), serious(J1, '盐应急失信〔2025〕3号', '2025-09-01')],
      abnormal_operation: [{ subject_name: K3.name, subject_uscc: K3.uscc, reason: '未按规定报送年度报告', listed_date: '2026-07-01', authority: '响水县市场监督管理局' }],
      penalty: [
        fine(K1, '盐市监罚〔2026〕1号', '12', '2026-05-01'),
        fine(K4, '盐市监罚〔2026〕2号', '3', '2026-06-01'), fine(K4, '盐市监罚〔2026〕3号', '1', '2026-07-01'), fine(K4, '盐市监罚〔2026〕4号', '1', '2026-08-01'),
      ],
    });
    await buildFixture(lake.dataDir, AS_OF);
    for (const r of await warehouseRows<Risk>(lake.dataDir, 'SELECT * FROM relation_risk')) risk.set(r.uscc, r);
  }, 120_000);
  afterAll(() => lake?.cleanup());

  describe('relation_edges', () => {
    test('should keep relations in force on the build date and drop end-dated ones', async () => {
      const rows = await warehouseRows<{ subject_key: string; relation_type: string }>(lake.dataDir, 'SELECT subject_key, relation_type FROM relation_edges');
      const subjects = rows.map((r) => r.subject_key);
      // G ended 2025-06-30; G2's spell got its ending row (2026-03-01) <= as-of; G3 ends 2027-12-31 (future)
      expect(subjects).not.toContain(G.uscc);
      expect(subjects).not.toContain(G2.uscc);
      expect(subjects).toContain(G3.uscc);
      // 21 relation rows - G - 2 rows of G2 = 18 edges
      expect(rows).toHaveLength(18);
    });

    test('should weight edges by relation type and share ratio, and mask persons', async () => {
      const rows = await warehouseRows<{ subject_key: string; related_label: string; related_type: string; relation_type: string; weight: number }>(lake.dataDir,
        'SELECT subject_key, related_label, related_type, relation_type, weight FROM relation_edges');
      const w = (s: Firm, t: string) => rows.find((r) => r.subject_key === s.uscc && r.relation_type === t);
      expect(w(A, '法定代表人')?.weight).toBe(1); // legal rep 1.0
      expect(w(A, '担保')?.weight).toBe(0.8); // guarantee 0.8
      expect(w(K4, '股东')?.weight).toBeCloseTo(0.68, 10); // 0.2 + 0.8 * 0.60
      expect(w(H0, '对外投资')).toBeDefined();
      expect(rows.filter((r) => r.subject_key === H0.uscc && r.relation_type === '对外投资').map((r) => r.weight).sort()).toEqual([0.44, 0.84]); // 0.2+0.8*0.3, 0.2+0.8*0.8
      expect(w(U, '股东')?.weight).toBe(0.5); // share ratio not reported
      expect(w(A, '法定代表人')).toMatchObject({ related_type: 'person', related_label: masked(P) });
      expect(masked(P)).toMatch(/^张\*\(3209\*{10}\d{3}[\dX]\)$/);
      expect(JSON.stringify(rows)).not.toContain(P.id);
    });

    test('should give every node one 64-bit id (hash of its key) on all its edges', async () => {
      const rows = await warehouseRows<{ k: string; ids: number }>(lake.dataDir, `SELECT k, count(DISTINCT id) AS ids FROM (
        SELECT subject_key AS k, subject_id AS id FROM relation_edges UNION ALL SELECT related_key, related_id FROM relation_edges) GROUP BY k`);
      // 16 firms with in-force relations (all but G, G2) + persons P, V, Q, R, S, T1, W
      expect(rows).toHaveLength(16 + 7);
      expect(rows.every((r) => r.ids === 1)).toBe(true);
    });
  });

  describe('relation_seeds', () => {
    test('should give dishonest subjects 1.0, repeated penalties 0.5, abnormal operation 0.3, and no seed to clean nodes', async () => {
      const rows = await warehouseRows<{ node_key: string; seed_risk: number; seed_reason: string; high_risk: boolean }>(lake.dataDir, 'SELECT * FROM relation_seeds');
      const by = new Map(rows.map((r) => [r.node_key, r]));
      expect(by.get(B.uscc)).toMatchObject({ seed_risk: 1, seed_reason: '失信被执行人', high_risk: true });
      // K1: serious list 1.0 beats its 12 万元 fine (大额罚款 0.4)
      expect(by.get(K1.uscc)).toMatchObject({ seed_risk: 1, seed_reason: '严重失信主体名单' });
      expect(by.get(K4.uscc)).toMatchObject({ seed_risk: 0.5, seed_reason: '多次行政处罚', high_risk: true });
      expect(by.get(K3.uscc)).toMatchObject({ seed_risk: 0.3, seed_reason: '经营异常名录', high_risk: false });
      expect([...by.keys()].filter((k) => k.startsWith('P:'))).toHaveLength(1); // W only
      expect(by.has(A.uscc)).toBe(false);
      // B, H, K1, K2, K3, K4, J1, J2, W
      expect(rows).toHaveLength(9);
    });
  });

  describe('relation_risk', () => {
    test('should score the example graph by hand (A, C, D, E, unrelated)', () => {
      // A: A -P- B: 1.0 (seed) * 1.0 * 1.0 * 0.5^(2-1) = 0.5 -> 50
      expect(risk.get(A.uscc)).toMatchObject({ exposure: 50, risky_neighbors: 1 });
      expect(risk.get(C.uscc)?.exposure).toBe(50);
      // D: D -担保- A -P- B: 1.0 * 0.8 * 1.0 * 1.0 * 0.5^2 = 0.2 -> 20
      expect(risk.get(D.uscc)?.exposure).toBeCloseTo(20, 6);
      // E is 4 edges from B: beyond k = 3
      expect(risk.get(E.uscc)).toMatchObject({ exposure: 0, risky_neighbors: 0, top_paths: [] });
      expect(risk.get(U.uscc)).toMatchObject({ exposure: 0, risky_neighbors: 0 });
      // B's own listing is not exposure to others: nothing else risky around it
      expect(risk.get(B.uscc)).toMatchObject({ exposure: 0, own_risk: 1 });
    });

    test('should write the top path from the subject to the risky party, persons masked', () => {
      expect(risk.get(D.uscc)?.top_paths).toEqual([`本企业 -[担保]- ${A.name} -[法定代表人]- ${masked(P)} -[法定代表人]- ${B.name}(失信被执行人)`]);
      expect(risk.get(D.uscc)?.top_contrib).toEqual([0.2]);
      expect(risk.get(A.uscc)?.top_paths).toEqual([`本企业 -[法定代表人]- ${masked(P)} -[法定代表人]- ${B.name}(失信被执行人)`]);
      for (const r of risk.values()) for (const p of r.top_paths) expect(p).not.toMatch(/\d{17}[\dX]/);
    });

    test('should ignore end-dated relations', () => {
      expect(risk.get(G.uscc)?.exposure).toBe(0);
      expect(risk.get(G2.uscc)?.exposure).toBe(0);
      // G3 -Q (股东 50 %: 0.2 + 0.4 = 0.6)- H (法定代表人 1.0, serious 1.0): 1.0 * 1.0 * 0.6 * 0.5 = 0.3 -> 30
      expect(risk.get(G3.uscc)?.exposure).toBeCloseTo(30, 6);
    });

    test('should combine several risky parties as 1 - prod(1 - c) and keep the top 3 paths', () => {
      // K3 -R- K1: 0.5; K3 -R- K2: 0.5; K3 -R (股东 60 %: 0.68)- K4: 0.5 * 1 * 0.68 * 0.5 = 0.17
      // 100 * (1 - 0.5 * 0.5 * 0.83) = 100 * (1 - 0.2075) = 79.25
      const k3 = risk.get(K3.uscc)!;
      expect(k3.exposure).toBeCloseTo(79.25, 6);
      expect(k3.risky_neighbors).toBe(3);
      expect(k3.top_contrib).toEqual([0.5, 0.5, 0.17]);
      // equal contributions: fewer hops first, then the smaller seed key (K2 91320921… < K1 91320922…)
      expect(K2.uscc < K1.uscc).toBe(true);
      expect(k3.top_paths).toEqual([
        `本企业 -[法定代表人]- ${masked(R)} -[法定代表人]- ${K2.name}(失信被执行人)`,
        `本企业 -[法定代表人]- ${masked(R)} -[法定代表人]- ${K1.name}(严重失信主体名单)`,
        `本企业 -[法定代表人]- ${masked(R)} -[股东]- ${K4.name}(多次行政处罚)`,
      ]);
      // K4 -R- K1: 1.0 * 0.68 * 1.0 * 0.5 = 0.34, same for K2; K4 -R- K3: 0.3 * 0.68 * 1.0 * 0.5 = 0.102
      // 100 * (1 - 0.66 * 0.66 * 0.898) = 100 * (1 - 0.3911688) = 60.88; K3 (0.3) is not a high-risk neighbour
      expect(risk.get(K4.uscc)).toMatchObject({ exposure: 60.88, risky_neighbors: 2, risk_sources: 3 });
      // H0 -J1 (0.84) and -J2 (0.44) directly: 100 * (1 - 0.16 * 0.56) = 91.04
      expect(risk.get(H0.uscc)?.exposure).toBeCloseTo(91.04, 6);
      // J1 -H0- J2: 1.0 * 0.84 * 0.44 * 0.5 = 0.1848 -> 18.48
      expect(risk.get(J1.uscc)?.exposure).toBeCloseTo(18.48, 6);
    });

    test('should carry risk from a dishonest natural person to the firm they represent', () => {
      // X -法定代表人- W (court-listed person, 1.0): 1.0 * 1.0 = 1.0 -> 100
      expect(risk.get(X.uscc)).toMatchObject({ exposure: 100, top_paths: [`本企业 -[法定代表人]- ${masked(W)}(失信被执行人)`] });
    });

    test('should have one row per registered subject', () => {
      expect(risk.size).toBe(FIRMS.length);
    });
  });

  describe('risk_clusters', () => {
    type Cluster = {
      cluster_id: string; cluster_rank: number; anchor_key: string; anchor_name: string; anchor_type: string; members: number; risky_members: number;
      risky_firms: number; member_keys: string[]; counties: { county_code: string; firms: number }[]; industries: { industry_section: string; industry_division: string; firms: number }[];
      total_fines_wan: number; max_seed_risk: number; first_dishonest_date: string; latest_dishonest_date: string;
    };
    let clusters: Cluster[];
    beforeAll(async () => {
      clusters = await warehouseRows<Cluster>(lake.dataDir, `SELECT * REPLACE (strftime(first_dishonest_date, '%Y-%m-%d') AS first_dishonest_date,
        strftime(latest_dishonest_date, '%Y-%m-%d') AS latest_dishonest_date) FROM risk_clusters ORDER BY cluster_rank`);
    });

    test('should find the person behind several high-risk firms as the top cluster, with its footprint', () => {
      // clusters need >= 2 high-risk firms: {R, K1, K2, K4} and {H0, S, J1, T1, J2}; {P, B} and {Q, H} have one
      expect(clusters).toHaveLength(2);
      const c = clusters[0];
      // members R, K1, K2, K4 (K3, seed 0.3, is not high-risk and no connector: links only to R)
      expect(c).toMatchObject({ cluster_rank: 1, anchor_type: 'person', anchor_name: masked(R), members: 4, risky_members: 3, risky_firms: 3, max_seed_risk: 1 });
      expect(c.anchor_key.startsWith('P:')).toBe(true);
      expect([...c.member_keys].sort()).toEqual([c.anchor_key, K1.uscc, K2.uscc, K4.uscc].sort());
      expect(c.member_keys[0]).toBe(c.anchor_key); // 3 risky links
      expect(c.member_keys).not.toContain(K3.uscc);
      // counties: 响水县 K2, K4; 滨海县 K1
      expect(c.counties).toEqual([{ county_code: '320921', firms: 2 }, { county_code: '320922', firms: 1 }]);
      // industries: 26 (2614 K1, K2; 2619 K4)
      expect(c.industries).toEqual([{ industry_section: 'C', industry_division: '26', firms: 3 }]);
      // fines: K1 12 + K4 (3 + 1 + 1) = 17 万元
      expect(c.total_fines_wan).toBe(17);
      // dishonest records: K1 listed 2025-03-10, K2 published 2026-02-01
      expect(c.first_dishonest_date).toBe('2025-03-10');
      expect(c.latest_dishonest_date).toBe('2026-02-01');
      // stable id: 'RC-' + md5 prefix of the smallest member key
      expect(c.cluster_id).toMatch(/^RC-[0-9a-f]{12}$/);
    });

    test('should join firms through a connector firm and anchor the cluster on it', () => {
      const c = clusters[1];
      // H0 links J1 and J2 (2 risky links); S (H0's legal rep) and T1 (J1's) come along
      expect(c).toMatchObject({ anchor_type: 'firm', anchor_key: H0.uscc, anchor_name: H0.name, members: 5, risky_members: 2, risky_firms: 2 });
      expect(c.counties).toEqual([{ county_code: '320923', firms: 2 }, { county_code: '320924', firms: 1 }]);
    });

    test('should tag subjects with their cluster in relation_risk and members table', async () => {
      expect(risk.get(K1.uscc)?.cluster_id).toBe(clusters[0].cluster_id);
      expect(risk.get(J2.uscc)?.cluster_id).toBe(clusters[1].cluster_id);
      expect(risk.get(K3.uscc)?.cluster_id).toBeNull();
      expect(risk.get(B.uscc)?.cluster_id).toBeNull();
      const m = await warehouseRows<{ n: number }>(lake.dataDir, 'SELECT count(*) AS n FROM risk_cluster_members');
      expect(m[0].n).toBe(9); // 4 + 5
    });
  });
});

describe('risk_clusters (demo city)', () => {
  interface ClusterStory { person: { name: string; id_masked: string; county_code: string }; firms: { uscc: string; name: string; county_code: string }[] }
  let dir: string;
  let story: ClusterStory;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cw-rr-demo-'));
    const r = spawnSync(process.execPath, ['bin/credit-watch.mjs', 'demo', '--subjects', '3000', '--months', '24', '--as-of', AS_OF, '--data-dir', dir, '--json'],
      { cwd: REPO, encoding: 'utf8', env: { ...process.env, CW_DATA_DIR: dir } });
    if (r.status !== 0) throw new Error(`demo failed (${r.status}): ${r.stderr}`);
    const stories = JSON.parse(readFileSync(join(dir, 'config', 'demo_stories.json'), 'utf8')) as { stories: ({ id: string } & ClusterStory)[] };
    story = stories.stories.find((x) => x.id === 'dishonest_cluster')!;
    await buildFixture(dir, AS_OF);
  }, 300_000);
  afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

  test('should rank the planted person behind 6-8 dishonest firms as the top cluster', async () => {
    const [top] = await warehouseRows<{ anchor_type: string; anchor_name: string; member_keys: string[]; risky_firms: number; counties: { county_code: string; firms: number }[] }>(dir,
      'SELECT anchor_type, anchor_name, member_keys, risky_firms, counties FROM risk_clusters WHERE cluster_rank = 1');
    expect(story.firms.length).toBeGreaterThanOrEqual(6);
    expect(top.anchor_type).toBe('person');
    const p = story.person;
    expect(top.anchor_name).toBe(`${p.name[0]}${'*'.repeat(p.name.length - 1)}(${p.id_masked})`);
    for (const f of story.firms) expect(top.member_keys).toContain(f.uscc);
    expect(top.risky_firms).toBeGreaterThanOrEqual(story.firms.length);
    const counties = top.counties.map((c) => c.county_code);
    for (const f of story.firms) expect(counties).toContain(f.county_code);
  });

  test('should expose each planted firm through the shared person', async () => {
    const rows = await warehouseRows<{ uscc: string; exposure: number; top_paths: string[] }>(dir,
      `SELECT uscc, exposure, top_paths FROM relation_risk WHERE uscc IN (${story.firms.map((f) => `'${f.uscc}'`).join(', ')})`);
    expect(rows).toHaveLength(story.firms.length);
    // each firm shares its legal rep with >= 5 other court-listed firms: 1 - 0.5^5 > 0.96 at least
    for (const r of rows) {
      expect(r.exposure).toBeGreaterThan(96);
      expect(r.top_paths.join('\n')).toContain(story.person.id_masked);
    }
  });
});
