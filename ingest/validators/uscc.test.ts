import { describe, expect, test } from 'vitest';
import {
  USCC_ALPHABET,
  USCC_WEIGHTS,
  innerOrgCheckChar,
  makeOrgCode8Check,
  makeUscc,
  randomUscc,
  usccCheckChar,
  usccStatus,
  type UsccStatus,
} from './uscc.ts';
import { loadUsccVectors, pick, seededRng } from './test-support.ts';

/** Expected status of every invalid reference vector, worked out by hand. */
const INVALID_VECTOR_STATUS: Record<string, UsccStatus> = {
  '91110000600037341N': 'check', // valid code ends in L
  // 'A1' is a legal dept/type (军队事业单位) and positions 1-2 are not checked; the
  // outer check char for A1110000600037341 is K, not L.
  A1110000600037341L: 'check',
  '9111000060003IOZSV': 'charset', // I, O, Z, S, V are not USCC symbols
  '12345': 'length',
  // Early pilot-region code. Inner org code M00013FA|1: 22*3 + 0 + 0 + 0 + 1*5 + 3*8
  // + 15*4 + 10*2 = 175, 175 mod 11 = 10, 11 - 10 = 1 -> '1' matches, so the inner
  // check PASSES. Outer: values 9,1,3,5,0,2,1,1,22,0,0,0,1,3,15,10,1 times weights
  // 1,3,9,27,19,26,16,17,20,29,25,13,8,24,10,30,28 = 9+3+27+135+0+52+16+17+440
  // +0+0+0+8+72+150+300+28 = 1257; 1257 mod 31 = 17; (31 - 17) mod 31 = 14 -> 'E',
  // but the code ends in 'N'. So it fails the OUTER check: 'check', not 'org_check'.
  '91350211M00013FA1N': 'check',
  '91320214745555318X': 'check',
  '913205056082348769': 'check',
  '91340600MA2PBM9HXE': 'check',
  '92340602MA2PBMEM25': 'check',
  '121200004013590817': 'check',
  '91310110666007217U': 'check',
  // Swapping positions 10/11 changes S by (5-4)*(29-25) = 4, not 0 mod 31.
  '91320214754555318W': 'check',
  '91340600ma2pbm9hxd': 'charset', // lowercase is not upper-cased
};

describe('usccStatus(code)', () => {
  const vectors = loadUsccVectors();

  test('should load the reference vectors', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(200);
    for (const code of Object.keys(INVALID_VECTOR_STATUS)) {
      expect(vectors.some((v) => v.code === code)).toBe(true);
    }
  });

  test.each(vectors.filter((v) => v.valid).map((v) => [v.code]))('should accept valid vector %s', (code) => {
    expect(usccStatus(code)).toBe('ok');
  });

  test.each(vectors.filter((v) => !v.valid).map((v) => [v.code]))('should reject invalid vector %s', (code) => {
    const status = usccStatus(code);
    expect(status).not.toBe('ok');
    if (code in INVALID_VECTOR_STATUS) expect(status).toBe(INVALID_VECTOR_STATUS[code]);
  });

  test('should report missing for null, undefined, empty and blank input', () => {
    for (const v of [null, undefined, '', '   ', '\t\n', '\u3000']) expect(usccStatus(v)).toBe('missing');
  });

  test('should report length for padded or short codes instead of trimming', () => {
    expect(usccStatus(' 91110000600037341L')).toBe('length');
    expect(usccStatus('91110000600037341')).toBe('length');
    expect(usccStatus('91110000600037341LL')).toBe('length');
  });

  test('should report charset for lowercase, forbidden letters and full-width digits', () => {
    expect(usccStatus('91110000600037341l')).toBe('charset');
    expect(usccStatus('9111000060003734IL')).toBe('charset');
    expect(usccStatus('９1110000600037341L')).toBe('charset');
  });

  test('should report org_check when only the inner GB 11714 check fails', () => {
    // From GB 32100 background: passes the MOD 31 check, fails the inner one.
    expect(usccStatus('123456789012345678')).toBe('org_check');
    // Break char 17 of a valid code, then re-derive the outer check char.
    expect(usccStatus(makeUscc('9111000060003734' + '2'))).toBe('org_check');
  });
});

