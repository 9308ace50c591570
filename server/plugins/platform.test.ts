import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import Fastify from 'fastify';
import { registerDashboard } from '../server.ts';
import { startTestServer, type TestServer } from '../test-helpers.ts';
import { createEventHub } from './sse.ts';

describe('platform plugin', () => {
  let s: TestServer;
  beforeAll(async () => { s = await startTestServer({ records: null, env: { CW_LOGIN_RATE_LIMIT: '3' } }); }, 60_000);
  afterAll(() => s.cleanup());

  test('should answer /healthz always and /readyz 503 until a warehouse build is served', async () => {
    const h = await s.app.inject({ url: '/healthz' });
    expect(h.statusCode).toBe(200);
    expect(h.json()).toMatchObject({ status: 'ok' });
    const r = await s.app.inject({ url: '/readyz' });
    expect(r.statusCode).toBe(503);
    expect(r.json()).toMatchObject({ status: 'not_ready', build_id: null, ops_db: true });
    expect(r.json().reasons[0]).toMatch(/数仓/);
  });

  test('should send security headers and echo the request id', async () => {
    const res = await s.app.inject({ url: '/healthz', headers: { 'x-request-id': 'req-123' } });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(res.headers['strict-transport-security']).toBeDefined();
    expect(res.headers['x-request-id']).toBe('req-123');
    const gen = await s.app.inject({ url: '/healthz' });
    expect(gen.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('should answer unknown routes and bad input with the { code, message } shape', async () => {
    const nf = await s.app.inject({ url: '/api/v1/no-such-thing' });
    expect(nf.statusCode).toBe(404);
    expect(nf.json()).toMatchObject({ code: 'CW_ERR_NOT_FOUND' });
    const bad = await s.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'x' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('CW_ERR_VALIDATION');
    expect(bad.json().message).toMatch(/参数校验失败/);
    const extra = await s.as('admin', { url: '/api/v1/audit?page=0' });
    expect(extra.statusCode).toBe(400);
    const big = await s.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'x', password: 'y'.repeat(2 << 20) } });
    expect(big.statusCode).toBe(413);
  });

  test('should rate-limit the login route per IP more strictly than the rest', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) {
      codes.push((await s.app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: '10.1.1.1', payload: { username: `u${i}`, password: 'whatever-1' } })).statusCode);
    }
    expect(codes.slice(0, 3)).toEqual([401, 401, 401]);
    expect(codes[3]).toBe(429);
    const other = await s.app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: '10.1.1.2', payload: { username: 'u', password: 'whatever-1' } });
    expect(other.statusCode).toBe(401);
  });

  test('should serve the OpenAPI document with the platform and workflow routes at /docs', async () => {
    const ui = await s.app.inject({ url: '/docs' });
    expect([200, 302]).toContain(ui.statusCode);
    const doc = await s.app.inject({ url: '/docs/json' });
    expect(doc.statusCode).toBe(200);
    const paths = Object.keys(doc.json().paths);
    for (const p of ['/api/v1/auth/login', '/api/v1/users', '/api/v1/audit', '/api/v1/jobs', '/api/v1/watchlists/entries', '/api/v1/watchlists/bulk',
      '/api/v1/alerts', '/api/v1/alerts/counts', '/api/v1/alerts/{alertId}/transitions']) expect(paths, p).toContain(p);
    expect(doc.json().paths['/api/v1/watchlists/entries/{entryId}/transitions'].post.responses['409']).toBeDefined();
  });

  test('should apply the global rate limit per client when configured', async () => {
    const app = await s.reopen({ rateLimit: 3 });
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) codes.push((await app.inject({ url: '/api/v1/auth/me', remoteAddress: '10.2.2.2' })).statusCode);
    expect(codes).toEqual([401, 401, 401, 429]);
    const body = (await app.inject({ url: '/api/v1/auth/me', remoteAddress: '10.2.2.2' })).json();
    expect(body.code).toBe('CW_ERR_RATE_LIMITED');
    expect((await app.inject({ url: '/healthz', remoteAddress: '10.2.2.2' })).statusCode).toBe(200);
    await s.reopen();
  });
});

describe('registerDashboard(app, cfg)', () => {
  test('should serve a Chinese placeholder page at / when the dashboard is not built', async () => {
    const s = await startTestServer({ records: null, signIn: false });
    try {
      await s.close();
      const { buildApp } = await import('../app.ts');
      const app = await buildApp({ config: s.config, logger: false });
      expect(await registerDashboard(app, s.config)).toBe('placeholder');
      const res = await app.inject({ url: '/' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.body).toMatch(/信用监测预警平台/);
      expect(res.body).toMatch(/\/docs/);
      await app.close();

      // a built dashboard: files served, unknown client routes fall back to index.html
      const dist = join(s.dataDir, 'dist');
      mkdirSync(join(dist, 'assets'), { recursive: true });
      writeFileSync(join(dist, 'index.html'), '<!doctype html><title>看板</title><div id="app"></div>');
      writeFileSync(join(dist, 'assets', 'app.js'), 'console.log(1)');
      const cfg = { ...s.config, dashboardDir: dist };
      const app2 = await buildApp({ config: cfg, logger: false });
      expect(await registerDashboard(app2, cfg)).toBe('dashboard');
      expect((await app2.inject({ url: '/' })).body).toMatch(/看板/);
      expect((await app2.inject({ url: '/assets/app.js' })).body).toBe('console.log(1)');
      const spa = await app2.inject({ url: '/screen/county/320922', headers: { accept: 'text/html' } });
      expect(spa.statusCode).toBe(200);
      expect(spa.body).toMatch(/看板/);
      expect((await app2.inject({ url: '/api/v1/nothing', headers: { accept: 'text/html' } })).statusCode).toBe(404);
      await app2.close();
    } finally {
      await s.cleanup();
    }
  });
});

describe('createEventHub(heartbeatMs)', () => {
  test('should stream events with ids, filter per subscriber, replay after Last-Event-ID and close after max_events', async () => {
    const hub = createEventHub(50);
    const app = Fastify({ logger: false });
    app.get('/s', (request, reply) => {
      hub.stream(request, reply, { filter: (e) => (e.data.secret ? null : e), maxEvents: 3, initial: [{ type: 'hello', data: { x: 1 } }] });
    });
    await app.ready();
    hub.publish({ type: 'alert', data: { n: 0 } });
    const res = await app.inject({ url: '/s', payloadAsStream: true, headers: { 'last-event-id': '0' } });
    expect(res.headers['content-type']).toMatch(/text\/event-stream/);
    hub.publish({ type: 'alert', data: { secret: true } });
    hub.publish({ type: 'alert', data: { n: 2 } });
    let text = '';
    for await (const chunk of res.stream()) text += String(chunk);
    expect(text).toMatch(/id: 1\nevent: alert\ndata: {"n":0}/);
    expect(text).toMatch(/event: hello/);
    expect(text).toMatch(/id: 3\nevent: alert\ndata: {"n":2}/);
    expect(text).not.toMatch(/secret/);
    expect(hub.subscribers).toBe(0);
    await app.close();
  });
});
