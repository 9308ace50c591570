import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import iconv from 'iconv-lite';
import { openInput } from './open-input.ts';
import { GB18030_ROWS, HEADER, QUOTED_ROWS, ROWS } from './fixtures/expected.ts';
import { fixture, makeTmpDir, readBack } from './test-helpers.ts';

const tmp = makeTmpDir('csv');
afterAll(tmp.cleanup);
const tmpDir = join(tmp.dir, 'out');
const write = tmp.write;

const CASES = [
  { file: 'utf8.csv', encoding: 'utf8', delimiter: ',', inPlace: true, rows: ROWS },
  { file: 'utf8-bom.csv', encoding: 'utf8bom', delimiter: ',', inPlace: true, rows: ROWS },
  { file: 'utf8-bom-quoted.csv', encoding: 'utf8bom', delimiter: ',', inPlace: false, rows: ROWS },
  { file: 'gbk.csv', encoding: 'gb18030', delimiter: ',', inPlace: false, rows: ROWS },
  { file: 'gb18030.csv', encoding: 'gb18030', delimiter: ',', inPlace: false, rows: GB18030_ROWS },
  { file: 'semicolon.csv', encoding: 'utf8', delimiter: ';', inPlace: false, rows: ROWS },
  { file: 'tab.tsv', encoding: 'gb18030', delimiter: '\t', inPlace: false, rows: ROWS },
  { file: 'utf16le.csv', encoding: 'utf16le', delimiter: ',', inPlace: false, rows: ROWS },
  { file: 'quoted.csv', encoding: 'utf8', delimiter: ',', inPlace: true, rows: QUOTED_ROWS },
];

describe.each(CASES)('$file', ({ file, encoding, delimiter, inPlace, rows }) => {
  it('gives the header and the exact cells through DuckDB', async () => {
    const t = await openInput(fixture(file), { tmpDir });
    expect(t).toMatchObject({ format: 'csv', encoding, delimiter, header: HEADER, temporary: !inPlace });
    expect(t.csvPath === fixture(file)).toBe(inPlace);
    const back = await readBack(t.csvPath);
    expect(back.columns).toEqual(HEADER);
    expect(back.rows).toEqual(rows);
  });

  it.each(['fast', 'csv-parse'] as const)('writes a normalized copy on request (%s parser)', async (csvEngine) => {
    const t = await openInput(fixture(file), { tmpDir, forceCopy: true, csvEngine });
    expect(t.temporary).toBe(true);
    expect(t.csvPath.startsWith(tmpDir)).toBe(true);
    expect(t.rowCount).toBe(rows.length);
    const raw = readFileSync(t.csvPath);
    expect(raw[0]).not.toBe(0xef); // no BOM
    expect(raw.toString('utf8').startsWith(HEADER.join(',') + '\n')).toBe(true);
    expect((await readBack(t.csvPath)).rows).toEqual(rows);
  });
});

describe('CSV edge cases', () => {
  it('pads short rows and keeps surplus fields in __extra__', async () => {
    const p = write('ragged.csv', iconv.encode('名称,代码,金额\r\n甲,1\r\n乙,2,3,多余,字段\r\n丙,4,5,,\r\n', 'gbk'));
    const t = await openInput(p, { tmpDir });
    expect(t.header).toEqual(['名称', '代码', '金额', '__extra__']);
    expect((await readBack(t.csvPath)).rows).toEqual([
      ['甲', '1', '', ''],
      ['乙', '2', '3', '多余|字段'],
      ['丙', '4', '5', ''],
    ]);
  });

  it('skips blank lines and all-empty rows; empty trailing header cells are dropped', async () => {
    const p = write('blank.csv', '\n名称;代码;;\n\n甲;1;;\n;;;\n乙;2;;\n\n\n');
    const t = await openInput(p, { tmpDir });
    expect(t.header).toEqual(['名称', '代码']);
    expect(t.rowCount).toBe(2);
    expect((await readBack(t.csvPath)).rows).toEqual([['甲', '1'], ['乙', '2']]);
  });

  it('copies files whose header DuckDB would rename, and names columns like DuckDB', async () => {
    const p = write('dups.csv', '名称, 代码 ,名称,,备注\n甲,1,乙,x,y\n');
    const t = await openInput(p, { tmpDir });
    expect(t.temporary).toBe(true);
    expect(t.header).toEqual(['名称', '代码', '名称_1', 'column3', '备注']);
    expect((await readBack(t.csvPath)).columns).toEqual(t.header);
  });

  it('handles header-only files, pipe-delimited .txt and upper-case extensions', async () => {
    const h = await openInput(write('only-header.csv', '名称,代码\n'), { tmpDir });
    expect(h).toMatchObject({ header: ['名称', '代码'], temporary: false });
    expect((await readBack(h.csvPath)).rows).toEqual([]);
    const pipe = await openInput(write('pipe.txt', '名称|代码\n甲|1\n'), { tmpDir });
    expect(pipe).toMatchObject({ delimiter: '|', header: ['名称', '代码'] });
    mkdirSync(join(tmp.dir, 'upper'), { recursive: true });
    copyFileSync(fixture('gbk.csv'), join(tmp.dir, 'upper', 'GBK.CSV'));
    expect((await openInput(join(tmp.dir, 'upper', 'GBK.CSV'), { tmpDir })).header).toEqual(HEADER);
  });

  it('counts undecodable bytes after the detection sample', async () => {
    const body = iconv.encode('名称,代码\n' + '南京市生态环境局,1\n'.repeat(8000), 'gbk');
    const p = write('bad-byte.csv', Buffer.concat([body, Buffer.from([0x81, 0x0a]), iconv.encode('甲,2\n', 'gbk')]));
    const t = await openInput(p, { tmpDir });
    expect(t.encoding).toBe('gb18030');
    expect(t.invalidChars).toBe(1);
    expect(t.rowCount).toBe(8002);
  });

  it('reports progress', async () => {
    const calls: [number, number][] = [];
    const t = await openInput(fixture('gbk.csv'), { tmpDir, onProgress: (b, r) => calls.push([b, r]) });
    expect(calls.at(-1)).toEqual([t.sizeBytes, 5]);
  });

  it('fails with stable codes', async () => {
    await expect(openInput(fixture('garbage.csv'), { tmpDir })).rejects.toMatchObject({ code: 'CW_ERR_ENCODING', file: fixture('garbage.csv') });
    await expect(openInput(join(tmp.dir, 'missing.csv'), { tmpDir })).rejects.toMatchObject({ code: 'CW_ERR_NOT_FOUND' });
    await expect(openInput(tmp.dir + '/upper', { tmpDir })).rejects.toMatchObject({ code: 'CW_ERR_NOT_FOUND' });
    await expect(openInput(write('x.xls', 'abc'), { tmpDir })).rejects.toMatchObject({ code: 'CW_ERR_FORMAT', message: expect.stringContaining('.xlsx') });
    await expect(openInput(write('empty.csv', ''), { tmpDir })).rejects.toMatchObject({ code: 'CW_ERR_EMPTY' });
    await expect(openInput(write('blank-only.csv', '\r\n\n;;\n'), { tmpDir })).rejects.toMatchObject({ code: 'CW_ERR_EMPTY' });
    const unclosed = write('unclosed.csv', '名称;代码\n"甲;1\n乙;2\n');
    await expect(openInput(unclosed, { tmpDir })).rejects.toMatchObject({ code: 'CW_ERR_FORMAT', line: 2 });
    await expect(openInput(unclosed, { tmpDir, csvEngine: 'csv-parse' })).rejects.toMatchObject({ code: 'CW_ERR_FORMAT' });
  });
});
