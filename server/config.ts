/**
 * Server configuration: the one place the server reads process.env. Every variable has the CW_
 * prefix, a default and a check that fails at startup naming the variable (README.md and
 * .env.example list them). The ingest/build settings (threads, memory, time zone, hash key) come
 * from ingest/config.ts so the nightly job in the server runs exactly like the CLI.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, loadConfig, type IngestConfig } from '../ingest/config.ts';
import { REPO_ROOT } from '../ingest/reference/index.ts';
import { innerOrgCheckChar, makeUscc, usccStatus } from '../ingest/validators/uscc.ts';
import type { Role } from './types.ts';

export { ConfigError };

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const ROLES: readonly Role[] = ['leader', 'admin', 'regulator', 'county', 'analyst', 'auditor'];

/** Rows an export may hold, per role (CW_EXPORT_LIMIT_<ROLE>). */
export const DEFAULT_EXPORT_LIMITS: Record<Role, number> = {
  leader: 10_000, admin: 1_000_000, regulator: 100_000, county: 100_000, analyst: 200_000, auditor: 200_000,
};

/** A valid USCC for the credit office (source unit of workflow records) when none is configured. */
const DEMO_OFFICE_ORG = 'MB0C0001';
export const DEMO_OFFICE_USCC = makeUscc(`11320900${DEMO_OFFICE_ORG}${innerOrgCheckChar(DEMO_OFFICE_ORG)}`);

export interface LoginPolicy {
  /** Consecutive failed logins that lock an account. @default 5 (CW_LOGIN_MAX_FAILURES) */
  maxFailures: number;
  /** How long a locked account stays locked. @default 15 (CW_LOGIN_LOCKOUT_MINUTES) */
  lockoutMinutes: number;
  /** Login attempts allowed per IP + username within `throttleWindowSeconds`. @default 10 (CW_LOGIN_THROTTLE) */
  throttleMax: number;
  /** @default 300 (CW_LOGIN_THROTTLE_WINDOW_SECONDS) */
  throttleWindowSeconds: number;
}

export interface ServerConfig {
  /** Root of lake, warehouse, inbox and state. @default `<repo>/data` (CW_DATA_DIR) */
  dataDir: string;
  /** @default 8080 (CW_PORT) */
  port: number;
  /** @default '127.0.0.1' (CW_HOST) */
  host: string;
  /** Demo accounts are created (and only then usable). @default true when the data dir holds the demo city (CW_DEMO) */
  demo: boolean;
  /** Key of the session cookie signature; null = generated once and kept in `<data>/state/session-secret`. (CW_SESSION_SECRET) */
  sessionSecret: string | null;
  /** Lifetime of a session / bearer token. @default 12 (CW_SESSION_TTL_HOURS) */
  sessionTtlHours: number;
  /** Cron of the nightly inbox ingest + build, or null when switched off ('off'). @default '0 2 * * *' (CW_NIGHTLY_CRON) */
  nightlyCron: string | null;
  /** Inbox the nightly job ingests and where workflow records are written. @default `<data>/inbox` (CW_INBOX) */
  inbox: string;
  /** Rows an export may hold, per role. (CW_EXPORT_LIMIT_LEADER, ..._ADMIN, ...) */
  exportLimits: Record<Role, number>;
  /** fastify trustProxy: false, true, a hop count or a list of addresses. @default false (CW_TRUST_PROXY) */
  trustProxy: boolean | number | string[];
  /** Requests per minute per client (session or IP); 0 switches the global limit off. @default 1200 (CW_RATE_LIMIT) */
  rateLimit: number;
  /** Requests per minute per IP to POST /auth/login. @default 30 (CW_LOGIN_RATE_LIMIT) */
  loginRateLimit: number;
  login: LoginPolicy;
  /** Password of the first admin account when not in demo mode; unset = a random one, printed once. (CW_ADMIN_PASSWORD) */
  adminPassword: string | null;
  /** The credit office, written as 数据来源单位 into workflow record files. (CW_OFFICE_NAME, CW_OFFICE_USCC) */
  office: { name: string; uscc: string };
  /** Built dashboard served at /. @default `<repo>/dashboard/dist` (CW_DASHBOARD_DIR) */
  dashboardDir: string;
  /** Heartbeat of the server-sent-events streams. @default 15000 (CW_SSE_HEARTBEAT_MS) */
  sseHeartbeatMs: number;
  /** pino level of the server log (one JSON line per request, with its request id). @default 'info' (CW_LOG_LEVEL) */
  logLevel: string;
  /** Ingest/build settings shared with the CLI (threads, memory limit, time zone, ID hash key). */
  ingest: IngestConfig;
}

function int(env: NodeJS.ProcessEnv, name: string, dflt: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${name} should be an integer between ${min} and ${max}, instead got '${raw}'`);
  return n;
}

function bool(env: NodeJS.ProcessEnv, name: string, dflt: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} should be true or false, instead got '${raw}'`);
}

