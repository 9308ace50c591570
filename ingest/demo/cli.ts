/**
 * Command-line runner, for measuring and for hand use:
 *   npx tsx ingest/demo/cli.ts --out /tmp/demo [--subjects 10000] [--months 36] [--seed 1] [--as-of 2025-11-25] [--city 320900] [--threads 2]
 * Prints per-kind row counts, elapsed time and peak RSS.
 */
import { parseArgs } from 'node:util';
import { generateDemoCity } from './generate.ts';

const DEFAULT_AS_OF = '2025-11-25';

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    subjects: { type: 'string', default: '10000' },
    months: { type: 'string', default: '36' },
    seed: { type: 'string', default: '1' },
    'as-of': { type: 'string', default: DEFAULT_AS_OF },
    city: { type: 'string', default: '320900' },
    threads: { type: 'string' },
    quiet: { type: 'boolean', default: false },
  },
});
if (!values.out) {
  console.error('usage: tsx ingest/demo/cli.ts --out DIR [--subjects N] [--months N] [--seed N] [--as-of YYYY-MM-DD] [--city CODE]');
  process.exit(2);
}
let peak = 0;
const timer = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage.rss());
}, 200);
const t0 = performance.now();
const summary = await generateDemoCity({
  outDir: values.out, subjects: Number(values.subjects), months: Number(values.months), seed: Number(values.seed),
  asOf: values['as-of']!, city: values.city, threads: values.threads === undefined ? undefined : values.threads === '1' ? 1 : 2,
  onProgress: values.quiet ? undefined : (m) => console.error(`[${((performance.now() - t0) / 1000).toFixed(1)}s] ${m}`),
});
clearInterval(timer);
peak = Math.max(peak, process.memoryUsage.rss());
const byKind = new Map<string, { rows: number; bad: number; dup: number; files: number }>();
for (const f of summary.files) {
  const k = byKind.get(f.kind) ?? { rows: 0, bad: 0, dup: 0, files: 0 };
  k.rows += f.rows;
  k.bad += f.badRows;
  k.dup += f.duplicateRows;
  k.files++;
  byKind.set(f.kind, k);
}
console.log('kind'.padEnd(20), 'files', 'rows'.padStart(10), 'bad'.padStart(7), 'dup'.padStart(5));
for (const [k, v] of byKind) console.log(k.padEnd(20), String(v.files).padStart(5), String(v.rows).padStart(10), String(v.bad).padStart(7), String(v.dup).padStart(5));
console.log(`subjects ${summary.subjects}, records ${summary.records} (${(summary.records / summary.subjects).toFixed(1)} per subject)`);
const cpu = process.cpuUsage();
console.log(`elapsed ${((performance.now() - t0) / 1000).toFixed(1)} s, CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s, peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB`);
