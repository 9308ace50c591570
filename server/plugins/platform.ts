/**
 * Platform services registered first in buildApp: security headers (helmet), rate limits (global
 * per client IP; the login route sets a stricter one), one error shape for every failure
 * (`{ code: 'CW_ERR_…', message: '中文说明 (English)' }`), request ids echoed as `x-request-id`,
 * `/healthz` and `/readyz`, OpenAPI from the route schemas at `/docs`, then the shared services
 * in dependency order: ops db -> audit -> SSE hub -> scheduler. The scheduler and readiness use
 * `app.warehouse` at run time only, so it may be registered after this plugin.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';
import type { FastifyError, FastifyPluginAsync } from 'fastify';
import type { ServerConfig } from '../config.ts';
import opsDb from './ops-db.ts';
import audit from './audit.ts';
import sse from './sse.ts';
import scheduler from './scheduler.ts';

/** An error with an HTTP status and a stable code; the message is shown to the user (Chinese first). */
export class HttpError extends Error {
  constructor(readonly statusCode: number, readonly code: string, message: string, readonly details?: Record<string, unknown>) {
    super(message);
  }
}

/** `{ code, message }` (+ details) on every error response. */
export interface ErrorBody { code: string; message: string; [k: string]: unknown }

const platformPlugin: FastifyPluginAsync<{ config: ServerConfig }> = async (app, opts) => {
  const cfg = opts.config;
  app.decorate('config', cfg);

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        // maplibre needs blob: workers and data:/blob: images; an intranet basemap (天地图) may be https
        imgSrc: ["'self'", 'data:', 'blob:', 'https:'],
        workerSrc: ["'self'", 'blob:'],
        childSrc: ["'self'", 'blob:'],
        connectSrc: ["'self'", 'https:'],
        styleSrc: ["'self'", "'unsafe-inline'"],
        scriptSrc: ["'self'"],
        fontSrc: ["'self'", 'data:'],
        objectSrc: ["'none'"],
        frameAncestors: ["'self'"],
        upgradeInsecureRequests: null,
      },
    },
    // the dashboard loads map tiles and fonts from the same origin; COEP would block an intranet basemap
    crossOriginEmbedderPolicy: false,
  });

  await app.register(rateLimit, {
    global: cfg.rateLimit > 0,
    max: Math.max(1, cfg.rateLimit),
    timeWindow: '1 minute',
    errorResponseBuilder: (_req, ctx) => ({
      statusCode: ctx.statusCode,
      code: 'CW_ERR_RATE_LIMITED',
      message: `请求过于频繁，请 ${Math.max(1, Math.ceil(ctx.ttl / 1000))} 秒后重试 (rate limit of ${ctx.max} per minute exceeded, retry in ${ctx.after})`,
    }),
  });

  app.setErrorHandler((err: FastifyError & { details?: Record<string, unknown> }, request, reply) => {
    if (err.validation) {
      const where = err.validationContext ?? 'request';
      return reply.code(400).send({ code: 'CW_ERR_VALIDATION', message: `参数校验失败 (${where}): ${err.message}`, details: { errors: err.validation.slice(0, 10) } });
    }
    const status = err.statusCode ?? 500;
    if (status < 500) {
      const code = typeof err.code === 'string' && err.code.startsWith('CW_') ? err.code : `CW_ERR_HTTP_${status}`;
      return reply.code(status).send({ code, message: err.message, ...(err.details ? { details: err.details } : {}) });
    }
    if (err instanceof HttpError) {
      request.log.warn({ err }, err.message);
      return reply.code(status).send({ code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) });
    }
    request.log.error({ err }, 'request failed');
    return reply.code(500).send({ code: 'CW_ERR_INTERNAL', message: `服务器内部错误，请联系管理员并提供请求编号 ${request.id} (internal error)`, request_id: request.id });
  });

  // SPA fallback for the built dashboard (vue-router history mode); JSON 404 for everything else
  const indexFile = join(cfg.dashboardDir, 'index.html');
  const indexHtml = existsSync(indexFile) ? readFileSync(indexFile) : null;
  app.setNotFoundHandler((request, reply) => {
    const accept = String(request.headers.accept ?? '');
    if (indexHtml && request.method === 'GET' && !request.url.startsWith('/api/') && accept.includes('text/html')) {
      return reply.type('text/html; charset=utf-8').send(indexHtml);
    }
    return reply.code(404).send({ code: 'CW_ERR_NOT_FOUND', message: `没有这个接口或页面: ${request.method} ${request.url.split('?')[0]} (not found; the API is listed at /docs)` });
  });

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'credit-watch 信用监测预警平台 API', version: '1', description: '盐城市信用办 信用监测预警平台: published views, 名单管理 and alert workflows, audit log, jobs.' },
      components: {
        securitySchemes: {
          cookie: { type: 'apiKey', in: 'cookie', name: 'cw_session' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ cookie: [] }, { bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: false, uiConfig: { docExpansion: 'list', deepLinking: true } });

  await app.register(opsDb, { config: cfg });
  await app.register(audit, { config: cfg });
  await app.register(sse, { config: cfg });
  await app.register(scheduler, { config: cfg });

  app.get('/healthz', { schema: { hide: true }, config: { rateLimit: false } }, async () => ({ status: 'ok', uptime_s: Math.round(process.uptime()) }));

  app.get('/readyz', { schema: { hide: true }, config: { rateLimit: false } }, async (_request, reply) => {
    const buildId = app.hasDecorator('warehouse') ? app.warehouse.buildId() : null;
    const opsOpen = app.ops.isOpen();
    const reasons: string[] = [];
    if (!buildId) reasons.push('尚未加载数仓构建 (no warehouse build loaded: run credit-watch build)');
    if (!opsOpen) reasons.push('运营数据库未打开 (ops database closed)');
    return reply.code(reasons.length ? 503 : 200).send({ status: reasons.length ? 'not_ready' : 'ready', build_id: buildId, ops_db: opsOpen, reasons });
  });
};

export default fp(platformPlugin, { name: 'cw-platform', fastify: '5.x' });
