/**
 * Exports of every list view as CSV or XLSX: `GET /api/v1/exports/<view path>?format=csv|xlsx`
 * with the view's own filters (paged views export all pages). The rows are counted first: more
 * than the role's limit (CW_EXPORT_LIMIT_<ROLE>) is refused with 413 before anything is written.
 * Rows are read from DuckDB chunk by chunk and streamed out, masked like the views; the build is
 * pinned until the file is written. Each export is audited (and persons shown, as personal data).
 */
import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type TObject, type TSchema } from 'typebox';
import { jsonValue, kindOf, type Frame } from '../../arrow.ts';
import { seesPersonalData } from '../../plugins/auth.ts';
import { HttpError } from '../../plugins/platform.ts';
import { bindParams, type BuildSession, type Warehouse } from '../../plugins/warehouse.ts';
import { ERROR_RESPONSES } from '../../schemas/common.ts';
import { ROLE_LABELS } from '../../types.ts';
import { LIST_VIEWS, listCtx } from '../views/index.ts';
import { LABELS, type ListCtx, type ListDef } from '../views/lists.ts';
import { rows, usedParams } from '../views/sql.ts';
import { csvWriter, xlsxWriter, type Cover } from './writers.ts';

const FORMATS = {
  csv: { type: 'text/csv; charset=utf-8', ext: 'csv' },
  xlsx: { type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', ext: 'xlsx' },
} as const;
type ExportFormat = keyof typeof FORMATS;

/** The view's query without paging, plus `format`. */
function exportQuery(def: ListDef): TObject {
  const props: Record<string, TSchema> = {};
  for (const [k, v] of Object.entries(def.querystring.properties)) if (k !== 'page' && k !== 'pageSize') props[k] = v as TSchema;
  props.format = Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('xlsx')], { description: '文件格式, default csv' }));
  return Type.Object(props, { additionalProperties: false });
}

/** 'YYYY-MM-DD HH:mm:ss (Asia/Shanghai)' */
function localTime(d: Date, timeZone: string): string {
  const s = new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(d);
  return `${s} (${timeZone})`;
}

function filtersText(ctx: ListCtx): string {
  const parts = [...Object.entries(ctx.params), ...Object.entries(ctx.query)]
    .filter(([k, v]) => k !== 'format' && v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${String(v)}`);
  return parts.length ? parts.join('; ') : '无 (none)';
}

function scopeText(ctx: ListCtx): string {
  const u = ctx.user;
  const parts = [];
  if (u.counties.length) parts.push(`县区 ${u.counties.join('、')}`);
  if (u.industries.length) parts.push(`行业 ${u.industries.join('、')}`);
  return parts.length ? parts.join('; ') : '全部 (all)';
}

/** Streams the rows of `sql` to `onBatch` one DuckDB chunk at a time, as JSON-ready Frames. */
async function streamFrames(s: BuildSession, sql: string, params: Record<string, unknown> | undefined, onBatch: (f: Frame) => Promise<void>, onHeader: (names: string[]) => Promise<void>): Promise<void> {
  const { values, types } = bindParams(params);
  await s.withConnection(async (conn) => {
    const result = await conn.stream(sql, values, types);
    const names = result.columnNames();
    const kinds = result.columnTypes().map(kindOf);
    await onHeader(names);
    for await (const batch of result.yieldRowsJs()) {
      const columns = names.map((_, c) => batch.map((row) => jsonValue(row[c], kinds[c])));
      await onBatch({ names, kinds, columns, length: batch.length });
    }
  });
}

async function runExport(app: FastifyInstance, def: ListDef, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const ctx = listCtx(request);
  const format = ((ctx.query.format as string | undefined) ?? 'csv') as ExportFormat;
  const user = ctx.user;
  const wh = app.warehouse as Warehouse;
  return wh.session(async (s) => {
    const q = await def.query(s, ctx);
    const countSql = q.countSql ?? `SELECT count(*) AS n FROM (${q.sql})`;
    const total = (await rows<{ n: number }>(s, countSql, usedParams(countSql, q.params)))[0]?.n ?? 0;
    const limit = app.config.exportLimits[user.role] ?? 0;
    if (total > limit) {
      throw new HttpError(413, 'CW_ERR_EXPORT_TOO_LARGE',
        `导出 ${total} 行超过${ROLE_LABELS[user.role]}角色的上限 ${limit} 行, 请缩小筛选范围后再导出 (export of ${total} rows exceeds the ${user.role} limit of ${limit}; narrow the filters; the limit is CW_EXPORT_LIMIT_${user.role.toUpperCase()})`,
        { rows: total, limit });
    }
    const exportedAt = new Date();
    const cover: Cover = {
      title: `${def.title} 导出 (credit-watch export: ${def.id})`,
      lines: [
        ['导出内容 view', `${def.title} (/api/v1${def.path})`],
        ['筛选条件 filters', filtersText(ctx)],
        ['数据权限 scope', scopeText(ctx)],
        ['导出人 user', `${user.displayName} (${user.username}, ${ROLE_LABELS[user.role]})`],
        ['导出时间 exported at', localTime(exportedAt, app.config.ingest.timeZone)],
        ['数仓版本 build id', s.buildId],
        ['数据截至 as of', s.asOf ?? ''],
        ['行数 rows', String(total)],
        ['个人信息 personal data', seesPersonalData(user) ? '按授权显示 (shown as granted)' : '已脱敏 (masked)'],
      ],
    };
    await app.audit.fromRequest(request, 'export.create', def.id, { format, filters: filtersText(ctx), rows: total, build_id: s.buildId, path: def.path });

    const out = new PassThrough();
    const writer = format === 'xlsx' ? xlsxWriter(out) : csvWriter(out);
    const file = `${def.id}-${s.buildId}.${FORMATS[format].ext}`;
    reply.header('x-build-id', s.buildId);
    reply.header('x-export-rows', String(total));
    reply.header('cache-control', 'no-store');
    reply.header('content-disposition', `attachment; filename="${file}"`);
    reply.type(FORMATS[format].type);
    reply.send(out);

    const persons: string[] = [];
    try {
      await streamFrames(s, q.sql, usedParams(q.sql, q.params), async (f) => {
        const shown = def.personal?.(f, ctx);
        if (shown) persons.push(...shown.persons);
        def.post?.(f, ctx);
        await writer.rows(f);
      }, (names) => writer.start(cover, names.map((n) => LABELS[n] ?? n)));
      await writer.end();
    } catch (e) {
      request.log.error({ err: e, export: def.id }, 'export failed while streaming');
      out.destroy(e as Error);
    }
    if (persons.length && seesPersonalData(user)) {
      await app.audit.personalDataViewed(request, persons[0], { export: def.id, persons: persons.slice(0, 100), persons_total: persons.length });
    }
    return reply;
  });
}

export default async function exportRoutes(app: FastifyInstance): Promise<void> {
  for (const def of LIST_VIEWS) {
    app.get(def.path, {
      schema: {
        tags: ['exports'],
        summary: `export: ${def.summary} (CSV with BOM or XLSX, streamed, cover with filters, user, time, build id)`,
        ...(def.params ? { params: def.params } : {}),
        querystring: exportQuery(def),
        response: {
          200: { description: `${def.title} 导出文件`, content: { 'text/csv': { schema: { type: 'string' } }, [FORMATS.xlsx.type]: { schema: { type: 'string', format: 'binary' } } } },
          413: ERROR_RESPONSES[403],
          ...ERROR_RESPONSES,
        },
      },
      preHandler: app.requireRole(...def.exportRoles),
    }, (request, reply) => runExport(app, def, request, reply));
  }
}
