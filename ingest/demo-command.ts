/**
 * `credit-watch demo`: generate the synthetic city into <data-dir>/demo/files, move its source-unit
 * list and planted stories into <data-dir>/config, then ingest the files like any other input.
 */
import { copyFileSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { todayIn, type IngestConfig } from './config.ts';
import { generateDemoCity } from './demo/generate.ts';
import { lakePaths } from './lake/paths.ts';
import { runIngest, type IngestSummary } from './pipeline/run.ts';
import { terminalProgress } from './progress.ts';
import { formatSummary } from './summary.ts';

export interface DemoCommandOptions {
  subjects: number;
  months: number;
  seed: number;
  asOf?: string;
  ingest: boolean;
  quiet: boolean;
  log: (s: string) => void;
}

export async function runDemo(cfg: IngestConfig, o: DemoCommandOptions) {
  const asOf = o.asOf ?? todayIn(cfg.timeZone);
  const outDir = join(cfg.dataDir, 'demo', 'files');
  rmSync(outDir, { recursive: true, force: true });
  const t0 = Date.now();
  const gen = await generateDemoCity({ outDir, subjects: o.subjects, months: o.months, seed: o.seed, asOf, onProgress: o.quiet ? undefined : (m) => o.log(m) });
  const genSeconds = (Date.now() - t0) / 1000;
  const config = lakePaths(cfg.dataDir).config;
  mkdirSync(config, { recursive: true });
  copyFileSync(gen.sourceUnitsPath, join(config, 'source_units.csv'));
  copyFileSync(gen.storiesPath, join(config, 'demo_stories.json'));
  // Keep the files folder ingestible as a whole: metadata moves under _meta/ (skipped by ingest).
  mkdirSync(join(outDir, '_meta'), { recursive: true });
  for (const f of [gen.sourceUnitsPath, gen.storiesPath]) renameSync(f, join(outDir, '_meta', basename(f)));
  if (!o.quiet) o.log(`已生成演示城市 demo city: ${gen.subjects.toLocaleString()} 个主体, ${gen.records.toLocaleString()} 条记录, ${gen.files.length} 个文件, ${genSeconds.toFixed(1)} 秒 -> ${outDir}`);
  let ingest: IngestSummary | undefined;
  if (o.ingest) {
    const progress = o.quiet ? undefined : terminalProgress();
    ingest = await runIngest({
      inputs: gen.files.map((f) => f.path), dataDir: cfg.dataDir, today: asOf > todayIn(cfg.timeZone) ? asOf : todayIn(cfg.timeZone),
      hashKey: cfg.idHashKey, threads: cfg.threads, memoryLimit: cfg.memoryLimit, onProgress: progress?.onProgress,
    });
    progress?.done();
    if (!o.quiet) o.log(formatSummary(ingest));
  }
  return {
    files: gen.files.length, subjects: gen.subjects, records: gen.records, generate_seconds: genSeconds, as_of: asOf,
    ingest: ingest && { run_id: ingest.run_id, rows_read: ingest.rows_read, accepted: ingest.accepted, rejected: ingest.rejected, duplicates: ingest.duplicates, seconds: ingest.seconds },
  };
}
