/**
 * Entry point of the readers: turns any supported input file into its header and a
 * normalized UTF-8 CSV (RFC 4180, ',' '"' '\n', header first, no BOM) that the
 * ingest pipeline loads with DuckDB read_csv(header=true, all_varchar=true).
 */
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { readCsv } from './csv-reader.ts';
import { ReaderError } from './errors.ts';
import { readJson } from './json-reader.ts';
import { readXlsx } from './xlsx-reader.ts';

export type InputFormat = 'csv' | 'xlsx' | 'json' | 'ndjson';

export interface InputTable {
  /** The input file as given. */
  path: string;
  format: InputFormat;
  /** Detected text encoding ('utf8', 'utf8bom', 'gb18030', 'utf16le', 'utf16be'); 'xlsx' for workbooks. */
  encoding: string;
  /** Column names of csvPath, exactly as DuckDB read_csv(header=true) reports them. Ends with '__extra__' when surplus data was found. */
  header: string[];
  /** Normalized UTF-8 CSV for DuckDB; equals `path` when the input was already clean. */
  csvPath: string;
  /** True when csvPath is a temp file the caller must delete. */
  temporary: boolean;
  sizeBytes: number;
  /** Worksheet that was read (XLSX only). */
  sheet?: string;
  /** Field delimiter of the source (CSV family); ',' for other formats (the normalized CSV always uses ','). */
  delimiter: string;
  /** Data rows written to csvPath; null when the input is used in place (not counted). */
  rowCount: number | null;
  /** Undecodable byte sequences replaced by U+FFFD while transcoding (0 when used in place). */
  invalidChars: number;
}

export interface OpenInputOptions {
  /** XLSX worksheet name; default: first visible worksheet. */
  sheet?: string;
  /** Directory for the normalized CSV (created if missing). */
  tmpDir: string;
  /** Called every 8192 rows and at the end with input bytes consumed and rows written. */
  onProgress?: (bytesRead: number, rowsRead: number) => void;
  /** Write a normalized copy even when the input could be used in place. */
  forceCopy?: boolean;
  /** CSV parser used when transcoding: built-in fast parser (default) or csv-parse (~3x slower). */
  csvEngine?: 'fast' | 'csv-parse';
}

const EXTENSIONS: Record<string, InputFormat> = {
  '.csv': 'csv',
  '.txt': 'csv',
  '.tsv': 'csv',
  '.xlsx': 'xlsx',
  '.xlsm': 'xlsx',
  '.json': 'json',
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
};

/** Format implied by the file extension (case-insensitive), or null. */
export function formatFromExtension(path: string): InputFormat | null {
  return EXTENSIONS[extname(path).toLowerCase()] ?? null;
}

export async function openInput(path: string, opts: OpenInputOptions): Promise<InputTable> {
  const sizeBytes = await fileSize(path);
  const ext = extname(path).toLowerCase();
  const byExt = formatFromExtension(path);
  if (byExt === null) {
    throw new ReaderError('CW_ERR_FORMAT', path, 'unsupported file type', {
      expected: `one of the extensions ${Object.keys(EXTENSIONS).join(' ')}`,
      found: ext ? `extension ${ext}` : 'no extension',
      hint: ext === '.xls' || ext === '.et' ? 'open the file in Excel/WPS and save it as .xlsx or CSV UTF-8.' : 'rename the file if the extension is wrong, or convert it to CSV.',
    });
  }
  const common = { path, sizeBytes };
  if (byExt === 'csv') {
    const r = await readCsv(path, sizeBytes, { tmpDir: opts.tmpDir, onProgress: opts.onProgress, delimiter: ext === '.tsv' ? '\t' : undefined, forceCopy: opts.forceCopy, engine: opts.csvEngine });
    return { ...common, format: 'csv', ...r };
  }
  if (byExt === 'xlsx') {
    const r = await readXlsx(path, { sheet: opts.sheet, tmpDir: opts.tmpDir, onProgress: opts.onProgress });
    return { ...common, format: 'xlsx', encoding: 'xlsx', header: r.header, csvPath: r.csvPath, temporary: true, sheet: r.sheet, delimiter: ',', rowCount: r.rowCount, invalidChars: 0 };
  }
  const r = await readJson(path, sizeBytes, byExt, { tmpDir: opts.tmpDir, onProgress: opts.onProgress });
  return { ...common, format: r.format, encoding: r.encoding, header: r.header, csvPath: r.csvPath, temporary: true, delimiter: ',', rowCount: r.rowCount, invalidChars: 0 };
}

async function fileSize(path: string): Promise<number> {
  try {
    const s = await stat(path);
    if (!s.isFile()) {
      throw new ReaderError('CW_ERR_NOT_FOUND', path, 'not a regular file', {
        expected: 'a file',
        found: s.isDirectory() ? 'a directory' : 'a special file',
        hint: 'pass the path of a single CSV/XLSX/JSON file.',
      });
    }
    return s.size;
  } catch (e) {
    if (e instanceof ReaderError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new ReaderError('CW_ERR_NOT_FOUND', path, code === 'EACCES' ? 'the file cannot be read (permission denied)' : 'the file does not exist', {
      expected: 'a readable file',
      found: code ?? String(e),
      hint: code === 'EACCES' ? 'check the file permissions of the ingest user.' : 'check the path (relative paths are resolved against the working directory).',
      cause: e,
    });
  }
}
