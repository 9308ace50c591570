/**
 * Authentication and authorisation: local accounts (scrypt, per-user salt), sessions as a
 * random token sent either as the HttpOnly cookie `cw_session` or as `Authorization: Bearer`,
 * stored only as an HMAC (CW_SESSION_SECRET) so a copy of ops.duckdb yields no usable token.
 * Sets `request.user` on every request, implements `app.requireRole(...)`, and exports the data
 * scope helpers the data routes reuse (`scopeSql`, `inScope`, `maskPerson`).
 *
 * Roles (enforced here and in the routes, never in the client):
 *   leader    aggregates only, no subject-level personal data
 *   admin     everything, user management
 *   regulator subjects, alerts and lists of its industries (GB/T 4754 sections or divisions)
 *   county    its county (GB/T 2260 codes)
 *   analyst   aggregates and exports of aggregates
 *   auditor   the audit log
 */
import { createHmac, randomBytes, randomUUID, scrypt, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import cookie from '@fastify/cookie';
import fp from 'fastify-plugin';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import type { ServerConfig } from '../config.ts';
import { ROLE_LABELS, type Role, type SessionUser } from '../types.ts';
import { HttpError } from './platform.ts';

export const SESSION_COOKIE = 'cw_session';
export const ROLES = Object.keys(ROLE_LABELS) as Role[];

// ---------------------------------------------------------------------------------------------
// Passwords: scrypt N=2^14, r=8, p=1 (16 MiB, ~50 ms here), 16-byte salt, 64-byte key.
// ---------------------------------------------------------------------------------------------

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 64 };

function scryptAsync(pw: string, salt: Buffer, N: number, r: number, p: number, keylen: number): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(pw.normalize('NFKC'), salt, keylen, { N, r, p, maxmem: 64 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key))));
}

