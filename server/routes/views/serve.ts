/**
 * Serving a view: every data route computes its body through `sendView`, which pins the served
 * build for the whole request, negotiates JSON / Arrow, keeps the serialized bytes in the view
 * cache per (build, route, params + query, user scope, format), sets `x-build-id` and a strong
 * ETag derived from exactly those parts, answers 304 to a matching If-None-Match, and records the
 * personal-data audit entry even when the bytes come from the cache (each view is audited).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ARROW_STREAM, JSON_TYPE, frameRows, frameToArrow, prefersArrow, type Frame } from '../../arrow.ts';
import { seesPersonalData } from '../../plugins/auth.ts';
import type { BuildSession, Warehouse } from '../../plugins/warehouse.ts';
import { etagOf, matchesEtag, normalizeQuery, type CachedView, type ViewCache } from '../../view-cache.ts';
import { scopeKey } from './sql.ts';

export type Format = 'json' | 'arrow';

/** Natural persons a body shows: audited per view for users who see personal data. */
export interface PersonalShown { subject: string; persons: string[] }

export interface Computed {
  /** A JSON body, or for list endpoints the rows Frame plus the other JSON members. */
  json?: unknown;
  frame?: Frame;
  meta?: Record<string, unknown>;
  personal?: PersonalShown | null;
  headers?: Record<string, string>;
}

export interface ViewOptions {
  /** List endpoint: speaks Arrow (the rows) as well as JSON. */
  arrow?: boolean;
  /** Part of the cache key when the body depends on more than params, query and scope. */
  extraKey?: string;
  compute: (s: BuildSession, format: Format) => Promise<Computed>;
}

/** A cached body plus the headers it goes with and the persons it shows (audited on every view). */
interface Entry extends CachedView { headers?: Record<string, string>; shown?: PersonalShown | null }

/** Serializes a computed view into the bytes that are cached and sent. */
function serialize(c: Computed, s: BuildSession, format: Format): { body: Buffer; contentType: string } {
  if (format === 'arrow' && c.frame) return { body: Buffer.from(frameToArrow(c.frame)), contentType: ARROW_STREAM };
  const json = c.frame ? { build_id: s.buildId, as_of: s.asOf, ...c.meta, rows: frameRows(c.frame) } : c.json;
  return { body: Buffer.from(JSON.stringify(json)), contentType: JSON_TYPE };
}

export async function sendView(app: FastifyInstance, cache: ViewCache, request: FastifyRequest, reply: FastifyReply, o: ViewOptions): Promise<FastifyReply> {
  const wh = app.warehouse as Warehouse;
  return wh.session(async (s) => {
    const format: Format = o.arrow && prefersArrow(request.headers.accept) ? 'arrow' : 'json';
    const route = request.routeOptions.url ?? request.url.split('?')[0];
    const q = `${normalizeQuery(request.params as Record<string, unknown>)}?${normalizeQuery(request.query as Record<string, unknown>)}`;
    const scope = scopeKey(request.user);
    const key = [s.buildId, route, q, scope, format, o.extraKey ?? ''].join('\n');
    const entry = (await cache.getOrCompute(key, async () => {
      const c = await o.compute(s, format);
      const { body, contentType } = serialize(c, s, format);
      const e: Entry = { body, contentType, etag: etagOf(s.buildId, route, q, scope, format, o.extraKey ?? ''), headers: c.headers, shown: c.personal ?? null };
      return e;
    })) as Entry;
    if (entry.shown && seesPersonalData(request.user)) {
      await app.audit.personalDataViewed(request, entry.shown.subject, { persons: entry.shown.persons.slice(0, 100), persons_total: entry.shown.persons.length });
    }
    reply.header('x-build-id', s.buildId);
    reply.header('etag', entry.etag);
    // Scoped per user: shared caches must not keep it; the client revalidates with the ETag.
    reply.header('cache-control', 'private, no-cache');
    reply.header('vary', 'Accept, Cookie, Authorization');
    for (const [k, v] of Object.entries(entry.headers ?? {})) reply.header(k, v);
    if (matchesEtag(request.headers['if-none-match'], entry.etag)) return reply.code(304).send();
    return reply.type(entry.contentType).send(entry.body);
  });
}
