/**
 * The operational database `<data-dir>/state/ops.duckdb`: users, sessions, the audit log, the
 * 名单管理 and alert workflow state, and scheduled jobs. DuckDB allows one writing process per
 * file, so the server process owns it; inside the process every write goes through one
 * serialized transaction queue (`tx`), reads use a small pool of connections and see committed data.
 *
 * The warehouse build being served is ATTACHed read-only under a per-build alias (`wh_<build>`),
 * so workflow state can be joined with the published alerts and list members in one query. Old
 * aliases are detached one swap later, never under a running query. Checked: two DuckDB instances
 * in one process can open the same build file read-only (the warehouse reader keeps its own).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import fp from 'fastify-plugin';
import type { FastifyPluginAsync } from 'fastify';
import type { ServerConfig } from '../config.ts';

export const OPS_SCHEMA_VERSION = 1;
/** Read connections of the operational database. @default 4 */
const READ_POOL = 4;

/** Tables of the operational database. Timestamps are ISO-8601 UTC strings (sortable, exact). */
const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS ops_meta (key VARCHAR PRIMARY KEY, value VARCHAR)`,
  // users: no PRIMARY KEY on updated tables (DuckDB index updates); uniqueness is kept by the single writer.
  `CREATE TABLE IF NOT EXISTS users (
    id VARCHAR NOT NULL, username VARCHAR NOT NULL, display_name VARCHAR NOT NULL, role VARCHAR NOT NULL,
    counties VARCHAR NOT NULL DEFAULT '[]', industries VARCHAR NOT NULL DEFAULT '[]', department VARCHAR,
    personal_data BOOLEAN NOT NULL DEFAULT false, password_hash VARCHAR NOT NULL, disabled BOOLEAN NOT NULL DEFAULT false,
    demo BOOLEAN NOT NULL DEFAULT false, failed_count INTEGER NOT NULL DEFAULT 0, locked_until VARCHAR,
    created_at VARCHAR NOT NULL, updated_at VARCHAR NOT NULL, last_login_at VARCHAR, password_changed_at VARCHAR)`,
  `CREATE TABLE IF NOT EXISTS sessions (
    token_hash VARCHAR NOT NULL, user_id VARCHAR NOT NULL, kind VARCHAR NOT NULL, created_at VARCHAR NOT NULL,
    expires_at VARCHAR NOT NULL, revoked_at VARCHAR, ip VARCHAR, user_agent VARCHAR)`,
  `CREATE TABLE IF NOT EXISTS audit_log (
    seq BIGINT PRIMARY KEY, "at" VARCHAR NOT NULL, actor VARCHAR NOT NULL, role VARCHAR NOT NULL, action VARCHAR NOT NULL,
    target VARCHAR, detail VARCHAR NOT NULL, ip VARCHAR, prev_hash VARCHAR NOT NULL, hash VARCHAR NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS watchlist_entries (
    entry_id VARCHAR NOT NULL, member_key VARCHAR NOT NULL, list_type VARCHAR NOT NULL, list_label VARCHAR NOT NULL,
    subject_key VARCHAR NOT NULL, uscc VARCHAR, name VARCHAR, county_code VARCHAR, industry_section VARCHAR, industry_division VARCHAR,
    rule VARCHAR, reason VARCHAR, basis VARCHAR, source_record_keys VARCHAR NOT NULL DEFAULT '[]', decided_on VARCHAR, valid_until VARCHAR,
    authority VARCHAR, state VARCHAR NOT NULL, prev_state VARCHAR, objection_from VARCHAR, version INTEGER NOT NULL DEFAULT 1,
    created_build VARCHAR, last_seen_build VARCHAR, in_build BOOLEAN NOT NULL DEFAULT true,
    created_at VARCHAR NOT NULL, updated_at VARCHAR NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS watchlist_events (
    event_id VARCHAR NOT NULL, entry_id VARCHAR NOT NULL, "at" VARCHAR NOT NULL, actor VARCHAR NOT NULL, role VARCHAR NOT NULL,
    action VARCHAR NOT NULL, from_state VARCHAR, to_state VARCHAR NOT NULL, reason VARCHAR, legal_basis VARCHAR,
    attachment_ref VARCHAR, operation_id VARCHAR, record_file VARCHAR, detail VARCHAR NOT NULL DEFAULT '{}')`,
  `CREATE TABLE IF NOT EXISTS alert_states (
    alert_id VARCHAR NOT NULL, status VARCHAR NOT NULL, department VARCHAR, dismiss_reason VARCHAR,
    version INTEGER NOT NULL DEFAULT 1, updated_at VARCHAR NOT NULL, updated_by VARCHAR NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS alert_events (
    event_id VARCHAR NOT NULL, alert_id VARCHAR NOT NULL, "at" VARCHAR NOT NULL, actor VARCHAR NOT NULL, role VARCHAR NOT NULL,
    action VARCHAR NOT NULL, from_status VARCHAR NOT NULL, to_status VARCHAR NOT NULL, department VARCHAR, reason VARCHAR)`,
  `CREATE TABLE IF NOT EXISTS alert_comments (
    comment_id VARCHAR NOT NULL, alert_id VARCHAR NOT NULL, "at" VARCHAR NOT NULL, actor VARCHAR NOT NULL, role VARCHAR NOT NULL, text VARCHAR NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS jobs (
    job_id VARCHAR NOT NULL, kind VARCHAR NOT NULL, trigger VARCHAR NOT NULL, status VARCHAR NOT NULL, started_at VARCHAR NOT NULL,
    finished_at VARCHAR, seconds DOUBLE, build_id VARCHAR, inbox VARCHAR, error VARCHAR)`,
  `CREATE TABLE IF NOT EXISTS synced_builds (build_id VARCHAR NOT NULL, synced_at VARCHAR NOT NULL, new_entries INTEGER, summary VARCHAR)`,
];

export type Params = Record<string, unknown>;

/** A write transaction: everything inside commits or rolls back together. */
export interface OpsTx {
  run(sql: string, params?: Params): Promise<void>;
  all<T = Record<string, unknown>>(sql: string, params?: Params): Promise<T[]>;
  /** Runs after COMMIT succeeded (caches, notifications). */
  afterCommit(fn: () => void): void;
  /** Scratch space shared by helpers within this transaction (e.g. the pending audit head). */
  readonly local: Map<string, unknown>;
}

export interface OpsDb {
  readonly path: string;
  /** Read query on committed data. */
  all<T = Record<string, unknown>>(sql: string, params?: Params): Promise<T[]>;
  /** Runs `fn` as one serialized write transaction (rolled back when it throws). */
  tx<T>(fn: (t: OpsTx) => Promise<T>): Promise<T>;
  /** Quoted alias of the attached warehouse build (e.g. `"wh_b2026..."`), or null before the first build. */
  warehouse(): { alias: string; buildId: string } | null;
  /** Attaches a build file read-only and makes it current; the previous alias is detached on the next call. */
  attachBuild(buildId: string, file: string): Promise<void>;
  isOpen(): boolean;
  close(): Promise<void>;
}

/** Plain JS values: BIGINT -> number, DATE/TIMESTAMP -> ISO strings, lists kept. */
export function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(plain);
  return v;
}

export async function rows<T>(conn: DuckDBConnection, sql: string, params?: Params): Promise<T[]> {
  const r = params && Object.keys(params).length ? await conn.runAndReadAll(sql, params as never) : await conn.runAndReadAll(sql);
  return r.getRowObjectsJS().map((row) => {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row)) o[k] = plain(v);
    return o as T;
  });
}

/** A FIFO mutex: `run(fn)` waits for every earlier holder. */
export class Mutex {
  #tail: Promise<unknown> = Promise.resolve();
  #held = 0;
  get busy(): boolean { return this.#held > 0; }
  run<T>(fn: () => Promise<T>): Promise<T> {
    this.#held++;
    const next = this.#tail.then(fn, fn);
    this.#tail = next.then(() => undefined, () => undefined).finally(() => { this.#held--; });
    return next;
  }
}

const quoteIdent = (s: string) => `"${s.replaceAll('"', '""')}"`;
const quoteLit = (s: string) => `'${s.replaceAll("'", "''")}'`;

export async function openOpsDb(dataDir: string, o: { threads?: number } = {}): Promise<OpsDb> {
  const dir = join(dataDir, 'state');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'ops.duckdb');
  const instance = await DuckDBInstance.create(path, { threads: String(o.threads ?? 2), memory_limit: '1GB' });
  const writer = await instance.connect();
  // reads run concurrently on a small pool (a DuckDB connection runs one query at a time)
  const readers: DuckDBConnection[] = [];
  for (let i = 0; i < READ_POOL; i++) readers.push(await instance.connect());
  const idle = [...readers];
  const waiting: ((c: DuckDBConnection) => void)[] = [];
  const read = async <T>(sql: string, params?: Params): Promise<T[]> => {
    const c = idle.pop() ?? (await new Promise<DuckDBConnection>((resolve) => waiting.push(resolve)));
    try {
      return await rows<T>(c, sql, params);
    } finally {
      const w = waiting.shift();
      if (w) w(c);
      else idle.push(c);
    }
  };
  for (const s of SCHEMA) await writer.run(s);
  await writer.run(`INSERT OR REPLACE INTO ops_meta VALUES ('schema_version', '${OPS_SCHEMA_VERSION}')`);
  const lock = new Mutex();
  let open = true;
  let current: { alias: string; buildId: string } | null = null;
  const stale: string[] = [];

  const tx = <T>(fn: (t: OpsTx) => Promise<T>): Promise<T> => lock.run(async () => {
    if (!open) throw new Error('the operational database is closed');
    const after: (() => void)[] = [];
    const t: OpsTx = {
      run: async (sql, params) => { await (params && Object.keys(params).length ? writer.run(sql, params as never) : writer.run(sql)); },
      all: (sql, params) => rows(writer, sql, params),
      afterCommit: (f) => after.push(f),
      local: new Map(),
    };
    await writer.run('BEGIN TRANSACTION');
    let result: T;
    try {
      result = await fn(t);
      await writer.run('COMMIT');
    } catch (e) {
      await writer.run('ROLLBACK').catch(() => undefined);
      throw e;
    }
    for (const f of after) f();
    return result;
  });

  return {
    path,
    all: (sql, params) => {
      if (!open) return Promise.reject(new Error('the operational database is closed'));
      return read(sql, params);
    },
    tx,
    warehouse: () => current,
    attachBuild: (buildId, file) => lock.run(async () => {
      if (current?.buildId === buildId) return;
      // The one before the previous alias is no longer read by anything started before this swap.
      while (stale.length > 1) await writer.run(`DETACH DATABASE IF EXISTS ${stale.shift()!}`).catch(() => undefined);
      const alias = quoteIdent(`wh_${buildId.replace(/[^A-Za-z0-9_]/g, '_')}`);
      await writer.run(`ATTACH IF NOT EXISTS ${quoteLit(file)} AS ${alias} (READ_ONLY)`);
      if (current) stale.push(current.alias);
      current = { alias, buildId };
    }),
    isOpen: () => open,
    close: () => lock.run(async () => {
      if (!open) return;
      open = false;
      try { await writer.run('CHECKPOINT'); } catch { /* closing anyway */ }
      for (const r of readers) r.closeSync();
      writer.closeSync();
      instance.closeSync();
    }),
  };
}


/** Decorates `app.ops` and closes it when the app closes (graceful shutdown). */
const opsDbPlugin: FastifyPluginAsync<{ config: ServerConfig }> = async (app, opts) => {
  const ops = await openOpsDb(opts.config.dataDir, { threads: Math.min(2, opts.config.ingest.threads) });
  app.decorate('ops', ops);
  app.addHook('onClose', async () => { await ops.close(); });
};

export default fp(opsDbPlugin, { name: 'cw-ops-db', fastify: '5.x' });
