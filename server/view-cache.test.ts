import { describe, expect, test } from 'vitest';
import { ViewCache, etagOf, matchesEtag, normalizeQuery, type CachedView } from './view-cache.ts';

const view = (bytes: number, etag = '"x"'): CachedView => ({ body: Buffer.alloc(bytes), contentType: 'application/json', etag });

describe('ViewCache(maxBytes)', () => {
  test('should evict the least recently used entries beyond the byte budget', () => {
    const c = new ViewCache(1000);
    c.set('a', view(200));
    c.set('b', view(200));
    c.set('c', view(200));
    expect(c.get('a')).toBeDefined(); // a is now the most recent
    c.set('d', view(200));
    c.set('e', view(200)); // 5 x 201 > 1000: b goes first
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')).toBeDefined();
    expect(c.stats().bytes).toBeLessThanOrEqual(1000);
    expect(c.stats().evictions).toBe(1);
  });

  test('should not keep a body larger than a quarter of the budget', () => {
    const c = new ViewCache(1000);
    c.set('big', view(400));
    expect(c.get('big')).toBeUndefined();
  });

  test('should compute once for concurrent misses and serve hits afterwards', async () => {
    const c = new ViewCache(10_000);
    let runs = 0;
    const compute = async () => { runs++; await new Promise((r) => setTimeout(r, 10)); return view(10); };
    const [x, y] = await Promise.all([c.getOrCompute('k', compute), c.getOrCompute('k', compute)]);
    expect(x).toBe(y);
    await c.getOrCompute('k', compute);
    expect(runs).toBe(1);
    expect(c.stats()).toMatchObject({ hits: 1, misses: 2, entries: 1 });
  });

  test('should not store a computation that was running when the cache was cleared', async () => {
    const c = new ViewCache(10_000);
    let finish!: () => void;
    const p = c.getOrCompute('k', () => new Promise<CachedView>((r) => { finish = () => r(view(10)); }));
    c.clear();
    finish();
    await p;
    expect(c.get('k')).toBeUndefined();
  });

  test('should not cache failures', async () => {
    const c = new ViewCache(10_000);
    await expect(c.getOrCompute('k', async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(await c.getOrCompute('k', async () => view(1))).toBeDefined();
  });
});

describe('normalizeQuery(q), etagOf(...parts), matchesEtag(header, etag)', () => {
  test('should ignore key order and empty values', () => {
    expect(normalizeQuery({ b: 2, a: '1', c: undefined, d: '' })).toBe(normalizeQuery({ a: 1, b: '2' }));
  });

  test('should give a quoted ETag that changes with any part', () => {
    const e = etagOf('b1', '/x', 'a=1', 'admin', 'json');
    expect(e).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(etagOf('b2', '/x', 'a=1', 'admin', 'json')).not.toBe(e);
    expect(etagOf('b1', '/x', 'a=1', 'county', 'json')).not.toBe(e);
    expect(matchesEtag(`W/${e}, "other"`, e)).toBe(true);
    expect(matchesEtag('*', e)).toBe(true);
    expect(matchesEtag('"other"', e)).toBe(false);
    expect(matchesEtag(undefined, e)).toBe(false);
  });
});