/** `scrypt$N$r$p$<salt b64>$<key b64>` */
export async function hashPassword(pw: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(pw, salt, SCRYPT.N, SCRYPT.r, SCRYPT.p, SCRYPT.keylen);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(pw: string, stored: string): Promise<boolean> {
  const [algo, n, r, p, salt, key] = stored.split('$');
  if (algo !== 'scrypt' || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const got = await scryptAsync(pw, Buffer.from(salt, 'base64'), Number(n), Number(r), Number(p), expected.length);
  return got.length === expected.length && timingSafeEqual(got, expected);
}

/** Checked when an admin sets a password. */
export function passwordProblem(pw: string): string | null {
  if (pw.length < 10) return '密码至少 10 位 (password should have at least 10 characters)';
  if (!/[A-Za-z]/.test(pw) || !/\d/.test(pw)) return '密码须同时包含字母和数字 (password should contain letters and digits)';
  return null;
}

// ---------------------------------------------------------------------------------------------
// Demo accounts (only when CW_DEMO): password demo-<username>-2026.
// ---------------------------------------------------------------------------------------------

export interface AccountSpec {
  username: string;
  displayName: string;
  role: Role;
  counties?: string[];
  industries?: string[];
  department?: string | null;
  personalData?: boolean;
}

export const DEMO_ACCOUNTS: readonly AccountSpec[] = [
  { username: 'leader', displayName: '市领导', role: 'leader' },
  { username: 'admin', displayName: '信用办管理员', role: 'admin', personalData: true },
  { username: 'scjg', displayName: '市市场监督管理局', role: 'regulator', industries: ['F', 'H'], department: '市市场监督管理局' },
  { username: 'yjgl', displayName: '市应急管理局', role: 'regulator', industries: ['C'], department: '市应急管理局' },
  { username: 'binhai', displayName: '滨海县信用办', role: 'county', counties: ['320922'], department: '滨海县信用办' },
  { username: 'analyst', displayName: '数据分析员', role: 'analyst' },
  { username: 'auditor', displayName: '审计员', role: 'auditor' },
];

export const demoPassword = (username: string) => `demo-${username}-2026`;

// ---------------------------------------------------------------------------------------------
// Data scope helpers for the data routes.
// ---------------------------------------------------------------------------------------------

export interface ScopeColumns {
  /** Column holding the GB/T 2260 county code, e.g. 'county_code' or 's.county_code'. */
  county?: string;
  /** Column holding the GB/T 4754 section letter. */
  section?: string;
  /** Column holding the GB/T 4754 two-digit division. */
  division?: string;
}

const COL_RE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;
/** Roles that see every row of a data table (leader and analyst: aggregates only, enforced per route). */
const UNSCOPED: readonly Role[] = ['admin', 'leader', 'analyst'];

/**
 * The rows `user` may see, as a parameterised SQL boolean (no WHERE keyword) and its `$scope_*`
 * params. 'TRUE' for admin/leader/analyst, 'FALSE' for the auditor, no user, or a scoped user on
 * a table that lacks the column the scope needs.
 */
export function scopeSql(user: SessionUser | null, cols: ScopeColumns): { where: string; params: Record<string, string> } {
  for (const c of Object.values(cols)) if (c !== undefined && !COL_RE.test(c)) throw new Error(`scopeSql: bad column name '${c}'`);
  if (!user || user.role === 'auditor') return { where: 'FALSE', params: {} };
  if (UNSCOPED.includes(user.role)) return { where: 'TRUE', params: {} };
  const params: Record<string, string> = {};
  const parts: string[] = [];
  const inList = (col: string, prefix: string, values: string[]) => {
    const names = values.map((v, i) => { params[`scope_${prefix}_${i}`] = v; return `$scope_${prefix}_${i}`; });
    return `${col} IN (${names.join(', ')})`;
  };
  if (user.role === 'county' || user.counties.length) {
    if (!user.counties.length || !cols.county) return { where: 'FALSE', params: {} };
    parts.push(inList(cols.county, 'c', user.counties));
  }
  if (user.role === 'regulator' || user.industries.length) {
    const sections = user.industries.filter((x) => /^[A-T]$/.test(x));
    const divisions = user.industries.filter((x) => /^\d{2}$/.test(x));
    const alts: string[] = [];
    if (sections.length && cols.section) alts.push(inList(cols.section, 's', sections));
    if (divisions.length && cols.division) alts.push(inList(cols.division, 'd', divisions));
    if (!alts.length) return { where: 'FALSE', params: {} };
    parts.push(alts.length > 1 ? `(${alts.join(' OR ')})` : alts[0]);
  }
  return { where: parts.length ? parts.join(' AND ') : 'FALSE', params };
}

/** The JS twin of scopeSql for one row (SSE filtering, single-row checks). */
export function inScope(user: SessionUser | null, row: { county_code?: unknown; industry_section?: unknown; industry_division?: unknown }): boolean {
  if (!user || user.role === 'auditor') return false;
  if (UNSCOPED.includes(user.role)) return true;
  if (user.role === 'county' || user.counties.length) {
    if (!user.counties.includes(String(row.county_code ?? ''))) return false;
  }
  if (user.role === 'regulator' || user.industries.length) {
    if (!user.industries.includes(String(row.industry_section ?? '')) && !user.industries.includes(String(row.industry_division ?? ''))) return false;
  }
  return true;
}

/** True when `user` may see natural persons' identity data unmasked (granted by an admin; never a leader). */
export const seesPersonalData = (user: SessionUser | null) => Boolean(user && user.personalData && user.role !== 'leader');

/**
 * Masks a natural person's identity value unless the user was granted personal-data access.
 * 'id': 18/15-char ID numbers keep the first 6 and last 4 characters; 'name': the first character
 * stays; 'phone': the first 3 and last 4 digits stay.
 */
export function maskPerson(user: SessionUser | null, value: string | null | undefined, kind: 'id' | 'name' | 'phone' = 'id'): string | null {
  if (value === null || value === undefined || value === '') return value ?? null;
  if (seesPersonalData(user)) return value;
  const chars = [...value];
  if (kind === 'name') return chars[0] + '*'.repeat(Math.max(1, chars.length - 1));
  if (kind === 'phone') return chars.length > 7 ? `${chars.slice(0, 3).join('')}****${chars.slice(-4).join('')}` : '*'.repeat(chars.length);
  if (chars.length >= 15) return `${chars.slice(0, 6).join('')}${'*'.repeat(chars.length - 10)}${chars.slice(-4).join('')}`;
  return chars.length > 2 ? `${chars[0]}${'*'.repeat(chars.length - 2)}${chars.at(-1)}` : '*'.repeat(chars.length);
}

/** A natural person's subject key (the lake keys persons by a keyed hash of the ID number). */
export const isPersonKey = (subjectKey: unknown) => typeof subjectKey === 'string' && subjectKey.startsWith('P:');

// ---------------------------------------------------------------------------------------------
// Users and sessions in ops.duckdb
// ---------------------------------------------------------------------------------------------

export interface UserRow {
  id: string;
  username: string;
  display_name: string;
  role: Role;
  counties: string;
  industries: string;
  department: string | null;
  personal_data: boolean;
  password_hash: string;
  disabled: boolean;
  demo: boolean;
  failed_count: number;
  locked_until: string | null;
  created_at: string;
  updated_at: string;
  last_login_at: string | null;
}

export const USER_COLUMNS = 'id, username, display_name, role, counties, industries, department, personal_data, password_hash, disabled, demo, failed_count, locked_until, created_at, updated_at, last_login_at';

export function toSessionUser(u: UserRow): SessionUser {
  return {
    id: u.id, username: u.username, displayName: u.display_name, role: u.role,
    counties: JSON.parse(u.counties) as string[], industries: JSON.parse(u.industries) as string[],
    department: u.department, personalData: u.personal_data,
  };
}

export interface AuthService {
  /** Demo accounts created at startup (empty outside demo mode). */
  readonly demoAccounts: { username: string; password: string; role: Role; displayName: string }[];
  /** The first admin created outside demo mode with a generated password (printed once), else null. */
  readonly bootstrap: { username: string; password: string } | null;
  /** Creates a session; returns the token (shown once) and its expiry. */
  createSession(userId: string, request: FastifyRequest, kind?: 'cookie' | 'bearer'): Promise<{ token: string; expiresAt: string }>;
  revokeSession(token: string): Promise<void>;
  /** Drops cached sessions of a user (after role changes, disabling, password changes). */
  invalidateUser(userId: string): void;
  /** Revokes every session of a user. */
  revokeUserSessions(userId: string): Promise<void>;
  tokenOf(request: FastifyRequest): string | null;
  setSessionCookie(request: FastifyRequest, reply: FastifyReply, token: string, expiresAt: string): void;
  clearSessionCookie(reply: FastifyReply): void;
  /** Per IP + username login throttle: seconds to wait, or 0. */
  throttled(ip: string, username: string): number;
  noteFailure(ip: string, username: string): void;
  clearFailures(ip: string, username: string): void;
}


/** Reads CW_SESSION_SECRET, or the one generated on first start in <data>/state/session-secret. */
function sessionSecret(cfg: ServerConfig): string {
  if (cfg.sessionSecret) return cfg.sessionSecret;
  const dir = join(cfg.dataDir, 'state');
  const file = join(dir, 'session-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dir, { recursive: true });
  const s = randomBytes(32).toString('hex');
  writeFileSync(file, s, { mode: 0o600 });
  return s;
}

const CACHE_MS = 30_000;

const authPlugin: FastifyPluginAsync<{ config: ServerConfig }> = async (app, opts) => {
  const cfg = opts.config;
  const secret = sessionSecret(cfg);
  const tokenHash = (token: string) => createHmac('sha256', secret).update(token).digest('hex');
  await app.register(cookie, { hook: 'onRequest' });

  const cache = new Map<string, { user: SessionUser; expiresAt: number; checkedAt: number }>();
  const failures = new Map<string, number[]>();
  const throttleKey = (ip: string, username: string) => `${ip}|${username.toLowerCase()}`;
  const windowMs = cfg.login.throttleWindowSeconds * 1000;

  const service: AuthService = {
    demoAccounts: [],
    bootstrap: null,
    async createSession(userId, request, kind = 'cookie') {
      const token = randomBytes(32).toString('base64url');
      const now = new Date();
      const expiresAt = new Date(now.getTime() + cfg.sessionTtlHours * 3600_000).toISOString();
      await app.ops.tx((t) => t.run(`INSERT INTO sessions VALUES ($h, $u, $kind, $now, $exp, NULL, $ip, $ua)`, {
        h: tokenHash(token), u: userId, kind, now: now.toISOString(), exp: expiresAt, ip: request.ip, ua: String(request.headers['user-agent'] ?? '').slice(0, 200),
      }));
      return { token, expiresAt };
    },
    async revokeSession(token) {
      const h = tokenHash(token);
      cache.delete(h);
      await app.ops.tx((t) => t.run('UPDATE sessions SET revoked_at = $now WHERE token_hash = $h AND revoked_at IS NULL', { now: new Date().toISOString(), h }));
    },
    invalidateUser(userId) {
      for (const [k, v] of cache) if (v.user.id === userId) cache.delete(k);
    },
    async revokeUserSessions(userId) {
      this.invalidateUser(userId);
      await app.ops.tx((t) => t.run('UPDATE sessions SET revoked_at = $now WHERE user_id = $u AND revoked_at IS NULL', { now: new Date().toISOString(), u: userId }));
    },
    tokenOf(request) {
      const h = request.headers.authorization;
      if (h) {
        const m = /^Bearer\s+([A-Za-z0-9_-]{20,200})$/.exec(h);
        return m ? m[1] : null;
      }
      const c = request.cookies?.[SESSION_COOKIE];
      return c && /^[A-Za-z0-9_-]{20,200}$/.test(c) ? c : null;
    },
    setSessionCookie(request, reply, token, expiresAt) {
      reply.setCookie(SESSION_COOKIE, token, {
        path: '/', httpOnly: true, sameSite: 'lax', secure: request.protocol === 'https', expires: new Date(expiresAt),
      });
    },
    clearSessionCookie(reply) {
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
    },
    throttled(ip, username) {
      const now = Date.now();
      const list = (failures.get(throttleKey(ip, username)) ?? []).filter((t) => now - t < windowMs);
      if (list.length < cfg.login.throttleMax) return 0;
      return Math.max(1, Math.ceil((list[0] + windowMs - now) / 1000));
    },
    noteFailure(ip, username) {
      const k = throttleKey(ip, username);
      const now = Date.now();
      const list = (failures.get(k) ?? []).filter((t) => now - t < windowMs);
      list.push(now);
      failures.set(k, list);
      if (failures.size > 50_000) for (const key of [...failures.keys()].slice(0, 10_000)) failures.delete(key); // bound memory under a spray
    },
    clearFailures(ip, username) {
      failures.delete(throttleKey(ip, username));
    },
  };
  app.decorate('auth', service);
  app.decorateRequest('user', null);

  app.addHook('onRequest', async (request) => {
    const token = service.tokenOf(request);
    if (!token) return;
    const h = tokenHash(token);
    const now = Date.now();
    const hit = cache.get(h);
    if (hit && now - hit.checkedAt < CACHE_MS && hit.expiresAt > now) {
      request.user = hit.user;
      return;
    }
    cache.delete(h);
    const found = await app.ops.all<UserRow & { expires_at: string }>(
      `SELECT ${USER_COLUMNS.split(', ').map((c) => `u.${c}`).join(', ')}, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id
       WHERE s.token_hash = $h AND s.revoked_at IS NULL AND s.expires_at > $now AND NOT u.disabled`, { h, now: new Date(now).toISOString() });
    if (!found[0]) return;
    const user = toSessionUser(found[0]);
    cache.set(h, { user, expiresAt: Date.parse(found[0].expires_at), checkedAt: now });
    if (cache.size > 10_000) cache.delete(cache.keys().next().value!);
    request.user = user;
  });

  app.decorate('requireRole', (...roles: Role[]): preHandlerHookHandler => {
    const allowed = new Set(roles);
    return (request, _reply, done) => {
      if (!request.user) return done(new HttpError(401, 'CW_ERR_UNAUTHENTICATED', '请先登录 (sign in first)'));
      if (allowed.size && !allowed.has(request.user.role)) {
        return done(new HttpError(403, 'CW_ERR_FORBIDDEN', `无权访问: 需要角色 ${[...allowed].map((r) => ROLE_LABELS[r]).join('/')}，当前为 ${ROLE_LABELS[request.user.role]} (role ${request.user.role} may not use this endpoint)`));
      }
      done();
    };
  });

  // ----- at startup: drop sessions that ended more than 30 days ago (they authorise nothing) -----
  const cutoff = new Date(Date.now() - 30 * 24 * 3600_000).toISOString();
  await app.ops.tx((t) => t.run('DELETE FROM sessions WHERE expires_at < $c OR revoked_at < $c', { c: cutoff }));

  // ----- accounts at startup -----
  const existing = await app.ops.all<{ username: string; role: string; demo: boolean; disabled: boolean }>('SELECT username, role, demo, disabled FROM users');
  const byName = new Map(existing.map((u) => [u.username, u]));
  if (cfg.demo) {
    for (const a of DEMO_ACCOUNTS) {
      const pw = demoPassword(a.username);
      (service.demoAccounts as AuthService['demoAccounts']).push({ username: a.username, password: pw, role: a.role, displayName: a.displayName });
      if (byName.has(a.username)) continue;
      await createUser(app, a, pw, { actor: 'system', role: 'system', demo: true });
    }
  } else {
    const demoActive = existing.filter((u) => u.demo && !u.disabled);
    if (demoActive.length) {
      await app.ops.tx(async (t) => {
        await t.run(`UPDATE users SET disabled = true, updated_at = $now WHERE demo AND NOT disabled`, { now: new Date().toISOString() });
        await app.audit.record({ actor: 'system', role: 'system', action: 'user.disable_demo', target: null, detail: { usernames: demoActive.map((u) => u.username), reason: 'CW_DEMO=false' } }, t);
      });
    }
    if (!existing.some((u) => u.role === 'admin' && !u.disabled && !u.demo)) {
      const pw = cfg.adminPassword ?? `${randomBytes(9).toString('base64url')}7a`;
      const username = byName.has('admin') ? 'cwadmin' : 'admin';
      await createUser(app, { username, displayName: '信用办管理员', role: 'admin' }, pw, { actor: 'system', role: 'system', demo: false });
      if (!cfg.adminPassword) (service as { bootstrap: AuthService['bootstrap'] }).bootstrap = { username, password: pw };
      app.log.warn({ username }, cfg.adminPassword ? 'created the first admin account from CW_ADMIN_PASSWORD' : 'created the first admin account with a generated password (printed at start)');
    }
  }
};

/** Inserts a user and audits it (actor = who did it). */
export async function createUser(
  app: { ops: import('./ops-db.ts').OpsDb; audit: import('./audit.ts').AuditService },
  a: AccountSpec, password: string, by: { actor: string; role: string; ip?: string | null; demo?: boolean },
): Promise<string> {
  const id = randomUUID();
  const now = new Date().toISOString();
  const hash = await hashPassword(password);
  await app.ops.tx(async (t) => {
    const dup = await t.all<{ n: number }>('SELECT count(*) AS n FROM users WHERE lower(username) = lower($u)', { u: a.username });
    if (dup[0].n > 0) throw new HttpError(409, 'CW_ERR_USER_EXISTS', `用户名 '${a.username}' 已存在 (username already exists)`);
    await t.run(`INSERT INTO users (id, username, display_name, role, counties, industries, department, personal_data, password_hash, disabled, demo, failed_count, created_at, updated_at)
      VALUES ($id, $username, $display, $role, $counties, $industries, $department, $pd, $hash, false, $demo, 0, $now, $now)`, {
      id, username: a.username, display: a.displayName, role: a.role, counties: JSON.stringify(a.counties ?? []), industries: JSON.stringify(a.industries ?? []),
      department: a.department ?? null, pd: Boolean(a.personalData), hash, demo: Boolean(by.demo), now,
    });
    await app.audit.record({
      actor: by.actor, role: by.role, ip: by.ip ?? null, action: 'user.create', target: a.username,
      detail: { id, role: a.role, counties: a.counties ?? [], industries: a.industries ?? [], department: a.department ?? null, personal_data: Boolean(a.personalData), demo: Boolean(by.demo) },
    }, t);
  });
  return id;
}

export default fp(authPlugin, { name: 'cw-auth', fastify: '5.x', dependencies: ['cw-ops-db', 'cw-audit'] });
