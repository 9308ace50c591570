/**
 * Crash safety of the ingest: a `credit-watch ingest` child process is killed with SIGKILL at
 * several moments of a run; the committed lake must look exactly as before, the stale lock must not
 * block the next run, and a normal re-run must commit the whole file and leave no orphan Parquet.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  childEnv, ingest, lakeCounts, lakeDataFiles, manifestOutputPaths, pipelineFixture, REPO_ROOT, useTempDir, writeBigPenaltyCsv,
} from '../../test/helpers.ts';
import { readManifests } from '../lake/manifest.ts';
import { lakePaths } from '../lake/paths.ts';

/** Rows of the big file: every one valid with a unique 文书号, so a complete run accepts exactly these. */
const ROWS = 30_000;
const KILLS = 5;

interface ChildResult { code: number | null; signal: NodeJS.Signals | null; pid: number; stderr: string }

/**
 * Runs `node bin/credit-watch.mjs ingest <file> --data-dir <dir> --json`; SIGKILLs it after
 * `killAfterMs`, or as soon as `killWhen()` (polled every 3 ms) is true.
 */
function runChild(file: string, dataDir: string, killAfterMs?: number, killWhen?: () => boolean): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/credit-watch.mjs', 'ingest', file, '--data-dir', dataDir, '--json'], {
      cwd: REPO_ROOT, env: childEnv(), stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    const poll = killWhen && setInterval(() => killWhen() && child.kill('SIGKILL'), 3);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      clearInterval(poll);
      resolve({ code, signal, pid: child.pid!, stderr });
    });
  });
}

describe('runIngest(opts: IngestOptions): Promise<IngestSummary> — killed runs', () => {
  const tmp = useTempDir('cw-crash-');

  test('should leave the lake as before a SIGKILLed run, and a re-run should commit the whole file without orphans', async () => {
    const big = writeBigPenaltyCsv(join(tmp(), 'big.csv'), ROWS);
    const template = join(tmp(), 'template');
    await ingest(template, [pipelineFixture('penalties.csv')]);
    const baseline = await lakeCounts(template);
    expect(baseline).toEqual({ records: 4, rejects: 10, runs: 1 }); // penalties.csv, by hand
    const complete = { records: baseline.records + ROWS, rejects: baseline.rejects, runs: baseline.runs + 1 };

    // The full duration of an unkilled child, measured once in its own data dir.
    const measured = join(tmp(), 'measured');
    cpSync(template, measured, { recursive: true });
    const t0 = Date.now();
    const full = await runChild(big, measured);
    const fullMs = Date.now() - t0;
    expect(full.code, full.stderr).toBe(0);
    expect(await lakeCounts(measured)).toEqual(complete);
    rmSync(measured, { recursive: true, force: true });

    const delays = Array.from({ length: KILLS }, (_, i) => Math.round(300 + (i * (0.9 * fullMs - 300)) / (KILLS - 1)));
    let killedBeforeCommit = 0;
    let staleLocks = 0;
    for (const delay of delays) {
      const dir = join(tmp(), `kill-${delay}`);
      cpSync(template, dir, { recursive: true });
      const p = lakePaths(dir);
      const r = await runChild(big, dir, delay);
      // A child slower to start than measured may have finished; a kill can in principle land
      // between the manifest rename and exit. Either way the lake is all-or-nothing.
      const committed = readManifests(p).length === baseline.runs + 1;
      if (r.signal === 'SIGKILL' && !committed) killedBeforeCommit++;
      else expect(r.signal === 'SIGKILL' || r.code === 0, r.stderr).toBe(true);
      expect(await lakeCounts(dir), `views after a kill at ${delay} ms`).toEqual(committed ? complete : baseline);

      if (existsSync(p.lock)) {
        staleLocks++;
        expect(readFileSync(p.lock, 'utf8').trim()).toBe(String(r.pid)); // held by the dead child
      }
      const again = await ingest(dir, [big]);
      expect({ accepted: again.accepted, duplicates: again.duplicates, rejected: again.rejected }, `re-run after ${delay} ms`)
        .toEqual(committed ? { accepted: 0, duplicates: ROWS, rejected: 0 } : { accepted: ROWS, duplicates: 0, rejected: 0 });
      expect(await lakeCounts(dir)).toEqual(committed ? { ...complete, runs: complete.runs + 1 } : complete);
      // Every Parquet file is listed by a manifest, and every listed file exists.
      expect(lakeDataFiles(dir)).toEqual(manifestOutputPaths(dir));
      expect(existsSync(p.lock)).toBe(false);
      rmSync(dir, { recursive: true, force: true });
    }
    expect(killedBeforeCommit, `delays ${delays.join(', ')} ms of a ${fullMs} ms run`).toBeGreaterThanOrEqual(KILLS - 2);
    expect(staleLocks).toBeGreaterThanOrEqual(1);
  }, 300_000); // a guard only: about 30 s on an idle 2-core machine

  test('should delete the Parquet files of a run killed in the middle of its commit when the next run starts', async () => {
    const big = writeBigPenaltyCsv(join(tmp(), 'big.csv'), ROWS);
    const dir = join(tmp(), 'data');
    await ingest(dir, [pipelineFixture('penalties.csv')]);
    const before = lakeDataFiles(dir);
    // penalties.csv has no 2024 decisions: the first Parquet file in month=2024-01 is the big run's.
    const firstNew = join(lakePaths(dir).records, 'kind=penalty', 'month=2024-01');
    const r = await runChild(big, dir, undefined, () => existsSync(firstNew) && readdirSync(firstNew).length > 0);
    expect(r.signal, r.stderr).toBe('SIGKILL');
    const p = lakePaths(dir);
    expect(readManifests(p)).toHaveLength(1);
    const orphans = lakeDataFiles(dir).filter((f) => !before.includes(f));
    expect(orphans.length).toBeGreaterThan(0); // written, never committed
    expect(await lakeCounts(dir)).toEqual({ records: 4, rejects: 10, runs: 1 });

    const again = await ingest(dir, [big]);
    expect(again.orphans_removed).toBe(orphans.length);
    expect(again.accepted).toBe(ROWS);
    expect(lakeDataFiles(dir)).toEqual(manifestOutputPaths(dir));
    for (const f of orphans) expect(existsSync(join(p.root, f))).toBe(false);
  }, 120_000);
});
