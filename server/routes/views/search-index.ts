/**
 * Subject search in memory: the search table (serving-aids.ts) streamed into typed arrays in the
 * background after a build is opened, with a bigram index over names and every sort order
 * computed up front (search-order.ts). Measured on 1 M subjects: DuckDB `contains(name)` + top-N
 * took 100-140 ms and the default top-N 74 ms per search (loaded machine); from these arrays a page
 * is a walk along a precomputed order and a name search reads only the rows holding the query's
 * rarest bigram. Until the index is ready, searches run in SQL (subjects.ts), which also serves
 * exports: both give identical pages (views.test.ts checks it): the same filters,
 * `ORDER BY <key> <dir> NULLS LAST, subject_key`, and auth's scope rules (inScope).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Frame } from '../../arrow.ts';
import type { SessionUser } from '../../types.ts';
import { cmpStr, compositeOrder, nullsLast, numRanks, sliced, strNullsLast, strRanks, yieldLoop, type Rank } from './search-order.ts';

export const SORT_KEYS = ['score', 'name', 'exposure', 'negative_events', 'grade', 'county_code', 'uscc'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
const LIST_BITS: Record<string, number> = { red: 1, black: 2, focus: 4, warning: 8 };
/** Roles that see every row (auth.ts scopeSql / inScope). */
const UNSCOPED = new Set(['admin', 'leader', 'analyst']);
const USCC_PREFIX = /^[0-9A-HJ-NP-RTUWXY]{2,18}$/;

export interface SearchFilters {
  q?: string;
  county?: string;
  section?: string;
  division?: string;
  grades?: string[];
  list?: string;
}

/** Small string dictionary: value <-> code (0 = null). */
class Dict {
  readonly values: (string | null)[] = [null];
  private readonly codes = new Map<string, number>();
  code(v: unknown): number {
    if (v === null || v === undefined) return 0;
    const s = String(v);
    let c = this.codes.get(s);
    if (c === undefined) {
      c = this.values.length;
      this.values.push(s);
      this.codes.set(s, c);
    }
    return c;
  }
  find(v: string): number { return this.codes.get(v) ?? -1; }
}

/** Columns read from the search table, in this order. */
const COLUMNS = ['subject_key', 'uscc', 'name', 'subject_type', 'county_code', 'county_name', 'industry_section', 'industry_division',
  'score', 'grade', 'grade_label', 'negative_events', 'positive_events', 'exposure', 'lists'] as const;

export class SubjectSearchIndex {
  private readonly keys: string[];
  private readonly uscc: (string | null)[];
  private readonly names: string[];
  private readonly type = new Dict();
  private readonly county = new Dict();
  private readonly countyName = new Dict();
  private readonly section = new Dict();
  private readonly division = new Dict();
  private readonly grade = new Dict();
  private readonly gradeLabel = new Dict();
  private readonly typeCode: Uint16Array;
  private readonly countyCode: Uint16Array;
  private readonly countyNameCode: Uint16Array;
  private readonly sectionCode: Uint16Array;
  private readonly divisionCode: Uint16Array;
  private readonly gradeCode: Uint16Array;
  private readonly gradeLabelCode: Uint16Array;
  private readonly score: Float64Array;
  private readonly negative: Float64Array;
  private readonly positive: Float64Array;
  private readonly exposure: Float64Array;
  private readonly listBits: Uint8Array;
  private readonly bigrams = new Map<string, Int32Array>();
  private readonly orders = new Map<string, Int32Array>();
  private usccOrder: Int32Array = new Int32Array(0);

  private constructor(readonly n: number) {
    this.keys = new Array<string>(n);
    this.uscc = new Array<string | null>(n);
    this.names = new Array<string>(n);
    [this.typeCode, this.countyCode, this.countyNameCode, this.sectionCode, this.divisionCode, this.gradeCode, this.gradeLabelCode] =
      Array.from({ length: 7 }, () => new Uint16Array(n));
    [this.score, this.negative, this.positive, this.exposure] = Array.from({ length: 4 }, () => new Float64Array(n));
    this.listBits = new Uint8Array(n);
  }

