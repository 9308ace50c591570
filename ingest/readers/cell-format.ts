/**
 * Text rendering of spreadsheet cell values for the normalized CSV.
 */

/**
 * Numbers as plain decimal strings: rounded to 15 significant digits (what Excel
 * stores and displays; removes binary noise such as 0.30000000000000004) and
 * never in exponent notation. NaN (e.g. an error formula result) gives ''.
 *
 * Note: integers with more than 15 digits (18-digit ID numbers typed into a
 * numeric cell) have already lost their last digits inside Excel; they come out
 * as e.g. '110101199003071000' and are left to the validator to reject.
 */
export function formatNumber(n: number): string {
  if (Number.isNaN(n)) return '';
  if (!Number.isFinite(n)) return String(n);
  const s = String(Number(n.toPrecision(15)));
  return s.includes('e') ? expandExponent(s) : s;
}

/** '1.5e-7' -> '0.00000015', '1e+21' -> '1000000000000000000000'. */
export function expandExponent(s: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/i.exec(s);
  if (!m) return s;
  const [, sign, int, frac = '', expText] = m;
  const digits = (int + frac).replace(/^0+(?=\d)/, '');
  const point = int.replace(/^0+(?=\d)/, '').length + Number(expText);
  let out: string;
  if (point <= 0) out = '0.' + '0'.repeat(-point) + digits;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = digits.slice(0, point) + '.' + digits.slice(point);
  if (out.includes('.')) out = out.replace(/0+$/, '').replace(/\.$/, '');
  return sign + out;
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/**
 * 'YYYY-MM-DD' from the UTC parts (Excel dates carry no time zone and exceljs
 * builds them in UTC). A non-midnight time of day is kept: 'YYYY-MM-DD HH:MM:SS'.
 */
export function formatDate(d: Date): string {
  const t = d.getTime();
  if (Number.isNaN(t)) return '';
  const secs = Math.round(t / 1000); // exceljs rounds to ms; drop float noise below 1 s
  const r = new Date(secs * 1000);
  const date = `${String(r.getUTCFullYear()).padStart(4, '0')}-${pad2(r.getUTCMonth() + 1)}-${pad2(r.getUTCDate())}`;
  if (secs % 86400 === 0) return date;
  return `${date} ${pad2(r.getUTCHours())}:${pad2(r.getUTCMinutes())}:${pad2(r.getUTCSeconds())}`;
}

/** Excel serial date (1900 or 1904 system) to a UTC Date. */
export function excelSerialToDate(serial: number, date1904 = false): Date {
  const epochDays = date1904 ? 24107 : 25569; // days from the Excel epoch to 1970-01-01
  return new Date(Math.round((serial - epochDays) * 86400 * 1000));
}

/** True for number formats that display a date/time (same rule Excel readers use). */
export function isDateFormat(fmt: string | undefined): boolean {
  if (!fmt || fmt === 'General' || fmt === '@') return false;
  const stripped = fmt
    .replace(/\[[^\]]*]/g, '') // [Red], [$-804], [h]
    .replace(/"[^"]*"/g, '') // literal text like "年"
    .replace(/\\./g, ''); // escaped characters
  return /[ymdhs]/i.test(stripped) && !/^[#0.,%E+\-\s]*$/i.test(stripped);
}

/** Decodes Excel's _xHHHH_ escapes (e.g. _x000D_ for a carriage return). */
export function decodeExcelEscapes(s: string): string {
  return s.includes('_x') ? s.replace(/_x([0-9A-Fa-f]{4})_/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))) : s;
}

interface CellLike {
  value?: unknown;
  numFmt?: string;
}

/**
 * Text of an exceljs cell value: strings as is, numbers via formatNumber, Dates via
 * formatDate, rich text concatenated, formulas -> their cached result, booleans ->
 * 'true'/'false', errors -> the error code ('#N/A').
 */
export function cellText(cell: CellLike, date1904 = false): string {
  const v = cell.value;
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return decodeExcelEscapes(v);
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Date) return formatDate(v);
  if (typeof v !== 'object') return String(v);
  const o = v as Record<string, unknown>;
  if (Array.isArray(o.richText)) {
    return decodeExcelEscapes(o.richText.map((r: { text?: unknown }) => (r?.text == null ? '' : String(r.text))).join(''));
  }
  if ('formula' in o || 'sharedFormula' in o) {
    const r = o.result;
    if (typeof r === 'number' && isDateFormat(cell.numFmt)) return formatDate(excelSerialToDate(r, date1904));
    return cellText({ value: r }, date1904);
  }
  if ('error' in o) return String(o.error);
  if ('text' in o) return cellText({ value: o.text }, date1904); // hyperlink cell
  return JSON.stringify(o);
}
