/**
 * `credit-watch build`: computes every published view from the committed lake into a new warehouse
 * (a DuckDB file) and swaps it in atomically. Steps are `sql/<NN>_<name>.sql` files (one table
 * each, named after the file) and `steps/<NN>_<name>.ts` modules, run in file-name order. SQL reads
 * the as-of filtered lake through `asof_<kind>` views and the macros `cw_as_of()` and
 * `cw_build_id()`; the previous build, when there is one, is attached read-only as `prev`.
 */
import { existsSync, readdirSync, renameSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { DuckDBConnection } from '@duckdb/node-api';
import { openDuck, queryRows } from '../ingest/duck.ts';
import { createLakeViews } from '../ingest/lake/catalog.ts';
import { acquireLock } from '../ingest/lake/lock.ts';
import { ident, lit } from '../ingest/pipeline/sql-util.ts';
import { KINDS } from '../ingest/schemas/index.ts';
import { ensureWarehouseDirs, readCurrent, swapIn, warehousePaths, type BuildPointer } from './warehouse.ts';

export const SQL_DIR = fileURLToPath(new URL('./sql/', import.meta.url));
export const STEPS_DIR = fileURLToPath(new URL('./steps/', import.meta.url));

export interface BuildContext {
  conn: DuckDBConnection;
  asOf: string;
  buildId: string;
  dataDir: string;
  /** True when the previous build is attached as `prev`. */
  hasPrevious: boolean;
}

export interface TsStep {
  /** Runs the step; returns the names of the tables it wrote (for the row counts). */
  run(ctx: BuildContext): Promise<string[]>;
}

export interface StepTiming { step: string; seconds: number; tables: Record<string, number> }

export interface BuildResult {
  build_id: string;
  as_of: string;
  seconds: number;
  steps: StepTiming[];
  peak_rss_mb: number;
  file: string;
}

export interface BuildOptions {
  dataDir: string;
  asOf: string;
  threads?: number;
  memoryLimit?: string;
  /** Stop after this step (tests). */
  onlyUntil?: string;
  log?: (s: string) => void;
}

/** The ordered steps: file names (without extension) and where they live. */
export function listSteps(): { name: string; file: string; type: 'sql' | 'ts' }[] {
  const sql = existsSync(SQL_DIR) ? readdirSync(SQL_DIR).filter((f) => /^\d\d_[a-z0-9_]+\.sql$/.test(f)).map((f) => ({ name: f.replace(/\.sql$/, ''), file: join(SQL_DIR, f), type: 'sql' as const })) : [];
  const ts = existsSync(STEPS_DIR) ? readdirSync(STEPS_DIR).filter((f) => /^\d\d_[a-z0-9_]+\.ts$/.test(f)).map((f) => ({ name: f.replace(/\.ts$/, ''), file: join(STEPS_DIR, f), type: 'ts' as const })) : [];
  return [...sql, ...ts].sort((a, b) => a.name.localeCompare(b.name));
}

/** Table written by an SQL step: its file name without the NN_ prefix. */
export const tableOfStep = (step: string) => step.replace(/^\d\d_/, '');

/** Creates the build inputs: lake views, as-of views per kind, and the build macros. */
export async function prepareInputs(conn: DuckDBConnection, dataDir: string, asOf: string, buildId: string): Promise<number> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf)) throw new Error(`--as-of should be YYYY-MM-DD, instead got '${asOf}'`);
  const manifests = await createLakeViews(conn, dataDir);
  await conn.run(`CREATE OR REPLACE MACRO cw_as_of() AS DATE ${lit(asOf)}`);
  await conn.run(`CREATE OR REPLACE MACRO cw_build_id() AS ${lit(buildId)}`);
  // Records decided after the as-of date do not exist yet for this build.
  for (const k of KINDS) {
    await conn.run(`CREATE OR REPLACE VIEW ${ident(`asof_${k.kind}`)} AS SELECT * FROM ${ident(`records_${k.kind}`)} WHERE ${ident(k.monthField)} <= cw_as_of()`);
  }
  return manifests.at(-1)?.seq ?? 0;
}

