import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Value } from 'typebox/value';
import { AlertCounts, AlertDetail, AlertsPage, AlertTransitionResponse } from '../../schemas/workflows.ts';
import { startTestServer, type DemoUser, type TestServer } from '../../test-helpers.ts';
import { allowedAlertActions, nextAlertStatus } from './alert-machine.ts';

interface Row { alert_id: string; level: string; county_code: string; industry_section: string; industry_division: string; department: string | null; status: string; subject_key: string | null; name: string | null }

describe('nextAlertStatus(status, action)', () => {
  test('should walk new -> acknowledged -> assigned -> handled -> closed and allow dismissing open alerts', () => {
    expect(nextAlertStatus('new', 'acknowledge')).toBe('acknowledged');
    expect(nextAlertStatus('acknowledged', 'assign')).toBe('assigned');
    expect(nextAlertStatus('assigned', 'assign')).toBe('assigned');
    expect(nextAlertStatus('assigned', 'handle')).toBe('handled');
    expect(nextAlertStatus('handled', 'close')).toBe('closed');
    expect(nextAlertStatus('new', 'dismiss')).toBe('dismissed');
    expect(allowedAlertActions('closed')).toEqual([]);
    expect(() => nextAlertStatus('new', 'close')).toThrow(/当前状态为「新预警」，不能执行「办结」/);
    expect(() => nextAlertStatus('dismissed', 'acknowledge')).toThrow(/无 \(已结束\)/);
  });
});

