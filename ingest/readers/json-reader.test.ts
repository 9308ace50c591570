import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import iconv from 'iconv-lite';
import { openInput } from './open-input.ts';
import { sniffJsonFormat } from './json-reader.ts';
import { JsonRecordSplitter } from './json-splitter.ts';
import { HEADER, JSON_DATA_HEADER, JSON_DATA_ROWS, ROWS } from './fixtures/expected.ts';
import { fixture, makeTmpDir, readBack } from './test-helpers.ts';

const tmp = makeTmpDir('json');
afterAll(tmp.cleanup);
const tmpDir = join(tmp.dir, 'out');
const write = tmp.write;

describe('fixtures', () => {
  it.each([
    ['array.json', 'json', HEADER, ROWS],
    ['data.json', 'json', JSON_DATA_HEADER, JSON_DATA_ROWS],
    ['records.ndjson', 'ndjson', HEADER, ROWS],
  ])('%s', async (file, format, header, rows) => {
    const t = await openInput(fixture(file), { tmpDir });
    expect(t).toMatchObject({ format, header, temporary: true, rowCount: rows.length });
    const back = await readBack(t.csvPath);
    expect(back.columns).toEqual(header);
    expect(back.rows).toEqual(rows);
  });
});

describe('JSON edge cases', () => {
  it('keeps the source text of numbers (18-digit IDs, trailing zeros)', async () => {
    const p = write('nums.json', '{"rows":[{"id":110101199003071234,"amt":1.50,"e":1e3,"n":[1.0,2],"b":true,"z":null}]}');
    const t = await openInput(p, { tmpDir });
    expect(t.header).toEqual(['id', 'amt', 'e', 'n', 'b', 'z']);
    expect((await readBack(t.csvPath)).rows).toEqual([['110101199003071234', '1.50', '1e3', '[1,2]', 'true', '']]);
  });

  it('puts keys first seen after 1000 records into __extra__ as JSON', async () => {
    const recs = Array.from({ length: 1200 }, (_, i) => ({ 名称: `企业${i}`, ...(i === 1100 ? { 新字段: 'x', 数: 5 } : {}) }));
    const t = await openInput(write('late.ndjson', recs.map((r) => JSON.stringify(r)).join('\n')), { tmpDir });
    expect(t.header).toEqual(['名称', '__extra__']);
    const back = await readBack(t.csvPath);
    expect(back.rows.length).toBe(1200);
    expect(back.rows[1100]).toEqual(['企业1100', '{"新字段":"x","数":"5"}']);
    expect(back.rows[1099]).toEqual(['企业1099', '']);
  });

  it('sniffs NDJSON in a .json file and JSON arrays in a .jsonl file', async () => {
    const nd = await openInput(write('nd.json', '{"a":1}\n{"a":2,"b":"x"}\n'), { tmpDir });
    expect(nd).toMatchObject({ format: 'ndjson', header: ['a', 'b'] });
    const arr = await openInput(write('arr.jsonl', ' [{"a":"1"}]'), { tmpDir });
    expect(arr).toMatchObject({ format: 'json', header: ['a'] });
    expect(sniffJsonFormat('{\n "data": [\n', 'json')).toBe('json');
    expect(sniffJsonFormat('{"data":[{"a":1}]}', 'json')).toBe('json');
    expect(sniffJsonFormat('{"a":1}', 'json')).toBe('ndjson');
  });

  it('decodes GBK JSON', async () => {
    const t = await openInput(write('gbk.json', iconv.encode('[{"名称":"南京市生态环境局"}]', 'gbk')), { tmpDir });
    expect(t.encoding).toBe('gb18030');
    expect((await readBack(t.csvPath)).rows).toEqual([['南京市生态环境局']]);
  });

  it('fails with stable codes', async () => {
    const fail = (name: string, text: string) => openInput(write(name, text), { tmpDir });
    await expect(fail('empty.json', '[]')).rejects.toMatchObject({ code: 'CW_ERR_EMPTY' });
    await expect(fail('nums.json', '[1,2]')).rejects.toMatchObject({ code: 'CW_ERR_FORMAT' });
    await expect(fail('cut.json', '[{"a":1},{"a":')).rejects.toMatchObject({ code: 'CW_ERR_FORMAT' });
    await expect(fail('bad.ndjson', '{"a":1}\n{"a":}\n')).rejects.toMatchObject({ code: 'CW_ERR_FORMAT', line: 2 });
    await expect(fail('nokey.json', '{"code":200,"result":[{"a":1}]}')).rejects.toMatchObject({
      code: 'CW_ERR_FORMAT',
      message: expect.stringContaining('code, result'),
    });
    await expect(fail('scalar.json', '"x"')).rejects.toMatchObject({ code: 'CW_ERR_FORMAT' });
    await expect(fail('trailing.json', '[{"a":1}] x')).rejects.toMatchObject({ code: 'CW_ERR_FORMAT' });
  });
});

describe('JsonRecordSplitter', () => {
  it('gives the same records whatever the chunk boundaries', () => {
    const doc = '{"meta":{"rows":[9]},"records":[{"a":"x,\\"}]","n":-12.5e2},{"b":[{"c":1}],"n":7}],"rows":[{"no":1}]}';
    const expected = [
      { a: 'x,"}]', n: '-12.5e2' },
      { b: [{ c: 1 }], n: '7' },
    ];
    for (const size of [1, 2, 3, 7, doc.length]) {
      const s = new JsonRecordSplitter('document');
      const got: unknown[] = [];
      for (let i = 0; i < doc.length; i += size) got.push(...s.push(doc.slice(i, i + size)).map((r) => JSON.parse(r.text)));
      s.end();
      expect(got).toEqual(expected);
    }
  });
});
