/**
 * The main job behind `npm start`: on an empty data dir, generate and ingest the demo city; then
 * build the warehouse (scores, indicators, index, alerts) and print where things are.
 */
import { todayIn, type IngestConfig } from './config.ts';
import { readManifests } from './lake/manifest.ts';
import { lakePaths } from './lake/paths.ts';
import { runDemo } from './demo-command.ts';
import { qualityReport, formatQuality } from './query.ts';

export async function startMainJob(cfg: IngestConfig, log: (s: string) => void): Promise<void> {
  if (readManifests(lakePaths(cfg.dataDir)).length === 0) {
    log(`数据目录为空, 生成演示城市 (盐城市) -> ${cfg.dataDir}`);
    await runDemo(cfg, { subjects: 10_000, months: 36, seed: 1, ingest: true, quiet: false, log });
  }
  const { runBuild } = await import('../analytics/build.ts');
  const res = await runBuild({ dataDir: cfg.dataDir, asOf: todayIn(cfg.timeZone), threads: cfg.threads, memoryLimit: cfg.memoryLimit, log });
  log(`数仓构建完成 build ${res.build_id}: ${res.seconds} s`);
  log('');
  log(formatQuality(await qualityReport(cfg)));
  log('');
  log(`查询 query: npx credit-watch query "SELECT * FROM city_index ORDER BY month DESC LIMIT 12" --data-dir ${cfg.dataDir}`);
}
