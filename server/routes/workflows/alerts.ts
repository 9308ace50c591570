/**
 * Alert workflow routes. The warehouse publishes alerts (`alerts`, keyed by alert_id, stable
 * across builds); their handling state lives in ops.duckdb (`alert_states`, `alert_events`,
 * `alert_comments`) and is joined with the attached build in one query. Scoped by role: a
 * regulator sees its industries, a county office its county; the leader sees the list with
 * natural persons masked, the counts and the stream (for the big screen); the analyst the counts.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { HttpError } from '../../plugins/platform.ts';
import { inScope, isPersonKey, maskPerson, scopeSql } from '../../plugins/auth.ts';
import type { HubEvent } from '../../plugins/sse.ts';
import {
  AlertCounts, AlertDetail, AlertParams, AlertsPage, AlertsQuery, AlertTransitionBody, AlertTransitionResponse, CommentBody,
  StreamQuery, WORKFLOW_ERRORS, AlertComment, type AlertRow, type AlertsQueryT, type AlertEventT, type AlertCommentT,
} from '../../schemas/workflows.ts';
import type { SessionUser } from '../../types.ts';
import {
  ALERT_STATUS_LABELS, allowedAlertActions, nextAlertStatus, OPEN_STATUSES, type AlertAction, type AlertStatus,
} from './alert-machine.ts';
import { pick, requireTable, type Sync, type WarehouseView } from './sync.ts';

const ALERT_FIELDS = ['rule_id', 'rule_name', 'level', 'level_rank', 'entity_type', 'subject_key', 'uscc', 'name', 'county_code', 'county_name',
  'industry_section', 'industry_division', 'department', 'title', 'detail', 'metric', 'threshold', 'first_seen', 'change'];
const SCOPE_COLS = { county: 'a.county_code', section: 'a.industry_section', division: 'a.industry_division' };
const HANDLER_ROLES = ['admin', 'regulator', 'county'] as const;
const OPEN_SQL = `coalesce(s.status, 'new') IN (${OPEN_STATUSES.map((x) => `'${x}'`).join(', ')})`;

type RawAlert = Omit<AlertRow, 'status_label' | 'allowed_actions'>;

function present(user: SessionUser | null, r: RawAlert): AlertRow {
  const person = isPersonKey(r.subject_key);
  const first = r.first_seen ? String(r.first_seen).slice(0, 10) : null;
  return {
    ...r,
    first_seen: first,
    name: person ? maskPerson(user, r.name, 'name') : r.name,
    level_rank: r.level_rank === null ? null : Number(r.level_rank),
    status_label: ALERT_STATUS_LABELS[r.status],
    allowed_actions: allowedAlertActions(r.status),
  };
}

export interface AlertRoutesOptions { sync: Sync }

const alertRoutes: FastifyPluginAsync<AlertRoutesOptions> = async (fastify, opts) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { sync } = opts;

  /** SELECT list of the joined alert row (columns missing from the build come back NULL). */
  const selectList = (cols: Set<string>) => `a.alert_id, ${pick(cols, ALERT_FIELDS, 'a.')},
    coalesce(s.status, 'new') AS status, s.department AS assigned_department, s.dismiss_reason, coalesce(s.version, 0) AS version, s.updated_at, s.updated_by,
    coalesce(c.n, 0) AS comments`;
  /** The warehouse alerts joined with their workflow state and comment counts. */
  const fromAlerts = (v: WarehouseView) => `${v.alias}.alerts a LEFT JOIN alert_states s ON s.alert_id = a.alert_id
    LEFT JOIN (SELECT alert_id, count(*) AS n FROM alert_comments GROUP BY alert_id) c ON c.alert_id = a.alert_id`;

  const filters = (request: FastifyRequest, cols: Set<string>, q: Partial<AlertsQueryT>) => {
    const scope = scopeSql(request.user, SCOPE_COLS);
    const where = [scope.where];
    const params: Record<string, unknown> = { ...scope.params };
    // each filter is optional; a filter on a column the build lacks matches nothing
    const has = (c: string) => cols.has(c);
    if (q.level) { where.push(has('level') ? 'a.level = $level' : 'FALSE'); params.level = q.level; }
    if (q.county) { where.push(has('county_code') ? 'a.county_code = $county' : 'FALSE'); params.county = q.county; }
    if (q.industry) {
      const col = /^\d{2}$/.test(q.industry) ? 'industry_division' : 'industry_section';
      where.push(has(col) ? `a.${col} = $industry` : 'FALSE');
      params.industry = q.industry;
    }
    if (q.department) {
      const alts = ['s.department = $department'];
      if (has('department')) alts.push('contains(a.department, $department)');
      if (has('departments')) alts.push('list_contains(a.departments, $department)');
      where.push(`(${alts.join(' OR ')})`);
      params.department = q.department;
    }
    if (q.status === 'open') where.push(OPEN_SQL);
    else if (q.status) { where.push(`coalesce(s.status, 'new') = $status`); params.status = q.status; }
    if (q.entity_type) { where.push(has('entity_type') ? 'a.entity_type = $entity_type' : 'FALSE'); params.entity_type = q.entity_type; }
    if (q.rule_id) { where.push(has('rule_id') ? 'a.rule_id = $rule_id' : 'FALSE'); params.rule_id = q.rule_id; }
    if (q.q) {
      const alts = ['a.alert_id = $q'];
      for (const c of ['name', 'title', 'uscc']) if (has(c)) alts.push(`contains(a.${c}, $q)`);
      where.push(`(${alts.join(' OR ')})`);
      params.q = q.q;
    }
    return { where: where.join(' AND '), params };
  };

  app.get('/alerts', {
    schema: {
      tags: ['预警 alerts'], summary: '预警列表 (filters: level, industry, county, department, status; scoped by role)',
      querystring: AlertsQuery, response: { 200: AlertsPage, ...WORKFLOW_ERRORS },
    },
    preHandler: app.requireRole('admin', 'leader', ...HANDLER_ROLES),
  }, async (request) => {
    const v = await sync.current();
    const cols = requireTable(v, 'alerts');
    const q = request.query;
    const f = filters(request, cols, q);
    const page = q.page ?? 1;
    const size = q.pageSize ?? 50;
    const order = [cols.has('level_rank') ? 'a.level_rank' : null, cols.has('first_seen') ? 'a.first_seen DESC' : null, 'a.alert_id'].filter(Boolean).join(', ');
    // the total and the page (a top-N) in parallel on the read pool; a window count would defeat the top-N
    const [total, rows] = await Promise.all([
      app.ops.all<{ n: number }>(`SELECT count(*) AS n FROM ${v.alias}.alerts a LEFT JOIN alert_states s ON s.alert_id = a.alert_id WHERE ${f.where}`, f.params).then((r) => r[0].n),
      app.ops.all<RawAlert>(`SELECT ${selectList(cols)} FROM ${fromAlerts(v)} WHERE ${f.where} ORDER BY ${order} LIMIT $limit OFFSET $offset`, { ...f.params, limit: size, offset: (page - 1) * size }),
    ]);
    return { build_id: v.buildId, as_of: app.warehouse.asOf(), total, page, page_size: size, rows: rows.map((r) => present(request.user, r)) };
  });

  app.get('/alerts/counts', {
    schema: { tags: ['预警 alerts'], summary: '预警数量 by level and status (big screen)', response: { 200: AlertCounts, ...WORKFLOW_ERRORS } },
    preHandler: app.requireRole('admin', 'leader', 'analyst', ...HANDLER_ROLES.slice(1)),
  }, async (request) => {
    const v = await sync.current();
    const cols = requireTable(v, 'alerts');
    const f = filters(request, cols, {});
    const from = `${v.alias}.alerts a LEFT JOIN alert_states s ON s.alert_id = a.alert_id`;
    const isNew = cols.has('change') ? `a.change = 'new'` : 'FALSE';
    const byLevel = await app.ops.all<{ level: string; total: number; open: number; new: number }>(
      `SELECT a.level, count(*) AS total, count(*) FILTER (WHERE ${OPEN_SQL}) AS open, count(*) FILTER (WHERE ${isNew}) AS new
       FROM ${from} WHERE ${f.where} GROUP BY a.level ORDER BY ${cols.has('level_rank') ? 'min(a.level_rank)' : 'a.level'}`, f.params);
    const byStatus = await app.ops.all<{ status: AlertStatus; n: number }>(
      `SELECT coalesce(s.status, 'new') AS status, count(*) AS n FROM ${from} WHERE ${f.where} GROUP BY ALL ORDER BY ALL`, f.params);
    return {
      build_id: v.buildId, as_of: app.warehouse.asOf(),
      total: byLevel.reduce((s, r) => s + r.total, 0), open: byLevel.reduce((s, r) => s + r.open, 0),
      by_level: byLevel, by_status: byStatus,
    };
  });

  app.get('/alerts/stream', {
    schema: {
      tags: ['预警 alerts'], summary: 'Server-sent events: new/changed alerts (scoped), build swaps, jobs; heartbeat comments',
      description: 'text/event-stream. Events: hello, alert, build, watchlist, job. Honours Last-Event-ID.', querystring: StreamQuery,
    },
    preHandler: app.requireRole('admin', 'leader', ...HANDLER_ROLES),
  }, async (request, reply) => {
    const user = request.user!;
    const filter = (e: HubEvent): HubEvent | null => {
      if (e.type === 'build' || e.type === 'hello') return e;
      if (e.type === 'job') return user.role === 'admin' ? e : null;
      if (e.type === 'watchlist') return user.role !== 'leader' && inScope(user, e.data) ? e : null;
      if (e.type === 'alert') {
        if (!inScope(user, e.data)) return null;
        return isPersonKey(e.data.subject_key) ? { ...e, data: { ...e.data, name: maskPerson(user, e.data.name as string | null, 'name') } } : e;
      }
      return null;
    };
    app.events.stream(request, reply, {
      filter, maxEvents: request.query.max_events,
      initial: [{ type: 'hello', data: { build_id: app.warehouse.buildId(), as_of: app.warehouse.asOf(), user: user.username, at: new Date().toISOString() } }],
    });
    return reply;
  });

  /** One alert in scope, joined with its state; 404 otherwise. */
  const readAlert = async (request: FastifyRequest, v: WarehouseView, cols: Set<string>, alertId: string, t?: { all: typeof app.ops.all }) => {
    const f = filters(request, cols, {});
    const sql = `SELECT ${selectList(cols)} FROM ${fromAlerts(v)} WHERE a.alert_id = $id AND ${f.where}`;
    const rows = await (t ?? app.ops).all<RawAlert>(sql, { ...f.params, id: alertId });
    if (!rows[0]) throw new HttpError(404, 'CW_ERR_NOT_FOUND', `预警 ${alertId} 不存在或不在您的权限范围内 (alert not found in the served build)`);
    return rows[0];
  };

  app.get('/alerts/:alertId', {
    schema: { tags: ['预警 alerts'], summary: '预警详情: 触发记录、流转记录、批注', params: AlertParams, response: { 200: AlertDetail, ...WORKFLOW_ERRORS } },
    preHandler: app.requireRole(...HANDLER_ROLES),
  }, async (request) => {
    const v = await sync.current();
    const cols = requireTable(v, 'alerts');
    const row = await readAlert(request, v, cols, request.params.alertId);
    const keyCol = cols.has('trigger_record_keys') ? 'trigger_record_keys' : cols.has('record_keys') ? 'record_keys' : null;
    const keys = keyCol ? await app.ops.all<{ k: string[] | null }>(`SELECT ${keyCol} AS k FROM ${v.alias}.alerts WHERE alert_id = $id`, { id: row.alert_id }) : [];
    const events = await app.ops.all<AlertEventT>(
      'SELECT event_id, alert_id, "at", actor, role, action, from_status, to_status, department, reason FROM alert_events WHERE alert_id = $id ORDER BY "at", event_id', { id: row.alert_id });
    const comments = await app.ops.all<AlertCommentT>('SELECT comment_id, alert_id, "at", actor, role, text FROM alert_comments WHERE alert_id = $id ORDER BY "at", comment_id', { id: row.alert_id });
    if (isPersonKey(row.subject_key) && request.user?.personalData) await app.audit.personalDataViewed(request, row.subject_key!, { via: 'alert', alert_id: row.alert_id });
    return { alert: present(request.user, row), trigger_record_keys: keys[0]?.k ?? [], events, comments };
  });

  app.post('/alerts/:alertId/transitions', {
    schema: {
      tags: ['预警 alerts'], summary: '预警流转: 确认/分派/处置/办结/排除', description: '409 when the action is not allowed from the current status.',
      params: AlertParams, body: AlertTransitionBody, response: { 200: AlertTransitionResponse, ...WORKFLOW_ERRORS },
    },
    preHandler: app.requireRole(...HANDLER_ROLES),
  }, async (request) => {
    const b = request.body;
    if (b.action === 'assign' && !b.department) throw new HttpError(400, 'CW_ERR_VALIDATION', '分派需要指定责任部门 department (department is required for assign)');
    if ((b.action === 'dismiss' || b.action === 'handle') && !b.reason) {
      throw new HttpError(400, 'CW_ERR_VALIDATION', `${b.action === 'dismiss' ? '排除预警需要填写理由' : '处置需要填写处置情况'} reason (reason is required for ${b.action})`);
    }
    const v = await sync.current();
    const cols = requireTable(v, 'alerts');
    const user = request.user!;
    const out = await app.ops.tx(async (t) => {
      const row = await readAlert(request, v, cols, request.params.alertId, t);
      if (b.expected_version !== undefined && b.expected_version !== row.version) {
        throw Object.assign(new HttpError(409, 'CW_ERR_VERSION_CONFLICT', `预警已被他人处理 (版本 ${row.version}，您读取的是 ${b.expected_version})，请刷新后重试 (alert changed since it was read)`),
          { details: { state: row.status, allowed: allowedAlertActions(row.status) } });
      }
      const to = nextAlertStatus(row.status, b.action as AlertAction);
      const now = new Date().toISOString();
      const department = b.action === 'assign' ? b.department! : row.assigned_department;
      const dismissReason = b.action === 'dismiss' ? b.reason! : row.dismiss_reason;
      if (row.version === 0) {
        await t.run('INSERT INTO alert_states VALUES ($id, $status, $dept, $dr, 1, $now, $by)', { id: row.alert_id, status: to, dept: department, dr: dismissReason, now, by: user.username });
      } else {
        await t.run('UPDATE alert_states SET status = $status, department = $dept, dismiss_reason = $dr, version = version + 1, updated_at = $now, updated_by = $by WHERE alert_id = $id',
          { id: row.alert_id, status: to, dept: department, dr: dismissReason, now, by: user.username });
      }
      const event = {
        event_id: randomUUID(), alert_id: row.alert_id, at: now, actor: user.username, role: user.role, action: b.action,
        from_status: row.status, to_status: to, department: b.action === 'assign' ? b.department! : null, reason: b.reason ?? null,
      };
      await t.run('INSERT INTO alert_events VALUES ($event_id, $alert_id, $at, $actor, $role, $action, $from_status, $to_status, $department, $reason)', event);
      await app.audit.fromRequest(request, `alert.${b.action}`, row.alert_id, { from: row.status, to, department: event.department, reason: event.reason, level: row.level }, t);
      const updated = await readAlert(request, v, cols, row.alert_id, t);
      t.afterCommit(() => app.events.publish({ type: 'alert', data: {
        kind: 'changed', alert_id: row.alert_id, level: row.level, title: row.title, status: to, from_status: row.status, action: b.action,
        department: department, subject_key: row.subject_key, name: row.name, county_code: row.county_code, industry_section: row.industry_section,
        industry_division: row.industry_division, by: user.username, at: now,
      } }));
      return { alert: present(user, updated), event };
    });
    return out;
  });

  app.post('/alerts/:alertId/comments', {
    schema: {
      tags: ['预警 alerts'], summary: '添加批注', params: AlertParams, body: CommentBody,
      response: { 200: AlertComment, ...WORKFLOW_ERRORS },
    },
    preHandler: app.requireRole(...HANDLER_ROLES),
  }, async (request) => {
    const v = await sync.current();
    const cols = requireTable(v, 'alerts');
    const user = request.user!;
    return app.ops.tx(async (t) => {
      const row = await readAlert(request, v, cols, request.params.alertId, t);
      const c = { comment_id: randomUUID(), alert_id: row.alert_id, at: new Date().toISOString(), actor: user.username, role: user.role, text: request.body.text };
      await t.run('INSERT INTO alert_comments VALUES ($comment_id, $alert_id, $at, $actor, $role, $text)', c);
      await app.audit.fromRequest(request, 'alert.comment', row.alert_id, { comment_id: c.comment_id, length: c.text.length }, t);
      t.afterCommit(() => app.events.publish({ type: 'alert', data: {
        kind: 'comment', alert_id: row.alert_id, level: row.level, status: row.status, subject_key: row.subject_key, name: row.name,
        county_code: row.county_code, industry_section: row.industry_section, industry_division: row.industry_division, by: user.username, at: c.at,
      } }));
      return c;
    });
  });
};

export default alertRoutes;
