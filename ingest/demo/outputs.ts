/**
 * Routing of one kind's rows into its files (one per year, or numbered parts for the register),
 * with the realistic damage a credit platform receives: reporting gaps of some source units,
 * deliberately bad rows, exact duplicates repeated in a later file, header and enum-code variants.
 * Story rows are flagged PROTECTED and pass untouched.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { KindSchema } from '../schemas/types.ts';
import type { Calendar, DateStyle } from './calendar.ts';
import type { DemoFile } from './options.ts';
import { breakRow, type Row } from './defects.ts';
import type { Rng } from './rng.ts';
import { headerOf, inverseCodes, type HeaderStyle } from './headers.ts';
import { csvCell, EXTENSIONS, openSink, type Encoding, type Format, type Sink } from './writers.ts';

export const MAX_ROWS_PER_FILE = 2_000_000;
/** Row is part of a planted story: never dropped, broken or duplicated. */
export const F_PROTECTED = 1;
const P_BAD = 0.002;
const P_DUP = 0.0004;
const MIN_BAD = 3;
const MIN_DUP = 2;
const HOLD = 12;

export interface FileSpec {
  format: Format;
  encoding: Encoding;
  /** @default 'label' */
  header?: HeaderStyle;
  /** @default 'slash' */
  dateStyle?: DateStyle;
  /** Enum values in code form: none, ~5% of rows, or all rows. @default 'none' */
  coded?: 'none' | 'some' | 'all';
  sheetName?: string;
}

/** A file the generator wrote: the summary entry of options.ts, named for the writer side. */
export type WrittenFile = DemoFile;

/** A closed temporary file of one lane: one file key (year or register part), one part. */
export interface Piece {
  kind: string;
  key: number;
  path: string;
  rows: number;
  bad: number;
  dups: number;
  spec: FileSpec;
}

export interface OutputEnv {
  outDir: string;
  cal: Calendar;
  /** Stream for defects, duplicates and code forms (separate from record content). */
  rng: Rng;
  /** gap[unit * months + monthIndex] = 1 when that source unit did not report that month. */
  gap: Uint8Array;
}

export interface Routing {
  /** File keys in order: years, or part numbers. */
  keys: readonly number[];
  keyOf: (day: number, seq: number) => number;
  /** Path relative to outDir, without extension. */
  nameOf: (key: number, part: number, parts: number) => string;
  specOf: (key: number) => FileSpec;
}

interface FileState {
  key: number;
  spec: FileSpec;
  header: string[];
  sinks: Sink[];
  rows: number;
  /** Bad and duplicate rows per part. */
  bad: number[];
  dups: number[];
  closing: Promise<void>[];
}

interface Held { row: Row; key: number; day: number; subj: number }

export class KindOutput {
  bad = 0;
  dups = 0;
  dropped = 0;
  private seq = 0;
  private readonly files = new Map<number, FileState>();
  private held: Held[] = [];
  private readonly codes: (Map<string, string> | null)[];
  private readonly numeric: boolean[];
  private readonly quotable: boolean[];
  private readonly scratch: string[];
  /** Called for every good row written (not bad, not duplicate). */
  observer?: (subj: number, day: number) => void;
  /** Rows that were not protected and not dropped (candidates for defects). */
  ordinary = 0;

  constructor(readonly schema: KindSchema, private readonly env: OutputEnv, private readonly routing: Routing) {
    this.codes = inverseCodes(schema);
    this.numeric = schema.fields.map((f) => f.type === 'amount' || f.type === 'number' || f.type === 'int');
    // only free text and enums can hold separators; codes, dates and numbers never need quoting
    this.quotable = schema.fields.map((f) => f.type === 'text' || f.type === 'enum');
    this.scratch = schema.fields.map(() => '');
  }

  /** Route one row. `day` = the kind's month-field date, `src` = source unit index, `subj` = subject. */
  add(row: Row, day: number, src: number, subj: number, flags = 0): void {
    const key = this.routing.keyOf(day, this.seq++);
    if (flags & F_PROTECTED) return this.put(key, row, 'good', day, subj);
    const mi = this.env.cal.monthIndex(day);
    if (src >= 0 && mi >= 0 && this.env.gap[src * this.env.cal.months.length + mi]) {
      this.dropped++;
      return;
    }
    this.ordinary++;
    if (this.held.length < HOLD) {
      this.held.push({ row, key, day, subj });
      return;
    }
    const rng = this.env.rng;
    if (rng.next() < P_BAD && breakRow(this.schema, row, rng, this.env.cal.asOf)) {
      this.put(key, row, 'bad', day, subj);
      return;
    }
    this.put(key, row, 'good', day, subj);
    const keys = this.routing.keys;
    if (key !== keys[keys.length - 1] && (rng.next() < P_DUP || (this.dups < MIN_DUP && rng.next() < 0.01))) {
      this.put(keys[keys.indexOf(key) + 1], row, 'dup', day, subj);
    }
  }

