/**
 * `npm run bench:ingest`: the demo city at ~1 M and ~10 M records, ingested by `credit-watch ingest`
 * in a child process, against a bare DuckDB `COPY read_csv(...) TO parquet` of the same CSV files
 * in the same run. Writes bench/results/ingest-<date>.json with rows/s, peak RSS, the ratio, and
 * the machine. Single runs of large jobs: report ratios, not absolute seconds, across machines.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, hostname } from 'node:os';
import { join } from 'node:path';
import { generateDemoCity } from '../ingest/demo/generate.ts';
import { openDuck } from '../ingest/duck.ts';
import { lit } from '../ingest/pipeline/sql-util.ts';
import { REPO_ROOT } from '../ingest/reference/index.ts';
import { detectFileEncoding } from '../ingest/readers/index.ts';

/** Average records per subject of the demo generator (≈36 M records for 1 M subjects). */
const RECORDS_PER_SUBJECT = 36;

function csvFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith('.csv') && !e.name.startsWith('source_units')) out.push(join(e.parentPath, e.name));
  }
  return out.sort();
}

async function bareCopy(files: string[], outDir: string): Promise<{ seconds: number; rows: number }> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const db = await openDuck({ path: ':memory:', threads: 2, memoryLimit: '4GB' });
  const t0 = performance.now();
  let rows = 0;
  try {
    for (const [i, f] of files.entries()) {
      const r = await db.conn.runAndReadAll(`COPY (SELECT * FROM read_csv(${lit(f)}, header = true, all_varchar = true))
        TO ${lit(join(outDir, `f${i}.parquet`))} (FORMAT parquet, COMPRESSION zstd)`);
      rows += Number(r.getRows()[0]?.[0] ?? 0);
    }
  } finally {
    db.close();
  }
  return { seconds: (performance.now() - t0) / 1000, rows };
}

export async function benchIngest(o: { records: number[]; log: (s: string) => void }): Promise<void> {
  const root = join(REPO_ROOT, 'bench', '.work');
  const results: ({ target_records: number } & Record<string, unknown>)[] = [];
  for (const target of o.records) {
    const subjects = Math.max(1000, Math.round(target / RECORDS_PER_SUBJECT));
    const filesDir = join(root, `files-${target}`);
    rmSync(filesDir, { recursive: true, force: true });
    o.log(`generating ~${target.toLocaleString()} records (${subjects.toLocaleString()} subjects)...`);
    const gen = await generateDemoCity({ outDir: filesDir, subjects, months: 36, seed: 7, asOf: '2026-10-31' });
    // DuckDB cannot read GBK without its (downloaded) encodings extension: both sides of the
    // comparison use the UTF-8 CSV files only.
    const files: string[] = [];
    for (const f of csvFiles(filesDir)) if ((await detectFileEncoding(f, statSync(f).size)).encoding.startsWith('utf8')) files.push(f);
    const bytes = files.reduce((a, f) => a + statSync(f).size, 0);
    o.log(`bare DuckDB COPY of ${files.length} CSV files (${(bytes / 2 ** 20).toFixed(0)} MiB)...`);
    const bare = await bareCopy(files, join(root, 'bare'));
    const dataDir = join(root, `data-${target}`);
    rmSync(dataDir, { recursive: true, force: true });
    o.log('credit-watch ingest...');
    const t0 = performance.now();
    const child = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'credit-watch.mjs'), 'ingest', ...files, '--data-dir', dataDir, '--json'], {
      encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, CW_DATA_DIR: dataDir },
    });
    const seconds = (performance.now() - t0) / 1000;
    if (child.status !== 0) throw new Error(`ingest failed (${child.status}): ${child.stderr}`);
    const summary = JSON.parse(child.stdout) as { rows_read: number; accepted: number; rejected: number; duplicates: number; peak_rss_mb: number };
    const r = {
      target_records: target, subjects, generated_records: gen.records, csv_files: files.length, csv_mib: Math.round(bytes / 2 ** 20),
      ingest: { seconds: +seconds.toFixed(2), rows_read: summary.rows_read, accepted: summary.accepted, rejected: summary.rejected, duplicates: summary.duplicates,
        rows_per_s: Math.round(summary.rows_read / seconds), peak_rss_mb: summary.peak_rss_mb },
      bare_copy: { seconds: +bare.seconds.toFixed(2), rows: bare.rows, rows_per_s: Math.round(bare.rows / bare.seconds) },
      ratio_to_bare_copy: +(seconds / bare.seconds).toFixed(2),
    };
    o.log(JSON.stringify(r));
    results.push(r);
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(filesDir, { recursive: true, force: true });
  }
  rmSync(root, { recursive: true, force: true });
  const date = new Date().toISOString().slice(0, 10);
  const out = join(REPO_ROOT, 'bench', 'results', `ingest-${date}.json`);
  mkdirSync(join(REPO_ROOT, 'bench', 'results'), { recursive: true });
  // Runs of other sizes on the same day are kept (one size per run is common: 10 M takes long).
  if (existsSync(out)) {
    const prev = JSON.parse(readFileSync(out, 'utf8')) as { results: { target_records: number }[] };
    results.unshift(...prev.results.filter((p) => !results.some((r) => r.target_records === p.target_records)));
  }
  writeFileSync(out, JSON.stringify({
    date: new Date().toISOString(), machine: { host: hostname(), cpus: cpus().length, cpu: cpus()[0]?.model, mem_gib: Math.round(totalmem() / 2 ** 30), node: process.version },
    note: 'single run per size; ingest runs in a child process (includes tsx start-up); bare COPY reads the same CSV files as all VARCHAR and writes ZSTD Parquet',
    results,
  }, null, 2));
  o.log(`written ${out}`);
}
