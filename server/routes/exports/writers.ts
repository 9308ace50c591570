/**
 * Export file writers, fed batch by batch so a large list never sits in memory as one body.
 * CSV: UTF-8 with BOM (Excel opens Chinese correctly), a cover block of `key,value` lines (view,
 * filters, user, time, build id, as-of, rows), a blank line, then the header and the rows. Text
 * cells that a spreadsheet would run as a formula (= + - @) get a leading apostrophe.
 * XLSX: exceljs streaming WorkbookWriter, a cover sheet 说明 then the data sheet 数据.
 */
import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { Frame } from '../../arrow.ts';

export interface Cover { title: string; lines: [string, string][] }

export interface ExportWriter {
  /** Writes the cover and the header. */
  start(cover: Cover, header: string[]): Promise<void>;
  rows(f: Frame): Promise<void>;
  end(): Promise<void>;
}

/** A list cell as one text/number value. */
export function cellValue(v: unknown): string | number | boolean | null {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return v.map((x) => (x === null ? '' : typeof x === 'object' ? JSON.stringify(x) : String(x))).join(';');
  if (typeof v === 'object') return JSON.stringify(v);
  return v as string | number | boolean;
}

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(v: unknown): string {
  const c = cellValue(v);
  if (c === null) return '';
  let s = String(c);
  if (typeof c === 'string' && FORMULA_START.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Resolves once `out` can take more (or is gone: then writing stops). */
async function drained(out: Writable): Promise<void> {
  if (out.destroyed) throw new Error('export stream closed by the client');
  await new Promise<void>((resolve) => {
    const done = () => { out.off('drain', done); out.off('close', done); resolve(); };
    out.once('drain', done);
    out.once('close', done);
  });
  if (out.destroyed) throw new Error('export stream closed by the client');
}

export function csvWriter(out: Writable): ExportWriter {
  const write = async (s: string) => {
    if (!out.write(s)) await drained(out);
  };
  return {
    async start(cover, header) {
      await write('\uFEFF');
      await write(`${csvCell(cover.title)}\r\n`);
      for (const [k, v] of cover.lines) await write(`${csvCell(k)},${csvCell(v)}\r\n`);
      await write(`\r\n${header.map(csvCell).join(',')}\r\n`);
    },
    async rows(f) {
      let buf = '';
      for (let r = 0; r < f.length; r++) {
        const line: string[] = new Array(f.columns.length);
        for (let c = 0; c < f.columns.length; c++) line[c] = csvCell(f.columns[c][r]);
        buf += `${line.join(',')}\r\n`;
        if (buf.length > 64 * 1024) { await write(buf); buf = ''; }
      }
      if (buf) await write(buf);
    },
    async end() {
      await new Promise<void>((resolve) => out.end(resolve));
    },
  };
}

export function xlsxWriter(out: Writable): ExportWriter {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  let data: ExcelJS.Worksheet | null = null;
  let n = 0;
  return {
    async start(cover, header) {
      const sheet = wb.addWorksheet('说明');
      sheet.columns = [{ width: 22 }, { width: 80 }];
      const t = sheet.addRow([cover.title]);
      t.font = { bold: true, size: 14 };
      t.commit();
      for (const [k, v] of cover.lines) sheet.addRow([k, v]).commit();
      sheet.commit();
      data = wb.addWorksheet('数据', { views: [{ state: 'frozen', ySplit: 1 }] });
      const h = data.addRow(header);
      h.font = { bold: true };
      h.commit();
    },
    async rows(f) {
      for (let r = 0; r < f.length; r++) {
        const values = new Array(f.columns.length);
        for (let c = 0; c < f.columns.length; c++) values[c] = cellValue(f.columns[c][r]);
        data!.addRow(values).commit();
        // let the zip stream flush now and then
        if (++n % 5000 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    },
    async end() {
      data?.commit();
      await wb.commit();
    },
  };
}
