/**
 * Installs the DuckDB validation macros (cw_uscc_status, cw_idno_status,
 * cw_parse_date, cw_date_reason, cw_mask_id) defined in ../sql/validate_macros.sql.
 */
import { readFile } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';

/** Location of the macro definitions, resolved relative to this module. */
export const VALIDATE_MACROS_URL = new URL('../sql/validate_macros.sql', import.meta.url);

/** Names of the public macros created by installValidationMacros. */
export const VALIDATION_MACROS = [
  'cw_uscc_status',
  'cw_idno_status',
  'cw_mask_id',
  'cw_parse_date',
  'cw_date_reason',
] as const;

let cachedSql: Promise<string> | undefined;

/** The macro script text (read once per process). */
export function validationMacrosSql(): Promise<string> {
  cachedSql ??= readFile(VALIDATE_MACROS_URL, 'utf8');
  return cachedSql;
}

/**
 * Create (or replace) the validation macros on `conn`. Macros are catalog
 * objects, so other connections of the same DuckDBInstance see them too.
 * The whole script goes through one run() call: DuckDB executes every
 * statement of a multi-statement string (checked by sql-macros.test.ts).
 */
export async function installValidationMacros(conn: DuckDBConnection): Promise<void> {
  await conn.run(await validationMacrosSql());
}
