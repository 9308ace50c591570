/**
 * The nightly job, run inside the server process (DuckDB: the server owns the operational
 * database and the warehouse builds): ingest the inbox (`runInboxOnce`), build a new warehouse
 * (`runBuild`) while the current build keeps serving, then `app.warehouse.refresh()` swaps it in.
 * Runs on CW_NIGHTLY_CRON (croner, CW_TZ) and on an admin's request; two runs never overlap (a
 * trigger while one runs is refused). Every run is a row in `jobs` and an audit entry.
 */
import { randomUUID } from 'node:crypto';
import { Cron } from 'croner';
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { todayIn } from '../../ingest/config.ts';
import type { ServerConfig } from '../config.ts';

export interface JobRow {
  job_id: string;
  kind: string;
  trigger: string;
  status: 'running' | 'succeeded' | 'failed' | 'interrupted';
  started_at: string;
  finished_at: string | null;
  seconds: number | null;
  build_id: string | null;
  /** JSON: per inbox file status and counts. */
  inbox: string | null;
  error: string | null;
}

export const JOB_COLUMNS = 'job_id, kind, trigger, status, started_at, finished_at, seconds, build_id, inbox, error';

export interface RunOptions {
  /** Who asked: 'cron' or 'admin:<username>'. */
  trigger: string;
  /** Build date. @default today in CW_TZ */
  asOf?: string;
  /** Skip the inbox step (rebuild only). @default false */
  buildOnly?: boolean;
}

export interface Scheduler {
  /** The running job, if any. */
  running(): JobRow | null;
  nextRun(): string | null;
  readonly cron: string | null;
  /** Starts a run; resolves with the job row once started and `done` when it finished. Throws when one is running. */
  start(o: RunOptions): { job: JobRow; done: Promise<JobRow> };
  history(limit?: number): Promise<JobRow[]>;
}

export class JobRunningError extends Error {
  readonly code = 'CW_ERR_JOB_RUNNING';
  readonly statusCode = 409;
  constructor(readonly job: JobRow) {
    super(`已有任务在运行 (${job.job_id}, 开始于 ${job.started_at})，请等待其结束 (a job is already running)`);
  }
}

export function createScheduler(app: FastifyInstance, cfg: ServerConfig): Scheduler & { stop(): Promise<void> } {
  let current: JobRow | null = null;
  let currentDone: Promise<JobRow> | null = null;
  let cron: Cron | null = null;

  const save = (j: JobRow) => app.ops.tx(async (t) => {
    await t.run('DELETE FROM jobs WHERE job_id = $id', { id: j.job_id });
    await t.run(`INSERT INTO jobs (${JOB_COLUMNS}) VALUES ($job_id, $kind, $trigger, $status, $started_at, $finished_at, $seconds, $build_id, $inbox, $error)`, { ...j });
  });

  const execute = async (job: JobRow, o: RunOptions): Promise<JobRow> => {
    const t0 = performance.now();
    try {
      await save(job);
      app.events?.publish({ type: 'job', data: { job_id: job.job_id, status: 'running', trigger: job.trigger } });
      if (!o.buildOnly) {
        const { runInboxOnce } = await import('../../ingest/inbox.ts');
        const res = await runInboxOnce(cfg.inbox, cfg.ingest);
        job.inbox = JSON.stringify(res.map((r) => ({ file: r.file, status: r.status, report: r.report })));
        app.log.info({ job: job.job_id, files: res.length }, 'nightly job: inbox ingested');
      }
      const { runBuild } = await import('../../analytics/build.ts');
      const asOf = o.asOf ?? todayIn(cfg.ingest.timeZone);
      const build = await runBuild({ dataDir: cfg.dataDir, asOf, threads: cfg.ingest.threads, memoryLimit: cfg.ingest.memoryLimit, log: (s) => app.log.debug(s) });
      job.build_id = build.build_id;
      if (app.hasDecorator('warehouse')) await app.warehouse.refresh();
      job.status = 'succeeded';
    } catch (e) {
      const err = e as Error & { code?: string };
      job.status = 'failed';
      job.error = `${err.code ?? 'CW_ERR_JOB'}: ${err.message}`.slice(0, 4000);
      app.log.error({ err, job: job.job_id }, 'nightly job failed');
    }
    job.finished_at = new Date().toISOString();
    job.seconds = +((performance.now() - t0) / 1000).toFixed(2);
    if (app.ops.isOpen()) {
      await save(job).catch((err) => app.log.error({ err }, 'could not save the job row'));
      await app.audit.record({
        actor: o.trigger.startsWith('admin:') ? o.trigger.slice(6) : 'system', role: o.trigger.startsWith('admin:') ? 'admin' : 'system',
        action: 'job.run', target: job.job_id, detail: { status: job.status, trigger: job.trigger, build_id: job.build_id, seconds: job.seconds, error: job.error },
      }).catch((err) => app.log.error({ err }, 'could not audit the job'));
    }
    app.events?.publish({ type: 'job', data: { job_id: job.job_id, status: job.status, build_id: job.build_id, error: job.error } });
    return job;
  };

  const scheduler: Scheduler & { stop(): Promise<void> } = {
    cron: cfg.nightlyCron,
    running: () => (current ? { ...current } : null),
    nextRun: () => cron?.nextRun()?.toISOString() ?? null,
    start(o) {
      if (current) throw new JobRunningError({ ...current });
      const job: JobRow = {
        job_id: randomUUID(), kind: o.buildOnly ? 'build' : 'nightly', trigger: o.trigger, status: 'running',
        started_at: new Date().toISOString(), finished_at: null, seconds: null, build_id: null, inbox: null, error: null,
      };
      current = job;
      const done = execute(job, o).finally(() => { current = null; currentDone = null; });
      currentDone = done;
      return { job: { ...job }, done };
    },
    history: (limit = 50) => app.ops.all<JobRow>(`SELECT ${JOB_COLUMNS} FROM jobs ORDER BY started_at DESC LIMIT $n`, { n: limit }),
    async stop() {
      cron?.stop();
      cron = null;
      if (current && currentDone) {
        // A build killed at any moment leaves the served warehouse intact; record that it was cut short.
        const j = { ...current, status: 'interrupted' as const, finished_at: new Date().toISOString(), error: 'CW_ERR_SHUTDOWN: 服务关闭时任务仍在运行 (server shut down during the run)' };
        await save(j).catch(() => undefined);
      }
    },
  };

  if (cfg.nightlyCron) {
    cron = new Cron(cfg.nightlyCron, { timezone: cfg.ingest.timeZone, protect: true, paused: true }, () => {
      if (current) {
        app.log.warn({ running: current.job_id }, 'nightly job skipped: the previous run is still going');
        return;
      }
      try { scheduler.start({ trigger: 'cron' }); } catch (err) { app.log.error({ err }, 'nightly job could not start'); }
    });
  }
  return Object.assign(scheduler, { resume: () => cron?.resume() });
}


/** Decorates `app.scheduler`; the cron starts when the app is ready and stops before it closes. */
const schedulerPlugin: FastifyPluginAsync<{ config: ServerConfig }> = async (app, opts) => {
  const s = createScheduler(app, opts.config) as ReturnType<typeof createScheduler> & { resume(): void };
  app.decorate('scheduler', s as Scheduler);
  app.addHook('onReady', async () => { s.resume(); });
  app.addHook('preClose', async () => { await s.stop(); });
};

export default fp(schedulerPlugin, { name: 'cw-scheduler', fastify: '5.x', dependencies: ['cw-ops-db', 'cw-audit'] });
