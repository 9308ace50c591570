/** Opening DuckDB the same way everywhere: thread count, memory limit, spill directory. */
import { mkdirSync } from 'node:fs';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

export interface DuckOptions {
  /** Database file, or ':memory:'. */
  path: string;
  threads?: number;
  memoryLimit?: string;
  /** Where DuckDB spills when a query exceeds memory. */
  tempDir?: string;
  readOnly?: boolean;
}

export async function openDuck(o: DuckOptions): Promise<{ instance: DuckDBInstance; conn: DuckDBConnection; close: () => void }> {
  const cfg: Record<string, string> = { threads: String(o.threads ?? 2), memory_limit: o.memoryLimit ?? '4GB' };
  if (o.tempDir) {
    mkdirSync(o.tempDir, { recursive: true });
    cfg.temp_directory = o.tempDir;
  }
  if (o.readOnly) cfg.access_mode = 'READ_ONLY';
  const instance = await DuckDBInstance.create(o.path, cfg);
  const conn = await instance.connect();
  return {
    instance,
    conn,
    close: () => {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

/** Runs a query and returns plain JS rows (BIGINT -> number when safe). */
export async function queryRows<T = Record<string, unknown>>(conn: DuckDBConnection, sql: string, params?: Record<string, unknown>): Promise<T[]> {
  const r = await conn.runAndReadAll(sql, params as never);
  return r.getRowObjectsJS().map((row) => {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row)) o[k] = typeof v === 'bigint' && Number.isSafeInteger(Number(v)) ? Number(v) : v;
    return o as T;
  });
}
