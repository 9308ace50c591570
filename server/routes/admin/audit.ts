/**
 * The audit log for auditors and admins: paged search, chain verification in the running server
 * (the CLI `audit verify` needs the database file, which the server holds), and export as CSV
 * (UTF-8 with BOM for Excel) or NDJSON. Reading and exporting the log is itself audited.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AUDIT_COLUMNS, formatAuditCsv, formatAuditNdjson, type AuditRow } from '../../plugins/audit.ts';
import { AuditExportQuery, AuditPage, AuditQuery, ChainResultSchema, ErrorBody } from '../../schemas/auth.ts';

const ERRORS = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody };
/** WHERE clause of the audit filters (all parameterised). */
export function auditWhere(q: { actor?: string; action?: string; target?: string; from?: string; to?: string }) {
  const where: string[] = ['TRUE'];
  const params: Record<string, unknown> = {};
  if (q.actor) { where.push('actor = $actor'); params.actor = q.actor; }
  if (q.action?.endsWith('*')) { where.push('starts_with(action, $action)'); params.action = q.action.slice(0, -1); }
  else if (q.action) { where.push('action = $action'); params.action = q.action; }
  if (q.target) { where.push('target = $target'); params.target = q.target; }
  if (q.from) { where.push('"at" >= $from'); params.from = q.from; }
  if (q.to) { where.push('"at" < $to'); params.to = q.to; }
  return { where: where.join(' AND '), params };
}

const auditRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const readers = app.requireRole('auditor', 'admin');

  app.get('/audit', {
    schema: { tags: ['审计 audit'], summary: '审计日志 (auditor, admin)', querystring: AuditQuery, response: { 200: AuditPage, ...ERRORS } },
    preHandler: readers,
  }, async (request) => {
    const q = request.query;
    const page = q.page ?? 1;
    const size = q.pageSize ?? 100;
    const w = auditWhere(q);
    const total = await app.ops.all<{ n: number }>(`SELECT count(*) AS n FROM audit_log WHERE ${w.where}`, w.params);
    const rows = await app.ops.all<AuditRow>(`SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE ${w.where} ORDER BY seq DESC LIMIT $limit OFFSET $offset`,
      { ...w.params, limit: size, offset: (page - 1) * size });
    await app.audit.fromRequest(request, 'audit.read', null, { filters: { actor: q.actor, action: q.action, target: q.target, from: q.from, to: q.to }, page });
    return { total: total[0].n, page, page_size: size, rows: rows.map((r) => ({ ...r, detail: JSON.parse(r.detail) as unknown })) };
  });

  app.get('/audit/verify', {
    schema: { tags: ['审计 audit'], summary: '校验审计日志哈希链 (auditor, admin)', response: { 200: ChainResultSchema, ...ERRORS } },
    preHandler: readers,
  }, async (request) => {
    const res = await app.audit.verify();
    await app.audit.fromRequest(request, 'audit.verify', null, { ok: res.ok, entries: res.entries, first_bad_seq: res.first_bad_seq });
    return res;
  });

  app.get('/audit/export', {
    schema: {
      tags: ['审计 audit'], summary: '导出审计日志 CSV (UTF-8 BOM) / NDJSON (auditor, admin)', querystring: AuditExportQuery,
      produces: ['text/csv', 'application/x-ndjson'],
    },
    preHandler: readers,
  }, async (request, reply) => {
    const q = request.query;
    const w = auditWhere(q);
    const rows = await app.ops.all<AuditRow>(`SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE ${w.where} ORDER BY seq`, w.params);
    await app.audit.fromRequest(request, 'audit.export', null, { format: q.format ?? 'csv', from: q.from ?? null, to: q.to ?? null, rows: rows.length });
    const stamp = new Date().toISOString().slice(0, 10);
    if (q.format === 'ndjson') {
      reply.header('content-disposition', `attachment; filename="audit-${stamp}.ndjson"`).type('application/x-ndjson; charset=utf-8');
      return formatAuditNdjson(rows);
    }
    reply.header('content-disposition', `attachment; filename="audit-${stamp}.csv"`).type('text/csv; charset=utf-8');
    return formatAuditCsv(rows);
  });
};

export default auditRoutes;
