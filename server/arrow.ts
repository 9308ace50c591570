/**
 * JSON / Arrow IPC content negotiation for list endpoints. A query result is read once into a
 * column-major Frame (from DuckDB `getColumnsJS()`, values made JSON-ready); JSON rows and the Arrow
 * stream are both produced from the same Frame so the two formats always agree. The node-api has
 * no Arrow output (STACK.md), so vectors are assembled here: numbers go into Float64Array /
 * Int32Array buffers with a validity bitmap (`makeData` + `makeVector`), strings and lists through
 * `vectorFromArray`, then `tableToIPC(table, 'stream')`.
 * Type mapping: integers up to 32 bits -> Int32; BIGINT, HUGEINT, DECIMAL, FLOAT, DOUBLE -> Float64
 * (counts stay far below 2^53); DATE -> DateDay (JSON: 'YYYY-MM-DD'); TIMESTAMP -> Utf8 ISO;
 * VARCHAR -> Utf8; BOOLEAN -> Bool; VARCHAR[] -> List<Utf8>; anything else -> Utf8 holding JSON.
 */
import {
  Bool, DateDay, Field, Float64, Int32, List, Table, Utf8,
  makeData, makeVector, tableToIPC, vectorFromArray, type Vector,
} from 'apache-arrow';
import { DuckDBTypeId, type DuckDBResultReader, type DuckDBType } from '@duckdb/node-api';
import { ARROW_STREAM } from './schemas/common.ts';

export { ARROW_STREAM };
export const JSON_TYPE = 'application/json; charset=utf-8';

export type ColumnKind = 'f64' | 'i32' | 'utf8' | 'bool' | 'date' | 'timestamp' | 'utf8list' | 'json';

/** A result in columns: `columns[i]` holds the JSON-ready values of column `names[i]`. */
export interface Frame {
  names: string[];
  kinds: ColumnKind[];
  columns: unknown[][];
  length: number;
}

/**
 * True when the client asks for Arrow: `Accept` names application/vnd.apache.arrow.stream with a
 * quality not below that of JSON (browsers' default Accept and a missing header mean JSON).
 */
export function prefersArrow(accept: string | undefined): boolean {
  if (!accept) return false;
  let arrowQ = -1;
  let jsonQ = -1;
  for (const part of accept.split(',')) {
    const [type, ...params] = part.trim().toLowerCase().split(';');
    const qp = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qp ? Number(qp.slice(2)) : 1;
    if (type === ARROW_STREAM) arrowQ = Math.max(arrowQ, q);
    else if (type === 'application/json') jsonQ = Math.max(jsonQ, q);
  }
  return arrowQ > 0 && arrowQ >= jsonQ;
}

export function kindOf(t: DuckDBType): ColumnKind {
  switch (t.typeId) {
    case DuckDBTypeId.TINYINT: case DuckDBTypeId.SMALLINT: case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT: case DuckDBTypeId.USMALLINT:
      return 'i32';
    case DuckDBTypeId.UINTEGER: case DuckDBTypeId.BIGINT: case DuckDBTypeId.UBIGINT: case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT: case DuckDBTypeId.FLOAT: case DuckDBTypeId.DOUBLE: case DuckDBTypeId.DECIMAL:
      return 'f64';
    case DuckDBTypeId.VARCHAR: case DuckDBTypeId.ENUM: case DuckDBTypeId.UUID:
      return 'utf8';
    case DuckDBTypeId.BOOLEAN:
      return 'bool';
    case DuckDBTypeId.DATE:
      return 'date';
    case DuckDBTypeId.TIMESTAMP: case DuckDBTypeId.TIMESTAMP_TZ: case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_S: case DuckDBTypeId.TIMESTAMP_NS:
      return 'timestamp';
    case DuckDBTypeId.LIST: case DuckDBTypeId.ARRAY: {
      const child = (t as unknown as { valueType: DuckDBType }).valueType;
      return child && kindOf(child) === 'utf8' ? 'utf8list' : 'json';
    }
    default:
      return 'json';
  }
}

/** JSON-ready form of a value read by getColumnsJS (bigint -> number, Date -> ISO date/time). */
export function jsonValue(v: unknown, kind: ColumnKind): unknown {
  if (v === null || v === undefined) return null;
  switch (kind) {
    case 'f64': case 'i32':
      return typeof v === 'number' ? v : Number(v);
    case 'date':
      return v instanceof Date ? v.toISOString().slice(0, 10) : String(v);
    case 'timestamp':
      return v instanceof Date ? v.toISOString() : String(v);
    case 'utf8': case 'bool':
      return v;
    default:
      return plain(v);
  }
}

