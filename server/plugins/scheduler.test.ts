import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Value } from 'typebox/value';
import { warehouseRows } from '../../analytics/test-support.ts';
import { JobRunResponse, JobsResponse } from '../schemas/workflows.ts';
import { startTestServer, type TestServer } from '../test-helpers.ts';

describe('nightly job (scheduler)', () => {
  let s: TestServer;
  beforeAll(async () => { s = await startTestServer(); }, 120_000);
  afterAll(() => s.cleanup());

  test('should show status and history to admin, analyst and auditor only; only the admin triggers', async () => {
    const res = await s.as('auditor', { url: '/api/v1/jobs' });
    expect(res.statusCode).toBe(200);
    expect(Value.Check(JobsResponse, res.json())).toBe(true);
    expect(res.json()).toMatchObject({ cron: null, running: null, history: [] });
    for (const u of ['leader', 'scjg', 'binhai'] as const) expect((await s.as(u, { url: '/api/v1/jobs' })).statusCode, u).toBe(403);
    for (const u of ['leader', 'analyst', 'auditor', 'scjg'] as const) expect((await s.as(u, { method: 'POST', url: '/api/v1/jobs/run' })).statusCode, u).toBe(403);
  });

  test('should ingest a workflow repair from the inbox and build, so the next build reflects it', async () => {
    // fixture firm 9 (320903 manufacturing, two fined penalties): its 重点关注 entry rests on both
    const entry = (await s.app.ops.all<{ entry_id: string; member_key: string; subject_key: string }>(
      `SELECT entry_id, member_key, subject_key FROM watchlist_entries WHERE list_type = 'focus' AND name = '测试320903企业9有限公司'`))[0];
    const move = (action: string, extra: Record<string, unknown> = {}) => s.as('yjgl', { method: 'POST', url: `/api/v1/watchlists/entries/${entry.entry_id}/transitions`,
      payload: { action, reason: `${action} 测试`, legal_basis: '《江苏省社会信用条例》', ...extra } });
    await move('publish');
    const rep = await move('repair');
    expect(rep.json().effect).toMatch(/将在下次构建后生效/);
    const before = s.app.warehouse.buildId();
    const stream = await s.as('admin', { url: '/api/v1/alerts/stream', payloadAsStream: true });

    const run = await s.as('admin', { method: 'POST', url: '/api/v1/jobs/run?wait=true' });
    expect(run.statusCode).toBe(200);
    expect(Value.Check(JobRunResponse, run.json())).toBe(true);
    const job = run.json().job;
    expect(job).toMatchObject({ status: 'succeeded', trigger: 'admin:admin', kind: 'nightly' });
    expect(job.error).toBeNull();
    expect(job.inbox).toEqual([expect.objectContaining({ file: rep.json().record_file, status: 'done' })]);
    expect(job.build_id).not.toBe(before);
    expect(s.app.warehouse.buildId()).toBe(job.build_id);
    expect(existsSync(join(s.config.inbox, rep.json().record_file))).toBe(false);
    expect(readdirSync(join(s.config.inbox, 'done')).length).toBe(1);

    // the new build: both penalties repaired, the membership gone, the entry flagged as no longer in the build
    const events = await warehouseRows<{ repaired: boolean }>(s.dataDir, `SELECT repaired FROM credit_events WHERE subject_key = '${entry.subject_key}' AND category = 'penalty'`);
    expect(events.map((e) => e.repaired)).toEqual([true, true]);
    const members = await warehouseRows(s.dataDir, `SELECT * FROM watchlist_members WHERE member_key = '${entry.member_key}'`);
    expect(members).toHaveLength(0);
    const list = await s.as('yjgl', { url: `/api/v1/watchlists/entries/${entry.entry_id}` });
    expect(list.json().entry).toMatchObject({ state: 'repaired', in_build: false, last_seen_build: before });

    // the swap reached the SSE stream
    let text = '';
    for await (const chunk of stream.stream()) {
      text += String(chunk);
      if (/event: build\n/.test(text)) break;
    }
    expect(text).toMatch(new RegExp(`event: build\\ndata: \\{"build_id":"${job.build_id}"`));

    const history = (await s.as('admin', { url: '/api/v1/jobs' })).json();
    expect(history.history[0]).toMatchObject({ job_id: job.job_id, status: 'succeeded' });
    const audit = await s.app.ops.all<{ action: string }>(`SELECT action FROM audit_log WHERE action IN ('job.trigger', 'job.run', 'watchlist.sync') ORDER BY seq`);
    // the second sync runs on the swap, concurrently with the end of the job
    expect(audit.map((a) => a.action).slice(0, 2)).toEqual(['watchlist.sync', 'job.trigger']);
    expect(audit.map((a) => a.action).slice(2).sort()).toEqual(['job.run', 'watchlist.sync']);
  }, 120_000);

  test('should never run two jobs at once (409) and keep serving the current build meanwhile', async () => {
    const first = await s.as('admin', { method: 'POST', url: '/api/v1/jobs/run?build_only=true' });
    expect(first.statusCode).toBe(202);
    expect(first.json().job).toMatchObject({ status: 'running', kind: 'build' });
    const second = await s.as('admin', { method: 'POST', url: '/api/v1/jobs/run' });
    expect(second.statusCode).toBe(409);
    expect(second.json()).toMatchObject({ code: 'CW_ERR_JOB_RUNNING' });
    const serving = s.app.warehouse.buildId();
    const during = await s.as('admin', { url: '/api/v1/alerts/counts' });
    expect(during.statusCode).toBe(200);
    expect(during.json().build_id).toBe(serving);
    expect((await s.as('admin', { url: '/api/v1/jobs' })).json().running).toMatchObject({ job_id: first.json().job.job_id });
    for (let i = 0; i < 600 && s.app.scheduler.running(); i++) await new Promise((r) => setTimeout(r, 100));
    expect(s.app.scheduler.running()).toBeNull();
    const h = (await s.as('admin', { url: '/api/v1/jobs' })).json().history;
    expect(h[0]).toMatchObject({ job_id: first.json().job.job_id, status: 'succeeded' });
  }, 120_000);
});
