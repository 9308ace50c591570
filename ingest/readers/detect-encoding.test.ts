import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import iconv from 'iconv-lite';
import { detectEncoding, detectFileEncoding, findInvalidUtf8, SAMPLE_BYTES } from './detect-encoding.ts';
import { ReaderError } from './errors.ts';
import { fixture, makeTmpDir } from './test-helpers.ts';

const tmp = makeTmpDir('enc');
afterAll(tmp.cleanup);

const b = (...bytes: number[]): Buffer => Buffer.from(bytes);

function catchError(fn: () => unknown): ReaderError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ReaderError);
    return e as ReaderError;
  }
  throw new Error('expected a ReaderError');
}

describe('findInvalidUtf8', () => {
  it('accepts ASCII, 2/3/4-byte sequences', () => {
    expect(findInvalidUtf8(Buffer.from('abc 信用 𠀀 é'))).toBe(-1);
  });
  it('rejects overlongs, surrogates, out-of-range and stray continuation bytes', () => {
    expect(findInvalidUtf8(b(0x41, 0xc0, 0x80))).toBe(1); // overlong NUL
    expect(findInvalidUtf8(b(0xe0, 0x80, 0x80))).toBe(0); // overlong 3-byte
    expect(findInvalidUtf8(b(0xed, 0xa0, 0x80))).toBe(0); // surrogate D800
    expect(findInvalidUtf8(b(0xf4, 0x90, 0x80, 0x80))).toBe(0); // > U+10FFFF
    expect(findInvalidUtf8(b(0x41, 0x42, 0x80))).toBe(2);
    expect(findInvalidUtf8(b(0xff))).toBe(0);
  });
  it('tolerates a truncated sequence at the very end only when allowed', () => {
    const cut = Buffer.from('信用').subarray(0, 4); // 3 + 1 bytes
    expect(findInvalidUtf8(cut, 0, true)).toBe(-1);
    expect(findInvalidUtf8(cut, 0, false)).toBe(3);
    expect(findInvalidUtf8(b(0xe4, 0x41), 0, true)).toBe(0); // not a truncation: bad continuation
  });
});

describe('detectEncoding', () => {
  it('recognises BOMs first', () => {
    expect(detectEncoding(b(0xef, 0xbb, 0xbf, 0x61))).toBe('utf8bom');
    expect(detectEncoding(b(0xff, 0xfe, 0x61, 0x00))).toBe('utf16le');
    expect(detectEncoding(b(0xfe, 0xff, 0x00, 0x61))).toBe('utf16be');
  });
  it('detects UTF-8, also with a character cut at the sample end', () => {
    expect(detectEncoding(Buffer.from('名称,代码\n'))).toBe('utf8');
    expect(detectEncoding(Buffer.from('名称,代码').subarray(0, 5))).toBe('utf8');
    expect(detectEncoding(Buffer.alloc(0))).toBe('utf8');
  });
  it('detects GBK and GB18030 text as gb18030', () => {
    expect(detectEncoding(readFileSync(fixture('gbk.csv')), { complete: true })).toBe('gb18030');
    expect(detectEncoding(readFileSync(fixture('gb18030.csv')), { complete: true })).toBe('gb18030');
    const cut = iconv.encode('行政处罚决定书文号', 'gbk');
    expect(detectEncoding(cut.subarray(0, cut.length - 1))).toBe('gb18030'); // truncated tail tolerated
  });
  it('rejects binary garbage with file name and offset', () => {
    const e = catchError(() => detectEncoding(readFileSync(fixture('garbage.csv')), { file: 'garbage.csv', complete: true }));
    expect(e.code).toBe('CW_ERR_ENCODING');
    expect(e.file).toBe('garbage.csv');
    expect(e.offset).toBe(2);
    expect(e.message).toContain('garbage.csv');
    expect(e.message).toContain('byte offset 2');
    expect(e.message).toContain('Hint:');
  });
  it('rejects NUL bytes (binary or UTF-16 without BOM)', () => {
    const e = catchError(() => detectEncoding(Buffer.from('a,b\n', 'utf16le'), { file: 'x.csv' }));
    expect(e.code).toBe('CW_ERR_ENCODING');
    expect(e.offset).toBe(1);
  });
  it('rejects Latin-1 text that is neither UTF-8 nor Chinese', () => {
    const latin1 = Buffer.from('Société Générale, «Zürich», ½ €', 'latin1');
    expect(() => detectEncoding(latin1, { complete: true })).toThrow(/CW_ERR_ENCODING/);
  });
});

describe('detectFileEncoding', () => {
  it('finds GBK text after an ASCII-only first 64 KiB', async () => {
    const p = join(tmp.dir, 'late-gbk.csv');
    const ascii = 'id,name\n' + '1,abc\n'.repeat(Math.ceil((SAMPLE_BYTES * 2) / 6));
    writeFileSync(p, Buffer.concat([Buffer.from(ascii), iconv.encode('2,南京市生态环境局\n'.repeat(5000), 'gbk')]));
    const size = readFileSync(p).length;
    expect((await detectFileEncoding(p, size)).encoding).toBe('gb18030');
  });
  it('reports mixed UTF-8 / GBK files', async () => {
    const p = join(tmp.dir, 'mixed.csv');
    const utf8 = Buffer.from('id,name\n' + '1,信用中国\n'.repeat(20000));
    writeFileSync(p, Buffer.concat([utf8, iconv.encode('2,南京市生态环境局\n'.repeat(20000), 'gbk')]));
    await expect(detectFileEncoding(p, readFileSync(p).length)).rejects.toMatchObject({ code: 'CW_ERR_ENCODING' });
  });
});