describe('alert routes', () => {
  let s: TestServer;
  const list = async (user: DemoUser, qs = '') => (await s.as(user, { url: `/api/v1/alerts?pageSize=500${qs}` })).json() as { total: number; rows: Row[] };
  const move = (user: DemoUser, id: string, body: Record<string, unknown>) => s.as(user, { method: 'POST', url: `/api/v1/alerts/${id}/transitions`, payload: body });
  beforeAll(async () => { s = await startTestServer(); }, 120_000);
  afterAll(() => s.cleanup());

  test('should list the build\'s alerts with their status, scoped by role', async () => {
    const res = await s.as('admin', { url: '/api/v1/alerts?pageSize=500' });
    expect(res.statusCode).toBe(200);
    expect(Value.Check(AlertsPage, res.json())).toBe(true);
    const all = res.json() as { total: number; rows: Row[]; build_id: string };
    expect(all.build_id).toBe(s.app.warehouse.buildId());
    const inBuild = (await s.app.warehouse.query<{ n: number }>('SELECT count(*) AS n FROM alerts'))[0].n;
    expect(all.total).toBe(inBuild);
    expect(all.rows.every((r) => r.status === 'new')).toBe(true);
    const binhai = await list('binhai');
    expect(binhai.total).toBeGreaterThan(0);
    expect(binhai.rows.every((r) => r.county_code === '320922')).toBe(true);
    expect(binhai.total).toBe(all.rows.filter((r) => r.county_code === '320922').length);
    const scjg = await list('scjg');
    expect(scjg.total).toBe(all.rows.filter((r) => ['F', 'H'].includes(r.industry_section)).length);
    const yjgl = await list('yjgl');
    expect(yjgl.rows.every((r) => r.industry_section === 'C')).toBe(true);
    for (const u of ['analyst', 'auditor'] as const) expect((await s.as(u, { url: '/api/v1/alerts' })).statusCode, u).toBe(403);
    expect((await s.as(null, { url: '/api/v1/alerts' })).statusCode).toBe(401);
    // the leader sees the list, natural persons masked
    const leader = await list('leader');
    expect(leader.total).toBe(all.total);
    const person = leader.rows.find((r) => r.subject_key?.startsWith('P:'));
    expect(person?.name).toMatch(/^.\*+$/);
    expect((await s.as('leader', { url: `/api/v1/alerts/${all.rows[0].alert_id}` })).statusCode).toBe(403);
  });

  test('should filter by level, county, industry (section or division), department and status', async () => {
    const all = await list('admin');
    expect((await list('admin', '&level=黄')).total).toBe(all.rows.filter((r) => r.level === '黄').length);
    expect((await list('admin', '&level=红')).total).toBe(all.rows.filter((r) => r.level === '红').length);
    const c = await list('admin', '&county=320902');
    expect(c.rows.every((r) => r.county_code === '320902')).toBe(true);
    expect((await list('admin', '&industry=F')).total).toBe(all.rows.filter((r) => r.industry_section === 'F').length);
    expect((await list('admin', '&industry=52')).total).toBe(all.rows.filter((r) => r.industry_division === '52').length);
    const dept = all.rows.find((r) => r.department)!.department!;
    const d = await list('admin', `&department=${encodeURIComponent(dept)}`);
    expect(d.total).toBeGreaterThan(0);
    expect(d.rows.every((r) => r.department?.includes(dept))).toBe(true);
    expect((await list('admin', '&status=new')).total).toBe(all.total);
    expect((await list('admin', '&status=closed')).total).toBe(0);
    expect((await s.as('admin', { url: '/api/v1/alerts?level=紫' })).statusCode).toBe(400);
    expect((await s.as('admin', { url: '/api/v1/alerts?county=abc' })).statusCode).toBe(400);
  });

  test('should count by level and status for the big screen, scoped', async () => {
    const res = await s.as('leader', { url: '/api/v1/alerts/counts' });
    expect(res.statusCode).toBe(200);
    expect(Value.Check(AlertCounts, res.json())).toBe(true);
    const all = await list('admin');
    expect(res.json().total).toBe(all.total);
    expect(res.json().by_level.find((l: { level: string }) => l.level === '黄').total).toBe(all.rows.filter((r) => r.level === '黄').length);
    expect((await s.as('analyst', { url: '/api/v1/alerts/counts' })).statusCode).toBe(200);
    expect((await s.as('auditor', { url: '/api/v1/alerts/counts' })).statusCode).toBe(403);
    const b = (await s.as('binhai', { url: '/api/v1/alerts/counts' })).json();
    expect(b.total).toBe((await list('binhai')).total);
  });

  test('should move an alert through acknowledge, assign, handle and close with comments, all audited', async () => {
    const id = (await list('binhai')).rows[0].alert_id;
    const a = await move('binhai', id, { action: 'acknowledge' });
    expect(a.statusCode).toBe(200);
    expect(Value.Check(AlertTransitionResponse, a.json())).toBe(true);
    expect(a.json().alert).toMatchObject({ status: 'acknowledged', status_label: '已确认', version: 1 });
    expect((await move('binhai', id, { action: 'assign' })).statusCode).toBe(400);
    const as = await move('admin', id, { action: 'assign', department: '滨海县市场监督管理局', reason: '属地监管' });
    expect(as.json().alert).toMatchObject({ status: 'assigned', assigned_department: '滨海县市场监督管理局', version: 2 });
    expect((await list('admin', `&department=${encodeURIComponent('滨海县市场监督管理局')}&status=assigned`)).rows.map((r) => r.alert_id)).toContain(id);
    const c = await s.as('binhai', { method: 'POST', url: `/api/v1/alerts/${id}/comments`, payload: { text: '已约谈企业负责人' } });
    expect(c.statusCode).toBe(200);
    expect((await move('binhai', id, { action: 'handle' })).statusCode).toBe(400);
    expect((await move('binhai', id, { action: 'handle', reason: '已责令整改并复查' })).json().alert.status).toBe('handled');
    const closed = await move('binhai', id, { action: 'close', expected_version: 3 });
    expect(closed.json().alert).toMatchObject({ status: 'closed', allowed_actions: [] });
    const detail = await s.as('binhai', { url: `/api/v1/alerts/${id}` });
    expect(Value.Check(AlertDetail, detail.json())).toBe(true);
    expect(detail.json().events.map((e: { action: string }) => e.action)).toEqual(['acknowledge', 'assign', 'handle', 'close']);
    expect(detail.json().comments[0]).toMatchObject({ actor: 'binhai', text: '已约谈企业负责人' });
    expect(detail.json().trigger_record_keys.length).toBeGreaterThan(0);
    const audit = await s.app.ops.all<{ action: string }>('SELECT action FROM audit_log WHERE target = $id ORDER BY seq', { id });
    expect(audit.map((x) => x.action)).toEqual(['alert.acknowledge', 'alert.assign', 'alert.comment', 'alert.handle', 'alert.close']);
    const counts = (await s.as('admin', { url: '/api/v1/alerts/counts' })).json();
    expect(counts.open).toBe(counts.total - 1);
    expect(counts.by_status).toContainEqual({ status: 'closed', n: 1 });
  });

  test('should refuse invalid transitions with 409 naming the status and allowed actions', async () => {
    const [first, second] = (await list('scjg', '&status=new')).rows;
    const r = await move('scjg', first.alert_id, { action: 'close' });
    expect(r.statusCode).toBe(409);
    expect(r.json()).toMatchObject({ code: 'CW_ERR_INVALID_TRANSITION', details: { state: 'new', allowed: ['acknowledge', 'assign', 'dismiss'] } });
    expect(r.json().message).toMatch(/「新预警」.*确认\(acknowledge\)/);
    expect((await move('scjg', first.alert_id, { action: 'dismiss' })).statusCode).toBe(400);
    expect((await move('scjg', first.alert_id, { action: 'dismiss', reason: '处罚已被撤销, 不构成预警' })).json().alert).toMatchObject({ status: 'dismissed', dismiss_reason: '处罚已被撤销, 不构成预警' });
    expect((await move('scjg', first.alert_id, { action: 'acknowledge' })).statusCode).toBe(409);
    expect((await move('scjg', second.alert_id, { action: 'acknowledge', expected_version: 3 })).json().code).toBe('CW_ERR_VERSION_CONFLICT');
    // out of scope and unknown alerts are 404
    const c = (await list('yjgl')).rows[0].alert_id;
    expect((await move('scjg', c, { action: 'acknowledge' })).statusCode).toBe(404);
    expect((await move('admin', 'no-such-alert', { action: 'acknowledge' })).statusCode).toBe(404);
    expect((await move('analyst', first.alert_id, { action: 'acknowledge' })).statusCode).toBe(403);
  });

  test('should push an alert event over SSE to a subscriber in scope only', async () => {
    const mine = (await list('yjgl', '&status=new')).rows[0];
    const other = (await list('scjg', '&status=new')).rows.find((r) => r.industry_section !== 'C')!;
    const stream = await s.as('yjgl', { url: '/api/v1/alerts/stream?max_events=2', payloadAsStream: true });
    expect(stream.statusCode).toBe(200);
    expect(stream.headers['content-type']).toMatch(/text\/event-stream/);
    await move('admin', other.alert_id, { action: 'acknowledge' }); // not yjgl's: filtered out
    await move('admin', mine.alert_id, { action: 'acknowledge' });
    let text = '';
    for await (const chunk of stream.stream()) text += String(chunk);
    expect(text).toMatch(/event: hello/);
    const alert = /event: alert\ndata: (.*)\n/.exec(text);
    expect(alert).not.toBeNull();
    expect(JSON.parse(alert![1])).toMatchObject({ kind: 'changed', alert_id: mine.alert_id, status: 'acknowledged', from_status: 'new', by: 'admin' });
    expect(text).not.toContain(other.alert_id);
    expect((await s.as('analyst', { url: '/api/v1/alerts/stream?max_events=1' })).statusCode).toBe(403);
  });
});
