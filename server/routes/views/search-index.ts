/**
 * Subject search in memory: the search table (serving-aids.ts) loaded into typed arrays when a
 * build is opened, with a bigram index over names and sort orders computed up front. Measured
 * here on 1 M synthetic subjects (loaded machine): DuckDB `contains(name)` + top-N took 100-140 ms
 * and even the default top-N 74 ms per search; from these arrays a filtered page is a walk along a
 * precomputed order (a few ms) and a name search touches only the rows holding the query's rarest
 * bigram. Semantics equal the SQL path (subjects.ts), which exports still use: the same filters,
 * `ORDER BY <key> <dir> NULLS LAST, subject_key`, and auth's scope rules (inScope).
 */
import { column, type Frame } from '../../arrow.ts';
import type { SessionUser } from '../../types.ts';

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

const yieldLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export class SubjectSearchIndex {
  readonly n: number;
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
  private readonly gradeCode: Uint8Array;
  private readonly gradeLabelCode: Uint16Array;
  private readonly score: Float64Array;
  private readonly negative: Float64Array;
  private readonly positive: Float64Array;
  private readonly exposure: Float64Array;
  private readonly listBits: Uint8Array;
  private readonly bigrams = new Map<string, Int32Array>();
  private readonly orders = new Map<string, Int32Array>();
  private usccOrder: Int32Array = new Int32Array(0);

  /** Builds from the search table's Frame (columns as in serving-aids.ts). */
  private constructor(f: Frame) {
    const col = (n: string) => column(f, n) ?? new Array(f.length).fill(null);
    const n = (this.n = f.length);
    this.keys = col('subject_key').map(String);
    this.uscc = col('uscc').map((v) => (v === null ? null : String(v)));
    this.names = col('name').map((v) => (v === null ? '' : String(v)));
    const codes = (name: string, dict: Dict, arr: Uint16Array | Uint8Array) => { col(name).forEach((v, i) => { arr[i] = dict.code(v); }); return arr; };
    this.typeCode = codes('subject_type', this.type, new Uint16Array(n)) as Uint16Array;
    this.countyCode = codes('county_code', this.county, new Uint16Array(n)) as Uint16Array;
    this.countyNameCode = codes('county_name', this.countyName, new Uint16Array(n)) as Uint16Array;
    this.sectionCode = codes('industry_section', this.section, new Uint16Array(n)) as Uint16Array;
    this.divisionCode = codes('industry_division', this.division, new Uint16Array(n)) as Uint16Array;
    this.gradeCode = codes('grade', this.grade, new Uint8Array(n)) as Uint8Array;
    this.gradeLabelCode = codes('grade_label', this.gradeLabel, new Uint16Array(n)) as Uint16Array;
    const num = (name: string) => Float64Array.from(col(name), (v) => (v === null ? NaN : Number(v)));
    this.score = num('score');
    this.negative = num('negative_events');
    this.positive = num('positive_events');
    this.exposure = num('exposure');
    this.listBits = Uint8Array.from(col('lists'), (v) => (Array.isArray(v) ? v.reduce((b: number, t) => b | (LIST_BITS[String(t)] ?? 0), 0) : 0));
    this.skRank = new Int32Array(n);
  }

  /** Loads the index; yields to the event loop between the heavy steps (the old build keeps serving). */
  /**
   * Loads the index: bigrams, the subject_key order and the default (score) orders now, yielding
   * to the event loop between steps (the old build keeps serving); the other orders are built in
   * the background afterwards, or on first use if asked for earlier.
   */
  static async build(f: Frame): Promise<SubjectSearchIndex> {
    const ix = new SubjectSearchIndex(f);
    await yieldLoop();
    ix.indexBigrams();
    await yieldLoop();
    ix.skOrder = ix.sorted((a, b) => cmpStr(ix.keys[a], ix.keys[b]));
    ix.skOrder.forEach((row, r) => { ix.skRank[row] = r; });
    await yieldLoop();
    ix.usccOrder = ix.order('uscc', false);
    for (const desc of [false, true]) ix.order('score', desc);
    void ix.warm();
    return ix;
  }

  private async warm(): Promise<void> {
    for (const key of SORT_KEYS) {
      for (const desc of [false, true]) {
        await yieldLoop();
        this.order(key, desc);
      }
    }
  }

  private skOrder: Int32Array = new Int32Array(0);
  private readonly skRank: Int32Array;
  private readonly ranks = new Map<SortKey, Rank>();

  /** Dense ranks of a sort key (cached). */
  private rankOf(key: SortKey): Rank {
    let r = this.ranks.get(key);
    if (r) return r;
    const dict = (d: Dict, codes: Uint16Array | Uint8Array) => {
      const x = strRanks(d.values.length, (c) => d.values[c]);
      return { rank: Int32Array.from(codes, (c) => x.rank[c]), size: x.size };
    };
    switch (key) {
      case 'score': r = numRanks(this.score); break;
      case 'exposure': r = numRanks(this.exposure); break;
      case 'negative_events': r = numRanks(this.negative); break;
      case 'name': r = strRanks(this.n, (i) => this.names[i]); break;
      case 'uscc': r = strRanks(this.n, (i) => this.uscc[i]); break;
      case 'county_code': r = dict(this.county, this.countyCode); break;
      default: r = dict(this.grade, this.gradeCode);
    }
    this.ranks.set(key, r);
    return r;
  }

  /**
   * Rows in SQL order for a sort key (cached): a composite number per row (dense ranks of the
   * sort values, nulls last, then the subject_key rank) sorted natively as a Float64Array;
   * comparator sorts of the 14 orders were the slowest part of loading at 100 k subjects.
   */
  private order(key: SortKey, desc: boolean): Int32Array {
    const id = `${key}:${desc}`;
    let o = this.orders.get(id);
    if (!o) {
      const parts = key === 'grade' ? [{ r: this.rankOf('grade'), desc }, { r: this.rankOf('score'), desc: !desc }] : [{ r: this.rankOf(key), desc }];
      o = compositeOrder(this.n, parts, this.skRank, this.skOrder);
      this.orders.set(id, o);
    }
    return o;
  }

  /** Posting lists of every bigram of the names (two passes: count, then fill; no per-row sets kept). */
  private indexBigrams(): void {
    const eachGram = (s: string, fn: (g: string) => void) => {
      const cs = [...s];
      const seen = new Set<string>();
      for (let i = 0; i + 1 < cs.length; i++) {
        const g = cs[i] + cs[i + 1];
        if (!seen.has(g)) { seen.add(g); fn(g); }
      }
    };
    const counts = new Map<string, number>();
    for (const name of this.names) eachGram(name, (g) => counts.set(g, (counts.get(g) ?? 0) + 1));
    const fill = new Map<string, number>();
    for (const [g, c] of counts) { this.bigrams.set(g, new Int32Array(c)); fill.set(g, 0); }
    this.names.forEach((name, i) => eachGram(name, (g) => {
      const k = fill.get(g)!;
      this.bigrams.get(g)![k] = i;
      fill.set(g, k + 1);
    }));
  }

  private sorted(cmp: (a: number, b: number) => number): Int32Array {
    const idx = Array.from({ length: this.n }, (_, i) => i);
    idx.sort(cmp);
    return Int32Array.from(idx);
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
    const order = this.order(sort, desc);
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

/** Dense ranks of a column in ascending order (-1 = null) and the number of distinct values. */
interface Rank { rank: Int32Array; size: number }

function numRanks(values: Float64Array): Rank {
  const sorted = values.filter((x) => !Number.isNaN(x)).sort();
  const uniq: number[] = [];
  for (const x of sorted) if (uniq.length === 0 || uniq[uniq.length - 1] !== x) uniq.push(x);
  const rank = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (Number.isNaN(x)) { rank[i] = -1; continue; }
    let lo = 0;
    let hi = uniq.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (uniq[mid] < x) lo = mid + 1; else hi = mid;
    }
    rank[i] = lo;
  }
  return { rank, size: uniq.length };
}

