/**
 * Scheduled jobs: status and history of the nightly ingest + build (`GET /jobs`), and an admin
 * trigger (`POST /jobs/run`; 409 while a run is going, `?wait=true` answers when it finished).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { HttpError } from '../../plugins/platform.ts';
import { JobRunningError, type JobRow } from '../../plugins/scheduler.ts';
import { ErrorBody } from '../../schemas/auth.ts';
import { JobRunQuery, JobRunResponse, JobsResponse } from '../../schemas/workflows.ts';

const ERRORS = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 409: ErrorBody };

const present = (j: JobRow) => ({ ...j, inbox: j.inbox ? (JSON.parse(j.inbox) as unknown) : null });

const jobRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get('/jobs', {
    schema: { tags: ['任务 jobs'], summary: '夜间任务状态与历史 (admin, analyst, auditor)', response: { 200: JobsResponse, ...ERRORS } },
    preHandler: app.requireRole('admin', 'analyst', 'auditor'),
  }, async () => {
    const running = app.scheduler.running();
    return {
      cron: app.scheduler.cron, next_run: app.scheduler.nextRun(), running: running ? present(running) : null,
      build_id: app.warehouse.buildId(), history: (await app.scheduler.history(50)).map(present),
    };
  });

  app.post('/jobs/run', {
    schema: { tags: ['任务 jobs'], summary: '立即运行: 收件箱入湖 + 数仓构建 (admin, audited)', querystring: JobRunQuery, response: { 200: JobRunResponse, 202: JobRunResponse, ...ERRORS } },
    preHandler: app.requireRole('admin'),
  }, async (request, reply) => {
    let started;
    try {
      started = app.scheduler.start({ trigger: `admin:${request.user!.username}`, buildOnly: request.query.build_only });
    } catch (e) {
      if (e instanceof JobRunningError) throw new HttpError(409, e.code, e.message);
      throw e;
    }
    await app.audit.fromRequest(request, 'job.trigger', started.job.job_id, { build_only: Boolean(request.query.build_only) });
    if (!request.query.wait) return reply.code(202).send({ job: present(started.job) });
    return { job: present(await started.done) };
  });
};

export default jobRoutes;
