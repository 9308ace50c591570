import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Value } from 'typebox/value';
import { parse } from 'csv-parse/sync';
import { objection, repair } from '../../../ingest/schemas/index.ts';
import { BulkResponse, EntriesPage, EntryDetail, TransitionResponse, WatchlistSummary } from '../../schemas/workflows.ts';
import { FIXTURE_FIRMS, startTestServer, type DemoUser, type TestServer } from '../../test-helpers.ts';
import { allowedActions, nextState, TransitionError } from './watchlist-machine.ts';

describe('nextState(entry, action)', () => {
  test('should walk 认定 -> 公示 -> 惩戒 -> 修复 -> 移出', () => {
    let state = { list_type: 'black' as const, state: 'designated' as const, objection_from: null } as Parameters<typeof nextState>[0];
    for (const [action, to] of [['publish', 'published'], ['sanction', 'sanctioned'], ['repair', 'repaired'], ['remove', 'removed']] as const) {
      const n = nextState(state, action);
      expect(n.to).toBe(to);
      state = { ...state, state: n.to };
    }
  });

  test('should allow an objection from every state and return a rejected one to where it came from', () => {
    for (const from of ['designated', 'published', 'sanctioned', 'repaired', 'removed'] as const) {
      const o = nextState({ list_type: 'focus', state: from, objection_from: null }, 'object');
      expect(o).toEqual({ to: 'objection_pending', objection_from: from });
      expect(nextState({ list_type: 'focus', state: 'objection_pending', objection_from: from }, 'reject').to).toBe(from);
      expect(nextState({ list_type: 'focus', state: 'objection_pending', objection_from: from }, 'uphold').to).toBe('removed');
    }
  });

  test('should refuse invalid transitions naming the state and the allowed actions', () => {
    expect(() => nextState({ list_type: 'black', state: 'designated', objection_from: null }, 'sanction')).toThrow(TransitionError);
    expect(() => nextState({ list_type: 'black', state: 'designated', objection_from: null }, 'sanction')).toThrow(/当前状态为「认定」，不能执行「实施惩戒」；可执行的操作: 公示\(publish\)、提出异议\(object\)/);
    expect(() => nextState({ list_type: 'red', state: 'sanctioned', objection_from: null }, 'repair')).toThrow(/「激励」/);
    expect(allowedActions('red', 'published')).not.toContain('repair');
    expect(() => nextState({ list_type: 'focus', state: 'removed', objection_from: null }, 'publish')).toThrow(/「移出」/);
  });
});

