/**
 * `npm run bench:build`: warehouse build time and peak RSS at 100 k and 1 M subjects (the latter
 * ≈ 36 M records). The demo city is generated and ingested once per size into bench/.work (kept
 * between runs: pass --fresh to redo); the build runs in a child process so its peak RSS is its
 * own. Writes bench/results/build-<date>.json with per-step timings; the correlated-risk steps
 * (3x) are reported on their own.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, hostname, totalmem } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../ingest/reference/index.ts';

const CLI = join(REPO_ROOT, 'bin', 'credit-watch.mjs');

function run(args: string[], dataDir: string): { seconds: number; stdout: string } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [CLI, ...args, '--data-dir', dataDir], { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`credit-watch ${args.join(' ')} failed with ${r.status}`);
  return { seconds: (performance.now() - t0) / 1000, stdout: r.stdout };
}

export async function benchBuild(o: { subjects: number[]; fresh: boolean; log: (s: string) => void }): Promise<void> {
  const results = [];
  for (const n of o.subjects) {
    const dataDir = join(REPO_ROOT, 'bench', '.work', `city-${n}`);
    if (o.fresh) rmSync(dataDir, { recursive: true, force: true });
    let demo: unknown;
    if (!existsSync(join(dataDir, 'lake', 'manifests'))) {
      o.log(`generating and ingesting the demo city with ${n.toLocaleString()} subjects...`);
      const d = run(['demo', '--subjects', String(n), '--seed', '1', '--as-of', '2026-10-31', '--json'], dataDir);
      demo = { seconds: +d.seconds.toFixed(1), ...JSON.parse(d.stdout) };
      o.log(JSON.stringify(demo));
    }
    o.log(`building (${n.toLocaleString()} subjects)...`);
    const b = run(['build', '--as-of', '2026-10-31', '--json'], dataDir);
    const res = JSON.parse(b.stdout) as { seconds: number; peak_rss_mb: number; steps: { step: string; seconds: number; tables: Record<string, number> }[] };
    const relation = res.steps.filter((s) => /^3\d_/.test(s.step)).reduce((a, s) => a + s.seconds, 0);
    const r = { subjects: n, build_seconds: res.seconds, wall_seconds: +b.seconds.toFixed(1), peak_rss_mb: res.peak_rss_mb, relation_risk_seconds: +relation.toFixed(2), steps: res.steps, demo };
    o.log(JSON.stringify({ subjects: n, build_seconds: r.build_seconds, peak_rss_mb: r.peak_rss_mb, relation_risk_seconds: r.relation_risk_seconds }));
    results.push(r);
  }
  const out = join(REPO_ROOT, 'bench', 'results', `build-${new Date().toISOString().slice(0, 10)}.json`);
  mkdirSync(join(REPO_ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(out, JSON.stringify({
    date: new Date().toISOString(), machine: { host: hostname(), cpus: cpus().length, cpu: cpus()[0]?.model, mem_gib: Math.round(totalmem() / 2 ** 30), node: process.version },
    note: 'single run per size; build in a child process with 2 DuckDB threads; as of 2026-10-31', results,
  }, null, 2));
  o.log(`written ${out}`);
}
