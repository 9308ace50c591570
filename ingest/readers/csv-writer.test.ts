import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CsvFileWriter, encodeCsvField, encodeCsvRow } from './csv-writer.ts';
import { makeTmpDir, readBack } from './test-helpers.ts';

const tmp = makeTmpDir('writer');
afterAll(tmp.cleanup);

describe('encodeCsvField / encodeCsvRow', () => {
  it('quotes only when needed', () => {
    expect(encodeCsvField('南京市')).toBe('南京市');
    expect(encodeCsvField('')).toBe('');
    expect(encodeCsvField(' a ')).toBe(' a ');
    expect(encodeCsvField('a,b')).toBe('"a,b"');
    expect(encodeCsvField('say "hi"')).toBe('"say ""hi"""');
    expect(encodeCsvField('a\nb')).toBe('"a\nb"');
    expect(encodeCsvField('a\rb')).toBe('"a\rb"');
    expect(encodeCsvRow(['a', 'b,c', ''])).toBe('a,"b,c",\n');
  });
});

describe('CsvFileWriter', () => {
  it('writes RFC 4180 that DuckDB reads back unchanged', async () => {
    const p = join(tmp.dir, 'nasty.csv');
    const w = new CsvFileWriter(p);
    const rows = [
      ['逗号,在内', '引号"在内"', '换行\n在内', 'CRLF\r\n在内'],
      ['"', '""', ',', '\n'],
      [' 前后空格 ', '\t', '|', ';'],
    ];
    w.writeHeader(['c1', 'c2', 'c3', 'c4']);
    for (const r of rows) await w.writeRow(r);
    await w.close();
    expect(readFileSync(p).subarray(0, 3).toString()).toBe('c1,');
    const back = await readBack(p);
    expect(back.columns).toEqual(['c1', 'c2', 'c3', 'c4']);
    expect(back.rows).toEqual(rows);
  });

  it('handles backpressure over many rows', async () => {
    const p = join(tmp.dir, 'many.csv');
    const w = new CsvFileWriter(p, { flushAtChars: 4096 });
    w.writeHeader(['n', 'text']);
    let waits = 0;
    for (let i = 0; i < 200_000; i++) {
      const wait = w.writeRow([String(i), '行政处罚决定书文号,"x"']);
      if (wait) {
        waits++;
        await wait;
      }
    }
    await w.close();
    expect(w.rows).toBe(200_000);
    expect(waits).toBeGreaterThan(0);
    const lines = readFileSync(p, 'utf8').split('\n');
    expect(lines.length).toBe(200_002); // header + rows + final ''
    expect(lines[200_000]).toBe('199999,"行政处罚决定书文号,""x"""');
  });
});
