/**
 * Shared server types: roles, the signed-in user and their data scope, and the decorators every
 * plugin and route relies on. Implemented by plugins/*; routes only `import type` from here.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { preHandlerHookHandler } from 'fastify';

/** 领导, 信用办管理员, 行业主管部门, 县区, 分析员, 审计员 */
export type Role = 'leader' | 'admin' | 'regulator' | 'county' | 'analyst' | 'auditor';

export const ROLE_LABELS: Record<Role, string> = {
  leader: '领导', admin: '信用办管理员', regulator: '行业主管部门', county: '县区', analyst: '分析员', auditor: '审计员',
};

export interface SessionUser {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  /** County codes the user may see (county role); empty = all. */
  counties: string[];
  /** GB/T 4754 sections or divisions the user may see (regulator role); empty = all. */
  industries: string[];
  /** Department name (regulators), for alert routing. */
  department: string | null;
  /** Granted by an admin: may see natural persons' identity data unmasked. */
  personalData: boolean;
}

/** Read access to the warehouse build being served; swaps to a new build without a restart. */
export interface WarehouseReader {
  /** Id of the build served now (changes when a new build lands). */
  buildId(): string | null;
  asOf(): string | null;
  /** Runs a parameterised read-only query on the current build. */
  query<T = Record<string, unknown>>(sql: string, params?: Record<string, unknown>): Promise<T[]>;
  /** Connection to the current build (for Arrow/column reads); valid until the next swap. */
  connection(): Promise<DuckDBConnection>;
  /** Re-reads CURRENT.json; returns true when the build changed. */
  refresh(): Promise<boolean>;
  /** Called after each swap. */
  onSwap(fn: (buildId: string) => void): void;
}

declare module 'fastify' {
  interface FastifyRequest {
    user: SessionUser | null;
  }
  interface FastifyInstance {
    warehouse: WarehouseReader;
    /** preHandler that answers 401 when not signed in and 403 unless the user has one of `roles`. */
    requireRole: (...roles: Role[]) => preHandlerHookHandler;
  }
}

// Platform services (plugins/platform.ts registers them; see each module for the contract).
import type { AuditService } from './plugins/audit.ts';
import type { AuthService } from './plugins/auth.ts';
import type { OpsDb } from './plugins/ops-db.ts';
import type { Scheduler } from './plugins/scheduler.ts';
import type { EventHub } from './plugins/sse.ts';
import type { ServerConfig } from './config.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Checked settings (server/config.ts). */
    config: ServerConfig;
    /** The operational database <data-dir>/state/ops.duckdb (users, sessions, audit, workflows, jobs). */
    ops: OpsDb;
    /** Hash-chained audit log; data routes call `app.audit.personalDataViewed(request, subjectKey)`. */
    audit: AuditService;
    /** Sessions, demo accounts, login throttle. */
    auth: AuthService;
    /** Server-sent events hub (alerts, build swaps, jobs). */
    events: EventHub;
    /** Nightly inbox ingest + build. */
    scheduler: Scheduler;
  }
}
