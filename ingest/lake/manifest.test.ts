import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { filesBelow, useTempDir } from '../../test/helpers.ts';
import { acquireLock, LockError } from './lock.ts';
import { commitManifest, committedFiles, nextSeq, readManifests, removeOrphans, type Manifest, type OutputFile } from './manifest.ts';
import { lakePaths, type LakePaths } from './paths.ts';

function manifest(seq: number, runId: string, outputs: OutputFile[] = []): Manifest {
  return {
    version: 1, seq, run_id: runId, started_at: '2026-11-25T01:00:00.000Z', finished_at: '2026-11-25T01:00:05.000Z', as_of: '2026-11-25',
    files: [], outputs, totals: { files: 0, rows_read: 0, accepted: 0, rejected: 0, duplicates: 0, flagged: 0 }, by_kind: {}, by_reason: {}, quality: null,
  };
}

function touch(p: LakePaths, rel: string): string {
  const abs = join(p.root, rel);
  mkdirSync(dirname(abs), { recursive: true });
  writeFileSync(abs, 'x');
  return abs;
}

const KEPT_RECORD = 'records/kind=penalty/month=2025-03/part-RUNA-0.parquet';
const KEPT_REJECT = 'rejects/kind=penalty/part-RUNA.parquet';

describe('removeOrphans(p: LakePaths, manifests: Manifest[]): string[]', () => {
  const tmp = useTempDir('cw-orphans-');

  test('should delete unreferenced Parquet and temp files and keep the referenced ones', () => {
    const p = lakePaths(tmp());
    commitManifest(p, manifest(1, 'RUNA', [
      { kind: 'penalty', table: 'records', path: KEPT_RECORD, rows: 3 }, { kind: 'penalty', table: 'rejects', path: KEPT_REJECT, rows: 1 },
    ]));
    for (const f of [KEPT_RECORD, KEPT_REJECT]) touch(p, f);
    // What a run killed before its commit leaves behind:
    const orphans = ['records/kind=penalty/month=2025-03/part-RUNB-0.parquet', 'records/kind=penalty/month=2025-04/part-RUNB-0.parquet', 'rejects/kind=penalty/part-RUNB.parquet'];
    for (const f of orphans) touch(p, f);
    const tmpManifest = touch(p, 'manifests/00000002-RUNB.json.tmp-4242');
    const rawTmp = touch(p, 'raw/ab/abcdef.csv.tmp-4242');
    const rawKept = touch(p, 'raw/ab/abcdef.csv');
    touch(p, 'tmp/RUNB/staging.duckdb');

    const removed = removeOrphans(p, readManifests(p));

    expect([...removed].sort()).toEqual([...orphans].sort());
    for (const f of orphans) expect(existsSync(join(p.root, f)), f).toBe(false);
    for (const f of [KEPT_RECORD, KEPT_REJECT]) expect(existsSync(join(p.root, f)), f).toBe(true);
    expect(existsSync(tmpManifest)).toBe(false);
    expect(existsSync(rawTmp)).toBe(false);
    expect(existsSync(rawKept)).toBe(true);
    expect(existsSync(p.tmp)).toBe(false);
    expect(readdirSync(p.manifests)).toEqual(['00000001-RUNA.json']);
  });

  test('should delete every data file when no manifest is committed', () => {
    const p = lakePaths(tmp());
    touch(p, KEPT_RECORD);
    expect(removeOrphans(p, [])).toEqual([KEPT_RECORD]);
    expect(filesBelow(p.records)).toEqual([]);
  });
});

describe('commitManifest(p: LakePaths, m: Manifest): string', () => {
  const tmp = useTempDir('cw-manifest-');

  test('should write the manifest under its zero-padded seq and run id, leaving no temp file', () => {
    const p = lakePaths(tmp());
    const m = manifest(1, '20261125T010000-abc123', [{ kind: 'penalty', table: 'records', path: KEPT_RECORD, rows: 3 }]);
    const path = commitManifest(p, m);
    expect(path).toBe(join(p.manifests, '00000001-20261125T010000-abc123.json'));
    expect(readdirSync(p.manifests)).toEqual(['00000001-20261125T010000-abc123.json']);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(m);
  });

  test('should be ignored by readers until renamed: a half-written temp file is no manifest', () => {
    const p = lakePaths(tmp());
    commitManifest(p, manifest(1, 'RUNA'));
    writeFileSync(join(p.manifests, '00000002-RUNB.json.tmp-999'), '{"truncated');
    expect(readManifests(p).map((m) => m.run_id)).toEqual(['RUNA']);
    expect(nextSeq(p)).toBe(2);
    commitManifest(p, manifest(2, 'RUNC'));
    commitManifest(p, manifest(10, 'RUND'));
    expect(readManifests(p).map((m) => m.seq)).toEqual([1, 2, 10]); // ordered by seq, not as text "10" < "2"
    expect(nextSeq(p)).toBe(11);
  });
});

describe('committedFiles(p: LakePaths, manifests: Manifest[], table, kind?): string[]', () => {
  const tmp = useTempDir('cw-committed-');

  test('should list absolute paths of one table and kind', () => {
    const p = lakePaths(tmp());
    commitManifest(p, manifest(1, 'RUNA', [
      { kind: 'penalty', table: 'records', path: KEPT_RECORD, rows: 3 }, { kind: 'license', table: 'records', path: 'records/kind=license/month=2025-01/part-RUNA-0.parquet', rows: 1 },
      { kind: 'penalty', table: 'rejects', path: KEPT_REJECT, rows: 1 },
    ]));
    const ms = readManifests(p);
    expect(committedFiles(p, ms, 'records', 'penalty')).toEqual([join(p.root, KEPT_RECORD)]);
    expect(committedFiles(p, ms, 'rejects')).toEqual([join(p.root, KEPT_REJECT)]);
    expect(committedFiles(p, ms, 'records')).toHaveLength(2);
  });
});

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

describe('acquireLock(path: string): () => void', () => {
  const tmp = useTempDir('cw-lock-');

  test('should refuse while a live process holds the lock, and take it over once that process is gone', async () => {
    const lock = join(tmp(), 'lake', '.lock');
    const sleeper = spawn('sleep', ['5'], { stdio: 'ignore' });
    try {
      mkdirSync(dirname(lock), { recursive: true });
      writeFileSync(lock, String(sleeper.pid));
      let err: unknown;
      try { acquireLock(lock); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(LockError);
      expect(err).toMatchObject({ code: 'CW_ERR_LOCKED' });
      expect((err as Error).message).toContain(String(sleeper.pid));
      expect(readFileSync(lock, 'utf8')).toBe(String(sleeper.pid)); // untouched
    } finally {
      sleeper.kill('SIGKILL');
      await exited(sleeper);
    }
    const release = acquireLock(lock); // the holder is dead now: stale
    expect(readFileSync(lock, 'utf8')).toBe(String(process.pid));
    release();
    expect(existsSync(lock)).toBe(false);
  });

  test('should take over a lock whose content is not a pid', () => {
    const lock = join(tmp(), '.lock');
    writeFileSync(lock, 'garbage');
    const release = acquireLock(lock);
    expect(readFileSync(lock, 'utf8')).toBe(String(process.pid));
    release();
  });

  // A lock file holding our own pid is only stale when this process does not hold it.
  test('should refuse a second acquire of a lock this process already holds', () => {
    const lock = join(tmp(), '.lock');
    const release = acquireLock(lock);
    try {
      expect(() => acquireLock(lock)).toThrow(LockError);
    } finally {
      release();
    }
  });
});
