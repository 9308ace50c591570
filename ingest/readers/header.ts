/**
 * Header helpers: canonical labels for matching source headers against schema
 * field names/aliases, CSV delimiter sniffing, and DuckDB-compatible column names.
 */

const INVISIBLE = /[\uFEFF\u200B-\u200D\u2060\u00AD\u180E]/g;
const OPEN_BRACKETS = /[【\[〔［〖]/g;
const CLOSE_BRACKETS = /[】\]〕］〗]/g;
const REQUIRED_MARKER = /(?:\*|\(必填\)|\(必选\))$/u;

/**
 * Canonical form of a header label:
 * - drops BOM / zero-width characters,
 * - NFKC (full-width （）ＡＢ１２ -> half-width),
 * - removes all whitespace (incl. U+3000 ideographic space),
 * - unifies 【】[]〔〕 to (),
 * - strips required markers: trailing '*' or '(必填)', and a leading '*',
 * - uppercases ASCII letters.
 *
 * '罚款金额（万元）', '罚款金额(万元)' and ' 罚款金额 ( 万元 ) ' all give '罚款金额(万元)';
 * 'xk_xdr_mc' gives 'XK_XDR_MC'.
 */
export function normalizeHeaderLabel(s: string): string {
  let t = s.replace(INVISIBLE, '').normalize('NFKC');
  t = t.replace(/\s+/gu, '').replace(OPEN_BRACKETS, '(').replace(CLOSE_BRACKETS, ')');
  for (;;) {
    const next = t.replace(REQUIRED_MARKER, '').replace(/^\*/, '');
    if (next === t) break;
    t = next;
  }
  return t.replace(/[a-z]+/g, (m) => m.toUpperCase());
}

export type Delimiter = ',' | ';' | '\t' | '|';
const CANDIDATES: Delimiter[] = [',', '\t', ';', '|'];

/**
 * Picks the delimiter of a CSV header line: the candidate (',' '\t' ';' '|') that
 * occurs most often outside double quotes. Ties prefer the earlier candidate; no
 * candidate at all (one-column file) gives ','.
 */
export function sniffDelimiter(firstLine: string): Delimiter {
  const counts = new Map<string, number>(CANDIDATES.map((c) => [c, 0]));
  let inQuotes = false;
  for (const ch of firstLine) {
    if (ch === '"') inQuotes = !inQuotes;
    else if (!inQuotes && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  let best: Delimiter = ',';
  let bestCount = 0;
  for (const c of CANDIDATES) {
    const n = counts.get(c)!;
    if (n > bestCount) {
      best = c;
      bestCount = n;
    }
  }
  return best;
}

/**
 * The first non-blank line of a text sample, where line breaks inside double quotes
 * do not count. Used to sniff the delimiter.
 */
export function firstLine(text: string): string {
  const { start, end } = firstLineSpan(text);
  return text.slice(start, end);
}

/** Position of the first non-blank line; `complete` is false when no line break follows it. */
export function firstLineSpan(text: string): { start: number; end: number; complete: boolean } {
  let start = 0;
  while (start < text.length && (text[start] === '\n' || text[start] === '\r' || text[start] === '\uFEFF')) start++;
  let inQuotes = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') inQuotes = !inQuotes;
    else if (!inQuotes && (ch === '\n' || ch === '\r')) return { start, end: i, complete: true };
  }
  return { start, end: text.length, complete: false };
}

/** Name of the column that receives surplus fields / unknown keys. */
export const EXTRA_COLUMN = '__extra__';

/**
 * Column names as DuckDB's read_csv(header=true) would produce them, so that the
 * names we return equal the names DuckDB sees: labels are trimmed, an empty label
 * at 0-based position i becomes `column{i}`, and repeated labels (compared
 * case-insensitively, as DuckDB identifiers are) get `_1`, `_2`, ... suffixes.
 */
export function uniqueColumnNames(labels: readonly string[]): string[] {
  const seen = new Set<string>();
  const occurrences = new Map<string, number>();
  return labels.map((raw, i) => {
    let name = raw.replace(INVISIBLE, '').trim();
    if (name === '') name = `column${i}`;
    const key = name.toLowerCase();
    let candidate = name;
    let k = occurrences.get(key) ?? 0;
    while (seen.has(candidate.toLowerCase())) candidate = `${name}_${++k}`;
    occurrences.set(key, k);
    seen.add(candidate.toLowerCase());
    return candidate;
  });
}

/** True when DuckDB would use these labels unchanged as column names. */
export function labelsAreCleanColumnNames(labels: readonly string[]): boolean {
  const unique = uniqueColumnNames(labels);
  return unique.every((u, i) => u === labels[i]);
}
