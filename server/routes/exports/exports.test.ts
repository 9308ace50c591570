import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { signIn, startTestServer, type DemoUser, type TestServer } from '../../test-helpers.ts';
import { LABELS } from '../views/lists.ts';
import { viewsFixture } from '../views/test-fixture.ts';
import { cellValue, csvCell } from './writers.ts';

type Body = Record<string, unknown>;
type Rows = Body[];

let ts: TestServer;
const ANALYST_LIMIT = 100;

beforeAll(async () => {
  ts = await startTestServer({ records: viewsFixture(), env: { CW_EXPORT_LIMIT_ANALYST: String(ANALYST_LIMIT) } });
});

afterAll(async () => {
  await ts?.cleanup();
});

const get = (user: DemoUser | null, url: string) => ts.as(user, { method: 'GET', url });

async function viewRows(user: DemoUser, url: string): Promise<Rows> {
  const r = await get(user, url);
  expect(r.statusCode, r.body).toBe(200);
  return (r.json() as { rows: Rows }).rows;
}

/** Splits an exported CSV into its cover (key -> value) and its data rows keyed by column name. */
function readCsv(text: string, columns: string[]): { title: string; cover: Record<string, string>; header: string[]; rows: string[][] } {
  expect(text.charCodeAt(0)).toBe(0xfeff);
  const records = parse(text, { bom: true, relax_column_count: true, skip_empty_lines: false }) as string[][];
  const blank = records.findIndex((r) => r.length === 1 && r[0] === '');
  const cover = Object.fromEntries(records.slice(1, blank).map(([k, v]) => [k, v]));
  const header = records[blank + 1];
  expect(header).toEqual(columns.map((c) => LABELS[c] ?? c));
  return { title: records[0][0], cover, header, rows: records.slice(blank + 2) };
}

