/**
 * Deduplicates the staged rows of one kind against themselves and the committed lake, then writes
 * the new ones as Parquet partitioned by month. Same natural key + same content = duplicate
 * (counted, adds nothing); same key + different content = rejected as CW_DUPLICATE_CONFLICT (kept
 * in rejects: corrections arrive as 异议/信用修复 records, never as silent overwrites).
 */
import { mkdirSync } from 'node:fs';
import { relative } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { queryRows } from '../duck.ts';
import { kindDir, type LakePaths } from '../lake/paths.ts';
import type { OutputFile } from '../lake/manifest.ts';
import { ident, lit } from './sql-util.ts';

export interface KindOutcome {
  outputs: OutputFile[];
  /** per file_seq: accepted (new), duplicates, conflicts, flagged (among the accepted) */
  perFile: Map<number, { accepted: number; duplicates: number; conflicts: number; flagged: number }>;
}

/** Staging bookkeeping columns that never reach the lake. */
const STAGING_ONLY = ['__file_seq', '__row', '__flags', '__rank', '__status', '__kept_hash'];

export async function commitKind(conn: DuckDBConnection, p: LakePaths, kind: string, runId: string, committed: string[]): Promise<KindOutcome> {
  const st = ident(`st_${kind}`);
  await conn.run(`CREATE OR REPLACE TEMP TABLE existing AS
    SELECT record_key, any_value(content_hash) AS content_hash FROM ${committed.length
      ? `read_parquet([${committed.map(lit).join(', ')}], union_by_name = true)`
      : '(SELECT NULL::VARCHAR AS record_key, NULL::VARCHAR AS content_hash WHERE false)'} GROUP BY record_key`);
  // The first occurrence in this run (by file, then row) is the candidate; it is new only when the
  // lake does not already hold the key.
  await conn.run(`CREATE OR REPLACE TEMP TABLE cls AS
    SELECT s.*,
      row_number() OVER w AS __rank,
      coalesce(e.content_hash, first_value(s.content_hash) OVER w) AS __kept_hash,
      CASE WHEN e.record_key IS NULL AND row_number() OVER w = 1 THEN 'new'
           WHEN s.content_hash = coalesce(e.content_hash, first_value(s.content_hash) OVER w) THEN 'duplicate'
           ELSE 'conflict' END AS __status
    FROM ${st} s LEFT JOIN existing e USING (record_key)
    WINDOW w AS (PARTITION BY s.record_key ORDER BY s.__file_seq, s.__row)`);

  const outputs: OutputFile[] = [];
  const dir = kindDir(p, kind);
  mkdirSync(dir, { recursive: true });
  const [{ n }] = await queryRows<{ n: number }>(conn, `SELECT count(*) AS n FROM cls WHERE __status = 'new'`);
  if (n > 0) {
    await conn.run(`COPY (
        SELECT * EXCLUDE (${STAGING_ONLY.join(', ')}), __row AS row_number, __flags AS flags, ${lit(runId)} AS run_id
        FROM cls WHERE __status = 'new' ORDER BY month, subject_key)
      TO ${lit(dir)} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (month), FILENAME_PATTERN ${lit(`part-${runId}-{i}`)}, OVERWRITE_OR_IGNORE)`);
    const files = await queryRows<{ file: string; rows: number }>(conn,
      `SELECT file_name AS file, sum(row_group_num_rows)::BIGINT AS rows FROM parquet_metadata(${lit(`${dir}/month=*/part-${runId}-*.parquet`)}) GROUP BY 1 ORDER BY 1`);
    for (const f of files) outputs.push({ kind, table: 'records', path: relative(p.root, f.file), rows: f.rows });
  }
  // Conflicting duplicates join the rejects with their typed, ID-hashed row as `raw` (the staging
  // area keeps no original cells; those stay in the content-addressed raw file at file_sha256 and
  // row_number).
  await conn.run(`INSERT INTO rej
    SELECT ${lit(kind)}, __file_seq, file_sha256, source_file, __row, 'CW_DUPLICATE_CONFLICT', '(natural key)',
      'the same content as the record already held under this key', record_key,
      to_json([{'code': 'CW_DUPLICATE_CONFLICT', 'field': '(natural key)', 'expected': 'identical content', 'got': record_key}]),
      c.source_unit, c.month, json_merge_patch(to_json(c), '{"__file_seq": null, "__row": null}')
    FROM (SELECT * EXCLUDE (__rank, __status, __kept_hash, __flags) FROM cls WHERE __status = 'conflict') c`);
  const per = await queryRows<{ f: number; accepted: number; duplicates: number; conflicts: number; flagged: number }>(conn,
    `SELECT __file_seq AS f, count(*) FILTER (WHERE __status = 'new') AS accepted,
       count(*) FILTER (WHERE __status = 'new' AND len(__flags) > 0) AS flagged,
       count(*) FILTER (WHERE __status = 'duplicate') AS duplicates, count(*) FILTER (WHERE __status = 'conflict') AS conflicts
     FROM cls GROUP BY 1`);
  return { outputs, perFile: new Map(per.map((x) => [x.f, { accepted: x.accepted, duplicates: x.duplicates, conflicts: x.conflicts, flagged: x.flagged }])) };
}

/** Writes this run's rejects (all kinds) as Parquet, skipping rows a committed run already rejected. */
export async function commitRejects(conn: DuckDBConnection, p: LakePaths, runId: string, committed: string[]): Promise<OutputFile[]> {
  const seen = committed.length
    ? `SELECT file_sha256, row_number, reason_code FROM read_parquet([${committed.map(lit).join(', ')}], union_by_name = true)`
    : `SELECT NULL::VARCHAR AS file_sha256, NULL::BIGINT AS row_number, NULL::VARCHAR AS reason_code WHERE false`;
  await conn.run(`CREATE OR REPLACE TEMP TABLE rej_new AS
    SELECT r.* EXCLUDE (file_seq), ${lit(runId)} AS run_id FROM rej r
    WHERE NOT EXISTS (SELECT 1 FROM (${seen}) s WHERE s.file_sha256 = r.file_sha256 AND s.row_number = r.row_number AND s.reason_code = r.reason_code)`);
  const kinds = await queryRows<{ kind: string; n: number }>(conn, `SELECT kind, count(*) AS n FROM rej_new GROUP BY 1 ORDER BY 1`);
  const outputs: OutputFile[] = [];
  for (const k of kinds) {
    const dir = `${p.rejects}/kind=${k.kind}`;
    mkdirSync(dir, { recursive: true });
    const file = `${dir}/part-${runId}.parquet`;
    await conn.run(`COPY (SELECT * EXCLUDE (kind) FROM rej_new WHERE kind = ${lit(k.kind)} ORDER BY file_sha256, row_number) TO ${lit(file)} (FORMAT parquet, COMPRESSION zstd)`);
    outputs.push({ kind: k.kind, table: 'rejects', path: relative(p.root, file), rows: k.n });
  }
  return outputs;
}
