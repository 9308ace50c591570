/**
 * Shared conversion driver: takes rows from a format reader (first non-blank row =
 * header) and writes the normalized CSV to a temp file, padding short rows and
 * moving surplus fields to an `__extra__` column.
 *
 * The `__extra__` column is only added when needed. Since the header is written
 * first, the driver does not know that in advance: when the first row with
 * surplus data shows up, the partial output is discarded and the conversion is
 * restarted with the extra column (a second pass only for malformed inputs).
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { CsvFileWriter } from './csv-writer.ts';
import { ReaderError } from './errors.ts';
import { EXTRA_COLUMN, uniqueColumnNames } from './header.ts';

/**
 * Rows of one input, in batches (per decoded chunk) to keep per-row async overhead
 * out of the hot loop: header first, then records (any width).
 */
export interface RowSource {
  rows: AsyncIterable<string[][]>;
  /** Bytes of the input file consumed so far (for progress). */
  bytesRead(): number;
  /** Releases streams/handles; safe to call more than once. */
  close(): void;
}

export interface ConvertOptions {
  file: string;
  tmpDir: string;
  onProgress?: (bytesRead: number, rowsRead: number) => void;
  /** Separator used to join surplus fields into `__extra__`. */
  extraSeparator?: string;
}

export interface ConvertResult {
  header: string[];
  csvPath: string;
  rows: number;
}

const PROGRESS_EVERY = 8192;

/**
 * Input read size. Small chunks keep each batch of rows short-lived (it dies in V8's
 * young generation instead of being promoted): with 1 MiB chunks RSS grew ~130 MB
 * on a 60 MB file, with 64 KiB ~30 MB, at equal or better throughput.
 */
export const READ_CHUNK_BYTES = 64 * 1024;

class NeedExtraColumn extends Error {}

export function isBlankRow(row: readonly string[]): boolean {
  for (let i = 0; i < row.length; i++) if (row[i] !== '' && row[i].trim() !== '') return false;
  return true;
}

/** Header labels without trailing empty labels, made unique like DuckDB does. */
export function headerFromRow(row: readonly string[]): string[] {
  let end = row.length;
  while (end > 0 && row[end - 1].trim() === '') end--;
  return uniqueColumnNames(row.slice(0, end));
}

export async function tempCsvPath(file: string, tmpDir: string): Promise<string> {
  await mkdir(tmpDir, { recursive: true });
  const base = basename(file).replace(/[^\p{L}\p{N}._-]+/gu, '_').slice(0, 80);
  return join(tmpDir, `${base}.${process.pid}.${randomUUID().slice(0, 8)}.csv`);
}

export async function convertToCsv(opts: ConvertOptions, openSource: () => Promise<RowSource>): Promise<ConvertResult> {
  try {
    return await convertOnce(opts, openSource, false);
  } catch (e) {
    if (!(e instanceof NeedExtraColumn)) throw e;
    return await convertOnce(opts, openSource, true);
  }
}

async function convertOnce(opts: ConvertOptions, openSource: () => Promise<RowSource>, withExtra: boolean): Promise<ConvertResult> {
  const csvPath = await tempCsvPath(opts.file, opts.tmpDir);
  const writer = new CsvFileWriter(csvPath);
  const sep = opts.extraSeparator ?? '|';
  let source: RowSource | undefined;
  try {
    source = await openSource();
    let header: string[] | null = null;
    let width = 0;
    let wait: Promise<void> | undefined;
    for await (const batch of source.rows) {
      for (const row of batch) {
        if (isBlankRow(row)) continue;
        if (header === null) {
          header = headerFromRow(row);
          width = header.length;
          if (withExtra) header.push(EXTRA_COLUMN);
          wait = writer.writeHeader(header);
          if (wait) await wait;
          continue;
        }
        let out: string[] = row;
        if (row.length > width) {
          // Surplus up to the last non-blank field; inner empty fields keep their position.
          let end = row.length;
          while (end > width && row[end - 1].trim() === '') end--;
          if (end > width && !withExtra) throw new NeedExtraColumn();
          out = row.slice(0, width);
          if (withExtra) out.push(end > width ? row.slice(width, end).join(sep) : '');
        } else {
          while (out.length < width) out.push('');
          if (withExtra) out.push('');
        }
        wait = writer.writeRow(out);
        if (wait) await wait;
        if (opts.onProgress && writer.rows % PROGRESS_EVERY === 0) opts.onProgress(source.bytesRead(), writer.rows);
      }
    }
    if (header === null || header.length === 0) {
      throw new ReaderError('CW_ERR_EMPTY', opts.file, 'no header row', {
        expected: 'a first non-empty row with column names',
        found: 'only empty rows (or no rows at all)',
        hint: 'check that the export is not empty and that the data is on the first worksheet (or pass the sheet name).',
      });
    }
    await writer.close();
    opts.onProgress?.(source.bytesRead(), writer.rows);
    return { header, csvPath, rows: writer.rows };
  } catch (e) {
    await writer.abort();
    await rm(csvPath, { force: true });
    throw e;
  } finally {
    source?.close();
  }
}
