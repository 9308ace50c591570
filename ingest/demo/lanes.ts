/**
 * Generation lanes. Lane 0 (main thread) writes the register, the relations, the records of the
 * first 40% of subjects and the planted stories; lane 1 writes the records of the other subjects,
 * in a worker thread (or in-process when `threads` is 1: same output). Each lane writes temporary
 * pieces under `outDir/.lanes/<lane>/`; merge.ts assembles the final files.
 */
import { Worker } from 'node:worker_threads';
import type { ResolvedOptions } from './options.ts';
import type { Piece } from './outputs.ts';
import type { KindId } from './records/context.ts';
import { emitSubjectRecords, TOP_UP } from './records/index.ts';
import { Rng } from './rng.ts';
import { laneSplit, ORDER, setupWorld, type Setup } from './world.ts';

export interface LaneResult { pieces: Piece[]; cellCounts: number[] }

/** Run `fn` over subjects [lo, hi), pausing for backpressure every 256 subjects. */
export async function runPass(s: Setup, name: string, lo: number, hi: number, rng: Rng, fn: (i: number) => void, log: (m: string) => void): Promise<void> {
  const w = s.w;
  w.rng = rng;
  const drain = () => Promise.all(ORDER.map((k) => w.out[k].drain()));
  const step = Math.max(1, Math.ceil((hi - lo) / 5));
  for (let i = lo; i < hi; i++) {
    fn(i);
    if ((i & 255) === 255) await drain();
    if ((i + 1 - lo) % step === 0) log(`${name}: ${i + 1 - lo}/${hi - lo}`);
  }
  await drain();
}

/** Give every kind of the lane at least 3 ordinary rows (so it can carry its bad rows), then close. */
export async function finishLane(s: Setup, lane: number, kinds: readonly KindId[]): Promise<Piece[]> {
  const w = s.w;
  w.rng = new Rng(w.seed, `top-up:${lane}`);
  for (const k of kinds) for (let t = 0; t < 80 && w.out[k].ordinary < 3; t++) TOP_UP[k](w);
  const pieces: Piece[] = [];
  for (const k of ORDER) pieces.push(...(await w.out[k].finish()));
  return pieces;
}

/** Lane 1, wherever it runs. */
export async function runLane1(o: ResolvedOptions, dir: string, log: (m: string) => void): Promise<LaneResult> {
  const s = setupWorld(o, 1, dir);
  await runPass(s, 'records (lane 1)', laneSplit(o.subjects), o.subjects, new Rng(o.seed, 'records:1'), (i) => emitSubjectRecords(s.w, i), log);
  const pieces = await finishLane(s, 1, ORDER.filter((k) => k !== 'subject' && k !== 'relation'));
  return { pieces, cellCounts: Array.from(s.cellCounts) };
}

/** Start lane 1 in a worker thread (lane-worker.mjs registers the tsx loader for the TypeScript sources). */
export function startLane1Worker(o: ResolvedOptions, dir: string, log: (m: string) => void): Promise<LaneResult> {
  const { onProgress: _, ...data } = o;
  const worker = new Worker(new URL('./lane-worker.mjs', import.meta.url), { workerData: { options: data, dir } });
  return new Promise((resolve, reject) => {
    let result: LaneResult | undefined;
    worker.on('message', (m: { progress?: string; result?: LaneResult }) => {
      if (m.progress) log(m.progress);
      if (m.result) result = m.result;
    });
    worker.on('error', reject);
    worker.on('exit', (code) => (result ? resolve(result) : reject(new Error(`demo lane worker exited with code ${code} before finishing`))));
  });
}
