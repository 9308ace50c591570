/**
 * 公民身份号码 (resident identity number) validation, GB 11643-1999, 18-char form.
 *
 * Layout (1-based): 1-6 address code, 7-14 birth date YYYYMMDD, 15-17 sequence
 * (odd = male), 18 check char ('0'-'9' or 'X', ISO 7064 MOD 11-2).
 *
 * SQL twins: cw_idno_status / cw_mask_id in ../sql/validate_macros.sql.
 */
import { createHash } from 'node:crypto';
import { codePointLength, isBlank } from './uscc.ts';
import { isRealDate, localTodayIso } from './dates.ts';

export type IdNumberStatus = 'ok' | 'missing' | 'length' | 'charset' | 'birthdate' | 'check';

/** Weights of positions i = 1..17: 2^(18-i) mod 11 (the standard counts positions from the right, check char = 1). */
export const ID_WEIGHTS: readonly number[] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/** Check char indexed by (weighted sum mod 11). */
const ID_CHECK_CHARS = '10X98765432';

const ID_RE = /^[0-9]{17}[0-9X]$/;
const FIRST17_RE = /^[0-9]{17}$/;

/** Earliest birth date accepted in an ID number (inclusive). */
export const ID_MIN_BIRTH = '1900-01-01';

/** Check char (digit or 'X') for the first 17 digits. Throws on bad input. */
export function idNumberCheckChar(first17: string): string {
  if (!FIRST17_RE.test(first17)) {
    throw new RangeError(`idNumberCheckChar: expected 17 digits, got '${first17}'`);
  }
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * ID_WEIGHTS[i];
  return ID_CHECK_CHARS[sum % 11];
}

/**
 * Classify an 18-char ID number; the first failure wins:
 * missing -> length -> charset -> birthdate -> check.
 *
 * Not trimmed or upper-cased: a lowercase 'x' is 'charset' (same policy as USCC).
 * The birth date must be a real calendar date in [1900-01-01, today], where
 * "today" is the local date (DuckDB's current_date uses the same time zone).
 * The 15-digit pre-1999 form is reported as 'length'.
 */
export function idNumberStatus(id: string | null | undefined): IdNumberStatus {
  if (id == null || isBlank(id)) return 'missing';
  if (codePointLength(id) !== 18) return 'length';
  if (!ID_RE.test(id)) return 'charset';
  const y = Number(id.slice(6, 10));
  const m = Number(id.slice(10, 12));
  const d = Number(id.slice(12, 14));
  const iso = `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
  if (!isRealDate(y, m, d) || iso < ID_MIN_BIRTH || iso > localTodayIso()) return 'birthdate';
  if (idNumberCheckChar(id.slice(0, 17)) !== id[17]) return 'check';
  return 'ok';
}

/** Append the check char to 17 digits. */
export function makeIdNumber(first17: string): string {
  return first17 + idNumberCheckChar(first17);
}

/**
 * Mask for display/logs: first 4 + ten '*' + last 4 (e.g. 3209**********1234)
 * for any value of at least 8 code points; shorter values become all '*'.
 * Note: an 8..13-char value is then shown in full (4 + 4 visible chars); such
 * values are not valid ID numbers anyway.
 */
export function maskIdNumber(id: string): string {
  const chars = Array.from(id);
  if (chars.length < 8) return '*'.repeat(chars.length);
  return chars.slice(0, 4).join('') + '*'.repeat(10) + chars.slice(-4).join('');
}

/**
 * Keyed pseudonym for joining records without storing the number: SHA-256 of `key|ID` as
 * lowercase hex. The ingest computes the same in DuckDB (`sha256(key || '|' || id)`, no HMAC
 * there), so the two must stay byte-identical; a secret key makes the hash unguessable from the
 * small space of valid ID numbers. The id is upper-cased first ('x' check char).
 */
export function hashIdNumber(id: string, key: string): string {
  return createHash('sha256').update(`${key}|${id.toUpperCase()}`, 'utf8').digest('hex');
}
