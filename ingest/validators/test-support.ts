/**
 * Test-only helpers shared by the validator tests: a seeded RNG and the
 * reference USCC vectors. Not used by production code.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Deterministic PRNG (mulberry32) returning floats in [0, 1). */
export function seededRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random integer in [0, n). */
export const randInt = (rng: () => number, n: number): number => Math.floor(rng() * n);

/** Random element of a non-empty array. */
export const pick = <T>(rng: () => number, xs: readonly T[]): T => xs[randInt(rng, xs.length)];

export interface UsccVector {
  code: string;
  valid: boolean;
  source: string;
}

/** Shared reference copy (repo root is process.cwd()), else the local fixture copy. */
export function usccVectorsPath(): string {
  const shared = resolve(process.cwd(), '../shared/reference/uscc_vectors.csv');
  return existsSync(shared) ? shared : fileURLToPath(new URL('./fixtures/uscc_vectors.csv', import.meta.url));
}

/** Parse uscc_vectors.csv (header code,valid,source; source may contain commas). */
export function loadUsccVectors(): UsccVector[] {
  const lines = readFileSync(usccVectorsPath(), 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
  return lines.slice(1).map((line) => {
    const [code, valid, ...rest] = line.split(',');
    return { code, valid: valid.trim() === 'true', source: rest.join(',') };
  });
}