const asCsv = (rows: Rows, columns: string[]) => rows.map((r) => columns.map((c) => csvText(r[c])));
function csvText(v: unknown): string {
  const c = cellValue(v);
  if (c === null) return '';
  const s = String(c);
  return typeof c === 'string' && /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

describe('GET /api/v1/exports/<view>?format=csv', () => {
  test('should stream a UTF-8 CSV with BOM whose cover names the filters, user, time and build, and whose rows equal the view', async () => {
    const url = '/api/v1/subjects?county=320922&sort=score&order=desc&pageSize=500';
    const json = await viewRows('admin', url);
    const r = await get('admin', '/api/v1/exports/subjects?county=320922&sort=score&order=desc&format=csv');
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(r.headers['content-disposition']).toMatch(/attachment; filename="subjects-b.*\.csv"/);
    const columns = Object.keys(json[0]);
    const csv = readCsv(r.body, columns);
    expect(csv.cover['数仓版本 build id']).toBe(ts.app.warehouse.buildId());
    expect(csv.cover['筛选条件 filters']).toContain('county=320922');
    expect(csv.cover['导出人 user']).toContain('admin');
    expect(csv.cover['导出时间 exported at']).toMatch(/^\d{4}-\d{2}-\d{2}/);
    expect(Number(csv.cover['行数 rows'])).toBe(json.length);
    expect(csv.rows).toEqual(asCsv(json, columns));
  });

  test('should export aggregate views for leaders and scope them for county users', async () => {
    const json = await viewRows('leader', '/api/v1/counties/320922/indicators');
    const r = await get('leader', '/api/v1/exports/counties/320922/indicators');
    expect(r.statusCode).toBe(200);
    const columns = Object.keys(json[0]);
    expect(readCsv(r.body, columns).rows).toEqual(asCsv(json, columns));
    expect((await get('binhai', '/api/v1/exports/counties/320902/indicators')).statusCode).toBe(403);
    const mine = await get('binhai', '/api/v1/exports/county-index');
    expect(mine.statusCode).toBe(200);
    const rows = readCsv(mine.body, Object.keys((await viewRows('binhai', '/api/v1/county-index'))[0])).rows;
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((row) => row.includes('320922'))).toBe(true);
  });

  test('should let only admins and analysts export subject lists, each within their scope', async () => {
    for (const user of ['leader', 'scjg', 'yjgl', 'binhai', 'auditor'] as DemoUser[]) {
      expect((await get(user, '/api/v1/exports/subjects?county=320922')).statusCode, user).toBe(403);
    }
    expect((await get('auditor', '/api/v1/exports/counties')).statusCode).toBe(403);
    expect((await get(null, '/api/v1/exports/counties')).statusCode).toBe(401);
    // admins and analysts are unscoped roles (auth.ts): their export holds the whole filtered list
    const view = await viewRows('admin', '/api/v1/subjects?county=320904&pageSize=500');
    const r = await get('analyst', '/api/v1/exports/subjects?county=320904');
    expect(r.statusCode).toBe(200);
    const records = parse(r.body, { bom: true, relax_column_count: true }) as string[][];
    const header = records.findIndex((x) => x[0] === LABELS.subject_key);
    const county = records[header].indexOf(LABELS.county_code);
    const data = records.slice(header + 1);
    expect(data.length).toBe(view.length);
    expect(data.length).toBe(40); // 240 firms / 6 cells: the 大丰区 cell only
    expect(data.every((row) => row[county] === '320904')).toBe(true);
  });

  test('should refuse an export beyond the role limit with 413 before writing anything, and audit exports', async () => {
    const big = await get('analyst', '/api/v1/exports/subjects');
    expect(big.statusCode).toBe(413);
    const body = big.json() as Body;
    expect(body.code).toBe('CW_ERR_EXPORT_TOO_LARGE');
    expect(String(body.message)).toContain(String(ANALYST_LIMIT));
    const small = await get('analyst', '/api/v1/exports/subjects?county=320922');
    expect(small.statusCode).toBe(200);
    // the natural person is masked in an analyst's export
    const all = await get('admin', `/api/v1/exports/subjects?q=${encodeURIComponent('张')}`);
    expect(all.body).toMatch(/张\*\*（3209/);
    const masked = await ts.app.inject({ method: 'GET', url: `/api/v1/exports/subjects?q=${encodeURIComponent('张')}`, headers: { cookie: (await signIn(ts.app, 'analyst')).cookie } });
    expect(masked.body).not.toMatch(/3209\*/);
    const audit = await ts.app.ops.all<{ actor: string; target: string; detail: string }>(`SELECT actor, target, detail FROM audit_log WHERE action = 'export.create' ORDER BY seq`);
    expect(audit.some((a) => a.actor === 'analyst' && a.target === 'subjects' && JSON.parse(a.detail).filters.includes('county=320922'))).toBe(true);
    expect(audit.some((a) => a.actor === 'admin' && JSON.parse(a.detail).build_id === ts.app.warehouse.buildId())).toBe(true);
  });
});

describe('GET /api/v1/exports/<view>?format=xlsx', () => {
  test('should stream an XLSX with a cover sheet and a data sheet equal to the view', async () => {
    const json = await viewRows('analyst', '/api/v1/clusters');
    const r = await get('analyst', '/api/v1/exports/clusters?format=xlsx');
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(r.rawPayload as unknown as ArrayBuffer);
    const cover = wb.getWorksheet('说明')!;
    const coverText: string[] = [];
    cover.eachRow((row) => coverText.push((row.values as unknown[]).slice(1).join('|')));
    expect(coverText.join('\n')).toContain(`数仓版本 build id|${ts.app.warehouse.buildId()}`);
    expect(coverText.join('\n')).toContain('导出人 user|数据分析员 (analyst');
    const data = wb.getWorksheet('数据')!;
    const sheet: unknown[][] = [];
    data.eachRow({ includeEmpty: false }, (row) => {
      const v = row.values as unknown[];
      sheet.push(Array.from({ length: v.length - 1 }, (_, i) => v[i + 1] ?? null));
    });
    const columns = Object.keys(json[0]);
    expect(sheet[0]).toEqual(columns.map((c) => LABELS[c] ?? c));
    const expected = json.map((row) => columns.map((c) => cellValue(row[c])));
    const got = sheet.slice(1).map((row) => columns.map((_, i) => row[i] ?? null));
    expect(got).toEqual(expected);
  });
});

describe('csvCell(value)', () => {
  test('should quote separators and neutralise spreadsheet formulas', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "x"')).toBe('"say ""x"""');
    expect(csvCell('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvCell(-3.5)).toBe('-3.5');
    expect(csvCell(null)).toBe('');
    expect(csvCell(['black', 'focus'])).toBe('black;focus');
  });
});
