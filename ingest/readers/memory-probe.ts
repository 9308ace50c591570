/**
 * Child-process probe for the streaming memory test and throughput measurements:
 *   node --expose-gc --import tsx ingest/readers/memory-probe.ts <input> <tmpDir> [sheet]
 * Prints one JSON line: RSS before/peak, elapsed time and the openInput result.
 */
import { openInput } from './open-input.ts';

const [input, tmpDir, sheet] = process.argv.slice(2);
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const baseRss = process.memoryUsage().rss;
let peakRss = baseRss;
const timer = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 10);
const t0 = performance.now();
const table = await openInput(input, { tmpDir, sheet, forceCopy: true, onProgress: () => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
} });
const ms = performance.now() - t0;
clearInterval(timer);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
process.stdout.write(JSON.stringify({ baseRss, peakRss, growthMB: (peakRss - baseRss) / 2 ** 20, ms, mbPerSec: table.sizeBytes / 2 ** 20 / (ms / 1000), table }) + '\n');
