/**
 * Sort orders for the in-memory subject search (search-index.ts), built without long stalls of
 * the event loop: loops run in slices with a yield between them, and the only sorts are native
 * ones (strings without a comparator, Float64Array). An order is a composite number per row
 * (dense ranks of the sort values, nulls last, then the row's subject_key rank) sorted natively;
 * comparator sorts of the 14 orders were the slowest part of loading at 100 k subjects.
 */

/** Rows handled between two yields to the event loop. */
const SLICE = 50_000;

export const yieldLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Runs fn(i) for i in [0, n) in slices, yielding between them. */
export async function sliced(n: number, fn: (i: number) => void): Promise<void> {
  for (let start = 0; start < n; start += SLICE) {
    const end = Math.min(n, start + SLICE);
    for (let i = start; i < end; i++) fn(i);
    await yieldLoop();
  }
}

/** Dense ranks of a column in ascending order (-1 = null) and the number of distinct values. */
export interface Rank { rank: Int32Array; size: number }

function lowerBound<T>(sorted: ArrayLike<T>, x: T): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < x) lo = mid + 1; else hi = mid;
  }
  return lo;
}

function uniqueSorted<T>(sorted: ArrayLike<T>): T[] {
  const out: T[] = [];
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) out.push(sorted[i]);
  return out;
}

export async function numRanks(values: Float64Array): Promise<Rank> {
  const uniq = uniqueSorted(values.filter((x) => !Number.isNaN(x)).sort());
  const rank = new Int32Array(values.length);
  await sliced(values.length, (i) => { rank[i] = Number.isNaN(values[i]) ? -1 : lowerBound(uniq, values[i]); });
  return { rank, size: uniq.length };
}

/** String ranks in code-unit order (JS `<`, as a native sort without comparator). */
export async function strRanks(values: readonly (string | null)[]): Promise<Rank> {
  const uniq = uniqueSorted((values.filter((v) => v !== null) as string[]).sort());
  await yieldLoop();
  const rank = new Int32Array(values.length);
  await sliced(values.length, (i) => { const v = values[i]; rank[i] = v === null ? -1 : lowerBound(uniq, v); });
  return { rank, size: uniq.length };
}

/**
 * Rows in the order of `parts` (each ascending or descending, nulls last), ties by `tie` rank
 * ascending (subject_key, unique): exact while the composite stays below 2^53 (at 1 M subjects the
 * largest is about 7e12).
 */
export async function compositeOrder(n: number, parts: { r: Rank; desc: boolean }[], tie: Int32Array, rowOfTie: Int32Array): Promise<Int32Array> {
  const m = 2 ** Math.ceil(Math.log2(n + 1));
  const comp = new Float64Array(n);
  await sliced(n, (i) => {
    let c = 0;
    for (const p of parts) {
      const r = p.r.rank[i];
      const v = r < 0 ? p.r.size + 1 : p.desc ? p.r.size - r : r;
      c = c * (p.r.size + 2) + v;
    }
    comp[i] = c * m + tie[i];
  });
  comp.sort();
  await yieldLoop();
  const out = new Int32Array(n);
  await sliced(n, (k) => { out[k] = rowOfTie[comp[k] % m]; });
  return out;
}

/** Code-unit comparison like JS `<` (DuckDB compares UTF-8 bytes: the same order outside surrogate pairs); null first. */
export function cmpStr(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}

export function strNullsLast(a: string | null, b: string | null, d: number): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return d * (a < b ? -1 : 1);
}

export function nullsLast(a: number, b: number, d: number): number {
  const an = Number.isNaN(a);
  const bn = Number.isNaN(b);
  if (an || bn) return an === bn ? 0 : an ? 1 : -1;
  return a === b ? 0 : d * (a < b ? -1 : 1);
}
