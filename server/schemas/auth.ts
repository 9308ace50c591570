/**
 * API contracts of sign-in, the signed-in user, user management and the audit log. Schema and
 * type together (TypeBox); the dashboard imports the Static types.
 */
import { Type, type Static } from 'typebox';
import { CountyCode, ErrorBody, Nullable } from './common.ts';

export const RoleSchema = Type.Union([
  Type.Literal('leader'), Type.Literal('admin'), Type.Literal('regulator'), Type.Literal('county'), Type.Literal('analyst'), Type.Literal('auditor'),
], {
  description: 'leader 领导, admin 信用办管理员, regulator 行业主管部门, county 县区, analyst 分析员, auditor 审计员',
});

const Username = Type.String({ pattern: '^[a-z][a-z0-9_.-]{1,31}$', description: '用户名: lower-case letters, digits, _ . - (2-32)' });
/** GB/T 4754 section letter or two-digit division. */
const IndustryScope = Type.String({ pattern: '^([A-T]|\\d{2})$', description: 'GB/T 4754 门类 (A-T) or 大类 (two digits)' });

export const LoginBody = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 64 }),
  password: Type.String({ minLength: 1, maxLength: 256 }),
}, { additionalProperties: false });
export type LoginBody = Static<typeof LoginBody>;

export const SessionUserSchema = Type.Object({
  id: Type.String(),
  username: Type.String(),
  displayName: Type.String(),
  role: RoleSchema,
  roleLabel: Type.String(),
  counties: Type.Array(Type.String()),
  industries: Type.Array(Type.String()),
  department: Nullable(Type.String()),
  personalData: Type.Boolean({ description: '可查看未脱敏的自然人身份信息 (granted by an admin)' }),
});

export const LoginResponse = Type.Object({
  user: SessionUserSchema,
  /** Also set as the HttpOnly cookie; send as `Authorization: Bearer <token>` from scripts. */
  token: Type.String(),
  expires_at: Type.String(),
});
export type LoginResponse = Static<typeof LoginResponse>;

export const MeResponse = Type.Object({
  user: SessionUserSchema,
  /** What the dashboard may offer this role (the server enforces it regardless). */
  permissions: Type.Array(Type.String()),
});
export type MeResponse = Static<typeof MeResponse>;

export const UserSchema = Type.Object({
  id: Type.String(),
  username: Type.String(),
  display_name: Type.String(),
  role: RoleSchema,
  counties: Type.Array(Type.String()),
  industries: Type.Array(Type.String()),
  department: Nullable(Type.String()),
  personal_data: Type.Boolean(),
  disabled: Type.Boolean(),
  demo: Type.Boolean(),
  locked_until: Nullable(Type.String()),
  created_at: Type.String(),
  updated_at: Type.String(),
  last_login_at: Nullable(Type.String()),
});
export type UserSchema = Static<typeof UserSchema>;

export const UsersResponse = Type.Object({ rows: Type.Array(UserSchema) });

export const UserCreateBody = Type.Object({
  username: Username,
  display_name: Type.String({ minLength: 1, maxLength: 64 }),
  role: RoleSchema,
  password: Type.String({ minLength: 10, maxLength: 256 }),
  counties: Type.Optional(Type.Array(CountyCode, { maxItems: 20 })),
  industries: Type.Optional(Type.Array(IndustryScope, { maxItems: 100 })),
  department: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
}, { additionalProperties: false });
export type UserCreateBody = Static<typeof UserCreateBody>;

export const UserUpdateBody = Type.Object({
  display_name: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  role: Type.Optional(RoleSchema),
  password: Type.Optional(Type.String({ minLength: 10, maxLength: 256 })),
  counties: Type.Optional(Type.Array(CountyCode, { maxItems: 20 })),
  industries: Type.Optional(Type.Array(IndustryScope, { maxItems: 100 })),
  department: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
  disabled: Type.Optional(Type.Boolean()),
  /** Clears a lockout after failed logins. */
  unlock: Type.Optional(Type.Boolean()),
  reason: Type.Optional(Type.String({ maxLength: 500 })),
}, { additionalProperties: false });
export type UserUpdateBody = Static<typeof UserUpdateBody>;

export const PersonalDataGrantBody = Type.Object({
  granted: Type.Boolean(),
  reason: Type.String({ minLength: 2, maxLength: 500, description: '授权或撤销的理由 (audited)' }),
}, { additionalProperties: false });
export type PersonalDataGrantBody = Static<typeof PersonalDataGrantBody>;

export const UserIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const AuditQuery = Type.Object({
  actor: Type.Optional(Type.String({ maxLength: 64 })),
  action: Type.Optional(Type.String({ maxLength: 64, description: 'exact action or prefix ending in * (e.g. watchlist.*)' })),
  target: Type.Optional(Type.String({ maxLength: 200 })),
  from: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}', description: 'ISO date or date-time (UTC)' })),
  to: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}', description: 'ISO date or date-time (UTC), exclusive' })),
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 1 })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
}, { additionalProperties: false });
export type AuditQuery = Static<typeof AuditQuery>;

export const AuditEntrySchema = Type.Object({
  seq: Type.Integer(),
  at: Type.String(),
  actor: Type.String(),
  role: Type.String(),
  action: Type.String(),
  target: Nullable(Type.String()),
  detail: Type.Unknown({ description: 'JSON object' }),
  ip: Nullable(Type.String()),
  prev_hash: Type.String(),
  hash: Type.String(),
});

export const AuditPage = Type.Object({
  total: Type.Integer(),
  page: Type.Integer(),
  page_size: Type.Integer(),
  rows: Type.Array(AuditEntrySchema),
});

export const ChainResultSchema = Type.Object({
  ok: Type.Boolean(),
  entries: Type.Integer(),
  first_bad_seq: Nullable(Type.Integer()),
  problem: Nullable(Type.String()),
  head_hash: Nullable(Type.String()),
});

export const AuditExportQuery = Type.Object({
  format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('ndjson')], { default: 'csv' })),
  from: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}' })),
  to: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}' })),
}, { additionalProperties: false });

export { ErrorBody };
