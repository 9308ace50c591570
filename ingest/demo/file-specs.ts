/**
 * Which format, encoding, header style and date style each file gets. Most files are the standard
 * CSV (UTF-8, national labels, YYYY/MM/DD); the variants are the ones a real 归集 receives:
 * licences of one year with XK_* column codes and coded enums, penalties of one year in GBK,
 * penalties of the last year with half-width brackets and stray spaces, court listings as a JSON
 * array, relations as NDJSON, the red list as XLSX, commitments of the first year with a UTF-8 BOM,
 * a register part with alias headers and code-form enums.
 */
import type { Calendar } from './calendar.ts';
import type { FileSpec, Routing } from './outputs.ts';
import { yearRouting } from './outputs.ts';

const CSV: FileSpec = { format: 'csv', encoding: 'utf8' };

/** File spec of a record kind's file for year index `y` of `n`. */
export function kindSpec(kind: string, y: number, n: number): FileSpec {
  const last = y === n - 1 && n > 1;
  // the first full year when the window starts mid-year (the first file may hold a single month)
  const main = n > 2 ? 1 : 0;
  switch (kind) {
    case 'relation':
      return { format: 'ndjson', encoding: 'utf8', dateStyle: 'dash', coded: 'some' };
    case 'license':
      return y === main ? { ...CSV, header: 'xk', coded: 'all' } : { ...CSV, coded: 'some' };
    case 'penalty':
      if (y === main) return { ...CSV, encoding: 'gbk', coded: 'some' };
      return last ? { ...CSV, header: 'spaced', dateStyle: 'dash', coded: 'some' } : { ...CSV, coded: 'some' };
    case 'court_dishonest':
      return { format: 'json', encoding: 'utf8', dateStyle: 'dash' };
    case 'commitment':
      return y === 0 ? { ...CSV, encoding: 'utf8bom' } : CSV;
    case 'contract':
      return { ...CSV, dateStyle: 'dash' };
    case 'tax_grade':
      return last ? { ...CSV, coded: 'all' } : CSV;
    case 'honor':
      return { format: 'xlsx', encoding: 'utf8', sheetName: '红名单' };
    default:
      return CSV;
  }
}

export function kindRouting(kind: string, cal: Calendar): Routing {
  return yearRouting(kind, cal, (_year, y) => kindSpec(kind, y, cal.years.length));
}

/** Register parts: at least two, at most 500,000 rows each; part 2 uses the alias headers. */
export function registerRouting(n: number): Routing {
  const parts = Math.max(2, Math.ceil(n / 500_000));
  const size = Math.max(1, Math.ceil(n / parts));
  const keys = Array.from({ length: parts }, (_, k) => k + 1);
  return {
    keys,
    keyOf: (_day, seq) => Math.min(parts, Math.floor(seq / size) + 1),
    nameOf: (k, part, count) => `subject/subject_part${k}${count > 1 ? `_${part}` : ''}`,
    specOf: (k) => (k === 2 ? { ...CSV, header: 'alias', coded: 'all', dateStyle: 'dash' } : CSV),
  };
}
