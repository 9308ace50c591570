/**
 * Test helpers for the server: a fixture lake + warehouse built once per test file (real ingest,
 * real build, no mocked database), the app from buildApp (logger off, never listening), and a
 * signed-in cookie for every demo account. Shared by all `server/**\/*.test.ts`.
 *
 * The fixture city: FIXTURE_FIRMS firms spread over four counties and five industries, each with
 * two fined penalties in 2026 (重点关注 F1 entries); every fifth has a third (R1 yellow alert);
 * one firm is a 失信被执行人 (黑名单), one holds an honour (红名单), and one natural person has
 * three penalties (masked identity).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildFixture, fixtureLake, testIdNumber, testUscc, type FixtureRecords } from '../analytics/test-support.ts';
import { buildApp } from './app.ts';
import { loadServerConfig, type ServerConfig } from './config.ts';
import { DEMO_ACCOUNTS, demoPassword } from './plugins/auth.ts';

/** Demo usernames: leader, admin, scjg (F,H), yjgl (C), binhai (320922), analyst, auditor. */
export type DemoUser = 'leader' | 'admin' | 'scjg' | 'yjgl' | 'binhai' | 'analyst' | 'auditor';
export const DEMO_USERS = DEMO_ACCOUNTS.map((a) => a.username) as DemoUser[];

/** County x industry cells the fixture firms rotate through: [county, GB/T 4754 class, section]. */
export const FIXTURE_CELLS: readonly [string, string, string][] = [
  ['320922', '2614', 'C'], // 滨海县 manufacturing: binhai, yjgl
  ['320902', '5211', 'F'], // 亭湖区 retail: scjg
  ['320902', '6110', 'H'], // 亭湖区 hotels: scjg
  ['320903', '3311', 'C'], // 盐都区 manufacturing: yjgl
  ['320922', '5211', 'F'], // 滨海县 retail: binhai, scjg
  ['320904', '7010', 'K'], // 大丰区 real estate: admin only among the scoped roles
];
export const FIXTURE_FIRMS = 240;
export const PERSON_ID = testIdNumber(7);

/** The records of the fixture city (all valid national-layout rows). */
export function serverFixture(firms = FIXTURE_FIRMS): FixtureRecords {
  const subject: Record<string, string>[] = [];
  const penalty: Record<string, string>[] = [];
  for (let i = 0; i < firms; i++) {
    const [county, industry] = FIXTURE_CELLS[i % FIXTURE_CELLS.length];
    const uscc = testUscc(i, county);
    const name = `测试${county}企业${i}有限公司`;
    subject.push({ subject_uscc: uscc, subject_name: name, reg_date: '2015/06/01', county_code: county, industry_code: industry, subject_type: '企业法人', status: '存续' });
    const n = i % 5 === 0 ? 3 : 2;
    for (let k = 0; k < n; k++) {
      penalty.push({
        subject_name: name, party_type: '法人及非法人组织', subject_uscc: uscc, decision_no: `盐测罚〔2026〕${i}-${k}号`,
        penalty_types: '罚款', fine_amount: String(1 + (k % 3)), decision_date: `2026/${String(3 + k * 2).padStart(2, '0')}/1${k}`, valid_to: '2027/12/31',
      });
    }
  }
  // a natural person with three penalties: a 重点关注 entry and an alert with masked identity
  for (let k = 0; k < 3; k++) {
    penalty.push({
      subject_name: '张三丰', party_type: '自然人', id_type: '身份证', id_number: PERSON_ID, decision_no: `盐测罚〔2026〕P-${k}号`,
      penalty_types: '罚款', fine_amount: '0.5', decision_date: `2026/0${4 + k}/02`, valid_to: '2027/12/31',
    });
  }
  const black = testUscc(1, FIXTURE_CELLS[1][0]);
  const red = testUscc(2, FIXTURE_CELLS[2][0]);
  return {
    subject,
    penalty,
    court_dishonest: [{
      case_no: '（2026）苏0902执测1号', subject_name: `测试${FIXTURE_CELLS[1][0]}企业1有限公司`, party_type: '法人及非法人组织', subject_uscc: black,
      court: '亭湖区人民法院', basis_no: '（2025）苏0902民初测1号', filing_date: '2026/02/01', performance: '全部未履行',
      behaviours: '有履行能力而拒不履行生效法律文书确定义务', publish_date: '2026/03/01',
    }],
    honor: [{
      subject_name: `测试${FIXTURE_CELLS[2][0]}企业2有限公司`, subject_uscc: red, honor_type: '守合同重信用企业', honor_name: '江苏省守合同重信用企业',
      decision_no: '苏测荣〔2026〕1号', authority: '江苏省市场监督管理局', granted_date: '2026/01/15', valid_to: '2027/12/31',
    }],
  };
}

