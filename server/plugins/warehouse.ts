/**
 * The warehouse reader (decorates `app.warehouse`): serves the build named by
 * `<data-dir>/warehouse/CURRENT.json` and follows that pointer. CURRENT.json is polled
 * (fs.watchFile, every 2 s) and re-read on demand (`refresh()`, e.g. by the nightly job right after
 * a build); a new build is opened and prepared first, then becomes current, and the old one is
 * closed once its in-flight work is done, so requests never see a half-swapped state and no
 * restart is needed. A build is opened as an in-memory DuckDB instance with the build file
 * ATTACHed READ_ONLY as `wh` (the default catalog): the file is never written, and the serving aids
 * (routes/views/serving-aids.ts) can live in the writable `memory` catalog. `session()` pins one
 * build for a whole request; queries run on a small pool of connections per build (a DuckDB
 * connection runs one query at a time). Parameterised SQL only: values are bound as `$name`.
 */
import { existsSync, unwatchFile, watchFile } from 'node:fs';
import { join } from 'node:path';
import fp from 'fastify-plugin';
import {
  DuckDBInstance, LIST, VARCHAR, listValue,
  type DuckDBConnection, type DuckDBResultReader, type DuckDBType, type DuckDBValue,
} from '@duckdb/node-api';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { readCurrent, warehousePaths, type BuildPointer } from '../../analytics/warehouse.ts';
import type { ServerConfig } from '../config.ts';
import { HttpError } from './platform.ts';
import type { WarehouseReader } from '../types.ts';
import { prepareServingAids } from '../routes/views/serving-aids.ts';

/** How often CURRENT.json is polled. @default 2000 */
export const POLL_MS = 2000;
/** How long registration waits for the first build before the server starts without it. @default 8000 */
export const START_WAIT_MS = 8000;
/** Connections per opened build. @default 4 */
export const POOL_SIZE = 4;
/** A retired build is closed at the latest this long after the swap, even with untracked connections out. @default 30000 */
const RETIRE_GRACE_MS = 30_000;

/** Raised when no build is served or a view's table is missing from it; routes answer 503. */
export class WarehouseUnavailableError extends HttpError {
  constructor(code: 'CW_ERR_NO_WAREHOUSE' | 'CW_ERR_VIEW_MISSING', message: string) {
    super(503, code, message);
  }
}

type Params = Record<string, unknown>;

/**
 * Adds serving aids to a freshly opened build: tables in the `memory` catalog, and JS objects it
 * returns by name (BuildSession.aid), dropped with the build.
 */
export type Preparer = (conn: DuckDBConnection, build: PreparerContext) => Promise<Record<string, unknown> | void>;

export interface PreparerContext {
  has(table: string): boolean;
  columns(table: string): string[] | undefined;
  /** A connection of its own for work that goes on after the build is served (give it back with disconnect). */
  connect(): Promise<DuckDBConnection>;
  disconnect(conn: DuckDBConnection): void;
}

/** Reads pinned to one build (see Warehouse.session). */
export interface BuildSession {
  buildId: string;
  asOf: string | null;
  /** Column names of a table of this build, or undefined when it has no such table. */
  columns(table: string): string[] | undefined;
  has(table: string): boolean;
  /** A JS serving aid the preparer built for this build, by name. */
  aid<T>(name: string): T | undefined;
  read(sql: string, params?: Params): Promise<DuckDBResultReader>;
  withConnection<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T>;
}

/** JS values to DuckDB parameter values; string arrays become VARCHAR[] lists. */
export function bindParams(params: Params | undefined): { values?: Record<string, DuckDBValue>; types?: Record<string, DuckDBType> } {
  if (!params) return {};
  const values: Record<string, DuckDBValue> = {};
  const types: Record<string, DuckDBType> = {};
  for (const [k, v] of Object.entries(params)) {
    if (Array.isArray(v)) {
      values[k] = listValue(v.map(String));
      types[k] = LIST(VARCHAR);
    } else {
      values[k] = v as DuckDBValue;
    }
  }
  return { values, types: Object.keys(types).length ? types : undefined };
}

