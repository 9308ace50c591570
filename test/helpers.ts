/**
 * Shared helpers of the pipeline, lake, inbox and CLI tests: fixture paths, a fresh temp data
 * directory per test, an ingest with the fixed test "today" and hash key, lake queries through the
 * real read-only views, and small CSV writers. Not used by production code.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach } from 'vitest';
import { loadConfig, type IngestConfig } from '../ingest/config.ts';
import { readManifests } from '../ingest/lake/manifest.ts';
import { lakePaths } from '../ingest/lake/paths.ts';
import { runIngest, type IngestOptions, type IngestSummary } from '../ingest/pipeline/run.ts';
import { withLake } from '../ingest/query.ts';

export const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
export const TODAY = '2026-11-25';
export const HASH_KEY = 'test-key';

export const pipelineFixture = (name: string): string => join(REPO_ROOT, 'ingest/pipeline/fixtures', name);
export const readerFixture = (name: string): string => join(REPO_ROOT, 'ingest/readers/fixtures', name);

/** A fresh temp directory for every test of the calling file (removed after each test). */
export function useTempDir(prefix = 'cw-test-'): () => string {
  let dir: string | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });
  return () => {
    if (!dir) throw new Error('useTempDir: no temp dir outside a test');
    return dir;
  };
}

/** runIngest with the test date and hash key. */
export function ingest(dataDir: string, inputs: string[], extra: Partial<IngestOptions> = {}): Promise<IngestSummary> {
  return runIngest({ inputs, dataDir, today: TODAY, hashKey: HASH_KEY, threads: 2, memoryLimit: '2GB', ...extra });
}

export function testConfig(dataDir: string): IngestConfig {
  return loadConfig({}, { dataDir, idHashKey: HASH_KEY, threads: 2, memoryLimit: '2GB' });
}

/** Rows of a query over the committed lake views (BIGINT as number). */
export function lakeRows<T = Record<string, unknown>>(dataDir: string, sql: string): Promise<T[]> {
  return withLake(testConfig(dataDir), (q) => q<T>(sql));
}

export interface LakeCounts { records: number; rejects: number; runs: number }

/** Committed rows of one kind, rejects (all kinds) and ingest runs, as the views show them. */
export async function lakeCounts(dataDir: string, kind = 'penalty'): Promise<LakeCounts> {
  const [c] = await lakeRows<LakeCounts>(dataDir, `SELECT
      (SELECT count(*) FROM records_${kind}) AS records, (SELECT count(*) FROM rejects) AS rejects, (SELECT count(*) FROM ingest_runs) AS runs`);
  return c;
}

function walkFiles(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    if (e.isDirectory()) walkFiles(full, out);
    else out.push(full);
  }
  return out;
}

/** Every file under lake/records and lake/rejects, relative to the lake root, sorted. */
export function lakeDataFiles(dataDir: string): string[] {
  const p = lakePaths(dataDir);
  return [...walkFiles(p.records), ...walkFiles(p.rejects)].map((f) => relative(p.root, f)).sort();
}

/** Every output path listed by a committed manifest, sorted. */
export function manifestOutputPaths(dataDir: string): string[] {
  return readManifests(lakePaths(dataDir)).flatMap((m) => m.outputs.map((o) => o.path)).sort();
}

/** All files below a directory (absolute), for "nothing was left behind" checks. */
export function filesBelow(dir: string): string[] {
  return walkFiles(dir);
}

export const sha256Hex = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');
export const sha256OfFile = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

/** The lines of a small UTF-8 CSV fixture (no quoted line breaks in our fixtures). */
export function csvLines(path: string): string[] {
  return readFileSync(path, 'utf8').split(/\r?\n/).filter((l) => l !== '');
}

/** Writes a CSV file from a header line and data lines. */
export function writeLines(path: string, lines: string[]): string {
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** Three valid USCCs (outer and inner check pass), computed with makeUscc/innerOrgCheckChar. */
export const BIG_USCCS = ['91320981MA7GHJKL8F', '91320925MA8HJKLM9X', '92320924MA9JKLMN5E'];

const iso = (d: Date) => d.toISOString().slice(0, 10).replaceAll('-', '/');

/**
 * A valid 行政处罚 CSV of `n` rows: unique 文书号, subjects from BIG_USCCS, decision dates spread
 * over 2024-01-01..2025-12-31, every row valid, so an ingest accepts exactly n rows.
 */
export function writeBigPenaltyCsv(path: string, n: number): string {
  const header = csvLines(pipelineFixture('penalties.csv'))[0];
  const lines = [header];
  const day0 = Date.UTC(2024, 0, 1);
  for (let i = 0; i < n; i++) {
    const d = new Date(day0 + (i % 731) * 86_400_000);
    const to = new Date(d.getTime() + 180 * 86_400_000);
    lines.push([
      `测试商贸有限公司${i % 3}`, '法人及非法人组织', BIG_USCCS[i % 3], '张三', '', '', `盐市监罚〔大〕${i}号`, '食品安全', '销售过期食品',
      '食品安全法', '罚款', '依法处罚', String((i % 50) + 0.5), '', '', iso(d), iso(to), iso(to), '盐城市市场监督管理局',
      '11320900014123458X', iso(d), '盐城市市场监督管理局', '11320900014123458X', '',
    ].join(','));
  }
  return writeLines(path, lines);
}

/** An `out` for cli main() that records every write. */
export function captureOut(): { out: { log: (s: string) => void; err: (s: string) => void }; logs: string[]; errs: string[] } {
  const logs: string[] = [];
  const errs: string[] = [];
  return { out: { log: (s) => logs.push(s), err: (s) => errs.push(s) }, logs, errs };
}

/** process.env without CW_DATA_DIR, with the test hash key (for child processes). */
export function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CW_ID_HASH_KEY: HASH_KEY };
  delete env.CW_DATA_DIR;
  return env;
}