function trustProxy(raw: string | undefined): ServerConfig['trustProxy'] {
  if (raw === undefined || raw === '' || /^(0|false|no|off)$/i.test(raw)) return false;
  if (/^(true|yes|on)$/i.test(raw)) return true;
  if (/^\d+$/.test(raw)) return Number(raw);
  const list = raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (list.some((s) => !/^[0-9a-fA-F.:/]+$/.test(s))) {
    throw new ConfigError(`CW_TRUST_PROXY should be true, false, a hop count or a comma-separated list of IPs/CIDRs, instead got '${raw}'`);
  }
  return list;
}

/** The data dir holds the demo city when `credit-watch demo` put its stories into `<data>/config`. */
export function holdsDemoCity(dataDir: string): boolean {
  return existsSync(join(dataDir, 'config', 'demo_stories.json'));
}

/** Reads and checks the server settings; throws ConfigError (code CW_ERR_CONFIG) naming the variable. */
export function loadServerConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<ServerConfig> = {}): ServerConfig {
  const ingest = overrides.ingest ?? loadConfig(env, { dataDir: overrides.dataDir });
  const dataDir = ingest.dataDir;
  const host = env.CW_HOST || '127.0.0.1';
  if (!/^[\w.:-]+$/.test(host)) throw new ConfigError(`CW_HOST should be a host name or IP address, instead got '${host}'`);
  const secret = env.CW_SESSION_SECRET || null;
  if (secret !== null && secret.length < 32) {
    throw new ConfigError(`CW_SESSION_SECRET should be at least 32 characters, instead got ${secret.length}; hint: openssl rand -hex 32`);
  }
  const cronRaw = (env.CW_NIGHTLY_CRON ?? '0 2 * * *').trim();
  const nightlyCron = /^(off|false|none|)$/i.test(cronRaw) ? null : cronRaw;
  if (nightlyCron && ![5, 6].includes(nightlyCron.split(/\s+/).length)) {
    throw new ConfigError(`CW_NIGHTLY_CRON should be a 5- or 6-field cron expression or 'off', instead got '${cronRaw}'`);
  }
  const exportLimits = { ...DEFAULT_EXPORT_LIMITS };
  for (const r of ROLES) exportLimits[r] = int(env, `CW_EXPORT_LIMIT_${r.toUpperCase()}`, DEFAULT_EXPORT_LIMITS[r], 0, 100_000_000);
  const officeUscc = env.CW_OFFICE_USCC || DEMO_OFFICE_USCC;
  if (usccStatus(officeUscc) !== 'ok') throw new ConfigError(`CW_OFFICE_USCC should be a valid 统一社会信用代码, instead got '${officeUscc}'`);
  const logLevel = env.CW_LOG_LEVEL || 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`CW_LOG_LEVEL should be one of ${LOG_LEVELS.join(', ')}, instead got '${logLevel}'`);
  const adminPassword = env.CW_ADMIN_PASSWORD || null;
  if (adminPassword !== null && adminPassword.length < 10) throw new ConfigError('CW_ADMIN_PASSWORD should be at least 10 characters');
  const cfg: ServerConfig = {
    dataDir,
    port: int(env, 'CW_PORT', 8080, 0, 65535),
    host,
    demo: bool(env, 'CW_DEMO', holdsDemoCity(dataDir)),
    sessionSecret: secret,
    sessionTtlHours: int(env, 'CW_SESSION_TTL_HOURS', 12, 1, 24 * 90),
    nightlyCron,
    inbox: resolve(env.CW_INBOX || join(dataDir, 'inbox')),
    exportLimits,
    trustProxy: trustProxy(env.CW_TRUST_PROXY),
    rateLimit: int(env, 'CW_RATE_LIMIT', 1200, 0, 10_000_000),
    loginRateLimit: int(env, 'CW_LOGIN_RATE_LIMIT', 30, 1, 100_000),
    login: {
      maxFailures: int(env, 'CW_LOGIN_MAX_FAILURES', 5, 1, 1000),
      lockoutMinutes: int(env, 'CW_LOGIN_LOCKOUT_MINUTES', 15, 1, 7 * 24 * 60),
      throttleMax: int(env, 'CW_LOGIN_THROTTLE', 10, 1, 10_000),
      throttleWindowSeconds: int(env, 'CW_LOGIN_THROTTLE_WINDOW_SECONDS', 300, 1, 24 * 3600),
    },
    adminPassword,
    office: { name: env.CW_OFFICE_NAME || '盐城市社会信用体系建设领导小组办公室', uscc: officeUscc },
    dashboardDir: resolve(env.CW_DASHBOARD_DIR || join(REPO_ROOT, 'dashboard', 'dist')),
    sseHeartbeatMs: int(env, 'CW_SSE_HEARTBEAT_MS', 15_000, 100, 600_000),
    logLevel,
    ingest,
  };
  // dataDir is taken from `ingest` (resolved) so the two never disagree
  const rest = Object.entries(overrides).filter(([k, v]) => v !== undefined && k !== 'dataDir' && k !== 'ingest');
  return { ...cfg, ...Object.fromEntries(rest) } as ServerConfig;
}
