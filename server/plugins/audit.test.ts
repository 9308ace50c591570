import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Value } from 'typebox/value';
import { openDuck } from '../../ingest/duck.ts';
import { main } from '../../ingest/cli.ts';
import { AuditPage, ChainResultSchema } from '../schemas/auth.ts';
import { startTestServer, type TestServer } from '../test-helpers.ts';
import { canonicalJson, entryHash, GENESIS_HASH, verifyAuditFile, verifyChain, type AuditRow } from './audit.ts';

function chain(n: number): AuditRow[] {
  const rows: AuditRow[] = [];
  let prev = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const r = { seq: i, at: `2026-11-25T00:00:0${i}.000Z`, actor: 'admin', role: 'admin', action: 'x.y', target: `t${i}`, detail: canonicalJson({ i, b: [1, { z: 1, a: 2 }] }), ip: null, prev_hash: prev };
    const row = { ...r, hash: entryHash(prev, r) };
    rows.push(row);
    prev = row.hash;
  }
  return rows;
}

describe('canonicalJson(v)', () => {
  test('should sort keys at every depth and drop undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { y: 1, x: 2 }], c: undefined } })).toBe('{"a":{"d":[2,{"x":2,"y":1}]},"b":1}');
    expect(canonicalJson(null)).toBe('null');
  });
});

describe('verifyChain(rows, head)', () => {
  test('should accept an intact chain', () => {
    const r = verifyChain(chain(5));
    expect(r).toMatchObject({ ok: true, entries: 5, first_bad_seq: null });
  });

  test('should name the first edited, missing or re-linked entry', () => {
    const edited = chain(5);
    edited[2] = { ...edited[2], target: 'forged' };
    expect(verifyChain(edited)).toMatchObject({ ok: false, first_bad_seq: 3 });
    const missing = chain(5).filter((r) => r.seq !== 4);
    expect(verifyChain(missing)).toMatchObject({ ok: false, first_bad_seq: 4 });
    // a rehashed edit still breaks the link of the next entry
    const rehashed = chain(5);
    const e = { ...rehashed[1], target: 'forged' };
    rehashed[1] = { ...e, hash: entryHash(e.prev_hash, e) };
    expect(verifyChain(rehashed)).toMatchObject({ ok: false, first_bad_seq: 3 });
  });

  test('should detect entries cut off the end through the head file', () => {
    const rows = chain(5);
    expect(verifyChain(rows.slice(0, 3), { seq: 5, hash: rows[4].hash })).toMatchObject({ ok: false, first_bad_seq: 4 });
    expect(verifyChain(rows, { seq: 5, hash: rows[4].hash }).ok).toBe(true);
  });
});

