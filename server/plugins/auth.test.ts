import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Value } from 'typebox/value';
import { LoginResponse, MeResponse, UserSchema, UsersResponse } from '../schemas/auth.ts';
import { signIn, startTestServer, type TestServer } from '../test-helpers.ts';
import type { SessionUser } from '../types.ts';
import { DEMO_ACCOUNTS, demoPassword, hashPassword, inScope, maskPerson, scopeSql, verifyPassword } from './auth.ts';

const user = (over: Partial<SessionUser>): SessionUser => ({
  id: 'u', username: 'u', displayName: 'U', role: 'admin', counties: [], industries: [], department: null, personalData: false, ...over,
});

describe('hashPassword(pw) / verifyPassword(pw, stored)', () => {
  test('should verify the right password only, with a per-user salt', async () => {
    const a = await hashPassword('correct horse 1');
    const b = await hashPassword('correct horse 1');
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse 1', a)).toBe(true);
    expect(await verifyPassword('correct horse 2', a)).toBe(false);
    expect(await verifyPassword('x', 'plain-text')).toBe(false);
  });
});

describe('scopeSql(user, cols)', () => {
  const cols = { county: 'a.county_code', section: 'a.industry_section', division: 'a.industry_division' };
  test('should leave admin, leader and analyst unscoped and give the auditor nothing', () => {
    for (const role of ['admin', 'leader', 'analyst'] as const) expect(scopeSql(user({ role }), cols)).toEqual({ where: 'TRUE', params: {} });
    expect(scopeSql(user({ role: 'auditor' }), cols).where).toBe('FALSE');
    expect(scopeSql(null, cols).where).toBe('FALSE');
  });

  test('should restrict a county user to its counties with parameters', () => {
    expect(scopeSql(user({ role: 'county', counties: ['320922'] }), cols)).toEqual({ where: 'a.county_code IN ($scope_c_0)', params: { scope_c_0: '320922' } });
    expect(scopeSql(user({ role: 'county', counties: ['320922'] }), { section: 'x' }).where).toBe('FALSE');
    expect(scopeSql(user({ role: 'county', counties: [] }), cols).where).toBe('FALSE');
  });

  test('should restrict a regulator to its sections and divisions', () => {
    const s = scopeSql(user({ role: 'regulator', industries: ['F', 'H', '26'] }), cols);
    expect(s.where).toBe('(a.industry_section IN ($scope_s_0, $scope_s_1) OR a.industry_division IN ($scope_d_0))');
    expect(s.params).toEqual({ scope_s_0: 'F', scope_s_1: 'H', scope_d_0: '26' });
    expect(scopeSql(user({ role: 'regulator', industries: ['F'] }), { county: 'county_code' }).where).toBe('FALSE');
  });

  test('should refuse column expressions that are not plain identifiers', () => {
    expect(() => scopeSql(user({}), { county: "county_code OR 1=1 --" })).toThrow(/bad column/);
  });
});

describe('inScope(user, row)', () => {
  test('should agree with scopeSql for rows', () => {
    const reg = user({ role: 'regulator', industries: ['F', 'H'] });
    expect(inScope(reg, { county_code: '320902', industry_section: 'F' })).toBe(true);
    expect(inScope(reg, { county_code: '320902', industry_section: 'C' })).toBe(false);
    const cty = user({ role: 'county', counties: ['320922'] });
    expect(inScope(cty, { county_code: '320922' })).toBe(true);
    expect(inScope(cty, { county_code: '320902' })).toBe(false);
    expect(inScope(user({ role: 'auditor' }), { county_code: '320922' })).toBe(false);
  });
});

describe('maskPerson(user, value, kind)', () => {
  test('should mask identity data unless an admin granted access (never for the leader)', () => {
    expect(maskPerson(user({ role: 'county' }), '320902198001010075')).toBe('320902********0075');
    expect(maskPerson(user({ role: 'county' }), '张三丰', 'name')).toBe('张**');
    expect(maskPerson(user({ role: 'county' }), '13912345678', 'phone')).toBe('139****5678');
    expect(maskPerson(user({ role: 'county', personalData: true }), '320902198001010075')).toBe('320902198001010075');
    expect(maskPerson(user({ role: 'leader', personalData: true }), '320902198001010075')).toBe('320902********0075');
    expect(maskPerson(user({}), null)).toBeNull();
  });
});

