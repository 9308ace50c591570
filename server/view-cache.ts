/**
 * Serialized view bodies, kept per (route, normalized query, user scope, format, build): a view is
 * computed and serialized once per build and then served as bytes (STACK.md measured per-request
 * JSON serialization at 10x the cost of cached bytes in fastify). LRU by insertion order of a Map,
 * bounded by a byte budget; concurrent misses of one key share a single computation; cleared when
 * the warehouse swaps to a new build (the build id is also part of every key, so a computation
 * that started on the old build can never be served for the new one).
 */
import { createHash } from 'node:crypto';

/** Byte budget of the cache. @default 256 MiB */
export const DEFAULT_CACHE_BYTES = 256 * 1024 * 1024;
/** Bodies larger than this share of the budget are served but not kept. */
const MAX_ENTRY_SHARE = 0.25;

export interface CachedView {
  body: Buffer;
  contentType: string;
  /** Strong ETag of exactly these bytes. */
  etag: string;
}

export interface ViewCacheStats { entries: number; bytes: number; hits: number; misses: number; evictions: number }

export class ViewCache {
  private readonly entries = new Map<string, CachedView>();
  private readonly pending = new Map<string, Promise<CachedView>>();
  private bytes = 0;
  private generation = 0;
  private counters = { hits: 0, misses: 0, evictions: 0 };

  constructor(readonly maxBytes: number = DEFAULT_CACHE_BYTES) {}

  get(key: string): CachedView | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key); // most recently used goes last
    this.entries.set(key, e);
    return e;
  }

  set(key: string, value: CachedView): void {
    const size = value.body.byteLength + key.length;
    if (size > this.maxBytes * MAX_ENTRY_SHARE) return;
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.bytes -= old.body.byteLength + key.length;
    }
    this.entries.set(key, value);
    this.bytes += size;
    for (const [k, v] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= v.body.byteLength + k.length;
      this.counters.evictions++;
    }
  }

  /** The cached body of `key`, or the result of `compute` (run once for concurrent callers). */
  async getOrCompute(key: string, compute: () => Promise<CachedView>): Promise<CachedView> {
    const hit = this.get(key);
    if (hit) {
      this.counters.hits++;
      return hit;
    }
    this.counters.misses++;
    let p = this.pending.get(key);
    if (!p) {
      const gen = this.generation;
      p = compute().then((v) => {
        if (gen === this.generation) this.set(key, v); // not when cleared meanwhile
        return v;
      }).finally(() => this.pending.delete(key));
      this.pending.set(key, p);
    }
    return p;
  }

  clear(): void {
    this.entries.clear();
    this.pending.clear();
    this.bytes = 0;
    this.generation++;
  }

  stats(): ViewCacheStats {
    return { entries: this.entries.size, bytes: this.bytes, ...this.counters };
  }
}

/** Stable text of a query object: keys sorted, undefined and empty values left out. */
export function normalizeQuery(q: Record<string, unknown> | undefined | null): string {
  if (!q) return '';
  return Object.keys(q).filter((k) => q[k] !== undefined && q[k] !== null && q[k] !== '').sort()
    .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(String(q[k]))}`).join('&');
}

/** Strong ETag from the parts that decide the bytes: build id, route, query, scope and format. */
export function etagOf(...parts: string[]): string {
  return `"${createHash('sha1').update(parts.join('\u0000')).digest('base64url')}"`;
}

/** True when an If-None-Match header names `etag` (or is `*`). */
export function matchesEtag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}
