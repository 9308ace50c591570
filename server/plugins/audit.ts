/**
 * The audit log: append-only and hash-chained. Each entry carries the hash of the one before it:
 *   hash = sha256(prev_hash + canonicalJson({ seq, "at", actor, role, action, target, detail, ip }))
 * with the keys of every object sorted, so editing, inserting or deleting a row breaks the chain
 * at that row (`verifyChain`). The head (last seq + hash) is also written to
 * `<data>/state/audit-head.json` after each commit so cutting rows off the end is detected too.
 *
 * Entries written outside a workflow transaction are group-committed: requests arriving together
 * share one DuckDB transaction (a personal-data view costs one queue slot, not one fsync), and
 * `record` resolves only after the commit.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fp from 'fastify-plugin';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ServerConfig } from '../config.ts';
import type { OpsDb, OpsTx } from './ops-db.ts';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditInput {
  /** Username, or 'system' / 'anonymous'. */
  actor: string;
  role: string;
  /** Dotted verb, e.g. 'auth.login', 'watchlist.publish', 'personal_data.view'. */
  action: string;
  target?: string | null;
  detail?: unknown;
  ip?: string | null;
}

export interface AuditRow {
  seq: number;
  at: string;
  actor: string;
  role: string;
  action: string;
  target: string | null;
  detail: string;
  ip: string | null;
  prev_hash: string;
  hash: string;
}

export interface ChainResult {
  ok: boolean;
  entries: number;
  /** Seq of the first entry that does not verify (or where rows are missing). */
  first_bad_seq: number | null;
  problem: string | null;
  head_hash: string | null;
}

/** JSON with object keys sorted at every depth: one text per value. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v ?? null);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}

export function entryHash(prevHash: string, e: Omit<AuditRow, 'prev_hash' | 'hash'>): string {
  const body = canonicalJson({ seq: e.seq, at: e.at, actor: e.actor, role: e.role, action: e.action, target: e.target, detail: JSON.parse(e.detail), ip: e.ip });
  return createHash('sha256').update(prevHash + body).digest('hex');
}

/** Checks rows given in seq order; stops at the first entry that does not verify. */
export function verifyChain(rows: readonly AuditRow[], head?: { seq: number; hash: string } | null): ChainResult {
  let prev = GENESIS_HASH;
  let expected = 1;
  let n = 0;
  const bad = (seq: number, problem: string): ChainResult => ({ ok: false, entries: n, first_bad_seq: seq, problem, head_hash: null });
  for (const r of rows) {
    if (r.seq !== expected) return bad(expected, `第 ${expected} 条缺失 missing entry (next present seq is ${r.seq})`);
    if (r.prev_hash !== prev) return bad(r.seq, `prev_hash 与上一条的 hash 不符 (prev_hash does not match entry ${r.seq - 1})`);
    let h: string;
    try { h = entryHash(prev, r); } catch { return bad(r.seq, 'detail 不是合法 JSON (detail is not valid JSON)'); }
    if (h !== r.hash) return bad(r.seq, '内容与 hash 不符, 记录被修改 (content does not match its hash: the row was edited)');
    prev = r.hash;
    expected++;
    n++;
  }
  if (head && head.seq > n) return bad(n + 1, `日志末尾缺少记录 entries after ${n} were removed (head file names seq ${head.seq})`);
  if (head && head.seq > 0 && head.seq <= n) {
    // the head file is written after commit; it may lag, but the hash at its seq must match
    const at = rows[head.seq - 1];
    if (at.hash !== head.hash) return bad(head.seq, `第 ${head.seq} 条与 audit-head.json 不符 (does not match the head file)`);
  }
  return { ok: true, entries: n, first_bad_seq: null, problem: null, head_hash: n ? prev : GENESIS_HASH };
}

export const AUDIT_COLUMNS = 'seq, "at", actor, role, action, target, detail, ip, prev_hash, hash';

