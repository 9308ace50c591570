/**
 * The main job behind `npm start`: on an empty data dir, generate and ingest the demo city; build
 * the warehouse unless the served build already covers today and the latest lake run; then serve
 * the API and dashboard (server/server.ts), printing the URL and the demo accounts.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { todayIn, type IngestConfig } from './config.ts';
import { readManifests } from './lake/manifest.ts';
import { lakePaths } from './lake/paths.ts';
import { runDemo } from './demo-command.ts';
import { qualityReport, formatQuality } from './query.ts';

export interface StartOptions {
  /** Serve after building. @default true */
  serve?: boolean;
}

export async function startMainJob(cfg: IngestConfig, log: (s: string) => void, o: StartOptions = {}): Promise<void> {
  if (readManifests(lakePaths(cfg.dataDir)).length === 0) {
    log(`数据目录为空, 生成演示城市 (盐城市) -> ${cfg.dataDir}`);
    await runDemo(cfg, { subjects: 10_000, months: 36, seed: 1, ingest: true, quiet: false, log });
  }
  const { readCurrent, warehousePaths } = await import('../analytics/warehouse.ts');
  const w = warehousePaths(cfg.dataDir);
  const cur = readCurrent(w);
  const lakeSeq = readManifests(lakePaths(cfg.dataDir)).at(-1)?.seq ?? 0;
  const today = todayIn(cfg.timeZone);
  if (cur && existsSync(join(w.root, cur.file)) && cur.as_of === today && cur.lake_seq === lakeSeq) {
    log(`数仓已是最新 warehouse build ${cur.build_id} covers today and lake run #${lakeSeq}; not rebuilding`);
  } else {
    const { runBuild } = await import('../analytics/build.ts');
    const res = await runBuild({ dataDir: cfg.dataDir, asOf: today, threads: cfg.threads, memoryLimit: cfg.memoryLimit, log });
    log(`数仓构建完成 build ${res.build_id}: ${res.seconds} s`);
    log('');
    log(formatQuality(await qualityReport(cfg)));
  }
  if (o.serve === false) return;
  const { loadServerConfig } = await import('../server/config.ts');
  const { startServer } = await import('../server/server.ts');
  await startServer(loadServerConfig(process.env, { ingest: cfg }), { log });
  await new Promise<void>(() => undefined); // serves until SIGINT / SIGTERM (graceful shutdown exits)
}