function strRanks(n: number, get: (i: number) => string | null): Rank {
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => cmpStr(get(a), get(b)));
  const rank = new Int32Array(n);
  let size = 0;
  let prev: string | null | undefined;
  for (const i of idx) {
    const v = get(i);
    if (v === null) { rank[i] = -1; continue; }
    if (prev === undefined || v !== prev) { size++; prev = v; }
    rank[i] = size - 1;
  }
  return { rank, size };
}

/**
 * Rows in the order of `parts` (each ascending or descending, nulls last), ties by subject_key
 * ascending: one composite number per row, sorted as a Float64Array (exact below 2^53: at 1 M
 * subjects the largest composite is about 7e12).
 */
function compositeOrder(n: number, parts: { r: Rank; desc: boolean }[], skRank: Int32Array, skOrder: Int32Array): Int32Array {
  const m = 2 ** Math.ceil(Math.log2(n + 1));
  const comp = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let c = 0;
    for (const p of parts) {
      const r = p.r.rank[i];
      const v = r < 0 ? p.r.size + 1 : p.desc ? p.r.size - r : r;
      c = c * (p.r.size + 2) + v;
    }
    comp[i] = c * m + skRank[i];
  }
  comp.sort();
  return Int32Array.from(comp, (x) => skOrder[x % m]);
}

/** Byte-order (code point) comparison like DuckDB's default collation; null sorts first here. */
function cmpStr(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}

function strNullsLast(a: string | null, b: string | null, d: number): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return d * (a < b ? -1 : 1);
}

function nullsLast(a: number, b: number, d: number): number {
  const an = Number.isNaN(a);
  const bn = Number.isNaN(b);
  if (an || bn) return an === bn ? 0 : an ? 1 : -1;
  return a === b ? 0 : d * (a < b ? -1 : 1);
}
