/**
 * 统一社会信用代码 (Unified Social Credit Code, USCC) validation, GB 32100-2015.
 *
 * Layout (1-based positions):
 *   1      registration department (登记管理部门代码)
 *   2      organisation type (机构类别代码)
 *   3-8    administrative division of the registering authority (GB/T 2260)
 *   9-17   organisation code (组织机构代码, GB 11714): 8-char body + its own check char at 17
 *   18     outer check char (MOD 31, weights 3^(i-1) mod 31)
 *
 * The SQL twin of this module lives in ../sql/validate_macros.sql (cw_uscc_status);
 * both must return the same status for every input (see sql-macros.test.ts).
 */

/** The 31 USCC symbols, valued 0..30 in this order (no I, O, S, V, Z). */
export const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

/** Weights of positions 1..17: 3^(i-1) mod 31. */
export const USCC_WEIGHTS: readonly number[] = Array.from({ length: 17 }, (_, i) => {
  let w = 1;
  for (let k = 0; k < i; k++) w = (w * 3) % 31;
  return w;
});

/** GB 11714 weights for the 8-char organisation-code body. */
export const ORG_CODE_WEIGHTS: readonly number[] = [3, 7, 9, 10, 5, 8, 4, 2];

/** Result of usccStatus, checked in this order; only 'ok' is fully valid. */
export type UsccStatus = 'ok' | 'missing' | 'length' | 'charset' | 'check' | 'org_check';

/**
 * Characters treated as blank by the 'missing' test. Listed explicitly (rather than
 * using JS `\s`) so that the SQL macro can use exactly the same set.
 */
export const BLANK_CHARS = ' \t\n\r\f\v\u00a0\u3000\ufeff';

const BLANK_RE = /^[ \t\n\r\f\v\u00a0\u3000\ufeff]*$/;
const USCC_RE = /^[0-9A-HJ-NPQRTUWXY]{18}$/;
const FIRST17_RE = /^[0-9A-HJ-NPQRTUWXY]{17}$/;
const ORG8_RE = /^[0-9A-Z]{8}$/;

/** True for null, undefined, '' and strings made only of BLANK_CHARS. */
export function isBlank(s: string | null | undefined): boolean {
  return s == null || BLANK_RE.test(s);
}

/** Number of Unicode code points (what DuckDB's length() counts), not UTF-16 units. */
export function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Outer (18th) check character for the first 17 USCC characters. Throws on bad input. */
export function usccCheckChar(first17: string): string {
  if (!FIRST17_RE.test(first17)) {
    throw new RangeError(`usccCheckChar: expected 17 USCC characters, got '${first17}'`);
  }
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += USCC_ALPHABET.indexOf(first17[i]) * USCC_WEIGHTS[i];
  return USCC_ALPHABET[(31 - (sum % 31)) % 31];
}

/**
 * GB 11714 check character for an 8-char organisation-code body.
 * Digits count their value, letters A-Z count 10..35; C = 11 - (S mod 11),
 * where 10 is written 'X' and 11 is written '0'. Throws on bad input.
 */
export function innerOrgCheckChar(org8: string): string {
  if (!ORG8_RE.test(org8)) {
    throw new RangeError(`innerOrgCheckChar: expected 8 chars [0-9A-Z], got '${org8}'`);
  }
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += parseInt(org8[i], 36) * ORG_CODE_WEIGHTS[i];
  const c = 11 - (sum % 11);
  return c === 10 ? 'X' : c === 11 ? '0' : String(c);
}

/**
 * Classify a USCC. Checks run in this order and the first failure wins:
 * missing -> length -> charset -> check (outer) -> org_check (inner GB 11714).
 *
 * Deliberately strict: the input is neither trimmed nor upper-cased, so a
 * lowercase code is 'charset' and a padded one is 'length'; normalising is the
 * caller's decision and must stay visible in data-quality reports.
 *
 * 'org_check' is only a flag: some codes issued by early pilot regions before
 * the standard (e.g. 91350211M00013FA1N) fail the inner check and are still real.
 *
 * Positions 1-2 (registration department / organisation type) are NOT checked
 * against the GB 32100 table: real registers contain codes with rare or
 * later-added combinations (e.g. A1, N3, Y1, x9 "other"), and rejecting them
 * would produce false alarms in the 重错码 monitoring.
 */
export function usccStatus(code: string | null | undefined): UsccStatus {
  if (code == null || isBlank(code)) return 'missing';
  if (codePointLength(code) !== 18) return 'length';
  if (!USCC_RE.test(code)) return 'charset';
  if (usccCheckChar(code.slice(0, 17)) !== code[17]) return 'check';
  if (innerOrgCheckChar(code.slice(8, 16)) !== code[16]) return 'org_check';
  return 'ok';
}

/** Append the outer check char to 17 USCC characters. */
export function makeUscc(first17: string): string {
  return first17 + usccCheckChar(first17);
}

/** Append the GB 11714 check char to an 8-char organisation-code body (9-char code). */
export function makeOrgCode8Check(org8: string): string {
  return org8 + innerOrgCheckChar(org8);
}

export interface RandomUsccOptions {
  /** Registration department, 1 char (default '9' = 市场监管). */
  dept?: string;
  /** Organisation type, 1 char (default '1'; e.g. 91 enterprise, 92 个体工商户, 93 co-op,
   *  11 government, 12 public institution, 51 social group, 52 民办非企业). */
  type?: string;
  /** 6-digit GB/T 2260 division code of the registering authority. */
  county6: string;
}

/**
 * A random USCC that passes ALL checks (outer and inner). `rng` returns [0, 1),
 * e.g. Math.random or a seeded generator. The org body uses only USCC symbols,
 * and the inner check char (a digit or 'X') is always a USCC symbol too.
 */
export function randomUscc(rng: () => number, opts: RandomUsccOptions): string {
  const dept = opts.dept ?? '9';
  const type = opts.type ?? '1';
  if (!/^[0-9A-HJ-NPQRTUWXY]{2}$/.test(dept + type)) {
    throw new RangeError(`randomUscc: bad dept/type '${dept}${type}'`);
  }
  if (!/^[0-9]{6}$/.test(opts.county6)) {
    throw new RangeError(`randomUscc: county6 must be 6 digits, got '${opts.county6}'`);
  }
  let body = '';
  for (let i = 0; i < 8; i++) {
    body += USCC_ALPHABET[Math.min(30, Math.floor(rng() * 31))];
  }
  return makeUscc(dept + type + opts.county6 + makeOrgCode8Check(body));
}
