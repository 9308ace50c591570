import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import {
  ID_WEIGHTS,
  hashIdNumber,
  idNumberCheckChar,
  idNumberStatus,
  makeIdNumber,
  maskIdNumber,
} from './id-number.ts';
import { localTodayIso } from './dates.ts';

describe('idNumberCheckChar(first17)', () => {
  test('should compute the GB 11643 example 11010519491231002X by hand', () => {
    // digits   1  1  0  1  0  5  1  9  4  9  1  2  3  1  0  0  2
    // weights  7  9 10  5  8  4  2  1  6  3  7  9 10  5  8  4  2
    // products 7 +9 +0 +5 +0 +20 +2 +9 +24 +27 +7 +18 +30 +5 +0 +0 +4 = 167
    // 167 mod 11 = 2 (11*15 = 165) -> '10X98765432'[2] = 'X'
    expect(ID_WEIGHTS).toEqual([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]);
    expect(idNumberCheckChar('11010519491231002')).toBe('X');
    expect(makeIdNumber('11010519491231002')).toBe('11010519491231002X');
  });

  test('should match weights 2^(18-i) mod 11 for positions i = 1..17', () => {
    // GB 11643 numbers positions from the right (check char = 1): W = 2^(n-1) mod 11,
    // so left position i has weight 2^(18-i) mod 11; i = 1 -> 2^17 mod 11 = 7.
    expect(ID_WEIGHTS).toEqual(Array.from({ length: 17 }, (_, k) => 2 ** (18 - (k + 1)) % 11));
  });

  test('should throw on non-digit input', () => {
    expect(() => idNumberCheckChar('1101051949123100X')).toThrow(RangeError);
  });
});

describe('idNumberStatus(id)', () => {
  test('should accept valid numbers', () => {
    expect(idNumberStatus('11010519491231002X')).toBe('ok');
    expect(idNumberStatus(makeIdNumber('32090219900101123'))).toBe('ok');
    expect(idNumberStatus(makeIdNumber('32090219000101123'))).toBe('ok'); // lower bound
  });

  test('should report missing for null and blank input', () => {
    for (const v of [null, undefined, '', ' ', '\u3000']) expect(idNumberStatus(v)).toBe('missing');
  });

  test('should report length for 15-digit and padded numbers', () => {
    expect(idNumberStatus('110105491231002')).toBe('length');
    expect(idNumberStatus(' 11010519491231002X')).toBe('length');
  });

  test('should report charset for lowercase x and stray characters', () => {
    expect(idNumberStatus('11010519491231002x')).toBe('charset');
    expect(idNumberStatus('1101051949123100X2')).toBe('charset');
    expect(idNumberStatus('11010519491231００2X')).toBe('charset');
  });

  test('should report birthdate for impossible or out-of-range dates', () => {
    expect(idNumberStatus(makeIdNumber('32090219900230123'))).toBe('birthdate'); // 30 Feb
    expect(idNumberStatus(makeIdNumber('32090219901301123'))).toBe('birthdate'); // month 13
    expect(idNumberStatus(makeIdNumber('32090219900100123'))).toBe('birthdate'); // day 0
    expect(idNumberStatus(makeIdNumber('32090220230229123'))).toBe('birthdate'); // not a leap year
    expect(idNumberStatus(makeIdNumber('32090218991231123'))).toBe('birthdate'); // before 1900
    expect(idNumberStatus(makeIdNumber('32090230000101123'))).toBe('birthdate'); // future
    expect(idNumberStatus(makeIdNumber('32090220000229123'))).toBe('ok'); // 2000 is a leap year
  });

  test('should treat today as valid and tomorrow as a bad birthdate', () => {
    const today = localTodayIso().replaceAll('-', '');
    const t = new Date();
    t.setDate(t.getDate() + 1);
    const tomorrow = localTodayIso(t).replaceAll('-', '');
    expect(idNumberStatus(makeIdNumber(`320902${today}123`))).toBe('ok');
    expect(idNumberStatus(makeIdNumber(`320902${tomorrow}123`))).toBe('birthdate');
  });

  test('should report check for a wrong check char', () => {
    expect(idNumberStatus('110105194912310021')).toBe('check');
    expect(idNumberStatus('11010519491231002X'.slice(0, 16) + '3X')).toBe('check');
  });
});

describe('maskIdNumber(id)', () => {
  test('should keep the first and last four characters', () => {
    expect(maskIdNumber('320902199001011234')).toBe('3209**********1234');
    expect(maskIdNumber('11010519491231002X')).toBe('1101**********002X');
    expect(maskIdNumber('110105491231002')).toBe('1101**********1002');
    expect(maskIdNumber('12345678')).toBe('1234**********5678');
  });

  test('should mask short values completely', () => {
    expect(maskIdNumber('1234567')).toBe('*******');
    expect(maskIdNumber('')).toBe('');
  });

  test('should count code points, not UTF-16 units', () => {
    expect(maskIdNumber('𠀀𠀀𠀀𠀀5678')).toBe('𠀀𠀀𠀀𠀀**********5678');
  });
});

describe('hashIdNumber(id, key)', () => {
  test('should return SHA-256 of key|ID as hex, the same as DuckDB sha256()', async () => {
    const h = hashIdNumber('11010519491231002X', 'k1');
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(h).toBe(createHash('sha256').update('k1|11010519491231002X').digest('hex'));
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const conn = await (await DuckDBInstance.create(':memory:')).connect();
    const r = await conn.runAndReadAll("SELECT sha256('k1' || '|' || '11010519491231002X') AS h");
    expect(r.getRowObjects()[0].h).toBe(h);
  });

  test('should depend on the key and on the exact input', () => {
    const h = hashIdNumber('11010519491231002X', 'k1');
    expect(hashIdNumber('11010519491231002X', 'k2')).not.toBe(h);
    expect(hashIdNumber('11010519491231002x', 'k1')).toBe(h); // upper-cased first
    expect(hashIdNumber('110105194912310021', 'k1')).not.toBe(h);
    expect(hashIdNumber('11010519491231002X', 'k1')).toBe(h);
  });
});
