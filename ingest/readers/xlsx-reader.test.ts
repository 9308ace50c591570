import { readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { cellText, expandExponent, formatDate, formatNumber, isDateFormat } from './cell-format.ts';
import { openInput } from './open-input.ts';
import { HEADER, ROWS, XLSX_DATA_SHEET, XLSX_OTHER_HEADER, XLSX_OTHER_ROWS, XLSX_OTHER_SHEET } from './fixtures/expected.ts';
import { fixture, makeTmpDir, readBack } from './test-helpers.ts';

const tmp = makeTmpDir('xlsx');
afterAll(tmp.cleanup);
const tmpDir = join(tmp.dir, 'out');

describe('punishments.xlsx', () => {
  it('reads the first visible worksheet (header on the first non-empty row)', async () => {
    const t = await openInput(fixture('punishments.xlsx'), { tmpDir });
    expect(t).toMatchObject({ format: 'xlsx', sheet: XLSX_DATA_SHEET, header: HEADER, temporary: true, rowCount: 5 });
    const back = await readBack(t.csvPath);
    expect(back.columns).toEqual(HEADER);
    expect(back.rows).toEqual(ROWS); // incl. rich text, formula result, Date cells
  });

  it('reads a named worksheet and renders values as text', async () => {
    const t = await openInput(fixture('punishments.xlsx'), { tmpDir, sheet: ` ${XLSX_OTHER_SHEET} ` });
    expect(t.sheet).toBe(XLSX_OTHER_SHEET);
    expect(t.header).toEqual(XLSX_OTHER_HEADER);
    expect((await readBack(t.csvPath)).rows).toEqual(XLSX_OTHER_ROWS);
  });

  it('lists the worksheets when the named one is missing', async () => {
    await expect(openInput(fixture('punishments.xlsx'), { tmpDir, sheet: '行政许可' })).rejects.toMatchObject({
      code: 'CW_ERR_SHEET',
      message: expect.stringMatching(/"行政处罚".*"其他"/),
    });
  });

  it('rejects legacy .xls content and broken archives', async () => {
    const xls = join(tmp.dir, 'old.xlsx');
    writeFileSync(xls, Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]));
    await expect(openInput(xls, { tmpDir })).rejects.toMatchObject({ code: 'CW_ERR_FORMAT', message: expect.stringContaining('97-2003') });
    const broken = join(tmp.dir, 'broken.xlsx');
    writeFileSync(broken, Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(100, 7)]));
    await expect(openInput(broken, { tmpDir })).rejects.toMatchObject({ code: 'CW_ERR_FORMAT' });
  });
});

describe('generated workbooks', () => {
  it('streams a larger sheet, pads short rows and keeps surplus cells in __extra__', async () => {
    const p = join(tmp.dir, 'big.xlsx');
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: p, useSharedStrings: true });
    const ws = wb.addWorksheet('数据');
    ws.addRow(['名称', '代码', '金额']).commit();
    for (let i = 0; i < 20_000; i++) ws.addRow([`企业${i}`, `91320100MA${String(i).padStart(8, '0')}`, i / 4]).commit();
    ws.addRow(['短行']).commit();
    ws.addRow(['长行', 'x', 1, null, '多余']).commit();
    await wb.commit();
    const exceljsTemps = (): string[] => readdirSync(tmpdir()).filter((f) => f.startsWith('tmp-'));
    const before = exceljsTemps();
    const t = await openInput(p, { tmpDir });
    // exceljs buffers sheets stored before sharedStrings.xml in os.tmpdir(); they must be gone.
    expect(exceljsTemps().filter((f) => !before.includes(f))).toEqual([]);
    expect(t.header).toEqual(['名称', '代码', '金额', '__extra__']);
    expect(t.rowCount).toBe(20_002);
    const back = await readBack(t.csvPath);
    expect(back.rows[1]).toEqual(['企业1', '91320100MA00000001', '0.25', '']);
    expect(back.rows.slice(-2)).toEqual([['短行', '', '', ''], ['长行', 'x', '1', '|多余']]);
  });

  it('fails with CW_ERR_EMPTY for a workbook without data', async () => {
    const p = join(tmp.dir, 'empty.xlsx');
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('空');
    await wb.xlsx.writeFile(p);
    await expect(openInput(p, { tmpDir })).rejects.toMatchObject({ code: 'CW_ERR_EMPTY' });
  });
});

describe('cell-format', () => {
  it('formats numbers without exponent and binary noise', () => {
    expect(formatNumber(0.1 + 0.2)).toBe('0.3');
    expect(formatNumber(1e21)).toBe('1000000000000000000000');
    expect(formatNumber(1.5e-7)).toBe('0.00000015');
    expect(formatNumber(-2.5e-10)).toBe('-0.00000000025');
    expect(formatNumber(-0)).toBe('0');
    expect(formatNumber(42)).toBe('42');
    expect(formatNumber(Number.NaN)).toBe('');
    expect(expandExponent('1.2345e+25')).toBe('12345000000000000000000000');
  });
  it('formats dates from UTC parts', () => {
    expect(formatDate(new Date(Date.UTC(2024, 2, 15)))).toBe('2024-03-15');
    expect(formatDate(new Date(Date.UTC(2024, 2, 15, 23, 59, 59, 999)))).toBe('2024-03-16'); // ms noise rounds up
    expect(formatDate(new Date(Date.UTC(2024, 2, 15, 9, 5, 7)))).toBe('2024-03-15 09:05:07');
  });
  it('recognises date formats', () => {
    expect(isDateFormat('yyyy-mm-dd')).toBe(true);
    expect(isDateFormat('yyyy"年"m"月"d"日"')).toBe(true);
    expect(isDateFormat('[$-804]yyyy/m/d')).toBe(true);
    expect(isDateFormat('0.00_ ;[Red]-0.00')).toBe(false);
    expect(isDateFormat('#,##0.00 "万元"')).toBe(false);
    expect(isDateFormat('General')).toBe(false);
  });
  it('renders exceljs cell values', () => {
    expect(cellText({ value: { richText: [{ text: '南京' }, { text: '市' }] } })).toBe('南京市');
    expect(cellText({ value: { formula: 'A1', result: 'x' } })).toBe('x');
    expect(cellText({ value: { formula: 'A1', result: 45366 }, numFmt: 'yyyy-mm-dd' })).toBe('2024-03-15');
    expect(cellText({ value: { sharedFormula: 'A1', result: 3 } })).toBe('3');
    expect(cellText({ value: { error: '#DIV/0!' } })).toBe('#DIV/0!');
    expect(cellText({ value: 'a_x000D_b' })).toBe('a\rb');
    expect(cellText({ value: false })).toBe('false');
    expect(cellText({ value: null })).toBe('');
  });
});
