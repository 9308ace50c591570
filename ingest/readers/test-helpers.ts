/** Test helpers for the reader tests (not used by production code). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
export const fixture = (name: string): string => join(FIXTURES, name);

let conn: Promise<DuckDBConnection> | null = null;

/** Reads a CSV back exactly the way the ingest pipeline does; NULL (empty field) -> ''. */
export async function readBack(csvPath: string): Promise<{ columns: string[]; rows: string[][] }> {
  conn ??= DuckDBInstance.create(':memory:').then((i) => i.connect());
  const c = await conn;
  const r = await c.runAndReadAll('SELECT * FROM read_csv($p, header=true, all_varchar=true)', { p: csvPath });
  const rows = r.getRowsJS().map((row) => row.map((v) => (v === null ? '' : String(v))));
  return { columns: r.columnNames(), rows };
}

/** Runs SQL with $p bound to a CSV path; `{csv}` in the SQL expands to the read_csv call. */
export async function queryCsv(sql: string, csvPath: string): Promise<string[][]> {
  conn ??= DuckDBInstance.create(':memory:').then((i) => i.connect());
  const c = await conn;
  const r = await c.runAndReadAll(sql.replace('{csv}', 'read_csv($p, header=true, all_varchar=true)'), { p: csvPath });
  return r.getRowsJS().map((row) => row.map((v) => (v === null ? '' : String(v))));
}

/** A fresh temp directory plus a cleanup function for afterAll. */
export function makeTmpDir(prefix: string): { dir: string; cleanup: () => void; write: (name: string, data: string | Buffer) => string } {
  const dir = mkdtempSync(join(tmpdir(), `cw-readers-${prefix}-`));
  return {
    dir,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
    /** Writes a file into the temp dir and returns its path. */
    write: (name, data) => {
      const p = join(dir, name);
      writeFileSync(p, data);
      return p;
    },
  };
}
