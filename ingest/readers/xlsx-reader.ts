/**
 * XLSX input through the exceljs streaming reader: one worksheet (the first visible
 * one, or the one named by `sheet`) is streamed row by row into the normalized CSV.
 */
import { createReadStream, type ReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import ExcelJS from 'exceljs';
import { cellText } from './cell-format.ts';
import { ReaderError } from './errors.ts';
import { convertToCsv, READ_CHUNK_BYTES, type RowSource } from './table-sink.ts';

export interface XlsxReadOptions {
  sheet?: string;
  tmpDir: string;
  onProgress?: (bytesRead: number, rowsRead: number) => void;
}

export interface XlsxReadResult {
  header: string[];
  csvPath: string;
  rowCount: number;
  sheet: string;
}

interface SheetInfo {
  name: string;
  state?: string;
}
interface ReaderInternals {
  model?: { sheets?: SheetInfo[] };
  properties?: { model?: { date1904?: boolean } };
}
interface CellInternals {
  value?: unknown;
  numFmt?: string;
}
interface RowInternals {
  eachCell(opts: { includeEmpty: boolean }, cb: (cell: CellInternals, col: number) => void): void;
}

const sameSheetName = (a: string, b: string): boolean =>
  a.normalize('NFKC').trim().toLowerCase() === b.normalize('NFKC').trim().toLowerCase();

export async function readXlsx(file: string, opts: XlsxReadOptions): Promise<XlsxReadResult> {
  await assertZip(file);
  let sheetName = '';
  const result = await convertToCsv({ file, tmpDir: opts.tmpDir, onProgress: opts.onProgress }, async () => {
    const input = createReadStream(file, { highWaterMark: READ_CHUNK_BYTES });
    return {
      rows: sheetRows(file, input, opts.sheet, (name) => (sheetName = name)),
      bytesRead: () => input.bytesRead,
      close: () => input.destroy(),
    } satisfies RowSource;
  });
  return { header: result.header, csvPath: result.csvPath, rowCount: result.rows, sheet: sheetName };
}

async function* sheetRows(file: string, input: ReadStream, wanted: string | undefined, onSheet: (name: string) => void): AsyncGenerator<string[][]> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(input, {
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'cache', // needed to recognise date-formatted numbers
    worksheets: 'emit',
    entries: 'ignore',
  });
  const internals = reader as unknown as ReaderInternals;
  // exceljs copies worksheets that precede sharedStrings.xml in the zip (the usual
  // order in files saved by Excel) to temp files in os.tmpdir() and deletes each copy
  // only when iteration moves past it; so once the zip has been read completely we
  // keep iterating to the end, otherwise the copies would stay until process exit.
  const sheets = reader[Symbol.asyncIterator]();
  const seen: string[] = [];
  let found = false;
  try {
    for (;;) {
      const next = await sheets.next();
      if (next.done) break;
      const ws = next.value;
      const name = (ws as unknown as { name?: string }).name ?? '';
      seen.push(name);
      const visible = internals.model?.sheets?.find((s) => s.state !== 'hidden' && s.state !== 'veryHidden')?.name ?? name;
      const isTarget = wanted === undefined ? name === visible : sameSheetName(name, wanted);
      if (found || !isTarget) {
        releaseSheet(ws);
        continue;
      }
      found = true;
      onSheet(name);
      const date1904 = internals.properties?.model?.date1904 === true;
      // parse() yields the events of one SAX chunk at a time: one batch of rows each.
      const events = (ws as unknown as { parse(): AsyncIterable<{ eventType: string; value: unknown }[]> }).parse();
      try {
        for await (const chunk of events) {
          const batch: string[][] = [];
          for (const { eventType, value } of chunk) {
            if (eventType !== 'row') continue;
            const out: string[] = [];
            (value as RowInternals).eachCell({ includeEmpty: false }, (cell, col) => {
              while (out.length < col - 1) out.push('');
              out[col - 1] = cellText(cell, date1904);
            });
            batch.push(out);
          }
          if (batch.length) yield batch;
        }
      } finally {
        releaseSheet(ws);
      }
      if (!input.readableEnded) return; // nothing was copied to temp files: stop reading the zip
    }
  } catch (e) {
    throw e instanceof ReaderError ? e : formatError(file, e);
  } finally {
    if (input.readableEnded) await drainSheets(sheets);
  }
  if (found) return;
  const names = internals.model?.sheets?.map((s) => s.name) ?? seen;
  if (wanted !== undefined) {
    throw new ReaderError('CW_ERR_SHEET', file, `worksheet "${wanted}" not found`, {
      expected: `one of the worksheets ${names.map((n) => `"${n}"`).join(', ')}`,
      found: 'no worksheet with that name',
      hint: 'pass one of the listed names as the sheet option (names are matched ignoring case and surrounding spaces).',
    });
  }
  throw new ReaderError('CW_ERR_EMPTY', file, 'the workbook has no worksheet data', {
    expected: 'at least one worksheet',
    found: names.length ? `worksheets ${names.join(', ')} without a data part` : 'no worksheets',
    hint: 'open the file in Excel/WPS and check that it contains a table.',
  });
}

/** Closes the temp-file stream behind a worksheet reader that is not (or no longer) read. */
function releaseSheet(ws: unknown): void {
  const source = (ws as { iterator?: { destroy?: () => void } }).iterator;
  if (source && typeof source.destroy === 'function') source.destroy();
}

async function drainSheets(sheets: AsyncIterator<unknown>): Promise<void> {
  try {
    for (let next = await sheets.next(); !next.done; next = await sheets.next()) releaseSheet(next.value);
  } catch {
    // cleanup only
  }
}

/** XLSX files are ZIP archives; give a useful message for .xls files renamed to .xlsx. */
async function assertZip(file: string): Promise<void> {
  const fh = await open(file, 'r');
  const magic = Buffer.alloc(4);
  try {
    await fh.read(magic, 0, 4, 0);
  } finally {
    await fh.close();
  }
  if (magic[0] === 0x50 && magic[1] === 0x4b) return;
  const isOle = magic.equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0]));
  throw new ReaderError('CW_ERR_FORMAT', file, 'not an XLSX workbook', {
    expected: 'an Office Open XML workbook (a ZIP archive starting with "PK")',
    found: isOle ? 'a legacy Excel 97-2003 .xls file' : `bytes ${magic.toString('hex')}`,
    hint: isOle ? 'open it in Excel/WPS and save as .xlsx (or CSV UTF-8).' : 'check the file extension; re-export the file as .xlsx or CSV.',
  });
}

function formatError(file: string, e: unknown): ReaderError {
  const msg = e instanceof Error ? e.message : String(e);
  return new ReaderError('CW_ERR_FORMAT', file, 'the XLSX workbook cannot be read', {
    expected: 'a valid .xlsx workbook',
    found: msg,
    hint: 'the file may be truncated or damaged; open it in Excel/WPS and save it again.',
    cause: e,
  });
}
