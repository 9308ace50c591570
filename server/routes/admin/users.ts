/**
 * User management (admin only): list, create, update (role, scope, password, disable, unlock) and
 * the personal-data grant. Users are never deleted (disabled instead, sessions revoked); every
 * change is audited with what changed (never the password).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { HttpError } from '../../plugins/platform.ts';
import { createUser, hashPassword, passwordProblem, USER_COLUMNS, type UserRow } from '../../plugins/auth.ts';
import {
  ErrorBody, PersonalDataGrantBody, UserCreateBody, UserIdParams, UserSchema, UsersResponse, UserUpdateBody,
} from '../../schemas/auth.ts';
import type { Role } from '../../types.ts';

const ERRORS = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

const toApi = (u: UserRow) => ({
  id: u.id, username: u.username, display_name: u.display_name, role: u.role,
  counties: JSON.parse(u.counties) as string[], industries: JSON.parse(u.industries) as string[], department: u.department,
  personal_data: u.personal_data, disabled: u.disabled, demo: u.demo, locked_until: u.locked_until,
  created_at: u.created_at, updated_at: u.updated_at, last_login_at: u.last_login_at,
});

/** A county user needs counties, a regulator industries; refused with the field named. */
function checkScope(role: Role, counties: string[], industries: string[]): void {
  if (role === 'county' && !counties.length) throw new HttpError(400, 'CW_ERR_VALIDATION', '县区用户需要指定 counties (GB/T 2260 代码) (counties is required for role county)');
  if (role === 'regulator' && !industries.length) throw new HttpError(400, 'CW_ERR_VALIDATION', '行业主管部门用户需要指定 industries (GB/T 4754 门类或大类) (industries is required for role regulator)');
}

const userRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const admin = app.requireRole('admin');
  const byId = async (id: string): Promise<UserRow> => {
    const r = await app.ops.all<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $id`, { id });
    if (!r[0]) throw new HttpError(404, 'CW_ERR_NOT_FOUND', `用户 ${id} 不存在 (user not found)`);
    return r[0];
  };

  app.get('/users', {
    schema: { tags: ['用户 users'], summary: '用户列表 (admin)', response: { 200: UsersResponse, ...ERRORS } },
    preHandler: admin,
  }, async () => {
    const rows = await app.ops.all<UserRow>(`SELECT ${USER_COLUMNS} FROM users ORDER BY created_at, username`);
    return { rows: rows.map(toApi) };
  });

  app.post('/users', {
    schema: { tags: ['用户 users'], summary: '创建用户 (admin, audited)', body: UserCreateBody, response: { 201: UserSchema, ...ERRORS } },
    preHandler: admin,
  }, async (request, reply) => {
    const b = request.body;
    const problem = passwordProblem(b.password);
    if (problem) throw new HttpError(400, 'CW_ERR_VALIDATION', problem);
    checkScope(b.role, b.counties ?? [], b.industries ?? []);
    const id = await createUser(app, {
      username: b.username, displayName: b.display_name, role: b.role, counties: b.counties, industries: b.industries, department: b.department ?? null,
    }, b.password, { actor: request.user!.username, role: request.user!.role, ip: request.ip });
    return reply.code(201).send(toApi(await byId(id)));
  });

  app.patch('/users/:id', {
    schema: { tags: ['用户 users'], summary: '修改用户: 角色、范围、密码、停用、解锁 (admin, audited)', params: UserIdParams, body: UserUpdateBody, response: { 200: UserSchema, ...ERRORS } },
    preHandler: admin,
  }, async (request) => {
    const b = request.body;
    const u = await byId(request.params.id);
    const me = request.user!;
    if (u.id === me.id && (b.disabled === true || (b.role && b.role !== 'admin'))) {
      throw new HttpError(409, 'CW_ERR_SELF_LOCKOUT', '不能停用自己或取消自己的管理员角色 (an admin cannot disable or demote themselves)');
    }
    if (b.password) {
      const problem = passwordProblem(b.password);
      if (problem) throw new HttpError(400, 'CW_ERR_VALIDATION', problem);
    }
    const role = b.role ?? u.role;
    const counties = b.counties ?? (JSON.parse(u.counties) as string[]);
    const industries = b.industries ?? (JSON.parse(u.industries) as string[]);
    checkScope(role, counties, industries);
    const sets: string[] = [];
    const params: Record<string, unknown> = { id: u.id, now: new Date().toISOString() };
    const changed: Record<string, unknown> = {};
    const set = (col: string, v: unknown, show: unknown = v) => { sets.push(`${col} = $${col}`); params[col] = v; changed[col] = show; };
    if (b.display_name !== undefined) set('display_name', b.display_name);
    if (b.role !== undefined) set('role', b.role);
    if (b.counties !== undefined) set('counties', JSON.stringify(b.counties), b.counties);
    if (b.industries !== undefined) set('industries', JSON.stringify(b.industries), b.industries);
    if (b.department !== undefined) set('department', b.department);
    if (b.disabled !== undefined) set('disabled', b.disabled);
    if (b.password !== undefined) { set('password_hash', await hashPassword(b.password), '(changed)'); set('password_changed_at', params.now, params.now); }
    if (b.unlock) { set('locked_until', null); set('failed_count', 0); }
    if (!sets.length) throw new HttpError(400, 'CW_ERR_VALIDATION', '没有要修改的字段 (nothing to change)');
    await app.ops.tx(async (t) => {
      await t.run(`UPDATE users SET ${sets.join(', ')}, updated_at = $now WHERE id = $id`, params);
      await app.audit.fromRequest(request, 'user.update', u.username, { id: u.id, changed, reason: b.reason ?? null }, t);
    });
    // role, scope, disabling and passwords take effect at once: drop cached and (for disable/password) live sessions
    if (b.disabled || b.password) await app.auth.revokeUserSessions(u.id);
    else app.auth.invalidateUser(u.id);
    return toApi(await byId(u.id));
  });

  app.post('/users/:id/personal-data', {
    schema: {
      tags: ['用户 users'], summary: '授予或撤销查看未脱敏自然人身份信息的权限 (admin, audited)', params: UserIdParams, body: PersonalDataGrantBody,
      response: { 200: UserSchema, ...ERRORS },
    },
    preHandler: admin,
  }, async (request) => {
    const u = await byId(request.params.id);
    if (u.role === 'leader' && request.body.granted) throw new HttpError(409, 'CW_ERR_NOT_ALLOWED', '领导角色只看汇总数据, 不能授予个人信息权限 (the leader role sees aggregates only)');
    await app.ops.tx(async (t) => {
      await t.run('UPDATE users SET personal_data = $g, updated_at = $now WHERE id = $id', { g: request.body.granted, now: new Date().toISOString(), id: u.id });
      await app.audit.fromRequest(request, request.body.granted ? 'user.grant_personal_data' : 'user.revoke_personal_data', u.username, { id: u.id, reason: request.body.reason }, t);
    });
    app.auth.invalidateUser(u.id);
    return toApi(await byId(u.id));
  });
};

export default userRoutes;