  private set(i: number, r: readonly unknown[]): void {
    const str = (v: unknown) => (v === null || v === undefined ? null : String(v));
    const num = (v: unknown) => (v === null || v === undefined ? NaN : Number(v));
    this.keys[i] = String(r[0]);
    this.uscc[i] = str(r[1]);
    this.names[i] = str(r[2]) ?? '';
    this.typeCode[i] = this.type.code(r[3]);
    this.countyCode[i] = this.county.code(r[4]);
    this.countyNameCode[i] = this.countyName.code(r[5]);
    this.sectionCode[i] = this.section.code(r[6]);
    this.divisionCode[i] = this.division.code(r[7]);
    this.score[i] = num(r[8]);
    this.gradeCode[i] = this.grade.code(r[9]);
    this.gradeLabelCode[i] = this.gradeLabel.code(r[10]);
    this.negative[i] = num(r[11]);
    this.positive[i] = num(r[12]);
    this.exposure[i] = num(r[13]);
    this.listBits[i] = Array.isArray(r[14]) ? r[14].reduce((b: number, t) => b | (LIST_BITS[String(t)] ?? 0), 0) : 0;
  }

  /**
   * Streams `table` (a chunk at a time, yielding to the event loop) and builds the bigram index
   * and all orders, so that the server keeps answering meanwhile.
   */
  static async load(conn: DuckDBConnection, table: string): Promise<SubjectSearchIndex> {
    const n = Number((await conn.runAndReadAll(`SELECT count(*) FROM ${table}`)).getRows()[0][0]);
    const ix = new SubjectSearchIndex(n);
    const result = await conn.stream(`SELECT ${COLUMNS.join(', ')} FROM ${table}`);
    let i = 0;
    let chunks = 0;
    for await (const rows of result.yieldRowsJs()) {
      for (const r of rows) ix.set(i++, r);
      if (++chunks % 16 === 0) await yieldLoop();
    }
    if (i !== n) throw new Error(`search table changed while loading: ${i} rows, expected ${n}`);
    await ix.indexBigrams();
    // subject_key (unique) ranks: the tie-break of every order
    const sk = await strRanks(ix.keys);
    const skOrder = new Int32Array(n);
    await sliced(n, (row) => { skOrder[sk.rank[row]] = row; });
    const ranks = new Map<SortKey, Rank>();
    const dictRank = async (d: Dict, codes: Uint16Array) => {
      const r = await strRanks(d.values);
      return { rank: Int32Array.from(codes, (c) => r.rank[c]), size: r.size };
    };
    const rankOf = async (key: SortKey): Promise<Rank> => {
      let r = ranks.get(key);
      if (!r) {
        r = key === 'score' ? await numRanks(ix.score) : key === 'exposure' ? await numRanks(ix.exposure)
          : key === 'negative_events' ? await numRanks(ix.negative) : key === 'name' ? await strRanks(ix.names)
          : key === 'uscc' ? await strRanks(ix.uscc) : key === 'county_code' ? await dictRank(ix.county, ix.countyCode) : await dictRank(ix.grade, ix.gradeCode);
        ranks.set(key, r);
      }
      return r;
    };
    ix.usccOrder = await compositeOrder(n, [{ r: await rankOf('uscc'), desc: false }], sk.rank, skOrder);
    for (const key of SORT_KEYS) {
      for (const desc of [false, true]) {
        const parts = key === 'grade' ? [{ r: await rankOf('grade'), desc }, { r: await rankOf('score'), desc: !desc }] : [{ r: await rankOf(key), desc }];
        ix.orders.set(`${key}:${desc}`, await compositeOrder(n, parts, sk.rank, skOrder));
      }
    }
    return ix;
  }

