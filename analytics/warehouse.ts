/**
 * Warehouse builds and the pointer that serves one of them. A build is a DuckDB file under
 * `<data-dir>/warehouse/builds/`; `CURRENT.json` names the one being served and is replaced
 * atomically (temp, fsync, rename) only after a build completes, so a build killed at any moment
 * leaves the current warehouse serving. `HISTORY.json` keeps the previous pointers for rollback.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurable } from '../ingest/lake/manifest.ts';

export interface BuildPointer {
  build_id: string;
  /** Path of the DuckDB file relative to the warehouse dir. */
  file: string;
  as_of: string;
  finished_at: string;
  /** Last lake manifest seq the build read. */
  lake_seq: number;
}

export interface WarehousePaths { root: string; builds: string; current: string; history: string; tmp: string }

export function warehousePaths(dataDir: string): WarehousePaths {
  const root = join(dataDir, 'warehouse');
  return { root, builds: join(root, 'builds'), current: join(root, 'CURRENT.json'), history: join(root, 'HISTORY.json'), tmp: join(root, 'tmp') };
}

export function readCurrent(w: WarehousePaths): BuildPointer | undefined {
  return existsSync(w.current) ? (JSON.parse(readFileSync(w.current, 'utf8')) as BuildPointer) : undefined;
}

export function readHistory(w: WarehousePaths): BuildPointer[] {
  return existsSync(w.history) ? (JSON.parse(readFileSync(w.history, 'utf8')) as BuildPointer[]) : [];
}

/** Builds kept on disk: the current one and this many before it (for rollback). */
export const KEEP_PREVIOUS = 2;

/** Makes `next` the served build; the old current goes to the history. Old files beyond KEEP are removed. */
export function swapIn(w: WarehousePaths, next: BuildPointer): void {
  const cur = readCurrent(w);
  const history = cur ? [cur, ...readHistory(w)] : readHistory(w);
  writeFileDurable(w.history, JSON.stringify(history.slice(0, 20), null, 2));
  writeFileDurable(w.current, JSON.stringify(next, null, 2)); // the swap
  prune(w, [next, ...history.slice(0, KEEP_PREVIOUS)]);
}

/** Serves the previous build again; the rolled-back one is dropped from the history. */
export function rollback(w: WarehousePaths): BuildPointer {
  const history = readHistory(w).filter((h) => existsSync(join(w.root, h.file)));
  const prev = history[0];
  if (!prev) throw new Error('no previous warehouse build to roll back to');
  writeFileDurable(w.history, JSON.stringify(history.slice(1), null, 2));
  writeFileDurable(w.current, JSON.stringify(prev, null, 2));
  return prev;
}

/** Deletes build files that are neither kept nor in progress (in-progress builds live in tmp/). */
function prune(w: WarehousePaths, keep: BuildPointer[]): void {
  const keepFiles = new Set(keep.map((k) => k.file.split('/').pop()));
  if (!existsSync(w.builds)) return;
  for (const f of readdirSync(w.builds)) if (!keepFiles.has(f.replace(/\.wal$/, ''))) rmSync(join(w.builds, f), { force: true });
}

export function ensureWarehouseDirs(w: WarehousePaths): void {
  mkdirSync(w.builds, { recursive: true });
  rmSync(w.tmp, { recursive: true, force: true }); // leftovers of killed builds
  mkdirSync(w.tmp, { recursive: true });
}
