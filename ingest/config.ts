/**
 * The one place that reads process.env. Every variable has the CW_ prefix, a default, and a check
 * that fails at startup with a message naming the variable (listed in README.md and .env.example).
 */
import { resolve } from 'node:path';
import { REPO_ROOT } from './reference/index.ts';

export interface IngestConfig {
  /** Root of lake, warehouse and operational state. @default `<repo>/data` */
  dataDir: string;
  /** Secret key of the keyed hash that replaces natural-person ID numbers. @default a fixed demo key (warns) */
  idHashKey: string;
  /** Cron of the nightly inbox ingest (croner syntax, Asia/Shanghai). @default '0 2 * * *' */
  ingestCron: string;
  /** Time zone of schedules and of "today" for date checks. @default 'Asia/Shanghai' */
  timeZone: string;
  /** DuckDB memory limit for ingest and build. @default '4GB' */
  memoryLimit: string;
  /** DuckDB threads. @default 2 */
  threads: number;
}

export const DEMO_ID_HASH_KEY = 'credit-watch-demo-key-change-me';

export class ConfigError extends Error {
  readonly code = 'CW_ERR_CONFIG';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<IngestConfig> = {}): IngestConfig {
  const threads = Number(env.CW_THREADS ?? 2);
  if (!Number.isInteger(threads) || threads < 1) throw new ConfigError(`CW_THREADS should be a positive integer, instead got '${env.CW_THREADS}'`);
  const memoryLimit = env.CW_MEMORY_LIMIT ?? '4GB';
  if (!/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(memoryLimit)) {
    throw new ConfigError(`CW_MEMORY_LIMIT should look like '4GB', instead got '${memoryLimit}'`);
  }
  const cron = env.CW_INGEST_CRON ?? '0 2 * * *';
  if (cron.trim().split(/\s+/).length < 5) throw new ConfigError(`CW_INGEST_CRON should be a 5- or 6-field cron expression, instead got '${cron}'`);
  return {
    dataDir: resolve(overrides.dataDir ?? env.CW_DATA_DIR ?? resolve(REPO_ROOT, 'data')),
    idHashKey: overrides.idHashKey ?? env.CW_ID_HASH_KEY ?? DEMO_ID_HASH_KEY,
    ingestCron: cron,
    timeZone: env.CW_TZ ?? 'Asia/Shanghai',
    memoryLimit,
    threads,
    ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)),
  };
}

/** Today's date (YYYY-MM-DD) in the configured time zone: the bound of "not in the future". */
export function todayIn(timeZone: string, now: Date = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}
