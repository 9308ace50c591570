/** Options and result of generateDemoCity, and their validation. */
import type { Encoding, Format } from './writers.ts';

export interface DemoOptions {
  /** Output directory (created if missing). */
  outDir: string;
  /** Number of subjects (法人和非法人组织、个体工商户). @default 10000 */
  subjects?: number;
  /** Months of records, ending with the month of asOf. @default 36 */
  months?: number;
  /** PRNG seed; the same options give the same files. @default 1 */
  seed?: number;
  /** 'YYYY-MM-DD': the last day with data; no event date in any file is after it (except counted bad rows). */
  asOf: string;
  /** GB/T 2260 code of a seed city. @default '320900' (盐城市) */
  city?: string;
  /**
   * 2: generation lane 1 runs in a worker thread; 1: everything on the calling thread. The files are
   * identical either way; the worker pays off from ~50,000 subjects (it has its own start-up).
   * @default subjects >= 50000 ? 2 : 1
   */
  threads?: 1 | 2;
  onProgress?: (msg: string) => void;
}

export interface DemoFile {
  /** Absolute path. */
  path: string;
  kind: string;
  /** Data rows (header excluded), including bad and duplicate rows. */
  rows: number;
  format: Format;
  encoding: Encoding;
  /** Deliberately broken rows (bad USCC, future date, missing field, unknown enum, ...). */
  badRows: number;
  /** Exact repeats of a row already written to an earlier file of the same kind. */
  duplicateRows: number;
}

export interface DemoSummary {
  files: DemoFile[];
  sourceUnitsPath: string;
  storiesPath: string;
  /** Subjects in the register. */
  subjects: number;
  /** Rows of all record files (the register excluded). */
  records: number;
}

export class DemoOptionError extends Error {
  readonly code = 'CW_ERR_DEMO_OPTION';
  constructor(field: string, expected: string, got: unknown) {
    super(`demo option '${field}' should be ${expected}, instead got '${String(got)}'`);
    this.name = 'DemoOptionError';
  }
}

export type ResolvedOptions = Required<Omit<DemoOptions, 'onProgress'>> & Pick<DemoOptions, 'onProgress'>;

export function validateOptions(o: DemoOptions, cities: readonly string[], defaultCity: string): ResolvedOptions {
  const r: ResolvedOptions = {
    outDir: o.outDir, subjects: o.subjects ?? 10_000, months: o.months ?? 36, seed: o.seed ?? 1, asOf: o.asOf,
    city: o.city ?? defaultCity, threads: o.threads ?? ((o.subjects ?? 10_000) >= 50_000 ? 2 : 1), onProgress: o.onProgress,
  };
  if (r.threads !== 1 && r.threads !== 2) throw new DemoOptionError('threads', '1 or 2', r.threads);
  if (typeof r.outDir !== 'string' || r.outDir === '') throw new DemoOptionError('outDir', 'a directory path', r.outDir);
  if (!Number.isInteger(r.subjects) || r.subjects < 200 || r.subjects > 5_000_000) {
    throw new DemoOptionError('subjects', 'an integer between 200 and 5000000', r.subjects);
  }
  if (!Number.isInteger(r.months) || r.months < 3 || r.months > 120) throw new DemoOptionError('months', 'an integer between 3 and 120', r.months);
  if (!Number.isInteger(r.seed)) throw new DemoOptionError('seed', 'an integer', r.seed);
  if (typeof r.asOf !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(r.asOf) || r.asOf < '2005-01-01' || r.asOf > '2090-12-31') {
    throw new DemoOptionError('asOf', "a date 'YYYY-MM-DD' between 2005 and 2090", r.asOf);
  }
  if (!cities.includes(r.city)) throw new DemoOptionError('city', `one of ${cities.join(', ')}`, r.city);
  return r;
}