export interface TestServer {
  app: FastifyInstance;
  config: ServerConfig;
  dataDir: string;
  /** Cookie header of each demo account (signed in once). */
  cookies: Record<DemoUser, string>;
  /** Bearer tokens of each demo account (same sessions). */
  tokens: Record<DemoUser, string>;
  /** `app.inject` as a demo user (or anonymously with null). */
  as(user: DemoUser | null, opts: InjectOptions): Promise<LightMyRequestResponse>;
  /** Closes the app (ops db checkpointed); the data dir stays until `cleanup`. */
  close(): Promise<void>;
  /** Builds a fresh app on the same data dir (after close). */
  reopen(overrides?: Partial<ServerConfig>): Promise<FastifyInstance>;
  cleanup(): Promise<void>;
}

/** Settings for tests: demo accounts, no cron, no global rate limit, fixed secret, given data dir. */
export function testConfig(dataDir: string, env: Record<string, string> = {}, overrides: Partial<ServerConfig> = {}): ServerConfig {
  return loadServerConfig({
    CW_DEMO: 'true', CW_NIGHTLY_CRON: 'off', CW_RATE_LIMIT: '0', CW_SESSION_SECRET: 'test-secret-test-secret-test-secret-0001',
    CW_THREADS: '1', CW_MEMORY_LIMIT: '1GB', CW_TZ: 'Asia/Shanghai', CW_ID_HASH_KEY: 'test-key', CW_DASHBOARD_DIR: join(dataDir, 'no-dashboard'),
    ...env,
  }, { dataDir, ...overrides });
}

export interface StartOptions {
  /** Fixture records; null = no lake and no warehouse build. @default serverFixture() */
  records?: FixtureRecords | null;
  env?: Record<string, string>;
  overrides?: Partial<ServerConfig>;
  /** Sign in every demo account. @default true */
  signIn?: boolean;
}

export async function signIn(app: FastifyInstance, username: string, password = demoPassword(username), remoteAddress = '127.0.0.1'): Promise<{ cookie: string; token: string }> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress, payload: { username, password } });
  if (res.statusCode !== 200) throw new Error(`sign-in of ${username} failed: ${res.statusCode} ${res.body}`);
  const c = res.cookies.find((x) => x.name === 'cw_session');
  return { cookie: `cw_session=${c!.value}`, token: (res.json() as { token: string }).token };
}

/** A fixture data dir (lake + build unless records is null) and a ready app signed in as every demo user. */
export async function startTestServer(o: StartOptions = {}): Promise<TestServer> {
  let dataDir: string;
  let cleanupLake = () => undefined as void;
  if (o.records === null) {
    dataDir = mkdtempSync(join(tmpdir(), 'cw-srv-'));
  } else {
    const lake = await fixtureLake(o.records ?? serverFixture());
    await buildFixture(lake.dataDir);
    dataDir = lake.dataDir;
    cleanupLake = lake.cleanup;
  }
  const config = testConfig(dataDir, o.env, o.overrides);
  let app = await buildApp({ config, logger: false });
  await app.ready();
  const cookies = {} as Record<DemoUser, string>;
  const tokens = {} as Record<DemoUser, string>;
  if (o.signIn !== false) {
    for (const [i, u] of DEMO_USERS.entries()) {
      const s = await signIn(app, u, undefined, `127.0.0.${i + 1}`); // one address each: the login rate limit is per IP
      cookies[u] = s.cookie;
      tokens[u] = s.token;
    }
  }
  let closed = false;
  const ts: TestServer = {
    get app() { return app; },
    config, dataDir, cookies, tokens,
    as: (user, opts) => app.inject({ ...opts, headers: { ...(opts.headers ?? {}), ...(user ? { cookie: cookies[user] } : {}) } }),
    close: async () => { if (!closed) { closed = true; await app.close(); } },
    reopen: async (overrides = {}) => {
      if (!closed) await app.close();
      app = await buildApp({ config: { ...config, ...overrides }, logger: false });
      await app.ready();
      closed = false;
      return app;
    },
    cleanup: async () => {
      await ts.close();
      cleanupLake();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return ts;
}
