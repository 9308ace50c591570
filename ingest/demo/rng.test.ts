import { describe, expect, test } from 'vitest';
import { Rng, Weighted } from './rng.ts';

describe('Rng(seed, label)', () => {
  test('should repeat the same sequence for the same seed and label', () => {
    const a = new Rng(1, 'x');
    const b = new Rng(1, 'x');
    const seqA = Array.from({ length: 100 }, () => a.u32());
    expect(Array.from({ length: 100 }, () => b.u32())).toEqual(seqA);
    const c = new Rng(1, 'y');
    expect(Array.from({ length: 100 }, () => c.u32())).not.toEqual(seqA);
  });

  test('should draw uniform, Poisson and weighted values with the right means', () => {
    const r = new Rng(42);
    const n = 20_000;
    let u = 0;
    let p = 0;
    for (let i = 0; i < n; i++) {
      u += r.next();
      p += r.poisson(3.5);
    }
    expect(u / n).toBeCloseTo(0.5, 1);
    expect(p / n).toBeCloseTo(3.5, 1);
    const w = new Weighted(['a', 'b'], [1, 3]);
    let bs = 0;
    for (let i = 0; i < n; i++) if (w.pick(r) === 'b') bs++;
    expect(bs / n).toBeCloseTo(0.75, 1);
  });
});
