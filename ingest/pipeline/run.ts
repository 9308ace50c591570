/**
 * One ingest run: preflight every input (exists, decodable, kind recognized: else exit 2 with
 * nothing committed), stage and validate each file in a scratch DuckDB, deduplicate per kind
 * against the lake, write Parquet, and commit with the run manifest (the last write).
 */
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, createReadStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, extname, join, relative, resolve } from 'node:path';
import { openDuck } from '../duck.ts';
import { commitManifest, committedFiles, nextSeq, readManifests, removeOrphans, type FileReport, type Manifest } from '../lake/manifest.ts';
import { acquireLock } from '../lake/lock.ts';
import { lakePaths } from '../lake/paths.ts';
import { formatFromExtension, isReaderError, openInput, type InputTable } from '../readers/index.ts';
import { getKind, findKind } from '../schemas/index.ts';
import { installValidationMacros } from '../validators/sql-macros.ts';
import { commitKind, commitRejects } from './commit-kind.ts';
import { InputError } from './errors.ts';
import { runQuality } from './run-quality.ts';
import { mapHeader, recognizeKind, type HeaderMapping } from './recognize.ts';
import { loadReferenceTables } from './reference-tables.ts';
import { stageFile } from './stage-file.ts';

export interface IngestOptions {
  inputs: string[];
  dataDir: string;
  /** Force the kind of every input (id or Chinese label). */
  kind?: string;
  sheet?: string;
  /** The ingest's "today" (YYYY-MM-DD): dates after it are rejected as future. */
  today: string;
  hashKey: string;
  threads?: number;
  memoryLimit?: string;
  onProgress?: (e: ProgressEvent) => void;
}

export type ProgressEvent =
  | { phase: 'preflight'; file: string; bytes: number; rows: number }
  | { phase: 'stage'; file: string; index: number; total: number; rowsRead: number; bytes: number }
  | { phase: 'commit'; kind: string };

export interface IngestSummary {
  run_id: string;
  files: number;
  rows_read: number;
  accepted: number;
  rejected: number;
  duplicates: number;
  flagged: number;
  by_kind: Manifest['by_kind'];
  by_reason: Record<string, number>;
  file_reports: FileReport[];
  manifest: string;
  orphans_removed: number;
  seconds: number;
}

/** Expands directories (recursively, sorted) into the record files they hold. */
export function expandInputs(inputs: string[]): string[] {
  const out: string[] = [];
  for (const input of inputs) {
    const path = resolve(input);
    if (!existsSync(path)) throw new InputError('CW_ERR_NOT_FOUND', `input '${input}' does not exist; check the path`, input);
    if (statSync(path).isDirectory()) {
      const walk = (dir: string) => {
        for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
          if (e.name.startsWith('.') || e.name.startsWith('_')) continue;
          const full = join(dir, e.name);
          if (e.isDirectory()) walk(full);
          else if (formatFromExtension(full)) out.push(full);
        }
      };
      walk(path);
    } else out.push(path);
  }
  return out;
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

interface Prepared { file: string; input: InputTable; mapping: HeaderMapping }

async function preflight(files: string[], o: IngestOptions, tmpDir: string): Promise<Prepared[]> {
  const forced = o.kind ? findKind(o.kind) : undefined;
  if (o.kind && !forced) throw new InputError('CW_ERR_UNKNOWN_KIND', `--kind '${o.kind}' is not a record kind; run 'credit-watch kinds' for the list`);
  const out: Prepared[] = [];
  for (const file of files) {
    let input: InputTable;
    try {
      input = await openInput(file, { sheet: o.sheet, tmpDir, onProgress: (bytes, rows) => o.onProgress?.({ phase: 'preflight', file, bytes, rows }) });
    } catch (e) {
      if (isReaderError(e)) throw new InputError(e.code, e.message, file);
      throw e;
    }
    const header = input.header.filter((h) => h !== '__extra__');
    let mapping: HeaderMapping;
    if (forced) mapping = mapHeader(input.header, forced);
    else {
      const rec = recognizeKind(header);
      if (!rec.best) {
        throw new InputError('CW_ERR_UNKNOWN_KIND',
          `${file}: cannot tell the record kind from the header row [${header.slice(0, 8).join(', ')}${header.length > 8 ? ', ...' : ''}]; ` +
          `closest: ${rec.scores.map((s) => `${getKind(s.kind).label} (${s.score})`).join(', ')}. Hint: pass --kind <kind>`, file);
      }
      mapping = rec.best;
    }
    out.push({ file, input, mapping });
  }
  return out;
}

