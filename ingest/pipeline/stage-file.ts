/**
 * Stages one input file: loads its normalized CSV into DuckDB (all VARCHAR, with the row number),
 * runs the kind's validating SELECT, and appends accepted rows to `st_<kind>` and rejected rows,
 * with every original cell (ID numbers masked) and their reasons, to `rej`.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { queryRows } from '../duck.ts';
import type { InputTable } from '../readers/open-input.ts';
import type { HeaderMapping } from './recognize.ts';
import { ident, lit } from './sql-util.ts';
import { buildValidationSql, rawJsonSql } from './validate-sql.ts';

export interface StagedFile {
  rowsRead: number;
  rejected: number;
  flagged: number;
  byReason: Record<string, number>;
}

export interface StageMeta {
  fileSeq: number;
  sha256: string;
  fileName: string;
  today: string;
  hashKey: string;
}

/** Column names given to DuckDB: c0..cN (headers may repeat or be empty), plus __extra__. */
export function columnNames(header: readonly string[]): string[] {
  return header.map((h, i) => (h === '__extra__' ? '__extra__' : `c${i}`));
}

/** The table of rejected rows, one for all kinds. */
export const CREATE_REJECTS = `CREATE TABLE IF NOT EXISTS rej (
  kind VARCHAR, file_seq INTEGER, file_sha256 VARCHAR, source_file VARCHAR, row_number BIGINT,
  reason_code VARCHAR, reason_field VARCHAR, expected VARCHAR, got VARCHAR,
  reasons JSON, source_unit VARCHAR, month VARCHAR, raw JSON)`;

export async function stageFile(conn: DuckDBConnection, input: InputTable, mapping: HeaderMapping, meta: StageMeta): Promise<StagedFile> {
  const kind = mapping.kind.kind;
  const names = columnNames(input.header);
  // The row number of a CSV/XLSX record is its line in a spreadsheet sense (header = row 1);
  // for JSON it is the record's ordinal. DuckDB keeps the file order for row_number() OVER ().
  const rowOffset = input.format === 'json' || input.format === 'ndjson' ? 0 : 1;
  await conn.run(`CREATE OR REPLACE TEMP TABLE src AS
    SELECT row_number() OVER () + ${rowOffset} AS __row, *
    FROM read_csv(${lit(input.csvPath)}, header = true, all_varchar = true, delim = ${lit(input.csvPath === input.path ? input.delimiter : ',')},
                  quote = '"', escape = '"', names = [${names.map(lit).join(', ')}], null_padding = true)`);
  // Rows longer than the header make DuckDB add columns (column8, ...): fold them into __extra__
  // so the row is rejected with CW_EXTRA_FIELDS and its cells are kept in the raw JSON.
  const surplus = (await queryRows<{ name: string }>(conn, `SELECT column_name AS name FROM duckdb_columns() WHERE table_name = 'src' AND database_name = 'temp' ORDER BY column_index`))
    .map((c) => c.name).filter((c) => c !== '__row' && !names.includes(c));
  if (surplus.length) {
    const joined = `nullif(concat_ws('|', ${surplus.map(ident).join(', ')}), '')`;
    const merged = names.includes('__extra__') ? `nullif(concat_ws('|', "__extra__", ${joined}), '')` : joined;
    await conn.run(`CREATE OR REPLACE TEMP TABLE src AS SELECT * EXCLUDE (${[...surplus, ...(names.includes('__extra__') ? ['__extra__'] : [])].map(ident).join(', ')}), ${merged} AS "__extra__" FROM src`);
    if (!names.includes('__extra__')) names.push('__extra__');
  }
  const header = names.length > input.header.length ? [...input.header, '__extra__'] : input.header;
  const hasExtra = names.includes('__extra__');
  const sql = `CREATE OR REPLACE TEMP TABLE v AS ${buildValidationSql(mapping, header, names, hasExtra)}`;
  // DuckDB refuses bound values the statement does not use: bind only those it mentions.
  const params = Object.fromEntries(Object.entries({ today: meta.today, hash_key: meta.hashKey }).filter(([k]) => sql.includes(`$${k}`)));
  await conn.run(sql, params);

  const st = ident(`st_${kind}`);
  const fileCols = `${meta.fileSeq}::INTEGER AS __file_seq, ${lit(meta.sha256)} AS file_sha256, ${lit(meta.fileName)} AS source_file`;
  await conn.run(`CREATE TABLE IF NOT EXISTS ${st} AS SELECT ${fileCols}, * EXCLUDE (__reasons) FROM v WHERE false`);
  await conn.run(`INSERT INTO ${st} SELECT ${fileCols}, * EXCLUDE (__reasons) FROM v WHERE len(__reasons) = 0`);
  await conn.run(CREATE_REJECTS);
  await conn.run(`INSERT INTO rej
    SELECT ${lit(kind)}, ${meta.fileSeq}, ${lit(meta.sha256)}, ${lit(meta.fileName)}, v.__row,
      v.__reasons[1].code, v.__reasons[1].field, v.__reasons[1].expected, v.__reasons[1].got,
      to_json(v.__reasons), ${mapping.columns.has('source_unit') ? 'v.source_unit' : 'NULL'}, v.month, ${rawJsonSql(mapping, header, names)}
    FROM v JOIN src ON src.__row = v.__row
    WHERE len(v.__reasons) > 0`);

  const [counts] = await queryRows<{ n: number; rejected: number; flagged: number }>(conn,
    `SELECT count(*) AS n, count(*) FILTER (WHERE len(__reasons) > 0) AS rejected,
            count(*) FILTER (WHERE len(__reasons) = 0 AND len(__flags) > 0) AS flagged FROM v`);
  // A row with several problems counts once under each distinct reason code.
  const reasons = await queryRows<{ code: string; n: number }>(conn,
    `SELECT code, count(*) AS n FROM (SELECT DISTINCT __row, unnest(list_transform(__reasons, x -> x.code)) AS code FROM v) GROUP BY code ORDER BY code`);
  return {
    rowsRead: counts.n,
    rejected: counts.rejected,
    flagged: counts.flagged,
    byReason: Object.fromEntries(reasons.map((x) => [x.code, x.n])),
  };
}