describe('名单管理 routes', () => {
  let s: TestServer;
  const entriesOf = async (user: DemoUser, qs = '') => (await s.as(user, { url: `/api/v1/watchlists/entries?pageSize=500${qs}` })).json();
  /** Entry id of the focus entry of fixture firm `i`. */
  const focusOf = async (i: number) => (await s.app.ops.all<{ entry_id: string }>(
    `SELECT entry_id FROM watchlist_entries WHERE list_type = 'focus' AND name = $n`, { n: `测试${['320922', '320902', '320902', '320903', '320922', '320904'][i % 6]}企业${i}有限公司` }))[0].entry_id;
  const move = (user: DemoUser, id: string, body: Record<string, unknown>) => s.as(user, { method: 'POST', url: `/api/v1/watchlists/entries/${id}/transitions`, payload: body });

  beforeAll(async () => { s = await startTestServer(); }, 120_000);
  afterAll(() => s.cleanup());

  test('should seed one 认定 entry per watchlist member of the build, with its first event', async () => {
    const n = await s.app.ops.all<{ list_type: string; n: number }>(`SELECT list_type, count(*) AS n FROM watchlist_entries GROUP BY ALL ORDER BY ALL`);
    const byType = Object.fromEntries(n.map((r) => [r.list_type, r.n]));
    expect(byType.focus).toBe(FIXTURE_FIRMS + 1); // every firm and the natural person: two fined penalties in 12 months
    expect(byType.black).toBe(1);
    expect(byType.red).toBe(1);
    const ev = await s.app.ops.all<{ n: number }>(`SELECT count(*) AS n FROM watchlist_events WHERE action = 'designate'`);
    expect(ev[0].n).toBe(n.reduce((a, r) => a + r.n, 0));
    expect((await s.app.ops.all<{ n: number }>(`SELECT count(*) AS n FROM audit_log WHERE action = 'watchlist.sync'`))[0].n).toBe(1);
  });

  test('should scope the entries by role: county, industries, nothing for leader/analyst/auditor', async () => {
    const all = await entriesOf('admin');
    expect(Value.Check(EntriesPage, all)).toBe(true);
    expect(all.total).toBeGreaterThan(FIXTURE_FIRMS);
    const binhai = await entriesOf('binhai');
    expect(binhai.total).toBeGreaterThan(0);
    expect(binhai.rows.every((r: { county_code: string }) => r.county_code === '320922')).toBe(true);
    const scjg = await entriesOf('scjg');
    expect(scjg.rows.every((r: { industry_section: string }) => ['F', 'H'].includes(r.industry_section))).toBe(true);
    const yjgl = await entriesOf('yjgl');
    expect(yjgl.rows.every((r: { industry_section: string }) => r.industry_section === 'C')).toBe(true);
    for (const u of ['leader', 'analyst', 'auditor'] as const) expect((await s.as(u, { url: '/api/v1/watchlists/entries' })).statusCode, u).toBe(403);
    expect((await s.as(null, { url: '/api/v1/watchlists/entries' })).statusCode).toBe(401);
    // filters
    const f = await entriesOf('admin', '&list_type=focus&county=320922&industry=F');
    expect(f.total).toBeGreaterThan(0);
    expect(f.rows.every((r: { county_code: string; industry_section: string; list_type: string }) => r.county_code === '320922' && r.industry_section === 'F' && r.list_type === 'focus')).toBe(true);
  });

  test('should give aggregates to the leader and analyst and scoped counts to the others', async () => {
    const leader = await s.as('leader', { url: '/api/v1/watchlists/summary' });
    expect(leader.statusCode).toBe(200);
    expect(Value.Check(WatchlistSummary, leader.json())).toBe(true);
    expect((await s.as('analyst', { url: '/api/v1/watchlists/summary' })).statusCode).toBe(200);
    expect((await s.as('auditor', { url: '/api/v1/watchlists/summary' })).statusCode).toBe(403);
    const sum = (await s.as('binhai', { url: '/api/v1/watchlists/summary' })).json().rows.reduce((a: number, r: { n: number }) => a + r.n, 0);
    expect(sum).toBe((await entriesOf('binhai')).total);
  });

  test('should hide out-of-scope entries (404) from reads and transitions', async () => {
    const other = await focusOf(1); // 320902 retail: not binhai's
    expect((await s.as('binhai', { url: `/api/v1/watchlists/entries/${other}` })).statusCode).toBe(404);
    const r = await move('binhai', other, { action: 'publish', reason: '依法公示', legal_basis: '《江苏省社会信用条例》' });
    expect(r.statusCode).toBe(404);
    expect((await s.app.ops.all<{ state: string }>('SELECT state FROM watchlist_entries WHERE entry_id = $id', { id: other }))[0].state).toBe('designated');
    expect((await s.as('scjg', { url: `/api/v1/watchlists/entries/${other}` })).statusCode).toBe(200);
  });

  test('should walk an entry through 公示, 惩戒, 修复 (record file into the inbox) and 移出, auditing every step', async () => {
    const id = await focusOf(4); // 320922 retail: binhai and scjg
    const basis = '《江苏省社会信用条例》第三十条';
    const p = await move('binhai', id, { action: 'publish', reason: '认定后依法公示', legal_basis: basis, attachment_ref: '盐信办〔2026〕1号' });
    expect(p.statusCode).toBe(200);
    expect(Value.Check(TransitionResponse, p.json())).toBe(true);
    expect(p.json().entry).toMatchObject({ state: 'published', state_label: '公示', version: 2, allowed_actions: ['sanction', 'repair', 'object'] });
    expect(p.json().event).toMatchObject({ action: 'publish', from_state: 'designated', to_state: 'published', actor: 'binhai', legal_basis: basis, attachment_ref: '盐信办〔2026〕1号' });
    expect(p.json().effect).toBeNull();
    expect((await move('scjg', id, { action: 'sanction', reason: '实施联合惩戒', legal_basis: basis })).json().entry.state).toBe('sanctioned');

    const r = await move('scjg', id, { action: 'repair', reason: '已履行行政处罚决定并提交信用修复申请', legal_basis: '《失信行为纠正后的信用信息修复管理办法》' });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.entry.state).toBe('repaired');
    expect(body.effect).toMatch(/将在下次构建后生效/);
    expect(body.record_file).toMatch(/^workflow-\d+-\w+-repair\.csv$/);
    const csv = readFileSync(join(s.config.inbox, body.record_file), 'utf8');
    const rows = parse(csv.replace(/^\ufeff/, ''), { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0])).toEqual(repair.fields.map((f) => f.label));
    expect(rows).toHaveLength(2); // both penalties behind the entry
    expect(rows.map((x) => x['原失信信息类别'])).toEqual(['行政处罚', '行政处罚']);
    expect(rows.map((x) => x['原信息文书号']).sort()).toEqual(['盐测罚〔2026〕4-0号', '盐测罚〔2026〕4-1号']);
    expect(rows[0]['修复结果']).toBe('修复完成');
    expect(body.event.record_file).toBe(body.record_file);

    const rm = await move('binhai', id, { action: 'remove', reason: '修复完成, 移出名单', legal_basis: basis });
    expect(rm.json().entry).toMatchObject({ state: 'removed', allowed_actions: ['object'] });

    const detail = await s.as('binhai', { url: `/api/v1/watchlists/entries/${id}` });
    expect(Value.Check(EntryDetail, detail.json())).toBe(true);
    expect(detail.json().events.map((e: { action: string }) => e.action)).toEqual(['designate', 'publish', 'sanction', 'repair', 'remove']);
    const audit = await s.app.ops.all<{ action: string; actor: string }>(`SELECT action, actor FROM audit_log WHERE target = $id ORDER BY seq`, { id });
    expect(audit.map((a) => a.action)).toEqual(['watchlist.publish', 'watchlist.sanction', 'watchlist.repair', 'watchlist.remove']);
    expect(audit.map((a) => a.actor)).toEqual(['binhai', 'scjg', 'scjg', 'binhai']);
  });

  test('should refuse invalid transitions with 409 and a message naming the state and the allowed actions', async () => {
    const id = await focusOf(10);
    const r = await move('admin', id, { action: 'sanction', reason: '直接惩戒', legal_basis: '无依据' });
    expect(r.statusCode).toBe(409);
    expect(r.json()).toMatchObject({ code: 'CW_ERR_INVALID_TRANSITION', details: { state: 'designated', allowed: ['publish', 'object'] } });
    expect(r.json().message).toMatch(/当前状态为「认定」.*公示\(publish\)/);
    expect((await move('admin', id, { action: 'uphold', reason: '异议成立', legal_basis: 'x条', outcome: 'revoked' })).statusCode).toBe(409);
    const red = (await s.app.ops.all<{ entry_id: string }>(`SELECT entry_id FROM watchlist_entries WHERE list_type = 'red'`))[0].entry_id;
    await move('admin', red, { action: 'publish', reason: '公示', legal_basis: '守信激励' });
    const rr = await move('admin', red, { action: 'repair', reason: '修复', legal_basis: 'x条' });
    expect(rr.statusCode).toBe(409);
    expect(rr.json().message).toMatch(/不能执行「信用修复」/);
    // missing fields are 400, not 409
    expect((await move('admin', id, { action: 'publish', reason: '公示' })).json()).toMatchObject({ code: 'CW_ERR_VALIDATION' });
    expect((await move('admin', id, { action: 'publish', reason: '公示', legal_basis: '依据', outcome: 'revoked' })).statusCode).toBe(400);
    expect((await move('admin', id, { action: 'fly', reason: '公示', legal_basis: '依据' })).statusCode).toBe(400);
    // a stale version is refused
    const stale = await move('admin', id, { action: 'publish', reason: '公示', legal_basis: '依据', expected_version: 7 });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().code).toBe('CW_ERR_VERSION_CONFLICT');
    expect((await s.app.ops.all<{ n: number }>(`SELECT count(*) AS n FROM watchlist_events WHERE entry_id = $id`, { id }))[0].n).toBe(1);
  });

  test('should handle an objection: rejected returns to the previous state, upheld (撤销) removes and writes an objection record', async () => {
    const id = await focusOf(7); // 320902 retail
    await move('scjg', id, { action: 'publish', reason: '公示', legal_basis: '依据' });
    const o = await move('scjg', id, { action: 'object', reason: '企业提出异议: 处罚已被复议撤销' });
    expect(o.json().entry).toMatchObject({ state: 'objection_pending', objection_from: 'published', allowed_actions: ['uphold', 'reject'] });
    expect((await move('scjg', id, { action: 'publish', reason: '公示', legal_basis: '依据' })).statusCode).toBe(409);
    const rej = await move('scjg', id, { action: 'reject', reason: '经核查异议不成立', legal_basis: '《公共信用信息异议处理办法》' });
    expect(rej.json().entry).toMatchObject({ state: 'published', objection_from: null });
    await move('scjg', id, { action: 'object', reason: '企业再次提出异议' });
    expect((await move('scjg', id, { action: 'uphold', reason: '异议成立', legal_basis: '依据' })).statusCode).toBe(400);
    const up = await move('scjg', id, { action: 'uphold', reason: '复议决定撤销原处罚', legal_basis: '《行政复议法》', outcome: 'revoked' });
    expect(up.statusCode).toBe(200);
    expect(up.json().entry.state).toBe('removed');
    expect(up.json().effect).toMatch(/异议处理记录 2 条.*将在下次构建后生效/);
    const rows = parse(readFileSync(join(s.config.inbox, up.json().record_file), 'utf8').replace(/^\ufeff/, ''), { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0])).toEqual(objection.fields.map((f) => f.label));
    expect(rows.every((x) => x['处理结果'] === '撤销' && x['异议信息类别'] === '行政处罚')).toBe(true);
  });

  test('should run a bulk publish of 200 entries as one audited operation with per-entry results', async () => {
    const ids = (await s.app.ops.all<{ entry_id: string }>(`SELECT entry_id FROM watchlist_entries WHERE state = 'designated' AND list_type = 'focus' ORDER BY entry_id LIMIT 199`)).map((r) => r.entry_id);
    const done = await focusOf(4); // removed above: fails
    const seqBefore = (await s.app.ops.all<{ m: number }>('SELECT max(seq) AS m FROM audit_log'))[0].m;
    const res = await s.as('admin', { method: 'POST', url: '/api/v1/watchlists/bulk', payload: {
      action: 'publish', entry_ids: [...ids, done, 'WL-does-not-exist'], reason: '批量公示', legal_basis: '《江苏省社会信用条例》', attachment_ref: '盐信办〔2026〕9号',
    } });
    expect(res.statusCode).toBe(200);
    const b = res.json();
    expect(Value.Check(BulkResponse, b)).toBe(true);
    expect(b).toMatchObject({ action: 'publish', requested: 201, succeeded: 199, failed: 2 });
    expect(b.results.find((r: { entry_id: string }) => r.entry_id === done)).toMatchObject({ ok: false, code: 'CW_ERR_INVALID_TRANSITION', from_state: 'removed' });
    expect(b.results.find((r: { entry_id: string }) => r.entry_id === 'WL-does-not-exist')).toMatchObject({ ok: false, code: 'CW_ERR_NOT_FOUND' });
    const audits = await s.app.ops.all<{ seq: number; action: string; detail: string }>('SELECT seq, action, detail FROM audit_log WHERE seq > $s', { s: seqBefore });
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ seq: b.audit_seq, action: 'watchlist.bulk.publish' });
    expect(JSON.parse(audits[0].detail)).toMatchObject({ operation_id: b.operation_id, requested: 201, succeeded: 199, failed: 2 });
    const ev = await s.app.ops.all<{ n: number }>('SELECT count(*) AS n FROM watchlist_events WHERE operation_id = $op', { op: b.operation_id });
    expect(ev[0].n).toBe(199);
    const st = await s.app.ops.all<{ n: number }>(`SELECT count(*) AS n FROM watchlist_entries WHERE state = 'published' AND entry_id IN (SELECT unnest(from_json($ids, '["VARCHAR"]')))`, { ids: JSON.stringify(ids) });
    expect(st[0].n).toBe(199);
    // a scoped user's bulk only touches its own entries
    const mixed = await s.as('binhai', { method: 'POST', url: '/api/v1/watchlists/bulk', payload: { action: 'object', entry_ids: [await focusOf(0), await focusOf(1)], reason: '异议' } });
    expect(mixed.json()).toMatchObject({ succeeded: 1, failed: 1 });
    expect((await s.as('analyst', { method: 'POST', url: '/api/v1/watchlists/bulk', payload: { action: 'publish', entry_ids: ids.slice(0, 1), reason: 'x公示', legal_basis: 'x依据' } })).statusCode).toBe(403);
  });

  test('should never delete entries or events', async () => {
    const entries = await s.app.ops.all<{ n: number }>('SELECT count(*) AS n FROM watchlist_entries');
    const members = (await s.app.warehouse.query<{ n: number }>('SELECT count(DISTINCT member_key) AS n FROM watchlist_members'))[0].n;
    expect(entries[0].n).toBe(members);
  });

  test('should mask natural persons unless the user was granted personal data, and audit unmasked views', async () => {
    const person = (await s.app.ops.all<{ entry_id: string }>(`SELECT entry_id FROM watchlist_entries WHERE subject_key LIKE 'P:%' LIMIT 1`))[0].entry_id;
    const stored = (await s.app.warehouse.query<{ name: string }>(`SELECT name FROM watchlist_members WHERE subject_key LIKE 'P:%' LIMIT 1`))[0].name;
    const shown = await s.as('admin', { url: `/api/v1/watchlists/entries/${person}` });
    // the lake keeps persons' identity masked already (ID hash + mask); a granted user sees what the warehouse holds
    expect(shown.json().entry.name).toBe(stored);
    const logged = await s.app.ops.all<{ n: number }>(`SELECT count(*) AS n FROM audit_log WHERE action = 'personal_data.view' AND actor = 'admin'`);
    expect(logged[0].n).toBeGreaterThan(0);
    const adminId = (await s.app.ops.all<{ id: string }>(`SELECT id FROM users WHERE username = 'admin'`))[0].id;
    await s.as('admin', { method: 'POST', url: `/api/v1/users/${adminId}/personal-data`, payload: { granted: false, reason: '测试脱敏' } });
    expect((await s.as('admin', { url: `/api/v1/watchlists/entries/${person}` })).json().entry.name).toMatch(/^张\*+$/);
    await s.as('admin', { method: 'POST', url: `/api/v1/users/${adminId}/personal-data`, payload: { granted: true, reason: '恢复' } });
  });
});
