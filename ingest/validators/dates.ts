/**
 * Lenient parsing of record dates as they appear in source registers
 * (成立日期, 核准日期, 有效期至 ...). SQL twins: cw_parse_date / cw_date_reason
 * in ../sql/validate_macros.sql; keep the patterns below in sync with them.
 *
 * Accepted (after stripping blanks at both ends):
 *   YYYY/M/D, YYYY/MM/DD, YYYY-M-D, YYYY-MM-DD, YYYYMMDD, YYYY年M月D日 (also MM/DD)
 *   each optionally followed by spaces and a time 'H:MM', 'HH:MM:SS' or
 *   'HH:MM:SS.ffffff' (database exports often carry '.0'); the time is ignored
 *   and not range-checked.
 */

export type ParsedDate =
  | { ok: true; iso: string; longTerm: boolean }
  | { ok: false; reason: 'format' | 'calendar' };

/** Sentinel used by registers for 长期 (no expiry). */
export const LONG_TERM_ISO = '2099-12-31';

/** Full-string pattern of an accepted date (same text as cw__date_pattern() in SQL). */
export const DATE_PATTERN =
  '([0-9]{4}/[0-9]{1,2}/[0-9]{1,2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}|[0-9]{8}|[0-9]{4}年[0-9]{1,2}月[0-9]{1,2}日)' +
  '( +[0-9]{1,2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,6})?)?)?';

/** Splits an already-validated date into year, month, day (works for all forms). */
const SPLIT_PATTERN = '^([0-9]{4})[/年-]?([0-9]{1,2})[/月-]?([0-9]{1,2})';

const DATE_RE = new RegExp(`^(?:${DATE_PATTERN})$`);
const SPLIT_RE = new RegExp(SPLIT_PATTERN);
/** Same blank set as BLANK_CHARS in uscc.ts / cw__blanks() in SQL. */
const EDGE_BLANKS_RE = /^[ \t\n\r\f\v\u00a0\u3000\ufeff]+|[ \t\n\r\f\v\u00a0\u3000\ufeff]+$/g;

/** Days in a month of the proleptic Gregorian calendar. */
export function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** True if y-m-d exists (years 1..9999; there is no year 0). */
export function isRealDate(y: number, m: number, d: number): boolean {
  return (
    Number.isInteger(y) && Number.isInteger(m) && Number.isInteger(d) &&
    y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m)
  );
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

/** Today's date in the process time zone as 'YYYY-MM-DD'. */
export function localTodayIso(now: Date = new Date()): string {
  return `${pad(now.getFullYear(), 4)}-${pad(now.getMonth() + 1, 2)}-${pad(now.getDate(), 2)}`;
}

/**
 * Parse a record date. 'format' = not one of the accepted shapes (including
 * empty input); 'calendar' = right shape but no such day (2023-02-30, month 13).
 * longTerm is true for the 长期 sentinel 2099-12-31.
 */
export function parseRecordDate(s: string): ParsedDate {
  const t = s.replace(EDGE_BLANKS_RE, '');
  if (!DATE_RE.test(t)) return { ok: false, reason: 'format' };
  const parts = SPLIT_RE.exec(t);
  if (!parts) return { ok: false, reason: 'format' }; // unreachable: DATE_RE implies a split
  const [y, m, d] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (!isRealDate(y, m, d)) return { ok: false, reason: 'calendar' };
  const iso = `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
  return { ok: true, iso, longTerm: iso === LONG_TERM_ISO };
}