describe('audit log in the server', () => {
  let s: TestServer;
  beforeAll(async () => { s = await startTestServer({ records: null }); }, 60_000);
  afterAll(() => s.cleanup());

  test('should let only auditors and admins read, verify and export it', async () => {
    for (const u of ['leader', 'scjg', 'binhai', 'analyst'] as const) {
      for (const url of ['/api/v1/audit', '/api/v1/audit/verify', '/api/v1/audit/export']) expect((await s.as(u, { url })).statusCode, `${u} ${url}`).toBe(403);
    }
    expect((await s.as(null, { url: '/api/v1/audit' })).statusCode).toBe(401);
    const page = await s.as('auditor', { url: '/api/v1/audit?action=auth.*&pageSize=5' });
    expect(page.statusCode).toBe(200);
    expect(Value.Check(AuditPage, page.json())).toBe(true);
    expect(page.json().rows.every((r: { action: string }) => r.action.startsWith('auth.'))).toBe(true);
    expect(page.json().rows[0].seq).toBeGreaterThan(page.json().rows.at(-1).seq);
    const v = await s.as('admin', { url: '/api/v1/audit/verify' });
    expect(Value.Check(ChainResultSchema, v.json())).toBe(true);
    expect(v.json().ok).toBe(true);
  });

  test('should group-commit concurrent entries into one intact chain', async () => {
    await Promise.all(Array.from({ length: 50 }, (_, i) => s.app.audit.record({ actor: 'system', role: 'system', action: 'test.burst', target: String(i) })));
    const v = await s.app.audit.verify();
    expect(v.ok).toBe(true);
    const n = await s.app.ops.all<{ n: number }>(`SELECT count(DISTINCT target) AS n FROM audit_log WHERE action = 'test.burst'`);
    expect(n[0].n).toBe(50);
  });

  test('should export CSV with a BOM that reads back to the same chain', async () => {
    const res = await s.as('auditor', { url: '/api/v1/audit/export?format=csv' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/csv/);
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="audit-/);
    expect(res.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const { parse } = await import('csv-parse/sync');
    const rows = parse(res.body.slice(1), { columns: true }) as Record<string, string>[];
    const back: AuditRow[] = rows.map((r) => ({
      seq: Number(r['序号 seq']), at: r['时间 at'], actor: r['操作人 actor'], role: r['角色 role'], action: r['操作 action'], target: r['对象 target'] || null,
      detail: r['详情 detail'], ip: r['IP'] || null, prev_hash: r['上一条哈希 prev_hash'], hash: r['哈希 hash'],
    }));
    // the export itself is audited after the rows were read, so the file is a verifiable prefix
    expect(verifyChain(back)).toMatchObject({ ok: true, entries: back.length });
    const nd = await s.as('admin', { url: '/api/v1/audit/export?format=ndjson' });
    expect(nd.body.trim().split('\n').map((l) => JSON.parse(l) as AuditRow).length).toBeGreaterThanOrEqual(back.length);
  });

  test('should catch a row edited directly in ops.duckdb (API, file check and CLI exit code)', async () => {
    await s.close();
    const dir = s.dataDir;
    const out: string[] = [];
    const io = { log: (x: string) => out.push(x), err: (x: string) => out.push(x) };
    expect(await main(['node', 'credit-watch', 'audit', 'verify', '--data-dir', dir], io)).toBe(0);
    expect(out.join('\n')).toMatch(/audit chain intact/);

    const db = await openDuck({ path: join(dir, 'state', 'ops.duckdb'), threads: 1 });
    const target = (await db.conn.runAndReadAll(`SELECT seq FROM audit_log WHERE action = 'test.burst' ORDER BY seq LIMIT 1 OFFSET 10`)).getRowObjectsJS()[0].seq;
    await db.conn.run(`UPDATE audit_log SET detail = '{"forged":true}' WHERE seq = ${Number(target)}`);
    db.close();

    const file = await verifyAuditFile(dir);
    expect(file).toMatchObject({ ok: false, first_bad_seq: Number(target) });
    out.length = 0;
    expect(await main(['node', 'credit-watch', 'audit', 'verify', '--data-dir', dir], io)).toBe(1);
    expect(out.join('\n')).toMatch(new RegExp(`BROKEN at seq ${Number(target)}`));
    out.length = 0;
    expect(await main(['node', 'credit-watch', 'audit', 'verify', '--data-dir', dir, '--json'], io)).toBe(1);
    expect(JSON.parse(out[0])).toMatchObject({ ok: false, first_bad_seq: Number(target) });

    await s.reopen();
    const api = await s.app.inject({ url: '/api/v1/audit/verify', headers: { cookie: s.cookies.auditor } });
    // sessions survive the restart (they live in ops.duckdb)
    expect(api.statusCode).toBe(200);
    expect(api.json()).toMatchObject({ ok: false, first_bad_seq: Number(target) });
  });

  test('should refuse the offline check while the server holds the database, pointing at --url', async () => {
    const out: string[] = [];
    const code = await main(['node', 'credit-watch', 'audit', 'verify', '--data-dir', s.dataDir], { log: (x) => out.push(x), err: (x) => out.push(x) });
    // DuckDB in the same process may or may not see the lock; either answer must be clean
    if (code === 2) expect(out.join('\n')).toMatch(/--url/);
    else expect(code).toBe(1);
  });
});
