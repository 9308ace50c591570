/**
 * Read-only access for the `query` and `quality` commands: an in-memory DuckDB with the lake views
 * and, when a warehouse build is being served, that build attached read-only as `wh` and on the
 * search path (so `SELECT * FROM city_index` works). Only a single SELECT (or EXPLAIN) is run, so
 * a query cannot write.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { StatementType } from '@duckdb/node-api';
import { readCurrent, warehousePaths } from '../analytics/warehouse.ts';
import type { IngestConfig } from './config.ts';
import { openDuck, queryRows } from './duck.ts';
import { createLakeViews } from './lake/catalog.ts';
import { InputError } from './pipeline/errors.ts';
import { lit } from './pipeline/sql-util.ts';

export async function withLake<T>(cfg: IngestConfig, fn: (q: <R = Record<string, unknown>>(sql: string) => Promise<R[]>, conn: Awaited<ReturnType<typeof openDuck>>['conn']) => Promise<T>): Promise<T> {
  const db = await openDuck({ path: ':memory:', threads: cfg.threads, memoryLimit: cfg.memoryLimit });
  try {
    await createLakeViews(db.conn, cfg.dataDir);
    const w = warehousePaths(cfg.dataDir);
    const cur = readCurrent(w);
    if (cur && existsSync(join(w.root, cur.file))) {
      await db.conn.run(`ATTACH ${lit(join(w.root, cur.file))} AS wh (READ_ONLY)`);
      await db.conn.run(`SET search_path = 'memory.main,wh.main'`);
    }
    return await fn((sql) => queryRows(db.conn, sql), db.conn);
  } finally {
    db.close();
  }
}

export async function runQuery(cfg: IngestConfig, sql: string): Promise<Record<string, unknown>[]> {
  return withLake(cfg, async (_q, conn) => {
    let stmts;
    try {
      stmts = await conn.extractStatements(sql);
    } catch (e) {
      throw new InputError('CW_ERR_SQL', `the query does not parse: ${(e as Error).message}`);
    }
    if (stmts.count !== 1) throw new InputError('CW_ERR_SQL', `query runs exactly one statement, got ${stmts.count}`);
    let prepared;
    try {
      prepared = await stmts.prepare(0);
    } catch (e) {
      throw new InputError('CW_ERR_SQL', (e as Error).message);
    }
    // EXPLAIN ANALYZE runs the explained statement (a COPY could write files): plain EXPLAIN only.
    const analyze = prepared.statementType === StatementType.EXPLAIN && /^\s*EXPLAIN\s+ANALY[SZ]E\b/i.test(sql);
    if ((prepared.statementType !== StatementType.SELECT && prepared.statementType !== StatementType.EXPLAIN) || analyze) {
      throw new InputError('CW_ERR_SQL', `query is read-only: only SELECT/EXPLAIN statements are allowed (got statement type ${StatementType[prepared.statementType]})`);
    }
    const r = await prepared.runAndReadAll();
    return r.getRowObjectsJS() as Record<string, unknown>[];
  });
}

export interface QualityReport {
  by_month: Record<string, unknown>[];
  worst_sources: Record<string, unknown>[];
  uscc_findings: Record<string, unknown>[];
}

export async function qualityReport(cfg: IngestConfig): Promise<QualityReport> {
  return withLake(cfg, async (q) => ({
    by_month: await q(`SELECT * FROM quality_by_month`),
    worst_sources: await q(`SELECT source_unit, sum(accepted) AS accepted, sum(rejected) AS rejected,
        round(sum(accepted) / (sum(accepted) + sum(rejected)), 4) AS compliance,
        round(sum(timeliness * published) / nullif(sum(published), 0), 4) AS timeliness
      FROM quality_by_source GROUP BY 1 ORDER BY compliance, timeliness NULLS LAST LIMIT 10`),
    uscc_findings: await q(`SELECT finding, count(*) AS n FROM uscc_findings GROUP BY 1 ORDER BY 1`),
  }));
}

const pct = (x: unknown) => (x === null || x === undefined ? '—' : `${(Number(x) * 100).toFixed(1)}%`);

export function formatQuality(q: QualityReport): string {
  const lines = ['月份 month | 行数 rows | 合规率 compliance | 及时率 timeliness | 报送率 reporting'];
  for (const m of q.by_month) lines.push(`${m.month} | ${m.rows} | ${pct(m.compliance)} | ${pct(m.timeliness)} | ${pct(m.reporting_rate)} (${m.reporting_units}/${m.expected_units})`);
  lines.push('', '合规率最低的来源单位 worst source units:');
  for (const s of q.worst_sources) lines.push(`  ${s.source_unit}: 合规率 ${pct(s.compliance)}, 及时率 ${pct(s.timeliness)}, rejected ${s.rejected}`);
  lines.push('', '重错码 USCC findings:');
  for (const f of q.uscc_findings) lines.push(`  ${f.finding}: ${f.n}`);
  return lines.join('\n');
}