describe('auth routes', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({
      records: null,
      env: { CW_LOGIN_MAX_FAILURES: '3', CW_LOGIN_THROTTLE: '4', CW_LOGIN_THROTTLE_WINDOW_SECONDS: '60', CW_LOGIN_LOCKOUT_MINUTES: '10' },
    });
  }, 60_000);
  afterAll(() => s.cleanup());

  test('should sign in with a demo account: HttpOnly SameSite=Lax cookie, token, schema-valid body, audited', async () => {
    const res = await s.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'scjg', password: demoPassword('scjg') } });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Value.Check(LoginResponse, body)).toBe(true);
    expect(body.user).toMatchObject({ username: 'scjg', role: 'regulator', industries: ['F', 'H'], department: '市市场监督管理局' });
    const c = res.cookies.find((x) => x.name === 'cw_session')!;
    expect(c.httpOnly).toBe(true);
    expect(c.sameSite).toBe('Lax');
    expect(c.secure).toBeFalsy();
    const audit = await s.app.ops.all<{ action: string; target: string }>(`SELECT action, target FROM audit_log WHERE action = 'auth.login' AND target = 'scjg'`);
    expect(audit.length).toBeGreaterThan(0);
  });

  test('should set the Secure flag behind an https proxy when trusted', async () => {
    const app = await s.reopen({ trustProxy: true });
    const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'x-forwarded-proto': 'https' }, payload: { username: 'analyst', password: demoPassword('analyst') } });
    expect(res.cookies.find((x) => x.name === 'cw_session')!.secure).toBe(true);
    await s.reopen();
    for (const u of ['leader', 'admin', 'scjg', 'yjgl', 'binhai', 'analyst', 'auditor'] as const) {
      const x = await signIn(s.app, u);
      s.cookies[u] = x.cookie;
      s.tokens[u] = x.token;
    }
  });

  test('should answer /auth/me by cookie and by bearer token, 401 anonymously', async () => {
    const byCookie = await s.as('binhai', { url: '/api/v1/auth/me' });
    expect(byCookie.statusCode).toBe(200);
    expect(Value.Check(MeResponse, byCookie.json())).toBe(true);
    expect(byCookie.json().user).toMatchObject({ username: 'binhai', role: 'county', counties: ['320922'] });
    const byBearer = await s.app.inject({ url: '/api/v1/auth/me', headers: { authorization: `Bearer ${s.tokens.auditor}` } });
    expect(byBearer.json().user.role).toBe('auditor');
    const anon = await s.as(null, { url: '/api/v1/auth/me' });
    expect(anon.statusCode).toBe(401);
    expect(anon.json()).toMatchObject({ code: 'CW_ERR_UNAUTHENTICATED' });
    const bad = await s.app.inject({ url: '/api/v1/auth/me', headers: { authorization: 'Bearer not-a-valid-token-at-all-xxxxxxxx' } });
    expect(bad.statusCode).toBe(401);
  });

  test('should revoke the session on logout', async () => {
    const x = await signIn(s.app, 'analyst');
    expect((await s.app.inject({ url: '/api/v1/auth/me', headers: { cookie: x.cookie } })).statusCode).toBe(200);
    const out = await s.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie: x.cookie } });
    expect(out.statusCode).toBe(200);
    expect((await s.app.inject({ url: '/api/v1/auth/me', headers: { cookie: x.cookie } })).statusCode).toBe(401);
    expect((await s.app.inject({ url: '/api/v1/auth/me', headers: { authorization: `Bearer ${x.token}` } })).statusCode).toBe(401);
  });

  test('should refuse a wrong password with 401 and lock the account after N failures (423, even with the right password)', async () => {
    const login = (password: string, ip = '10.0.0.1') => s.app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: ip, payload: { username: 'yjgl', password } });
    const r1 = await login('wrong-1');
    expect(r1.statusCode).toBe(401);
    expect(r1.json()).toMatchObject({ code: 'CW_ERR_LOGIN_FAILED' });
    expect(r1.json().message).toMatch(/用户名或密码错误/);
    expect((await login('wrong-2')).statusCode).toBe(401);
    const r3 = await login('wrong-3');
    expect(r3.statusCode).toBe(423);
    expect(r3.json()).toMatchObject({ code: 'CW_ERR_ACCOUNT_LOCKED' });
    const right = await login(demoPassword('yjgl'), '10.0.0.2');
    expect(right.statusCode).toBe(423);
    expect(right.json().message).toMatch(/已锁定/);
    const actions = await s.app.ops.all<{ action: string }>(`SELECT action FROM audit_log WHERE target = 'yjgl' AND action LIKE 'auth.%' ORDER BY seq`);
    expect(actions.map((a) => a.action)).toEqual(expect.arrayContaining(['auth.login_failed', 'auth.account_locked']));
    // an admin unlocks it
    const id = (await s.app.ops.all<{ id: string }>(`SELECT id FROM users WHERE username = 'yjgl'`))[0].id;
    const unlock = await s.as('admin', { method: 'PATCH', url: `/api/v1/users/${id}`, payload: { unlock: true, reason: '本人确认' } });
    expect(unlock.statusCode).toBe(200);
    expect(unlock.json().locked_until).toBeNull();
    expect((await login(demoPassword('yjgl'), '10.0.0.3')).statusCode).toBe(200);
  });

  test('should throttle login attempts per IP + username (429 with Retry-After) without affecting other IPs', async () => {
    const login = (ip: string) => s.app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: ip, payload: { username: 'nobody', password: 'guess-123456' } });
    for (let i = 0; i < 4; i++) expect((await login('10.9.9.9')).statusCode).toBe(401);
    const limited = await login('10.9.9.9');
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ code: 'CW_ERR_LOGIN_THROTTLED' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await login('10.9.9.8')).statusCode).toBe(401);
  });

  test('should let only the admin manage users; changes are audited', async () => {
    for (const u of ['leader', 'scjg', 'binhai', 'analyst', 'auditor'] as const) {
      expect((await s.as(u, { url: '/api/v1/users' })).statusCode, u).toBe(403);
    }
    expect((await s.as(null, { url: '/api/v1/users' })).statusCode).toBe(401);
    const list = await s.as('admin', { url: '/api/v1/users' });
    expect(list.statusCode).toBe(200);
    expect(Value.Check(UsersResponse, list.json())).toBe(true);
    expect(list.json().rows.map((u: { username: string }) => u.username)).toEqual(expect.arrayContaining(DEMO_ACCOUNTS.map((a) => a.username)));

    const created = await s.as('admin', { method: 'POST', url: '/api/v1/users', payload: {
      username: 'sheshang', display_name: '射阳县信用办', role: 'county', password: 'Sheyang-2026-x', counties: ['320924'],
    } });
    expect(created.statusCode).toBe(201);
    expect(Value.Check(UserSchema, created.json())).toBe(true);
    const id = created.json().id as string;
    expect((await s.as('admin', { method: 'POST', url: '/api/v1/users', payload: { username: 'sheshang', display_name: 'x', role: 'analyst', password: 'Another-2026-x' } })).statusCode).toBe(409);
    expect((await s.as('admin', { method: 'POST', url: '/api/v1/users', payload: { username: 'weak', display_name: 'x', role: 'analyst', password: 'aaaaaaaaaaaa' } })).statusCode).toBe(400);
    expect((await s.as('admin', { method: 'POST', url: '/api/v1/users', payload: { username: 'noscope', display_name: 'x', role: 'county', password: 'Noscope-2026-x' } })).json().message).toMatch(/counties/);

    const me = await signIn(s.app, 'sheshang', 'Sheyang-2026-x');
    expect((await s.app.inject({ url: '/api/v1/auth/me', headers: { cookie: me.cookie } })).json().user.counties).toEqual(['320924']);

    const grant = await s.as('admin', { method: 'POST', url: `/api/v1/users/${id}/personal-data`, payload: { granted: true, reason: '处理异议需要核对身份' } });
    expect(grant.statusCode).toBe(200);
    expect(grant.json().personal_data).toBe(true);
    expect((await s.app.inject({ url: '/api/v1/auth/me', headers: { cookie: me.cookie } })).json().user.personalData).toBe(true);

    const disabled = await s.as('admin', { method: 'PATCH', url: `/api/v1/users/${id}`, payload: { disabled: true, reason: '调岗' } });
    expect(disabled.json().disabled).toBe(true);
    expect((await s.app.inject({ url: '/api/v1/auth/me', headers: { cookie: me.cookie } })).statusCode).toBe(401);
    expect((await s.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'sheshang', password: 'Sheyang-2026-x' } })).statusCode).toBe(401);

    const leaderId = (await s.app.ops.all<{ id: string }>(`SELECT id FROM users WHERE username = 'leader'`))[0].id;
    expect((await s.as('admin', { method: 'POST', url: `/api/v1/users/${leaderId}/personal-data`, payload: { granted: true, reason: '试试' } })).statusCode).toBe(409);

    const actions = (await s.app.ops.all<{ action: string }>(`SELECT action FROM audit_log WHERE target = 'sheshang' ORDER BY seq`)).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['user.create', 'auth.login', 'user.grant_personal_data', 'user.update']));
  });

  test('should disable the demo accounts and create a first admin when demo mode is off', async () => {
    const app = await s.reopen({ demo: false });
    expect(app.auth.demoAccounts).toEqual([]);
    expect(app.auth.bootstrap?.username).toBe('cwadmin');
    expect((await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'leader', password: demoPassword('leader') } })).statusCode).toBe(401);
    const ok = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'cwadmin', password: app.auth.bootstrap!.password } });
    expect(ok.statusCode).toBe(200);
  });
});
