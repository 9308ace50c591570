/**
 * Run manifests: the commit point of the lake. A run writes its Parquet files first, then its
 * manifest (temp file, fsync, rename, fsync of the directory). Readers only see files listed in a
 * manifest, so a run killed at any moment leaves the lake exactly as before; the next run deletes
 * the orphans it left.
 */
import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, writeFileSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { LakePaths } from './paths.ts';

export interface FileReport {
  /** Path as given by the user. */
  file: string;
  sha256: string;
  /** Content-addressed copy of the raw input, relative to the lake root. */
  raw: string;
  kind: string;
  format: string;
  encoding: string;
  sheet?: string;
  rows_read: number;
  accepted: number;
  rejected: number;
  duplicates: number;
  flagged: number;
  by_reason: Record<string, number>;
  /** Header cells that matched no field of the kind (kept in the raw file only). */
  unmapped_columns: string[];
}

export interface OutputFile {
  kind: string;
  /** 'records' or 'rejects'. */
  table: 'records' | 'rejects';
  /** Path relative to the lake root. */
  path: string;
  rows: number;
}

export interface Manifest {
  version: 1;
  seq: number;
  run_id: string;
  started_at: string;
  finished_at: string;
  /** The ingest's "today" (bound of not-in-future checks). */
  as_of: string;
  files: FileReport[];
  outputs: OutputFile[];
  totals: { files: number; rows_read: number; accepted: number; rejected: number; duplicates: number; flagged: number };
  by_kind: Record<string, { rows_read: number; accepted: number; rejected: number; duplicates: number }>;
  by_reason: Record<string, number>;
  quality: unknown;
}

const MANIFEST_RE = /^(\d{8})-([A-Za-z0-9_-]+)\.json$/;

/** Committed manifests, oldest first. */
export function readManifests(p: LakePaths): Manifest[] {
  if (!existsSync(p.manifests)) return [];
  return readdirSync(p.manifests)
    .filter((f) => MANIFEST_RE.test(f))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(p.manifests, f), 'utf8')) as Manifest);
}

export function nextSeq(p: LakePaths): number {
  if (!existsSync(p.manifests)) return 1;
  const seqs = readdirSync(p.manifests).map((f) => MANIFEST_RE.exec(f)?.[1]).filter(Boolean).map(Number);
  return seqs.length ? Math.max(...seqs) + 1 : 1;
}

/** Writes `content` to `path` atomically and durably (temp + fsync + rename + fsync dir). */
export function writeFileDurable(path: string, content: string | Buffer): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, content);
  const fd = openSync(tmp, 'r');
  try { fsyncSync(fd); } finally { closeSync(fd); }
  renameSync(tmp, path);
  const dir = openSync(join(path, '..'), 'r');
  try { fsyncSync(dir); } finally { closeSync(dir); }
}

/** The commit point of a run. */
export function commitManifest(p: LakePaths, m: Manifest): string {
  mkdirSync(p.manifests, { recursive: true });
  const path = join(p.manifests, `${String(m.seq).padStart(8, '0')}-${m.run_id}.json`);
  writeFileDurable(path, JSON.stringify(m, null, 2));
  return path;
}

/** Absolute paths of the committed files of one table and kind. */
export function committedFiles(p: LakePaths, manifests: Manifest[], table: 'records' | 'rejects', kind?: string): string[] {
  return manifests.flatMap((m) => m.outputs.filter((o) => o.table === table && (!kind || o.kind === kind)).map((o) => join(p.root, o.path)));
}

function walk(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    if (e.isDirectory()) walk(full, out);
    else out.push(full);
  }
  return out;
}

/**
 * Deletes Parquet files that no committed manifest lists (left by a run that died before its
 * commit), stray temp files, and the staging area. Returns the removed paths (relative).
 */
export function removeOrphans(p: LakePaths, manifests: Manifest[]): string[] {
  const listed = new Set(manifests.flatMap((m) => m.outputs.map((o) => o.path)));
  const removed: string[] = [];
  for (const f of [...walk(p.records), ...walk(p.rejects)]) {
    const rel = relative(p.root, f);
    if (!listed.has(rel)) {
      rmSync(f, { force: true });
      removed.push(rel);
    }
  }
  for (const f of walk(p.manifests)) if (!MANIFEST_RE.test(f.split('/').pop()!)) rmSync(f, { force: true });
  for (const f of walk(p.raw)) if (f.includes('.tmp-')) rmSync(f, { force: true });
  rmSync(p.tmp, { recursive: true, force: true });
  return removed;
}