/** One opened build: instance, connection pool, in-flight count, table catalogue. */
class OpenBuild {
  private idle: DuckDBConnection[] = [];
  private waiters: ((c: DuckDBConnection) => void)[] = [];
  private extra: DuckDBConnection[] = [];
  private inflight = 0;
  private retired = false;
  private closed = false;
  /** table name -> column names */
  tables = new Map<string, string[]>();
  /** JS serving aids by name. */
  aids = new Map<string, unknown>();
  asOf: string | null = null;

  private constructor(readonly pointer: BuildPointer, private readonly instance: DuckDBInstance, private readonly all: DuckDBConnection[]) {
    this.idle = [...all];
  }

  /**
   * Opens a build: an in-memory DuckDB instance with the build file attached READ_ONLY as `wh`
   * (the default catalog of every pooled connection), so that `prepare` can add serving aids in
   * the writable `memory` catalog (routes/views/serving-aids.ts) before the build is served.
   */
  static async open(root: string, pointer: BuildPointer, cfg: { threads: number; memoryLimit: string; prepare?: Preparer }): Promise<OpenBuild> {
    const file = join(root, pointer.file);
    if (!existsSync(file)) throw new Error(`warehouse build file ${file} named by CURRENT.json does not exist`);
    const instance = await DuckDBInstance.create(':memory:', { threads: String(cfg.threads), memory_limit: cfg.memoryLimit });
    const conns: DuckDBConnection[] = [];
    try {
      for (let i = 0; i < POOL_SIZE; i++) {
        const c = await instance.connect();
        conns.push(c);
        if (i === 0) await c.run(`ATTACH '${file.replaceAll("'", "''")}' AS wh (READ_ONLY)`);
        await c.run('USE wh');
      }
      const b = new OpenBuild(pointer, instance, conns);
      await b.readCatalog('wh');
      if (cfg.prepare) {
        const aids = await cfg.prepare(conns[0], {
          has: (t) => b.tables.has(t), columns: (t) => b.tables.get(t), connect: () => b.connect(), disconnect: (c) => b.disconnect(c),
        });
        for (const [k, v] of Object.entries(aids ?? {})) b.aids.set(k, v);
        await b.readCatalog('memory');
      }
      b.asOf = pointer.as_of ?? null;
      return b;
    } catch (e) {
      for (const c of conns) c.closeSync();
      instance.closeSync();
      throw e;
    }
  }

  private async readCatalog(database: string): Promise<void> {
    const cols = await (await this.all[0].runAndReadAll(
      `SELECT table_name, list(column_name ORDER BY column_index) AS cols FROM duckdb_columns()
       WHERE database_name = $db AND schema_name = 'main' GROUP BY table_name`, { db: database })).getRowObjectsJS();
    for (const r of cols) this.tables.set(String(r.table_name), (r.cols as string[]).map(String));
  }

  private acquire(): Promise<DuckDBConnection> {
    if (this.closed) return Promise.reject(new WarehouseUnavailableError('CW_ERR_NO_WAREHOUSE', '数仓版本已关闭, 请重试 (the warehouse build was closed; retry)'));
    const c = this.idle.pop();
    if (c) return Promise.resolve(c);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private release(c: DuckDBConnection): void {
    const w = this.waiters.shift();
    if (w) w(c);
    else this.idle.push(c);
  }

  /** Keeps the build open until the matching unpin (in-flight work). */
  pin(): void {
    if (this.closed) throw new WarehouseUnavailableError('CW_ERR_NO_WAREHOUSE', '数仓版本已关闭, 请重试 (the warehouse build was closed; retry)');
    this.inflight++;
  }

  unpin(): void {
    this.inflight--;
    if (this.retired) this.maybeClose();
  }

  /** Runs `fn` with a pooled connection; the caller has pinned the build. */
  async withPooled<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    const conn = await this.acquire();
    try {
      return await fn(conn);
    } finally {
      this.release(conn);
    }
  }