export function auditHeadPath(dataDir: string): string {
  return join(dataDir, 'state', 'audit-head.json');
}

export function readAuditHead(dataDir: string): { seq: number; hash: string } | null {
  const p = auditHeadPath(dataDir);
  if (!existsSync(p)) return null;
  try { return JSON.parse(readFileSync(p, 'utf8')) as { seq: number; hash: string }; } catch { return null; }
}

export interface AuditService {
  /** Appends one entry (inside `tx` when given, else group-committed); resolves after commit. */
  record(e: AuditInput, tx?: OpsTx): Promise<AuditRow>;
  /** Appends an entry for the signed-in user of `request`. */
  fromRequest(request: FastifyRequest, action: string, target: string | null, detail?: unknown, tx?: OpsTx): Promise<AuditRow>;
  /** Every view of a subject's personal data is audited: call this from data routes that show it. */
  personalDataViewed(request: FastifyRequest, subjectKey: string, detail?: unknown): Promise<void>;
  /** Verifies the whole chain in the running server. */
  verify(): Promise<ChainResult>;
}

export function createAuditService(ops: OpsDb, dataDir: string): AuditService & { init(): Promise<void> } {
  let head = { seq: 0, hash: GENESIS_HASH };
  const HEAD_KEY = 'audit.head';

  const append = async (t: OpsTx, e: AuditInput): Promise<AuditRow> => {
    const h = (t.local.get(HEAD_KEY) as typeof head | undefined) ?? head;
    const row: Omit<AuditRow, 'hash'> = {
      seq: h.seq + 1, at: new Date().toISOString(), actor: e.actor, role: e.role, action: e.action,
      target: e.target ?? null, detail: canonicalJson(e.detail ?? {}), ip: e.ip ?? null, prev_hash: h.hash,
    };
    const full: AuditRow = { ...row, hash: entryHash(h.hash, row) };
    await t.run(`INSERT INTO audit_log (${AUDIT_COLUMNS}) VALUES ($seq, $at, $actor, $role, $action, $target, $detail, $ip, $prev_hash, $hash)`, { ...full });
    const next = { seq: full.seq, hash: full.hash };
    if (!t.local.has(HEAD_KEY)) t.afterCommit(() => { head = t.local.get(HEAD_KEY) as typeof head; writeHead(); });
    t.local.set(HEAD_KEY, next);
    return full;
  };

  const writeHead = () => {
    const p = auditHeadPath(dataDir);
    try {
      writeFileSync(`${p}.tmp`, JSON.stringify(head));
      renameSync(`${p}.tmp`, p);
    } catch { /* the chain itself is the record; the head file only detects truncation */ }
  };

  // group commit of entries recorded outside a transaction
  let queue: { e: AuditInput; resolve: (r: AuditRow) => void; reject: (err: unknown) => void }[] = [];
  let scheduled = false;
  const flush = async () => {
    scheduled = false;
    const batch = queue;
    queue = [];
    if (!batch.length) return;
    try {
      const out = await ops.tx(async (t) => {
        const res: AuditRow[] = [];
        for (const b of batch) res.push(await append(t, b.e));
        return res;
      });
      batch.forEach((b, i) => b.resolve(out[i]));
    } catch (err) {
      for (const b of batch) b.reject(err);
    }
  };

  const service: AuditService & { init(): Promise<void> } = {
    async init() {
      const last = await ops.all<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
      if (last[0]) head = { seq: last[0].seq, hash: last[0].hash };
    },
    record(e, tx) {
      if (tx) return append(tx, e);
      return new Promise<AuditRow>((resolve, reject) => {
        queue.push({ e, resolve, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(() => void flush());
        }
      });
    },
    fromRequest(request, action, target, detail, tx) {
      const u = request.user;
      return this.record({ actor: u?.username ?? 'anonymous', role: u?.role ?? 'anonymous', action, target, detail, ip: request.ip }, tx);
    },
    async personalDataViewed(request, subjectKey, detail) {
      await this.fromRequest(request, 'personal_data.view', subjectKey, { route: request.routeOptions.url ?? request.url, request_id: request.id, ...(detail as object) });
    },
    async verify() {
      const all = await ops.all<AuditRow>(`SELECT ${AUDIT_COLUMNS} FROM audit_log ORDER BY seq`);
      return verifyChain(all, readAuditHead(dataDir));
    },
  };
  return service;
}

/** Decorates `app.audit` (needs `app.ops`). */
const auditPlugin: FastifyPluginAsync<{ config: ServerConfig }> = async (app, opts) => {
  const svc = createAuditService(app.ops, opts.config.dataDir);
  await svc.init();
  app.decorate('audit', svc as AuditService);
};

export default fp(auditPlugin, { name: 'cw-audit', fastify: '5.x', dependencies: ['cw-ops-db'] });

// ---------------------------------------------------------------------------------------------
// Offline access for the CLI (`credit-watch audit verify|export`): the server holds ops.duckdb
// while it runs, so these open it read-only and fail with CW_ERR_LOCKED when it is held.
// ---------------------------------------------------------------------------------------------

export class AuditFileError extends Error {
  constructor(readonly code: 'CW_ERR_LOCKED' | 'CW_ERR_NO_AUDIT', message: string) {
    super(message);
  }
}

async function readAuditFile(dataDir: string, where = 'TRUE', params: Record<string, unknown> = {}): Promise<AuditRow[]> {
  const file = join(dataDir, 'state', 'ops.duckdb');
  if (!existsSync(file)) throw new AuditFileError('CW_ERR_NO_AUDIT', `没有运营数据库 ${file} (no audit log yet: start the server once)`);
  const { DuckDBInstance } = await import('@duckdb/node-api');
  let instance;
  try {
    instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY', threads: '1' });
  } catch (e) {
    throw new AuditFileError('CW_ERR_LOCKED', `${file} 正被运行中的服务占用; 请使用 --url <服务地址> --token <审计员令牌> 经由服务校验 (the database is held by the running server: ${(e as Error).message.split('\n')[0]})`);
  }
  const conn = await instance.connect();
  try {
    const r = await conn.runAndReadAll(`SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE ${where} ORDER BY seq`, params as never);
    return r.getRowObjectsJS().map((row) => ({ ...row, seq: Number(row.seq) }) as unknown as AuditRow);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** Verifies the chain in `<dataDir>/state/ops.duckdb` (server stopped). */
export async function verifyAuditFile(dataDir: string): Promise<ChainResult> {
  return verifyChain(await readAuditFile(dataDir), readAuditHead(dataDir));
}

/** The audit rows between `from` (inclusive) and `to` (exclusive), ISO dates or date-times. */
export function readAuditRange(dataDir: string, from?: string, to?: string): Promise<AuditRow[]> {
  const where = ['TRUE'];
  const params: Record<string, unknown> = {};
  if (from) { where.push('"at" >= $from'); params.from = from; }
  if (to) { where.push('"at" < $to'); params.to = to; }
  return readAuditFile(dataDir, where.join(' AND '), params);
}

export const AUDIT_CSV_HEADER = ['序号 seq', '时间 at', '操作人 actor', '角色 role', '操作 action', '对象 target', '详情 detail', 'IP', '上一条哈希 prev_hash', '哈希 hash'];

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

/** CSV for Excel: UTF-8 with BOM, CRLF, every column of the chain (so it can be re-verified). */
export function formatAuditCsv(rows: readonly AuditRow[]): string {
  const lines = [AUDIT_CSV_HEADER.join(',')];
  for (const r of rows) lines.push([r.seq, r.at, r.actor, r.role, r.action, r.target, r.detail, r.ip, r.prev_hash, r.hash].map(csvCell).join(','));
  return `\ufeff${lines.join('\r\n')}\r\n`;
}

export function formatAuditNdjson(rows: readonly AuditRow[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');
}
