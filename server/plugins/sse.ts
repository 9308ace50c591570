/**
 * Server-sent events: an in-process hub (`app.events`) that workflow routes and the build swap
 * publish to, and `app.events.stream(request, reply, opts)` that turns a request into an SSE
 * stream with a heartbeat. Each subscriber filters events for its user (scoping happens in the
 * route, before anything is written). The last 200 events are kept so a reconnecting browser
 * (`Last-Event-ID`) gets what it missed.
 *
 * Works through `app.inject` with `payloadAsStream: true` (headers are written at once), and
 * `?max_events=n` closes the stream after n events for clients that cannot read streams.
 */
import fp from 'fastify-plugin';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerConfig } from '../config.ts';

export interface HubEvent {
  /** SSE event name: 'alert' (new/changed alert), 'build' (warehouse swap), 'watchlist', 'hello'. */
  type: string;
  data: Record<string, unknown>;
  /** Assigned by the hub. */
  id?: number;
}

export interface StreamOptions {
  /** Returns the event as this subscriber may see it, or null to skip it. */
  filter?: (e: HubEvent) => HubEvent | null;
  /** Sent right after the headers (e.g. current counts). */
  initial?: HubEvent[];
  /** Close after this many events (initial ones included). */
  maxEvents?: number;
}

export interface EventHub {
  publish(e: HubEvent): void;
  subscribe(fn: (e: HubEvent) => void): () => void;
  /** Hijacks the reply and streams events until the client goes away or the app closes. */
  stream(request: FastifyRequest, reply: FastifyReply, opts?: StreamOptions): void;
  readonly subscribers: number;
}

const REPLAY = 200;

export function createEventHub(heartbeatMs: number): EventHub & { closeAll(): void } {
  const subs = new Set<(e: HubEvent) => void>();
  const closers = new Set<() => void>();
  const recent: HubEvent[] = [];
  let nextId = 1;

  const hub: EventHub & { closeAll(): void } = {
    publish(e) {
      const ev = { ...e, id: nextId++ };
      recent.push(ev);
      if (recent.length > REPLAY) recent.shift();
      for (const fn of subs) {
        try { fn(ev); } catch { /* a broken subscriber must not stop the others */ }
      }
    },
    subscribe(fn) {
      subs.add(fn);
      return () => subs.delete(fn);
    },
    get subscribers() { return subs.size; },
    stream(request, reply, opts = {}) {
      reply.hijack();
      const res = reply.raw;
      // helmet and friends set headers on the reply; keep them on the raw response
      const inherited = reply.getHeaders() as Record<string, string>;
      res.writeHead(200, {
        ...inherited,
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      let sent = 0;
      let closed = false;
      const write = (e: HubEvent) => {
        if (closed) return;
        const out = opts.filter ? opts.filter(e) : e;
        if (!out) return;
        res.write(`${out.id !== undefined ? `id: ${out.id}\n` : ''}event: ${out.type}\ndata: ${JSON.stringify(out.data)}\n\n`);
        sent++;
        if (opts.maxEvents && sent >= opts.maxEvents) close();
      };
      const heartbeat = setInterval(() => { if (!closed) res.write(`: heartbeat ${new Date().toISOString()}\n\n`); }, heartbeatMs);
      heartbeat.unref?.();
      const unsubscribe = hub.subscribe(write);
      const close = () => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        unsubscribe();
        closers.delete(close);
        res.end();
      };
      closers.add(close);
      request.raw.on('close', close);
      res.on('close', close);
      res.write(`retry: 5000\n\n`);
      const last = Number(request.headers['last-event-id']);
      if (Number.isInteger(last) && last >= 0) for (const e of recent) if ((e.id ?? 0) > last) write(e);
      for (const e of opts.initial ?? []) write(e);
    },
    closeAll() {
      for (const c of [...closers]) c();
    },
  };
  return hub;
}

/** Decorates `app.events`; open streams are ended before the server closes. */
const ssePlugin: FastifyPluginAsync<{ config: ServerConfig }> = async (app, opts) => {
  const hub = createEventHub(opts.config.sseHeartbeatMs);
  app.decorate('events', hub as EventHub);
  app.addHook('preClose', async () => { hub.closeAll(); });
};

export default fp(ssePlugin, { name: 'cw-sse', fastify: '5.x' });
