/**
 * The workflow resources under /api/v1: 名单管理 (`/watchlists/...`) and alerts (`/alerts/...`).
 * Both read the warehouse build attached to ops.duckdb; `sync` keeps that attachment and the seeded
 * list entries in step with the served build (at startup, on every swap, and lazily per request).
 */
import type { FastifyPluginAsync } from 'fastify';
import alertRoutes from './alerts.ts';
import { createSync } from './sync.ts';
import watchlistRoutes from './watchlists.ts';

const workflowRoutes: FastifyPluginAsync = async (app) => {
  const sync = createSync(app, app.config.dataDir);
  app.addHook('onReady', async () => {
    try {
      await sync.sync(false);
    } catch (err) {
      app.log.error({ err }, 'could not sync the workflow state with the warehouse build; retried on the next request');
    }
  });
  app.warehouse.onSwap((buildId) => {
    sync.sync(true).catch((err) => app.log.error({ err, build_id: buildId }, 'workflow sync after a build swap failed'));
  });
  await app.register(watchlistRoutes, { sync });
  await app.register(alertRoutes, { sync });
};

export default workflowRoutes;
