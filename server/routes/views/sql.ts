/**
 * Small helpers for the view SQL: a WHERE builder that binds every value as a `$pN` parameter (and
 * merges the `$scope_*` params of auth's scopeSql), checks that a view's tables exist in the served
 * build (503 CW_ERR_VIEW_MISSING otherwise, since analytics steps may lag the server), and column
 * lists that tolerate columns a build does not have (selected as NULL).
 */
import type { SessionUser } from '../../types.ts';
import { scopeSql, type ScopeColumns } from '../../plugins/auth.ts';
import { HttpError } from '../../plugins/platform.ts';
import { WarehouseUnavailableError, type BuildSession } from '../../plugins/warehouse.ts';
import { frameFromReader, type Frame } from '../../arrow.ts';
import { aid, lookupTable } from './serving-aids.ts';

const IDENT = /^[a-z_][a-z0-9_]*$/;

/** Double-quoted identifier; only plain snake_case names reach SQL. */
export function ident(name: string): string {
  if (!IDENT.test(name)) throw new Error(`not a plain identifier: '${name}'`);
  return `"${name}"`;
}

export class Where {
  readonly params: Record<string, unknown> = {};
  private readonly clauses: string[] = [];
  private n = 0;

  /** Binds a value; returns its placeholder. */
  p(value: unknown): string {
    const name = `p${this.n++}`;
    this.params[name] = value;
    return `$${name}`;
  }

  add(clause: string): this {
    this.clauses.push(clause);
    return this;
  }

  /** The rows `user` may see (auth's scopeSql), on the given columns. */
  scope(user: SessionUser | null, cols: ScopeColumns): this {
    const s = scopeSql(user, cols);
    Object.assign(this.params, s.params);
    if (s.where !== 'TRUE') this.clauses.push(`(${s.where})`);
    return this;
  }

  /** The scope condition alone (params merged here), or null when the user sees every row. */
  scopeExpr(user: SessionUser | null, cols: ScopeColumns): string | null {
    const s = scopeSql(user, cols);
    Object.assign(this.params, s.params);
    return s.where === 'TRUE' ? null : s.where;
  }

  get sql(): string {
    return this.clauses.length ? `WHERE ${this.clauses.join(' AND ')}` : '';
  }

  /** The clauses joined by AND, or 'TRUE'. */
  get expr(): string {
    return this.clauses.length ? this.clauses.join(' AND ') : 'TRUE';
  }
}

/** Answers 503 CW_ERR_VIEW_MISSING unless the served build has every table. */
export function requireTables(s: BuildSession, ...tables: string[]): void {
  const missing = tables.filter((t) => !s.has(t));
  if (missing.length) {
    throw new WarehouseUnavailableError('CW_ERR_VIEW_MISSING',
      `当前数仓版本 ${s.buildId} 尚无 ${missing.join(', ')} 表, 该视图暂不可用; 请在分析步骤就绪后重新构建 (table ${missing.join(', ')} is missing from build ${s.buildId}: run credit-watch build once the analytics step exists)`);
  }
}

/** `alias.col AS col` for each wanted column, or `NULL AS col` when the table lacks it. */
export function cols(s: BuildSession, table: string, wanted: readonly string[], alias?: string): string {
  const have = new Set(s.columns(table) ?? []);
  return wanted.map((c) => (have.has(c) ? `${alias ? `${alias}.` : ''}${ident(c)} AS ${ident(c)}` : `NULL AS ${ident(c)}`)).join(', ');
}

export function hasColumn(s: BuildSession, table: string, col: string): boolean {
  return Boolean(s.columns(table)?.includes(col));
}

/** The params `sql` refers to (DuckDB refuses values for placeholders a statement lacks). */
export function usedParams(sql: string, params?: Record<string, unknown>): Record<string, unknown> | undefined {
  if (!params) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) if (new RegExp(`\\$${k}(?![A-Za-z0-9_])`).test(sql)) out[k] = v;
  return Object.keys(out).length ? out : undefined;
}

export async function frame(s: BuildSession, sql: string, params?: Record<string, unknown>): Promise<Frame> {
  return frameFromReader(await s.read(sql, usedParams(sql, params)));
}

/** JSON-ready rows of a query. */
export async function rows<T = Record<string, unknown>>(s: BuildSession, sql: string, params?: Record<string, unknown>): Promise<T[]> {
  const f = await frame(s, sql, params);
  const out = new Array<T>(f.length);
  for (let r = 0; r < f.length; r++) {
    const o: Record<string, unknown> = {};
    for (let c = 0; c < f.names.length; c++) o[f.names[c]] = f.columns[c][r];
    out[r] = o as T;
  }
  return out;
}

/**
 * `col = <placeholder>` for one key, through the build's lookup index when it has one (a sorted
 * key -> rowid table, serving-aids.ts): the rows are then fetched by rowid instead of a scan.
 */
export function byKey(s: BuildSession, table: string, col: string, placeholder: string, alias?: string): string {
  const lk = lookupTable(table, col);
  const a = alias ? `${alias}.` : '';
  const eq = `${a}${ident(col)} = ${placeholder}`;
  return s.has(lk) ? `${a}rowid IN (SELECT rid FROM ${aid(lk)} WHERE h = hash(${placeholder})) AND ${eq}` : eq;
}

/**
 * `col IN (<subquery>)` through the lookup index when there is one (see byKey). The rows may hold
 * a hash collision: callers join them on the key itself.
 */
export function byKeys(s: BuildSession, table: string, col: string, subquery: string, alias?: string): string {
  const lk = lookupTable(table, col);
  const a = alias ? `${alias}.` : '';
  return s.has(lk) ? `${a}rowid IN (SELECT rid FROM ${aid(lk)} WHERE h IN (SELECT hash(x) FROM (${subquery}) AS t(x)))` : `${a}${ident(col)} IN (${subquery})`;
}

/** 'YYYY-MM' or 'YYYY-MM-01' -> 'YYYY-MM-01'. */
export const monthStart = (m: string) => `${m.slice(0, 7)}-01`;

export const forbidden = (message: string) => new HttpError(403, 'CW_ERR_FORBIDDEN', message);
export const notFound = (message: string) => new HttpError(404, 'CW_ERR_NOT_FOUND', message);

/** Stable text of a user's data scope (part of cache keys and ETags). */
export function scopeKey(user: SessionUser | null): string {
  if (!user) return 'anon';
  return `${user.role}|c=${[...user.counties].sort().join(',')}|i=${[...user.industries].sort().join(',')}|pd=${user.personalData ? 1 : 0}`;
}