  private put(key: number, row: Row, what: 'good' | 'bad' | 'dup', day: number, subj: number): void {
    let f = this.files.get(key);
    if (!f) {
      const spec = this.routing.specOf(key);
      f = { key, spec, header: headerOf(this.schema, spec.header ?? 'label'), sinks: [], rows: 0, bad: [], dups: [], closing: [] };
      this.files.set(key, f);
    }
    let sink = f.sinks[f.sinks.length - 1];
    if (!sink || sink.rows >= MAX_ROWS_PER_FILE) {
      if (sink) f.closing.push(sink.close());
      sink = this.open(f);
    }
    if (f.spec.format === 'csv') sink.writeLine(this.csvLine(row, f.spec));
    else sink.write(this.cells(row, f.spec));
    f.rows++;
    const p = f.sinks.length - 1;
    if (what === 'bad') {
      f.bad[p]++;
      this.bad++;
    } else if (what === 'dup') {
      f.dups[p]++;
      this.dups++;
    } else if (this.observer) this.observer(subj, day);
  }

  private open(f: FileState): Sink {
    const part = f.sinks.length + 1;
    const rel = this.routing.nameOf(f.key, part, 0);
    const path = join(this.env.outDir, `${rel}.${EXTENSIONS[f.spec.format]}.part${part}.tmp`);
    mkdirSync(join(path, '..'), { recursive: true });
    // XLSX cannot be appended to: lanes write its rows as NDJSON and the merge writes the workbook
    const sink = f.spec.format === 'xlsx'
      ? openSink({ path, format: 'ndjson', encoding: 'utf8', header: f.header })
      : openSink({ path, format: f.spec.format, encoding: f.spec.encoding, header: f.header, numeric: this.numeric });
    f.sinks.push(sink);
    f.bad.push(0);
    f.dups.push(0);
    return sink;
  }

  /** The CSV line of a row, built without intermediate arrays (the hot path). */
  private csvLine(row: Row, spec: FileSpec): string {
    const style = spec.dateStyle ?? 'slash';
    const cal = this.env.cal;
    const coded = spec.coded ?? 'none';
    const code = coded === 'all' || (coded === 'some' && this.env.rng.next() < 0.05);
    // join() of a flat array is cheaper than a rope of concatenations that write() must flatten
    const parts = this.scratch;
    for (let j = 0; j < row.length; j++) {
      const v = row[j];
      let c: string;
      if (typeof v === 'number') c = cal.fmt(v, style);
      else {
        c = v;
        if (code) c = this.codes[j]?.get(c) ?? c;
        if (this.quotable[j] && c !== '') c = csvCell(c);
      }
      parts[j] = c;
    }
    return parts.join(',');
  }

  private cells(row: Row, spec: FileSpec): string[] {
    const style = spec.dateStyle ?? 'slash';
    const cal = this.env.cal;
    const out = new Array<string>(row.length);
    for (let j = 0; j < row.length; j++) {
      const v = row[j];
      out[j] = typeof v === 'number' ? cal.fmt(v, style) : v;
    }
    const coded = spec.coded ?? 'none';
    if (coded === 'all' || (coded === 'some' && this.env.rng.next() < 0.05)) {
      for (let j = 0; j < out.length; j++) {
        const c = this.codes[j]?.get(out[j]);
        if (c !== undefined) out[j] = c;
      }
    }
    return out;
  }

  /** Await the streams that asked for a pause. */
  async drain(): Promise<void> {
    for (const f of this.files.values()) await f.sinks[f.sinks.length - 1]?.drain();
  }

  /** Place the held rows (breaking some if needed) and close everything; the merge names the files. */
  async finish(): Promise<Piece[]> {
    const rng = this.env.rng;
    const keys = this.routing.keys;
    const held = this.held;
    this.held = [];
    for (const h of held) {
      if (this.bad < MIN_BAD && breakRow(this.schema, h.row, rng, this.env.cal.asOf)) {
        this.put(h.key, h.row, 'bad', h.day, h.subj);
        continue;
      }
      this.put(h.key, h.row, 'good', h.day, h.subj);
      if (this.dups < MIN_DUP && h.key !== keys[keys.length - 1]) this.put(keys[keys.indexOf(h.key) + 1], h.row, 'dup', h.day, h.subj);
    }
    const out: Piece[] = [];
    for (const key of keys) {
      const f = this.files.get(key);
      if (!f) continue;
      await Promise.all([...f.closing, f.sinks[f.sinks.length - 1].close()]);
      f.sinks.forEach((s, i) => {
        out.push({ kind: this.schema.kind, key, path: s.path, rows: s.rows, bad: f.bad[i], dups: f.dups[i], spec: f.spec });
      });
    }
    return out;
  }
}

/** Standard routing: one file per year of the month field (earlier dates go to the first year). */
export function yearRouting(kind: string, cal: Calendar, specOf: (year: number, index: number) => FileSpec): Routing {
  const years = cal.years;
  return {
    keys: years,
    keyOf: (day) => {
      const y = cal.year(day);
      return y < years[0] ? years[0] : y > years[years.length - 1] ? years[years.length - 1] : y;
    },
    nameOf: (y, part, parts) => `${kind}/${kind}_${y}${parts > 1 ? `_part${part}` : ''}`,
    specOf: (y) => specOf(y, years.indexOf(y)),
  };
}
