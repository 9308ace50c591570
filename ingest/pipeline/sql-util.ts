/** Small helpers for generated SQL: identifiers and literals are always quoted through these. */

/** A double-quoted SQL identifier. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A single-quoted SQL string literal. */
export function lit(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A SQL list literal of strings. */
export function litList(values: readonly string[]): string {
  return `[${values.map(lit).join(', ')}]`;
}