  /** Posting lists of every bigram of the names (two sliced passes: count, then fill). */
  private async indexBigrams(): Promise<void> {
    const eachGram = (s: string, fn: (g: string) => void) => {
      const cs = [...s];
      const seen = new Set<string>();
      for (let i = 0; i + 1 < cs.length; i++) {
        const g = cs[i] + cs[i + 1];
        if (!seen.has(g)) { seen.add(g); fn(g); }
      }
    };
    const counts = new Map<string, number>();
    await sliced(this.n, (i) => eachGram(this.names[i], (g) => counts.set(g, (counts.get(g) ?? 0) + 1)));
    const fill = new Map<string, number>();
    for (const [g, c] of counts) { this.bigrams.set(g, new Int32Array(c)); fill.set(g, 0); }
    await sliced(this.n, (i) => eachGram(this.names[i], (g) => {
      const k = fill.get(g)!;
      this.bigrams.get(g)![k] = i;
      fill.set(g, k + 1);
    }));
  }

  /** The SQL order: `<key> <dir> NULLS LAST` (grade: then score the other way), then subject_key ascending. */
  private comparator(key: SortKey, desc: boolean): (a: number, b: number) => number {
    const d = desc ? -1 : 1;
    const num = (arr: Float64Array) => (a: number, b: number) => nullsLast(arr[a], arr[b], d);
    const tie = (a: number, b: number) => cmpStr(this.keys[a], this.keys[b]);
    const gradeOf = (i: number) => this.grade.values[this.gradeCode[i]];
    const primary: Record<SortKey, (a: number, b: number) => number> = {
      score: num(this.score),
      exposure: num(this.exposure),
      negative_events: num(this.negative),
      name: (a, b) => d * cmpStr(this.names[a], this.names[b]),
      uscc: (a, b) => strNullsLast(this.uscc[a], this.uscc[b], d),
      county_code: (a, b) => strNullsLast(this.county.values[this.countyCode[a]], this.county.values[this.countyCode[b]], d),
      grade: (a, b) => strNullsLast(gradeOf(a), gradeOf(b), d) || nullsLast(this.score[a], this.score[b], -d),
    };
    const p = primary[key];
    return (a, b) => p(a, b) || tie(a, b);
  }

  /** Row predicate for the filters and the user's scope (auth.ts inScope semantics). */
  private predicate(user: SessionUser, f: SearchFilters): ((i: number) => boolean) | null {
    const tests: ((i: number) => boolean)[] = [];
    if (!user || user.role === 'auditor') return () => false;
    if (!UNSCOPED.has(user.role)) {
      if (user.role === 'county' || user.counties.length) {
        const ok = new Set(user.counties.map((c) => this.county.find(c)));
        tests.push((i) => ok.has(this.countyCode[i]));
      }
      if (user.role === 'regulator' || user.industries.length) {
        const secs = new Set(user.industries.map((c) => this.section.find(c)).filter((c) => c > 0));
        const divs = new Set(user.industries.map((c) => this.division.find(c)).filter((c) => c > 0));
        tests.push((i) => secs.has(this.sectionCode[i]) || divs.has(this.divisionCode[i]));
      }
    }
    const eq = (v: string | undefined, dict: Dict, arr: Uint16Array) => {
      if (v === undefined) return;
      const c = dict.find(v);
      tests.push((i) => arr[i] === c);
    };
    eq(f.county, this.county, this.countyCode);
    eq(f.section, this.section, this.sectionCode);
    eq(f.division, this.division, this.divisionCode);
    if (f.grades) {
      const ok = new Set(f.grades.map((g) => this.grade.find(g)));
      tests.push((i) => ok.has(this.gradeCode[i]));
    }
    if (f.list) {
      const bit = LIST_BITS[f.list] ?? 0;
      tests.push((i) => (this.listBits[i] & bit) !== 0);
    }
    if (!tests.length) return null;
    return (i) => { for (const t of tests) if (!t(i)) return false; return true; };
  }

