/**
 * Read-only views over the committed lake for users, tests and the analytics build: one view per
 * kind (`records_<kind>`), `subjects`, `relations`, `rejects`, `ingest_runs`, and the data-quality
 * views. Only files listed in committed manifests are visible.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { KINDS, type FieldType, type KindSchema } from '../schemas/index.ts';
import { installValidationMacros } from '../validators/sql-macros.ts';
import { loadReferenceTables } from '../pipeline/reference-tables.ts';
import { ident, lit } from '../pipeline/sql-util.ts';
import { outputColumns } from '../pipeline/validate-sql.ts';
import { committedFiles, readManifests, type Manifest } from './manifest.ts';
import { lakePaths } from './paths.ts';
import { createQualityViews } from './quality-views.ts';

const SQL_TYPE: Record<FieldType, string> = {
  text: 'VARCHAR', uscc: 'VARCHAR', idno: 'VARCHAR', date: 'DATE', amount: 'DOUBLE', number: 'DOUBLE', int: 'INTEGER',
  enum: 'VARCHAR', county: 'VARCHAR', industry: 'VARCHAR', lon: 'DOUBLE', lat: 'DOUBLE',
};

/** An empty SELECT with the lake columns of a kind, for kinds that have no data yet. */
function emptyKindSql(k: KindSchema): string {
  const cols = outputColumns(k).map((c) => {
    const f = k.fields.find((x) => x.key === c.name);
    const type = f ? (f.type === 'enum' && f.multi ? 'VARCHAR[]' : SQL_TYPE[f.type]) : 'VARCHAR';
    return `NULL::${type} AS ${ident(c.name)}`;
  });
  const derived = k.kind === 'relation' ? ['related_key'] : []; // see buildValidationSql
  const meta = ['file_sha256', 'source_file', 'subject_key', ...derived, 'record_key', 'content_hash', 'run_id', 'month'].map((c) => `NULL::VARCHAR AS ${c}`);
  return `SELECT ${[...cols, ...meta, 'NULL::BIGINT AS row_number', 'NULL::VARCHAR[] AS flags'].join(', ')} WHERE false`;
}

export async function createLakeViews(conn: DuckDBConnection, dataDir: string): Promise<Manifest[]> {
  const p = lakePaths(dataDir);
  const manifests = readManifests(p);
  await installValidationMacros(conn);
  await loadReferenceTables(conn);
  for (const k of KINDS) {
    const files = committedFiles(p, manifests, 'records', k.kind);
    const body = files.length
      ? `SELECT * FROM read_parquet([${files.map(lit).join(', ')}], hive_partitioning = true, hive_types = {'month': VARCHAR}, union_by_name = true)`
      : emptyKindSql(k);
    await conn.run(`CREATE OR REPLACE VIEW ${ident(`records_${k.kind}`)} AS ${body}`);
  }
  await conn.run(`CREATE OR REPLACE VIEW subjects AS SELECT * FROM records_subject`);
  await conn.run(`CREATE OR REPLACE VIEW relations AS SELECT * FROM records_relation`);
  const rej = committedFiles(p, manifests, 'rejects');
  await conn.run(`CREATE OR REPLACE VIEW rejects AS ${rej.length
    ? `SELECT * FROM read_parquet([${rej.map(lit).join(', ')}], hive_partitioning = true, union_by_name = true)`
    : `SELECT NULL::VARCHAR AS kind, NULL::VARCHAR AS file_sha256, NULL::VARCHAR AS source_file, NULL::BIGINT AS row_number, NULL::VARCHAR AS reason_code,
         NULL::VARCHAR AS reason_field, NULL::VARCHAR AS expected, NULL::VARCHAR AS got, NULL::JSON AS reasons, NULL::VARCHAR AS source_unit, NULL::VARCHAR AS month, NULL::JSON AS raw, NULL::VARCHAR AS run_id WHERE false`}`);
  const runs = manifests.map((m) =>
    `(${m.seq}, ${lit(m.run_id)}, ${lit(m.started_at)}::TIMESTAMP, ${lit(m.finished_at)}::TIMESTAMP, ${lit(m.as_of)}::DATE, ${m.totals.files}, ${m.totals.rows_read}, ${m.totals.accepted}, ${m.totals.rejected}, ${m.totals.duplicates}, ${m.totals.flagged})`);
  await conn.run(`CREATE OR REPLACE VIEW ingest_runs AS SELECT * FROM (${runs.length ? `VALUES ${runs.join(', ')}` : `SELECT 0, '', NULL::TIMESTAMP, NULL::TIMESTAMP, NULL::DATE, 0, 0, 0, 0, 0, 0 WHERE false`})
    t(seq, run_id, started_at, finished_at, as_of, files, rows_read, accepted, rejected, duplicates, flagged)`);
  const unitsFile = join(p.config, 'source_units.csv');
  await createQualityViews(conn, existsSync(unitsFile) ? unitsFile : undefined);
  return manifests;
}
