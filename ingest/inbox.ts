/**
 * Nightly inbox runs: every file in <inbox> (top level) is ingested on its own, so one unusable
 * file cannot hold back the rest, then moved to done/<run date>/ or failed/<run date>/ next to a
 * `<name>.report.json`. Runs on the CW_INGEST_CRON schedule (croner, Asia/Shanghai) and never
 * overlaps itself; `runInboxOnce` is what the server's scheduler calls.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cron } from 'croner';
import { todayIn, type IngestConfig } from './config.ts';
import { InputError } from './pipeline/errors.ts';
import { runIngest } from './pipeline/run.ts';
import { formatFromExtension } from './readers/index.ts';
import { jsonSummary } from './cli.ts';

export interface InboxResult { file: string; status: 'done' | 'failed'; report: unknown }

export async function runInboxOnce(inbox: string, cfg: IngestConfig, kind?: string): Promise<InboxResult[]> {
  mkdirSync(inbox, { recursive: true });
  const day = todayIn(cfg.timeZone);
  const files = readdirSync(inbox).filter((f) => !f.startsWith('.') && statSync(join(inbox, f)).isFile() && formatFromExtension(f)).sort();
  const results: InboxResult[] = [];
  for (const name of files) {
    const src = join(inbox, name);
    let status: InboxResult['status'] = 'done';
    let report: unknown;
    try {
      report = jsonSummary(await runIngest({ inputs: [src], dataDir: cfg.dataDir, kind, today: day, hashKey: cfg.idHashKey, threads: cfg.threads, memoryLimit: cfg.memoryLimit }));
    } catch (e) {
      status = 'failed';
      const err = e as Error & { code?: string };
      report = { error: err.code ?? 'CW_ERR_INTERNAL', message: err.message, input_error: e instanceof InputError };
    }
    const dest = join(inbox, status, day);
    mkdirSync(dest, { recursive: true });
    let target = join(dest, name);
    for (let i = 1; existsSync(target); i++) target = join(dest, `${i}-${name}`);
    renameSync(src, target);
    writeFileSync(`${target}.report.json`, JSON.stringify(report, null, 2));
    results.push({ file: name, status, report });
  }
  return results;
}

export interface WatchOptions { inbox: string; cfg: IngestConfig; once: boolean; kind?: string; log: (s: string) => void; json?: (s: string) => void }

export async function watchInbox(o: WatchOptions): Promise<void> {
  const tick = async () => {
    const res = await runInboxOnce(o.inbox, o.cfg, o.kind);
    o.json?.(JSON.stringify({ inbox: o.inbox, results: res }));
    o.log(`收件箱 inbox ${o.inbox}: ${res.filter((r) => r.status === 'done').length} done, ${res.filter((r) => r.status === 'failed').length} failed`);
  };
  await tick();
  if (o.once) return;
  const job = new Cron(o.cfg.ingestCron, { timezone: o.cfg.timeZone, protect: true }, tick);
  o.log(`watching ${o.inbox}; next run ${job.nextRun()?.toISOString()} (CW_INGEST_CRON='${o.cfg.ingestCron}')`);
  await new Promise<void>((resolve) => {
    const stop = () => { job.stop(); resolve(); };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
