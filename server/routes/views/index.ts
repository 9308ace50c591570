/**
 * The published views under /api/v1: overview, indicators and indexes, subjects, clusters, data
 * quality, county boundaries and map points. Every route has TypeBox schemas (they generate the
 * OpenAPI at /docs), a role check, and goes through sendView (cached bytes per build and scope,
 * ETag/304, x-build-id, JSON or Arrow). The cache is cleared whenever the warehouse swaps builds.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ARROW_STREAM, type Frame } from '../../arrow.ts';
import { ERROR_RESPONSES } from '../../schemas/common.ts';
import { ClusterDetailBody, ClusterParams, GeoBody, NoQuery, OverviewBody, SubjectParams, SubjectProfileBody } from '../../schemas/views.ts';
import type { BuildSession } from '../../plugins/warehouse.ts';
import { DEFAULT_CACHE_BYTES, ViewCache } from '../../view-cache.ts';
import { clusterDetail, clustersList } from './clusters.ts';
import { geoCounties } from './geo.ts';
import { INDICATOR_LISTS } from './indicators.ts';
import { AGGREGATE_ROLES, SUBJECT_ROLES, type ListCtx, type ListDef } from './lists.ts';
import { overview } from './overview.ts';
import { pointsList } from './points.ts';
import { sendView, type Computed } from './serve.ts';
import { frame, rows, usedParams } from './sql.ts';
import { subjectProfile, subjectsList } from './subjects.ts';

/** Every list view (also exported by routes/exports). */
export const LIST_VIEWS: ListDef[] = [...INDICATOR_LISTS, subjectsList, clustersList, pointsList];

export interface ViewsOptions {
  /** Byte budget of the view cache. @default DEFAULT_CACHE_BYTES (256 MiB) */
  cacheBytes?: number;
}

export function listCtx(request: FastifyRequest): ListCtx {
  return { user: request.user!, params: (request.params ?? {}) as Record<string, string>, query: (request.query ?? {}) as Record<string, unknown> };
}

/** Runs a list view for the JSON / Arrow routes (one page for paged lists). */
export async function computeList(def: ListDef, s: BuildSession, ctx: ListCtx): Promise<Computed> {
  const page = def.paged ? Math.max(1, Number(ctx.query.page ?? 1)) : 1;
  const pageSize = def.paged ? Math.min(500, Math.max(1, Number(ctx.query.pageSize ?? 50))) : 0;
  const paging = def.paged ? { limit: pageSize, offset: (page - 1) * pageSize } : undefined;
  const fast = paging && def.fastPage ? def.fastPage(s, ctx, paging) : null;
  let f: Frame;
  let count: number | null = null;
  if (fast) {
    ({ frame: f, total: count } = fast);
  } else {
    const q = await def.query(s, ctx, paging);
    const [res, n] = await Promise.all([
      frame(s, q.sql, q.params),
      def.paged && q.countSql ? rows<{ n: number }>(s, q.countSql, usedParams(q.countSql, q.params)) : Promise.resolve(null),
    ]);
    f = res;
    count = n?.[0]?.n ?? null;
  }
  const personal = def.personal?.(f, ctx) ?? null;
  def.post?.(f, ctx);
  const meta: Record<string, unknown> = def.meta ? await def.meta(s, ctx, f) : {};
  let headers: Record<string, string> | undefined;
  if (def.paged) {
    const total = count ?? f.length;
    Object.assign(meta, { total, page, page_size: pageSize });
    headers = { 'x-total-count': String(total), 'x-page': String(page), 'x-page-size': String(pageSize) };
    // which path answered: the in-memory index, or SQL while the index loads (after a swap)
    if (def.fastPage) headers['x-search'] = fast ? 'index' : 'sql';
  }
  return { frame: f, meta, personal, headers };
}

/** Response schema of a list route: JSON body, or the rows as an Arrow IPC stream. */
function listResponse(def: ListDef) {
  return {
    200: {
      description: `${def.title}: JSON, or with Accept: ${ARROW_STREAM} the rows as an Arrow IPC stream`,
      content: {
        'application/json': { schema: def.body },
        [ARROW_STREAM]: { schema: { type: 'string', format: 'binary' } },
      },
    },
    ...ERROR_RESPONSES,
  };
}

export default async function viewsRoutes(app: FastifyInstance, opts: ViewsOptions = {}): Promise<void> {
  const cache = new ViewCache(opts.cacheBytes ?? DEFAULT_CACHE_BYTES);
  app.warehouse.onSwap(() => cache.clear());

  for (const def of LIST_VIEWS) {
    app.get(def.path, {
      schema: { tags: ['views'], summary: def.summary, ...(def.params ? { params: def.params } : {}), querystring: def.querystring, response: listResponse(def) },
      preHandler: app.requireRole(...def.roles),
    }, (request, reply) => sendView(app, cache, request, reply, { arrow: true, compute: (s) => computeList(def, s, listCtx(request)) }));
  }

  app.get('/overview', {
    schema: { tags: ['views'], summary: 'headline numbers for the big screen: city index, counts, alerts by level, lists by type, data quality', querystring: NoQuery, response: { 200: OverviewBody, ...ERROR_RESPONSES } },
    preHandler: app.requireRole(...AGGREGATE_ROLES),
  }, (request, reply) => sendView(app, cache, request, reply, { compute: async (s) => ({ json: await overview(s, request.user!) }) }));

  app.get('/subjects/:key', {
    schema: { tags: ['views'], summary: 'subject profile: register data, score with explanation, records timeline, list memberships, alerts, related parties and risk paths', params: SubjectParams, querystring: NoQuery, response: { 200: SubjectProfileBody, ...ERROR_RESPONSES } },
    preHandler: app.requireRole(...SUBJECT_ROLES),
  }, (request, reply) => sendView(app, cache, request, reply, {
    compute: async (s) => {
      const r = await subjectProfile(s, request.user!, (request.params as { key: string }).key);
      return { json: r.body, personal: r.personal };
    },
  }));

  app.get('/clusters/:id', {
    schema: { tags: ['views'], summary: 'a risk cluster: members in your scope, the links between them', params: ClusterParams, querystring: NoQuery, response: { 200: ClusterDetailBody, ...ERROR_RESPONSES } },
    preHandler: app.requireRole(...SUBJECT_ROLES),
  }, (request, reply) => sendView(app, cache, request, reply, {
    compute: async (s) => {
      const r = await clusterDetail(s, request.user!, (request.params as { id: string }).id);
      return { json: r.body, personal: r.personal };
    },
  }));

  app.get('/geo/counties', {
    schema: { tags: ['views'], summary: "county boundaries (GeoJSON) with each county's latest indicators in the properties", querystring: NoQuery, response: { 200: GeoBody, ...ERROR_RESPONSES } },
    preHandler: app.requireRole(...AGGREGATE_ROLES),
  }, (request, reply) => sendView(app, cache, request, reply, { compute: async (s) => ({ json: await geoCounties(s, request.user!) }) }));
}