function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:]/g, '').slice(0, 15)}-${randomBytes(3).toString('hex')}`;
}

export async function runIngest(o: IngestOptions): Promise<IngestSummary> {
  const t0 = Date.now();
  const p = lakePaths(o.dataDir);
  const files = expandInputs(o.inputs);
  if (!files.length) throw new InputError('CW_ERR_NOT_FOUND', `no record files (.csv .tsv .txt .xlsx .json .ndjson .jsonl) in ${o.inputs.join(', ')}`);
  mkdirSync(p.root, { recursive: true });
  const release = acquireLock(p.lock);
  const runId = newRunId();
  const scratch = join(p.tmp, runId);
  let db: Awaited<ReturnType<typeof openDuck>> | undefined;
  try {
    const before = readManifests(p);
    const orphans = removeOrphans(p, before);
    mkdirSync(scratch, { recursive: true });
    const prepared = await preflight(files, o, scratch);
    const startedAt = new Date().toISOString();
    db = await openDuck({ path: join(scratch, 'staging.duckdb'), threads: o.threads, memoryLimit: o.memoryLimit, tempDir: join(scratch, 'spill') });
    const { conn } = db;
    await installValidationMacros(conn);
    await loadReferenceTables(conn);

    const reports: FileReport[] = [];
    for (const [i, pr] of prepared.entries()) {
      const sha = await sha256File(pr.file);
      const rawRel = join('raw', sha.slice(0, 2), `${sha}${extname(pr.file).toLowerCase()}`);
      const rawAbs = join(p.root, rawRel);
      if (!existsSync(rawAbs)) {
        mkdirSync(join(rawAbs, '..'), { recursive: true });
        copyFileSync(pr.file, `${rawAbs}.tmp-${process.pid}`);
        renameSync(`${rawAbs}.tmp-${process.pid}`, rawAbs);
      }
      const meta = { fileSeq: i, sha256: sha, fileName: basename(pr.file), today: o.today, hashKey: o.hashKey };
      let staged;
      try {
        staged = await stageFile(conn, pr.input, pr.mapping, meta);
      } catch (e) {
        // A file used in place can still trip DuckDB's CSV reader (uneven rows, invalid UTF-8 past
        // the sampled parts): normalize it through the JS reader, which pads rows and keeps
        // surplus cells in __extra__, and stage again.
        if (pr.input.temporary) throw e;
        pr.input = await openInput(pr.file, { sheet: o.sheet, tmpDir: scratch, forceCopy: true });
        pr.mapping = mapHeader(pr.input.header, pr.mapping.kind);
        await conn.run(`DELETE FROM rej WHERE file_seq = ${i}`).catch(() => undefined);
        await conn.run(`DELETE FROM "st_${pr.mapping.kind.kind}" WHERE __file_seq = ${i}`).catch(() => undefined);
        staged = await stageFile(conn, pr.input, pr.mapping, meta);
      }
      o.onProgress?.({ phase: 'stage', file: pr.file, index: i + 1, total: prepared.length, rowsRead: staged.rowsRead, bytes: pr.input.sizeBytes });
      reports.push({
        file: relative(process.cwd(), pr.file) || pr.file, sha256: sha, raw: rawRel, kind: pr.mapping.kind.kind, format: pr.input.format,
        encoding: pr.input.encoding, sheet: pr.input.sheet, rows_read: staged.rowsRead, accepted: 0, rejected: staged.rejected,
        duplicates: 0, flagged: staged.flagged, by_reason: staged.byReason, unmapped_columns: pr.mapping.unmapped,
      });
      if (pr.input.temporary) rmSync(pr.input.csvPath, { force: true });
    }

    const outputs: Manifest['outputs'] = [];
    for (const kind of [...new Set(prepared.map((x) => x.mapping.kind.kind))]) {
      o.onProgress?.({ phase: 'commit', kind });
      const res = await commitKind(conn, p, kind, runId, committedFiles(p, before, 'records', kind));
      outputs.push(...res.outputs);
      for (const [seq, c] of res.perFile) {
        const r = reports[seq];
        r.accepted = c.accepted;
        r.duplicates = c.duplicates;
        r.flagged = c.flagged;
        r.rejected += c.conflicts;
        if (c.conflicts) r.by_reason.CW_DUPLICATE_CONFLICT = (r.by_reason.CW_DUPLICATE_CONFLICT ?? 0) + c.conflicts;
      }
    }
    outputs.push(...(await commitRejects(conn, p, runId, committedFiles(p, before, 'rejects'))));
    const quality = await runQuality(conn);

    const sum = (f: (r: FileReport) => number) => reports.reduce((a, r) => a + f(r), 0);
    const byKind: Manifest['by_kind'] = {};
    for (const r of reports) {
      const k = (byKind[r.kind] ??= { rows_read: 0, accepted: 0, rejected: 0, duplicates: 0 });
      k.rows_read += r.rows_read; k.accepted += r.accepted; k.rejected += r.rejected; k.duplicates += r.duplicates;
    }
    const byReason: Record<string, number> = {};
    for (const r of reports) for (const [c, n] of Object.entries(r.by_reason)) byReason[c] = (byReason[c] ?? 0) + n;
    const manifest: Manifest = {
      version: 1, seq: nextSeq(p), run_id: runId, started_at: startedAt, finished_at: new Date().toISOString(), as_of: o.today,
      files: reports, outputs,
      totals: { files: reports.length, rows_read: sum((r) => r.rows_read), accepted: sum((r) => r.accepted), rejected: sum((r) => r.rejected), duplicates: sum((r) => r.duplicates), flagged: sum((r) => r.flagged) },
      by_kind: byKind, by_reason: byReason, quality,
    };
    db.close();
    db = undefined;
    const manifestPath = commitManifest(p, manifest); // the commit point
    return {
      run_id: runId, ...manifest.totals, by_kind: byKind, by_reason: byReason, file_reports: reports,
      manifest: manifestPath, orphans_removed: orphans.length, seconds: (Date.now() - t0) / 1000,
    };
  } finally {
    db?.close();
    rmSync(scratch, { recursive: true, force: true });
    release();
  }
}