/** Nested values: bigint -> number, Date -> 'YYYY-MM-DD' at UTC midnight else ISO. */
function plain(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.getTime() % 86_400_000 === 0 ? v.toISOString().slice(0, 10) : v.toISOString();
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, plain(x)]));
  return v;
}

/** Reads a materialized result into a Frame. */
export async function frameFromReader(reader: DuckDBResultReader): Promise<Frame> {
  const names = reader.columnNames();
  const kinds = reader.columnTypes().map(kindOf);
  const raw = await reader.getColumnsJS();
  const columns = raw.map((col, i) => {
    const k = kinds[i];
    const out = new Array<unknown>(col.length);
    for (let r = 0; r < col.length; r++) out[r] = jsonValue(col[r], k);
    return out;
  });
  return { names, kinds, columns, length: reader.currentRowCount };
}

/** A Frame from JSON rows and a column spec (for bodies assembled in JS). */
export function frameFromRows(rows: Record<string, unknown>[], spec: { name: string; kind: ColumnKind }[]): Frame {
  return {
    names: spec.map((s) => s.name),
    kinds: spec.map((s) => s.kind),
    columns: spec.map((s) => rows.map((r) => r[s.name] ?? null)),
    length: rows.length,
  };
}

export function column(frame: Frame, name: string): unknown[] | undefined {
  const i = frame.names.indexOf(name);
  return i < 0 ? undefined : frame.columns[i];
}

/** Row objects of a Frame (the JSON form). */
export function frameRows(frame: Frame): Record<string, unknown>[] {
  const rows = new Array<Record<string, unknown>>(frame.length);
  for (let r = 0; r < frame.length; r++) {
    const o: Record<string, unknown> = {};
    for (let c = 0; c < frame.names.length; c++) o[frame.names[c]] = frame.columns[c][r];
    rows[r] = o;
  }
  return rows;
}

function validity(values: unknown[]): { nullBitmap: Uint8Array; nullCount: number } {
  const bitmap = new Uint8Array((values.length + 7) >> 3);
  let nullCount = 0;
  for (let i = 0; i < values.length; i++) {
    if (values[i] === null || values[i] === undefined) nullCount++;
    else bitmap[i >> 3] |= 1 << (i & 7);
  }
  return { nullBitmap: bitmap, nullCount };
}

const DAY_MS = 86_400_000;

function vectorOf(values: unknown[], kind: ColumnKind): Vector {
  const length = values.length;
  switch (kind) {
    case 'f64': {
      const data = new Float64Array(length);
      for (let i = 0; i < length; i++) data[i] = (values[i] as number | null) ?? 0;
      return makeVector(makeData({ type: new Float64(), length, data, ...validity(values) }));
    }
    case 'i32': {
      const data = new Int32Array(length);
      for (let i = 0; i < length; i++) data[i] = (values[i] as number | null) ?? 0;
      return makeVector(makeData({ type: new Int32(), length, data, ...validity(values) }));
    }
    case 'date': {
      const data = new Int32Array(length);
      for (let i = 0; i < length; i++) {
        const v = values[i];
        if (v !== null && v !== undefined) data[i] = Math.round(Date.parse(`${String(v).slice(0, 10)}T00:00:00Z`) / DAY_MS);
      }
      return makeVector(makeData({ type: new DateDay(), length, data, ...validity(values) }));
    }
    case 'bool':
      return vectorFromArray(values as (boolean | null)[], new Bool());
    case 'utf8':
    case 'timestamp':
      return vectorFromArray(values.map((v) => (v === null || v === undefined ? null : String(v))), new Utf8());
    case 'utf8list':
      return vectorFromArray(values.map((v) => (Array.isArray(v) ? v.map((x) => (x === null ? null : String(x))) : null)),
        new List(new Field('item', new Utf8(), true)));
    default:
      return vectorFromArray(values.map((v) => (v === null || v === undefined ? null : JSON.stringify(v))), new Utf8());
  }
}

/** The Frame as an Arrow IPC stream (one record batch). */
export function frameToArrow(frame: Frame): Uint8Array {
  const vectors: Record<string, Vector> = {};
  frame.names.forEach((n, i) => { vectors[n] = vectorOf(frame.columns[i], frame.kinds[i]); });
  return tableToIPC(new Table(vectors), 'stream');
}