describe('usccCheckChar(first17)', () => {
  test('should compute the check char of 91110000600037341L by hand', () => {
    // values   9  1  1  1  0  0  0  0  6  0  0  0  3  7  3  4  1
    // weights  1  3  9 27 19 26 16 17 20 29 25 13  8 24 10 30 28
    // products 9 +3 +9 +27 +0 +0 +0 +0 +120 +0 +0 +0 +24 +168 +30 +120 +28 = 538
    // 538 mod 31 = 11 (31*17 = 527); (31 - 11) mod 31 = 20 -> alphabet[20] = 'L'
    expect(USCC_WEIGHTS).toEqual([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]);
    expect(USCC_ALPHABET[20]).toBe('L');
    expect(usccCheckChar('91110000600037341')).toBe('L');
  });

  test('should map a zero remainder to 0', () => {
    // S = 0 -> (31 - 0) mod 31 = 0 -> '0'; '4001000...': S = 4*1 + 1*27 = 31 -> '0' too.
    expect(usccCheckChar('00000000000000000')).toBe('0');
    expect(usccCheckChar('40010000000000000')).toBe('0');
    // '1000...': S = 1 -> 31 - 1 = 30 -> 'Y' (the last symbol)
    expect(usccCheckChar('10000000000000000')).toBe('Y');
  });

  test('should throw on input that is not 17 USCC symbols', () => {
    expect(() => usccCheckChar('9111000060003734')).toThrow(RangeError);
    expect(() => usccCheckChar('9111000060003734I')).toThrow(RangeError);
  });
});

describe('innerOrgCheckChar(org8)', () => {
  test('should compute the GB 11714 check char of 60003734 by hand', () => {
    // 6*3 + 0*7 + 0*9 + 0*10 + 3*5 + 7*8 + 3*4 + 4*2 = 18 + 15 + 56 + 12 + 8 = 109
    // 109 mod 11 = 10; 11 - 10 = 1 -> '1' (char 17 of 91110000600037341L)
    expect(innerOrgCheckChar('60003734')).toBe('1');
    expect(makeOrgCode8Check('60003734')).toBe('600037341');
  });

  test('should write 10 as X and 11 as 0', () => {
    // MA2PBM9H: 22*3 + 10*7 + 2*9 + 25*10 + 11*5 + 22*8 + 9*4 + 17*2 = 705,
    // 705 mod 11 = 1, 11 - 1 = 10 -> 'X' (as in 91340600MA2PBM9HXD)
    expect(innerOrgCheckChar('MA2PBM9H')).toBe('X');
    // 00000000: S = 0, 11 - 0 = 11 -> '0'
    expect(innerOrgCheckChar('00000000')).toBe('0');
  });

  test('should value letters A-Z as 10-35 including letters USCC forbids', () => {
    // Z = 35: 35*3 = 105, 105 mod 11 = 6, 11 - 6 = 5
    expect(innerOrgCheckChar('Z0000000')).toBe('5');
  });

  test('should throw on bad input', () => {
    expect(() => innerOrgCheckChar('6000373')).toThrow(RangeError);
    expect(() => innerOrgCheckChar('6000373a')).toThrow(RangeError);
  });
});

describe('randomUscc(rng, opts)', () => {
  test('should produce codes that pass all checks', () => {
    const rng = seededRng(42);
    const types = ['91', '92', '93', '12', '11', '52', '51'];
    for (let i = 0; i < 2000; i++) {
      const dt = pick(rng, types);
      const code = randomUscc(rng, { dept: dt[0], type: dt[1], county6: '320902' });
      expect(code).toMatch(/^\d{2}320902[0-9A-HJ-NPQRTUWXY]{10}$/);
      expect(code.slice(0, 2)).toBe(dt);
      expect(usccStatus(code)).toBe('ok');
    }
  });

  test('should default to an enterprise code (91) and be deterministic for a seed', () => {
    const a = randomUscc(seededRng(7), { county6: '320900' });
    expect(a.startsWith('91320900')).toBe(true);
    expect(randomUscc(seededRng(7), { county6: '320900' })).toBe(a);
  });

  test('should reject a bad county code or dept/type', () => {
    expect(() => randomUscc(Math.random, { county6: '32090' })).toThrow(RangeError);
    expect(() => randomUscc(Math.random, { dept: 'I', county6: '320900' })).toThrow(RangeError);
  });
});