  /** An untracked connection for callers that hold one themselves; closed with the build. */
  async connect(): Promise<DuckDBConnection> {
    const c = await this.instance.connect();
    await c.run('USE wh');
    this.extra.push(c);
    return c;
  }

  /** Closes a connection from connect(). */
  disconnect(c: DuckDBConnection): void {
    const i = this.extra.indexOf(c);
    if (i < 0) return;
    this.extra.splice(i, 1);
    try { c.closeSync(); } catch { /* already closed */ }
    if (this.retired) this.maybeClose();
  }

  /** Closes when the last in-flight query ends (at the latest after a grace period). */
  retire(): void {
    this.retired = true;
    this.maybeClose();
  }

  private graceTimer: NodeJS.Timeout | null = null;
  private maybeClose(): void {
    if (this.inflight > 0 || this.closed) return;
    if (this.extra.length === 0) return this.close();
    this.graceTimer ??= setTimeout(() => this.close(), RETIRE_GRACE_MS).unref();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.aids.clear();
    for (const c of [...this.all, ...this.extra]) {
      try { c.closeSync(); } catch { /* already closed */ }
    }
    try { this.instance.closeSync(); } catch { /* already closed */ }
  }
}

export interface WarehouseOptions {
  dataDir: string;
  threads: number;
  memoryLimit: string;
  /** Poll CURRENT.json. @default true */
  watch?: boolean;
  /** Serving aids built into each build when it is opened. @default none */
  prepare?: Preparer;
  log?: FastifyBaseLogger;
}

/** Implements WarehouseReader; also offers pooled reads with in-flight tracking and the table catalogue. */
export class Warehouse implements WarehouseReader {
  private current: OpenBuild | null = null;
  private listeners: ((buildId: string) => void)[] = [];
  private refreshing: Promise<boolean> | null = null;
  private readonly paths;

  constructor(private readonly o: WarehouseOptions) {
    this.paths = warehousePaths(o.dataDir);
  }

  private readonly poll = () => {
    this.refresh().catch((e: Error) => this.o.log?.error({ err: e }, 'warehouse refresh failed'));
  };

  /** Starts polling CURRENT.json, then opens the build it names (if any). */
  async start(): Promise<void> {
    if (this.o.watch !== false) watchFile(this.paths.current, { interval: POLL_MS, persistent: false }, this.poll);
    await this.refresh();
  }

  buildId(): string | null { return this.current?.pointer.build_id ?? null; }
  asOf(): string | null { return this.current?.asOf ?? null; }
  pointer(): BuildPointer | null { return this.current?.pointer ?? null; }

  /** Column names of a table in the served build, or undefined when the build has no such table. */
  columns(table: string): string[] | undefined { return this.current?.tables.get(table); }
  hasTable(table: string): boolean { return Boolean(this.current?.tables.has(table)); }

  private build(): OpenBuild {
    if (!this.current) throw new WarehouseUnavailableError('CW_ERR_NO_WAREHOUSE', '尚无可用的数仓版本, 请先运行 credit-watch build (no warehouse build is served yet)');
    return this.current;
  }

  /**
   * Runs `fn` against the build served now, pinned: every read inside sees that one build even if
   * a swap happens meanwhile, and the build is closed only after `fn` settles.
   */
  async session<T>(fn: (s: BuildSession) => Promise<T>): Promise<T> {
    const b = this.build();
    b.pin();
    try {
      const s: BuildSession = {
        buildId: b.pointer.build_id,
        asOf: b.asOf,
        columns: (t) => b.tables.get(t),
        has: (t) => b.tables.has(t),
        aid: <T>(name: string) => b.aids.get(name) as T | undefined,
        read: (sql, params) => {
          const { values, types } = bindParams(params);
          return b.withPooled((c) => c.runAndReadAll(sql, values, types));
        },
        withConnection: (f) => b.withPooled(f),
      };
      return await fn(s);
    } finally {
      b.unpin();
    }
  }

