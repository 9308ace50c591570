/**
 * Sign-in routes: `POST /auth/login` (throttled per IP + username, stricter rate limit per IP,
 * account lockout after CW_LOGIN_MAX_FAILURES consecutive failures), `POST /auth/logout`,
 * `GET /auth/me`. Every attempt is audited; unknown usernames cost the same scrypt time as known ones.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { HttpError } from '../../plugins/platform.ts';
import { hashPassword, toSessionUser, USER_COLUMNS, verifyPassword, type UserRow } from '../../plugins/auth.ts';
import { ErrorBody, LoginBody, LoginResponse, MeResponse } from '../../schemas/auth.ts';
import { ROLE_LABELS, type Role, type SessionUser } from '../../types.ts';

/** What the dashboard may offer each role; the server checks every route regardless. */
export const PERMISSIONS: Record<Role, string[]> = {
  leader: ['views.aggregate', 'alerts.read', 'alerts.counts', 'watchlists.summary', 'stream'],
  admin: ['views.aggregate', 'views.subject', 'alerts.read', 'alerts.handle', 'alerts.counts', 'watchlists.read', 'watchlists.manage', 'watchlists.summary',
    'exports', 'users.manage', 'audit.read', 'jobs.read', 'jobs.run', 'stream'],
  regulator: ['views.aggregate', 'views.subject', 'alerts.read', 'alerts.handle', 'alerts.counts', 'watchlists.read', 'watchlists.manage', 'watchlists.summary', 'exports', 'stream'],
  county: ['views.aggregate', 'views.subject', 'alerts.read', 'alerts.handle', 'alerts.counts', 'watchlists.read', 'watchlists.manage', 'watchlists.summary', 'exports', 'stream'],
  analyst: ['views.aggregate', 'alerts.counts', 'watchlists.summary', 'exports', 'jobs.read'],
  auditor: ['audit.read', 'jobs.read'],
};

const publicUser = (u: SessionUser) => ({ ...u, roleLabel: ROLE_LABELS[u.role] });

const authRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const cfg = app.config;
  // the same scrypt cost for unknown users, so timing does not reveal which usernames exist
  const dummyHash = await hashPassword('not-a-real-password-0');

  app.post('/auth/login', {
    schema: {
      tags: ['认证 auth'], summary: '登录 (sets the HttpOnly session cookie; the token also works as Bearer)', security: [],
      body: LoginBody, response: { 200: LoginResponse, 400: ErrorBody, 401: ErrorBody, 423: ErrorBody, 429: ErrorBody },
    },
    config: { rateLimit: { max: cfg.loginRateLimit, timeWindow: '1 minute' } },
  }, async (request, reply) => {
    const username = request.body.username.trim().toLowerCase();
    const ip = request.ip;
    const fail = async (status: number, code: string, message: string, detail: Record<string, unknown>) => {
      app.auth.noteFailure(ip, username);
      await app.audit.record({ actor: username.slice(0, 64), role: 'anonymous', action: 'auth.login_failed', target: username.slice(0, 64), ip, detail: { code, ...detail } });
      throw new HttpError(status, code, message);
    };
    const wait = app.auth.throttled(ip, username);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      await app.audit.record({ actor: username.slice(0, 64), role: 'anonymous', action: 'auth.login_throttled', target: username.slice(0, 64), ip, detail: { retry_after_s: wait } });
      throw new HttpError(429, 'CW_ERR_LOGIN_THROTTLED', `登录尝试过于频繁，请 ${wait} 秒后重试 (too many login attempts from this address for this user)`);
    }
    const rows = await app.ops.all<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE username = $u`, { u: username });
    const u = rows[0];
    if (!u || u.disabled) {
      await verifyPassword(request.body.password, dummyHash);
      return fail(401, 'CW_ERR_LOGIN_FAILED', '用户名或密码错误 (wrong username or password)', { reason: u ? 'disabled' : 'unknown_user' });
    }
    const now = new Date();
    if (u.locked_until && Date.parse(u.locked_until) > now.getTime()) {
      return fail(423, 'CW_ERR_ACCOUNT_LOCKED', `账户因多次登录失败已锁定，请于 ${new Date(u.locked_until).toLocaleTimeString('zh-CN', { timeZone: cfg.ingest.timeZone, hour12: false })} 后重试或联系管理员解锁 (account locked)`, { reason: 'locked', locked_until: u.locked_until });
    }
    if (!(await verifyPassword(request.body.password, u.password_hash))) {
      const failed = u.failed_count + 1;
      const lock = failed >= cfg.login.maxFailures;
      const lockedUntil = lock ? new Date(now.getTime() + cfg.login.lockoutMinutes * 60_000).toISOString() : null;
      await app.ops.tx((t) => t.run('UPDATE users SET failed_count = $f, locked_until = $l WHERE id = $id', { f: lock ? 0 : failed, l: lockedUntil ?? u.locked_until, id: u.id }));
      if (lock) {
        await app.audit.record({ actor: 'system', role: 'system', action: 'auth.account_locked', target: u.username, ip, detail: { failures: failed, locked_until: lockedUntil } });
        return fail(423, 'CW_ERR_ACCOUNT_LOCKED', `连续 ${failed} 次登录失败，账户已锁定 ${cfg.login.lockoutMinutes} 分钟 (account locked after ${failed} failures)`, { reason: 'locked_now', failures: failed });
      }
      return fail(401, 'CW_ERR_LOGIN_FAILED', `用户名或密码错误，再失败 ${cfg.login.maxFailures - failed} 次账户将被锁定 (wrong username or password)`, { reason: 'wrong_password', failures: failed });
    }
    await app.ops.tx((t) => t.run('UPDATE users SET failed_count = 0, locked_until = NULL, last_login_at = $now WHERE id = $id', { now: now.toISOString(), id: u.id }));
    app.auth.clearFailures(ip, username);
    const s = await app.auth.createSession(u.id, request);
    app.auth.setSessionCookie(request, reply, s.token, s.expiresAt);
    const user = toSessionUser(u);
    await app.audit.record({ actor: u.username, role: u.role, action: 'auth.login', target: u.username, ip, detail: { expires_at: s.expiresAt, user_agent: String(request.headers['user-agent'] ?? '').slice(0, 120) } });
    return { user: publicUser(user), token: s.token, expires_at: s.expiresAt };
  });

  app.post('/auth/logout', {
    schema: { tags: ['认证 auth'], summary: '退出登录 (revokes the session)', response: { 200: { type: 'object', properties: { ok: { type: 'boolean' } } } } },
  }, async (request, reply) => {
    const token = app.auth.tokenOf(request);
    if (token) await app.auth.revokeSession(token);
    app.auth.clearSessionCookie(reply);
    if (request.user) await app.audit.fromRequest(request, 'auth.logout', request.user.username);
    return { ok: true };
  });

  app.get('/auth/me', {
    schema: { tags: ['认证 auth'], summary: '当前用户与权限', response: { 200: MeResponse, 401: ErrorBody } },
    preHandler: app.requireRole(),
  }, async (request) => ({ user: publicUser(request.user!), permissions: PERMISSIONS[request.user!.role] }));
};

export default authRoutes;
