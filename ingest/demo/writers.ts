/**
 * Streaming file sinks: CSV (UTF-8, UTF-8 with BOM, GBK), JSON array, NDJSON and XLSX. Text sinks
 * buffer lines and hand ~128 KB chunks to an fs.WriteStream; when write() reports a full buffer the
 * generator awaits `drain()` before producing more (backpressure), so memory stays flat whatever the
 * size. Every file is written under a temporary name; the caller renames it into place.
 *
 * XLSX: ExcelJS' streaming writer. Cell contents are deterministic and the workbook's created/modified
 * dates are pinned, but the zip container carries entry timestamps, so two runs give identical cells
 * and not necessarily identical bytes.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';

export type Format = 'csv' | 'xlsx' | 'json' | 'ndjson';
export type Encoding = 'utf8' | 'utf8bom' | 'gbk';

export const EXTENSIONS: Record<Format, string> = { csv: 'csv', xlsx: 'xlsx', json: 'json', ndjson: 'ndjson' };
/** Fixed workbook dates so XLSX metadata does not depend on the clock. */
export const XLSX_FIXED_DATE = new Date(Date.UTC(2025, 0, 1, 0, 0, 0));

/** Size of the byte chunks handed to the stream. */
const CHUNK = 1 << 18;

export interface Sink {
  readonly path: string;
  rows: number;
  /** Write one data row; `numeric[j]` marks cells written as JSON numbers when they parse. */
  write(cells: readonly string[]): void;
  /** Write one CSV data line already joined and quoted (CSV sinks only; no line end). */
  writeLine(line: string): void;
  /** Resolves once the underlying stream accepts more data. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

const NEEDS_QUOTES = /[",\r\n]/;

export function csvCell(s: string): string {
  if (NEEDS_QUOTES.test(s)) {
    return '"' + s.replaceAll('"', '""') + '"';
  }
  return s;
}

class TextSink implements Sink {
  rows = 0;
  private readonly ws: WriteStream;
  /** GBK: pending text; UTF-8: bytes are encoded straight into `bytes`. */
  private text: string[] = [];
  private textLen = 0;
  private bytes = Buffer.allocUnsafe(CHUNK);
  private off = 0;
  private blocked = false;
  private readonly eol: string;
  private readonly keys: string[];
  private readonly scratch: string[];

  constructor(
    readonly path: string,
    private readonly format: 'csv' | 'json' | 'ndjson',
    private readonly encoding: Encoding,
    private readonly header: readonly string[],
    private readonly numeric: readonly boolean[],
  ) {
    this.ws = createWriteStream(path);
    this.keys = header.map((h) => JSON.stringify(h) + ':');
    this.scratch = header.map(() => '');
    this.eol = encoding === 'gbk' ? '\r\n' : '\n';
    if (encoding === 'utf8bom') this.push('\ufeff');
    if (format === 'csv') this.push(header.map(csvCell).join(',') + this.eol);
    else if (format === 'json') this.push('[');
  }

  private push(s: string): void {
    if (this.encoding === 'gbk') {
      this.text.push(s);
      this.textLen += s.length;
      if (this.textLen >= CHUNK / 2) this.flush();
      return;
    }
    // a UTF-16 unit is at most 3 UTF-8 bytes
    if (this.off + s.length * 3 > CHUNK) this.flush();
    if (s.length * 3 > CHUNK) {
      if (!this.ws.write(s)) this.blocked = true;
      return;
    }
    this.off += this.bytes.write(s, this.off);
  }

  private flush(): void {
    let ok = true;
    if (this.encoding === 'gbk') {
      if (this.text.length === 0) return;
      ok = this.ws.write(iconv.encode(this.text.join(''), 'gbk'));
      this.text = [];
      this.textLen = 0;
    } else {
      if (this.off === 0) return;
      ok = this.ws.write(this.bytes.subarray(0, this.off));
      this.bytes = Buffer.allocUnsafe(CHUNK);
      this.off = 0;
    }
    if (!ok) this.blocked = true;
  }

  writeLine(line: string): void {
    this.push(line + this.eol);
    this.rows++;
  }

  /** `{"key":value,...}` built from pre-serialized keys (same text as JSON.stringify of an object). */
  private jsonObject(cells: readonly string[]): string {
    const parts = this.scratch;
    for (let j = 0; j < this.keys.length; j++) {
      const v = cells[j];
      parts[j] = this.keys[j] + (this.numeric[j] && v !== '' && Number.isFinite(Number(v)) ? String(Number(v)) : JSON.stringify(v));
    }
    return '{' + parts.join(',') + '}';
  }

  write(cells: readonly string[]): void {
    if (this.format === 'csv') {
      let line = csvCell(cells[0]);
      for (let j = 1; j < cells.length; j++) line += ',' + csvCell(cells[j]);
      this.push(line + this.eol);
    } else if (this.format === 'json') {
      this.push((this.rows === 0 ? '\n' : ',\n') + this.jsonObject(cells));
    } else {
      this.push(this.jsonObject(cells) + '\n');
    }
    this.rows++;
  }

  async drain(): Promise<void> {
    if (!this.blocked) return;
    this.blocked = false;
    if (this.ws.writableNeedDrain) await once(this.ws, 'drain');
  }

  async close(): Promise<void> {
    if (this.format === 'json') this.push(this.rows === 0 ? ']\n' : '\n]\n');
    this.flush();
    this.ws.end();
    await finished(this.ws);
  }
}

class XlsxSink implements Sink {
  rows = 0;
  private readonly wb: ExcelJS.stream.xlsx.WorkbookWriter;
  private readonly sheet: ExcelJS.Worksheet;

  constructor(readonly path: string, header: readonly string[], sheetName: string) {
    this.wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useStyles: false, useSharedStrings: false });
    this.wb.creator = 'credit-watch demo';
    this.wb.lastModifiedBy = 'credit-watch demo';
    this.wb.created = XLSX_FIXED_DATE;
    this.wb.modified = XLSX_FIXED_DATE;
    this.sheet = this.wb.addWorksheet(sheetName);
    this.sheet.addRow([...header]).commit();
  }

  write(cells: readonly string[]): void {
    this.sheet.addRow([...cells]).commit();
    this.rows++;
  }

  writeLine(): void {
    throw new Error('XlsxSink.writeLine: XLSX rows are written as cells');
  }

  async drain(): Promise<void> {
    // ExcelJS buffers internally; XLSX files here are small (red lists), no backpressure needed.
  }

  async close(): Promise<void> {
    this.sheet.commit();
    await this.wb.commit();
  }
}

export interface SinkOptions {
  path: string;
  format: Format;
  encoding: Encoding;
  header: readonly string[];
  /** Columns written as JSON numbers (json/ndjson only). */
  numeric?: readonly boolean[];
  /** Worksheet name (xlsx only). @default 'Sheet1' */
  sheetName?: string;
}

export function openSink(o: SinkOptions): Sink {
  if (o.format === 'xlsx') return new XlsxSink(o.path, o.header, o.sheetName ?? 'Sheet1');
  return new TextSink(o.path, o.format, o.encoding, o.header, o.numeric ?? o.header.map(() => false));
}
