/**
 * `credit-watch serve` / `npm start`: builds the app (app.ts), adds the dashboard (the Vite build
 * in dashboard/dist when present, else a small Chinese page listing the API), listens on
 * CW_HOST:CW_PORT, prints the URL and the demo accounts, and shuts down gracefully on SIGINT /
 * SIGTERM (streams ended, DuckDB databases checkpointed and closed).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import type { ServerConfig } from './config.ts';
import { ROLE_LABELS } from './types.ts';

const PLACEHOLDER = (cfg: ServerConfig, buildId: string | null) => `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>信用监测预警平台 credit-watch</title>
<style>body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;max-width:46rem;margin:3rem auto;padding:0 1rem;color:#1f2937}
code{background:#f3f4f6;padding:.1rem .3rem;border-radius:.2rem}li{margin:.3rem 0}</style></head>
<body><h1>信用监测预警平台</h1>
<p>服务已启动。前端看板尚未构建（未找到 <code>${cfg.dashboardDir.replace(/[<>&]/g, '')}</code>），可直接使用以下接口：</p>
<ul>
<li><a href="/docs">/docs</a> 接口文档 (OpenAPI)</li>
<li><code>POST /api/v1/auth/login</code> 登录，<code>GET /api/v1/auth/me</code> 当前用户</li>
<li><code>/api/v1/...</code> 指数、县区与行业指标、主体检索与画像、关联风险、数据质量</li>
<li><code>/api/v1/watchlists/...</code> 名单管理（认定、公示、惩戒/激励、修复、移出、异议）</li>
<li><code>/api/v1/alerts</code> 预警处置，<code>/api/v1/alerts/stream</code> 实时推送 (SSE)</li>
<li><code>/api/v1/audit</code> 审计日志，<code>/api/v1/jobs</code> 夜间任务</li>
<li><a href="/healthz">/healthz</a> · <a href="/readyz">/readyz</a></li>
</ul>
<p>当前数仓版本: <code>${buildId ?? '（无，请运行 credit-watch build）'}</code></p>
</body></html>`;

/** Serves dashboard/dist (SPA fallback in the platform not-found handler), or the placeholder page at `/`. */
export async function registerDashboard(app: FastifyInstance, cfg: ServerConfig): Promise<'dashboard' | 'placeholder'> {
  if (existsSync(join(cfg.dashboardDir, 'index.html'))) {
    await app.register(fastifyStatic, { root: cfg.dashboardDir, prefix: '/', wildcard: true, index: 'index.html', maxAge: '1h', immutable: false });
    return 'dashboard';
  }
  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.type('text/html; charset=utf-8').send(PLACEHOLDER(cfg, app.warehouse.buildId())));
  return 'placeholder';
}

export interface StartedServer { app: FastifyInstance; url: string; close: () => Promise<void> }

/** Builds, listens and prints; `log` receives the human lines (URL, accounts). */
export async function startServer(cfg: ServerConfig, o: { log?: (s: string) => void; logger?: boolean | object; handleSignals?: boolean } = {}): Promise<StartedServer> {
  const log = o.log ?? ((s: string) => process.stdout.write(`${s}\n`));
  const app = await buildApp({ config: cfg, logger: o.logger ?? { level: cfg.logLevel } });
  const mode = await registerDashboard(app, cfg);
  await app.listen({ host: cfg.host, port: cfg.port });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : cfg.port;
  const url = `http://${cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host}:${port}/`;
  log('');
  log(`信用监测预警平台已启动 credit-watch is serving: ${url}`);
  log(`  接口文档 API docs: ${url}docs    看板 dashboard: ${mode === 'dashboard' ? url : '(未构建 not built: placeholder page)'}`);
  log(`  数仓版本 build: ${app.warehouse.buildId() ?? '(none yet)'}    夜间任务 nightly: ${cfg.nightlyCron ?? 'off'} (${cfg.ingest.timeZone})    收件箱 inbox: ${cfg.inbox}`);
  if (app.auth.demoAccounts.length) {
    log('  演示账号 demo accounts (CW_DEMO):');
    for (const a of app.auth.demoAccounts) log(`    ${a.username.padEnd(8)} ${a.password.padEnd(22)} ${ROLE_LABELS[a.role]} ${a.displayName}`);
  }
  if (app.auth.bootstrap) log(`  初始管理员 first admin: ${app.auth.bootstrap.username} / ${app.auth.bootstrap.password}  (请登录后立即修改 change it after signing in)`);
  log('');
  let closing: Promise<void> | null = null;
  const close = () => (closing ??= app.close().then(() => undefined));
  if (o.handleSignals !== false) {
    const onSignal = (sig: string) => {
      app.log.info({ signal: sig }, 'shutting down');
      const timer = setTimeout(() => { app.log.error('shutdown took longer than 20 s, exiting'); process.exit(1); }, 20_000);
      timer.unref();
      close().then(() => process.exit(0), (err) => { app.log.error({ err }, 'shutdown failed'); process.exit(1); });
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  return { app, url, close };
}