export async function runSteps(ctx: BuildContext, log: (s: string) => void = () => undefined, onlyUntil?: string): Promise<StepTiming[]> {
  const timings: StepTiming[] = [];
  for (const step of listSteps()) {
    const t0 = performance.now();
    let tables: string[];
    if (step.type === 'sql') {
      await ctx.conn.run(readFileSync(step.file, 'utf8'));
      tables = [tableOfStep(step.name)];
    } else {
      const mod = (await import(pathToFileURL(step.file).href)) as { default: TsStep };
      tables = await mod.default.run(ctx);
    }
    const counts: Record<string, number> = {};
    for (const t of tables) counts[t] = (await queryRows<{ n: number }>(ctx.conn, `SELECT count(*) AS n FROM ${ident(t)}`))[0].n;
    const seconds = (performance.now() - t0) / 1000;
    timings.push({ step: step.name, seconds: +seconds.toFixed(3), tables: counts });
    log(`  ${step.name.padEnd(34)} ${seconds.toFixed(2).padStart(7)} s  ${Object.entries(counts).map(([t, n]) => `${t}=${n}`).join(' ')}`);
    if (onlyUntil && step.name === onlyUntil) break;
  }
  return timings;
}

export async function runBuild(o: BuildOptions): Promise<BuildResult> {
  const t0 = performance.now();
  const w = warehousePaths(o.dataDir);
  const release = acquireLock(join(w.root, '.lock'));
  try {
    ensureWarehouseDirs(w);
    const buildId = `b${new Date().toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}-${o.asOf.replace(/-/g, '')}`;
    const tmpFile = join(w.tmp, `${buildId}.duckdb`);
    const db = await openDuck({ path: tmpFile, threads: o.threads, memoryLimit: o.memoryLimit, tempDir: join(w.tmp, 'spill') });
    let steps: StepTiming[];
    let lakeSeq: number;
    try {
      lakeSeq = await prepareInputs(db.conn, o.dataDir, o.asOf, buildId);
      const cur = readCurrent(w);
      const hasPrevious = Boolean(cur && existsSync(join(w.root, cur.file)));
      if (hasPrevious) await db.conn.run(`ATTACH ${lit(join(w.root, cur!.file))} AS prev (READ_ONLY)`);
      o.log?.(`build ${buildId} (as of ${o.asOf}, lake run #${lakeSeq})`);
      steps = await runSteps({ conn: db.conn, asOf: o.asOf, buildId, dataDir: o.dataDir, hasPrevious }, o.log, o.onlyUntil);
      if (hasPrevious) await db.conn.run('DETACH prev');
      await dropLakeViews(db.conn);
      await db.conn.run(`CREATE OR REPLACE TABLE build_info AS SELECT ${lit(buildId)} AS build_id, DATE ${lit(o.asOf)} AS as_of, ${lakeSeq} AS lake_seq,
        now() AS finished_at, ${lit(JSON.stringify(steps))}::JSON AS steps`);
      await db.conn.run('CHECKPOINT');
    } finally {
      db.close();
    }
    const file = join('builds', `${buildId}.duckdb`);
    renameSync(tmpFile, join(w.root, file));
    const pointer: BuildPointer = { build_id: buildId, file, as_of: o.asOf, finished_at: new Date().toISOString(), lake_seq: lakeSeq };
    swapIn(w, pointer);
    return { build_id: buildId, as_of: o.asOf, seconds: +((performance.now() - t0) / 1000).toFixed(2), steps, peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024), file: join(w.root, file) };
  } finally {
    release();
  }
}

/** The warehouse must not depend on lake paths: lake views are dropped, tables stay. */
async function dropLakeViews(conn: DuckDBConnection): Promise<void> {
  const views = await queryRows<{ name: string }>(conn, `SELECT view_name AS name FROM duckdb_views() WHERE NOT internal AND database_name = current_database()`);
  for (const v of views) await conn.run(`DROP VIEW IF EXISTS ${ident(v.name)}`);
}