  /** Runs `fn` with a pooled connection of the current build; the build stays open until it returns. */
  withConnection<T>(fn: (conn: DuckDBConnection, buildId: string) => Promise<T>): Promise<T> {
    return this.session((s) => s.withConnection((c) => fn(c, s.buildId)));
  }

  /** A parameterised read on the current build, fully materialized. */
  read(sql: string, params?: Params): Promise<DuckDBResultReader> {
    return this.session((s) => s.read(sql, params));
  }

  async query<T = Record<string, unknown>>(sql: string, params?: Params): Promise<T[]> {
    const r = await this.read(sql, params);
    return r.getRowObjectsJS().map((row) => {
      const o: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(row)) o[k] = typeof v === 'bigint' ? Number(v) : v;
      return o as T;
    });
  }

  connection(): Promise<DuckDBConnection> { return this.build().connect(); }

  onSwap(fn: (buildId: string) => void): void { this.listeners.push(fn); }

  refresh(): Promise<boolean> {
    // One refresh at a time: a poll and an explicit refresh must not open the same build twice.
    this.refreshing ??= this.doRefresh().finally(() => { this.refreshing = null; });
    return this.refreshing;
  }

  private async doRefresh(): Promise<boolean> {
    let next: BuildPointer | undefined;
    try {
      next = readCurrent(this.paths);
    } catch (e) {
      this.o.log?.warn({ err: e }, 'CURRENT.json unreadable; keeping the served build');
      return false;
    }
    if (!next || next.build_id === this.current?.pointer.build_id) return false;
    const t0 = performance.now();
    const opened = await OpenBuild.open(this.paths.root, next, this.o);
    const openMs = Math.round(performance.now() - t0);
    const old = this.current;
    this.current = opened;
    old?.retire();
    this.o.log?.info({ build_id: next.build_id, as_of: next.as_of, previous: old?.pointer.build_id ?? null, open_ms: openMs }, 'serving warehouse build');
    for (const fn of this.listeners) {
      try { fn(next.build_id); } catch (e) { this.o.log?.error({ err: e }, 'onSwap listener failed'); }
    }
    return true;
  }

  close(): void {
    unwatchFile(this.paths.current, this.poll);
    this.current?.close();
    this.current = null;
  }
}

/** `app.warehouse` for a fastify app; closed with the app. */
export default fp(async (app: FastifyInstance, opts: { config: ServerConfig; watch?: boolean }) => {
  const wh = new Warehouse({
    dataDir: opts.config.dataDir,
    threads: opts.config.ingest.threads,
    memoryLimit: opts.config.ingest.memoryLimit,
    watch: opts.watch,
    prepare: prepareServingAids,
    log: app.log,
  });
  // A broken build must not keep the server from starting, nor may a large one hold the boot past
  // fastify's plugin timeout (opening and preparing took ~60 s at 1 M subjects): views answer 503
  // and /readyz says not ready until the build is served.
  const started = wh.start().then(() => true, (e: unknown) => {
    app.log.error({ err: e }, 'could not open the warehouse build; views answer 503 until a build is served');
    return true;
  });
  const inTime = await Promise.race([started, new Promise<false>((resolve) => setTimeout(() => resolve(false), START_WAIT_MS).unref())]);
  if (!inTime) app.log.warn(`warehouse build still loading after ${START_WAIT_MS / 1000} s; views answer 503 until it is served`);
  app.decorate('warehouse', wh as WarehouseReader);
  app.addHook('onClose', async () => wh.close());
}, { name: 'cw-warehouse', fastify: '5.x' });
