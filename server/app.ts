/**
 * buildApp(opts) returns the fastify instance without listening (tests use inject). Plugin order:
 * hardening -> config/ops db -> warehouse -> auth -> audit -> resource routes under /api/v1 ->
 * OpenAPI at /docs -> the built dashboard (static, when present).
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { ServerConfig } from './config.ts';
import platform from './plugins/platform.ts';
import warehouse from './plugins/warehouse.ts';
import auth from './plugins/auth.ts';
import viewsRoutes from './routes/views/index.ts';
import exportRoutes from './routes/exports/index.ts';
import workflowRoutes from './routes/workflows/index.ts';
import adminRoutes from './routes/admin/index.ts';

export interface BuildAppOptions {
  config: ServerConfig;
  /** pino logger options, or false in tests. @default true */
  logger?: boolean | object;
}

/** CW_TRUST_PROXY=<n>: trust the n nearest proxies (fastify's types take a function for hop counts). */
const trustHops = (n: number) => (_address: string, hop: number) => hop < n;

export async function buildApp(opts: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? true,
    bodyLimit: 1 << 20,
    genReqId: () => crypto.randomUUID(),
    requestIdHeader: 'x-request-id',
    // CW_TRUST_PROXY: client IPs (rate limits, audit) and https detection (Secure cookies) behind a proxy
    trustProxy: typeof opts.config.trustProxy === 'number' ? trustHops(opts.config.trustProxy) : opts.config.trustProxy,
  });
  await app.register(platform, { config: opts.config }); // helmet, rate limits, health, ops db, audit, swagger
  await app.register(warehouse, { config: opts.config });
  await app.register(auth, { config: opts.config });
  await app.register(viewsRoutes, { prefix: '/api/v1' });
  await app.register(exportRoutes, { prefix: '/api/v1/exports' });
  await app.register(workflowRoutes, { prefix: '/api/v1' });
  await app.register(adminRoutes, { prefix: '/api/v1' });
  return app;
}
