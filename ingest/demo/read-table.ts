/**
 * Reads a generated file back as header + string rows, whatever its format and encoding. Used by the
 * tests (independently of the writers) and handy for inspecting a demo directory.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import type { DemoFile } from './options.ts';

export interface Table { header: string[]; rows: string[][] }

function fromObjects(objs: Record<string, unknown>[]): Table {
  const header = objs.length ? Object.keys(objs[0]) : [];
  return { header, rows: objs.map((o) => header.map((h) => (o[h] === undefined || o[h] === null ? '' : String(o[h])))) };
}

export async function readTable(f: Pick<DemoFile, 'path' | 'format' | 'encoding'>): Promise<Table> {
  if (f.format === 'xlsx') {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(f.path);
    const ws = wb.worksheets[0];
    const all: string[][] = [];
    ws.eachRow((row) => {
      const vals = row.values as unknown[];
      all.push(vals.slice(1).map((v) => (v === undefined || v === null ? '' : String(v))));
    });
    const header = all[0] ?? [];
    return { header, rows: all.slice(1).map((r) => header.map((_, j) => r[j] ?? '')) };
  }
  const buf = readFileSync(f.path);
  let text = f.encoding === 'gbk' ? iconv.decode(buf, 'gbk') : buf.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (f.format === 'json') return fromObjects(JSON.parse(text) as Record<string, unknown>[]);
  if (f.format === 'ndjson') return fromObjects(text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>));
  const records = parse(text, { relax_column_count: false }) as string[][];
  return { header: records[0] ?? [], rows: records.slice(1) };
}

/** Header normalization used to match variants: NFKC, no whitespace, half-width brackets, upper-case ASCII. */
export function normalizeHeader(h: string): string {
  return h.normalize('NFKC').replace(/\s+/g, '').replace(/（/g, '(').replace(/）/g, ')').replace(/[a-z]/g, (c) => c.toUpperCase());
}