  /** Rows matching the text: name contains it, or (USCC-like text) the code starts with it. */
  private textMatches(q: string): Int32Array {
    const term = q.trim();
    const hits = new Set<number>();
    const cs = [...term];
    if (cs.length >= 2) {
      // the rarest bigram of the term holds every row whose name contains the term
      let best: Int32Array | undefined;
      for (let i = 0; i + 1 < cs.length; i++) {
        const l = this.bigrams.get(cs[i] + cs[i + 1]);
        if (!l) { best = new Int32Array(0); break; }
        if (!best || l.length < best.length) best = l;
      }
      for (const i of best ?? []) if (this.names[i].includes(term)) hits.add(i);
    } else {
      for (let i = 0; i < this.n; i++) if (this.names[i].includes(term)) hits.add(i);
    }
    const upper = term.toUpperCase();
    if (USCC_PREFIX.test(upper)) {
      // binary search of the first code >= the prefix in the USCC order
      let lo = 0;
      let hi = this.usccOrder.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        const v = this.uscc[this.usccOrder[mid]];
        if (v !== null && v < upper) lo = mid + 1; else hi = mid; // nulls sort last
      }
      for (let k = lo; k < this.usccOrder.length; k++) {
        const v = this.uscc[this.usccOrder[k]];
        if (v === null || !v.startsWith(upper)) break;
        hits.add(this.usccOrder[k]);
      }
    }
    return Int32Array.from(hits);
  }

  /** One page of the search and the total, in SQL order. */
  search(user: SessionUser, f: SearchFilters, sort: SortKey, desc: boolean, offset: number, limit: number): { total: number; rows: Int32Array } {
    const pred = this.predicate(user, f);
    const page: number[] = [];
    let total = 0;
    if (f.q) {
      const cand = Array.from(this.textMatches(f.q)).filter((i) => !pred || pred(i));
      cand.sort(this.comparator(sort, desc));
      return { total: cand.length, rows: Int32Array.from(cand.slice(offset, offset + limit)) };
    }
    const order = this.orders.get(`${sort}:${desc}`)!;
    for (let k = 0; k < order.length; k++) {
      const i = order[k];
      if (pred && !pred(i)) continue;
      if (total >= offset && page.length < limit) page.push(i);
      total++;
    }
    return { total, rows: Int32Array.from(page) };
  }

  /** The rows as a Frame with the columns of the SQL search (subjects.ts SEARCH_COLUMNS). */
  frame(rows: Int32Array): Frame {
    const pick = <T>(f: (i: number) => T) => Array.from(rows, f);
    const nul = (x: number) => (Number.isNaN(x) ? null : x);
    const lists = (i: number) => Object.entries(LIST_BITS).filter(([, b]) => this.listBits[i] & b).map(([t]) => t).sort();
    return {
      names: ['subject_key', 'uscc', 'name', 'subject_type', 'county_code', 'county_name', 'industry_section', 'industry_division', 'score', 'grade', 'grade_label', 'negative_events', 'positive_events', 'exposure', 'lists'],
      kinds: ['utf8', 'utf8', 'utf8', 'utf8', 'utf8', 'utf8', 'utf8', 'utf8', 'f64', 'utf8', 'utf8', 'f64', 'f64', 'f64', 'utf8list'],
      columns: [
        pick((i) => this.keys[i]), pick((i) => this.uscc[i]), pick((i) => this.names[i]), pick((i) => this.type.values[this.typeCode[i]]),
        pick((i) => this.county.values[this.countyCode[i]]), pick((i) => this.countyName.values[this.countyNameCode[i]]),
        pick((i) => this.section.values[this.sectionCode[i]]), pick((i) => this.division.values[this.divisionCode[i]]),
        pick((i) => nul(this.score[i])), pick((i) => this.grade.values[this.gradeCode[i]]), pick((i) => this.gradeLabel.values[this.gradeLabelCode[i]]),
        pick((i) => nul(this.negative[i])), pick((i) => nul(this.positive[i])), pick((i) => nul(this.exposure[i])), pick(lists),
      ],
      length: rows.length,
    };
  }
}

/** The search index of one build: null until loaded in the background (searches use SQL meanwhile). */
export class SearchIndexHolder {
  index: SubjectSearchIndex | null = null;
  /** Settles when loading ends (loaded, or failed: then searches stay in SQL). */
  readonly ready: Promise<void>;

  constructor(load: () => Promise<SubjectSearchIndex>, onError: (e: unknown) => void) {
    this.ready = load().then((ix) => { this.index = ix; }, onError);
  }
}
