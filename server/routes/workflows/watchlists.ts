/**
 * 名单管理 routes: list and read entries (scoped), the counts by list and state, one transition,
 * and a bulk transition (one transaction, one audit entry, per-entry results). Entries are never
 * deleted; every change is an event row plus an audit entry. Repairs and upheld objections also
 * write a record file into the inbox (inbox-records.ts) so the next build reflects them.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { HttpError } from '../../plugins/platform.ts';
import { isPersonKey, maskPerson, scopeSql, seesPersonalData } from '../../plugins/auth.ts';
import type { OpsTx } from '../../plugins/ops-db.ts';
import {
  BulkBody, BulkResponse, EntriesPage, EntriesQuery, EntryDetail, EntryParams, TransitionBody, TransitionResponse,
  WatchlistSummary, WORKFLOW_ERRORS, type WatchlistEntry, type WatchlistEvent,
} from '../../schemas/workflows.ts';
import type { SessionUser } from '../../types.ts';
import { effectText, planRecords, removeRecordFile, writeRecordFile, type EntryForRecord } from './inbox-records.ts';
import type { Sync } from './sync.ts';
import {
  actionLabel, allowedActions, LIST_LABELS, nextState, RECORD_ACTIONS, stateLabel, TransitionError,
  type EntryAction, type EntryState,
} from './watchlist-machine.ts';
import type { ListType } from '../../schemas/common.ts';

const ENTRY_COLUMNS = `entry_id, member_key, list_type, list_label, subject_key, uscc, name, county_code, industry_section, industry_division, rule, reason, basis,
  source_record_keys, decided_on, valid_until, authority, state, prev_state, objection_from, version, created_build, last_seen_build, in_build, created_at, updated_at`;
/** Columns of the list view: wide texts stay out of the top-N scan (they made it 4x slower at 40 k entries). */
const LIST_COLUMNS = `entry_id, list_type, subject_key, uscc, name, county_code, industry_section, industry_division, rule, reason,
  decided_on, valid_until, authority, state, objection_from, version, last_seen_build, in_build, updated_at`;
const EVENT_COLUMNS = 'event_id, entry_id, "at", actor, role, action, from_state, to_state, reason, legal_basis, attachment_ref, operation_id, record_file';

type EntryRow = Omit<WatchlistEntry, 'source_record_keys' | 'state_label' | 'allowed_actions'> & { source_record_keys: string; prev_state: string | null };

const SCOPE_COLS = { county: 'county_code', section: 'industry_section', division: 'industry_division' };
const WRITE_ROLES = ['admin', 'regulator', 'county'] as const;

function present(user: SessionUser | null, r: EntryRow): WatchlistEntry {
  return { ...presentRow(user, r), source_record_keys: JSON.parse(r.source_record_keys || '[]') as string[] };
}

function presentRow<T extends Pick<EntryRow, 'subject_key' | 'name' | 'state' | 'list_type'>>(user: SessionUser | null, r: T) {
  return {
    ...r,
    list_label: LIST_LABELS[r.list_type as ListType] ?? r.list_type,
    name: isPersonKey(r.subject_key) ? maskPerson(user, r.name, 'name') : r.name,
    state_label: stateLabel(r.state as EntryState, r.list_type as ListType),
    allowed_actions: allowedActions(r.list_type as ListType, r.state as EntryState),
  };
}

/** Refuses a body that misses what the action needs (400 with the field named). */
function checkBody(b: { action: EntryAction; legal_basis?: string; outcome?: string }): void {
  if (b.action !== 'object' && !b.legal_basis) {
    throw new HttpError(400, 'CW_ERR_VALIDATION', `「${actionLabel(b.action, 'black')}」需要填写法律依据 legal_basis (legal_basis is required for '${b.action}')`);
  }
  if (b.action === 'uphold' && !b.outcome) {
    throw new HttpError(400, 'CW_ERR_VALIDATION', "异议成立需要说明处理结果 outcome: corrected (更正) 或 revoked (撤销) (outcome is required for 'uphold')");
  }
  if (b.action !== 'uphold' && b.outcome) {
    throw new HttpError(400, 'CW_ERR_VALIDATION', `outcome 只用于异议成立 (outcome is only for 'uphold', got action '${b.action}')`);
  }
}

interface Change { entry_id: string; from_state: EntryState; to_state: EntryState; objection_from: EntryState | null; event_id: string }

export interface WatchlistRoutesOptions { sync: Sync }

const watchlistRoutes: FastifyPluginAsync<WatchlistRoutesOptions> = async (fastify, opts) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { sync } = opts;
  const cfg = app.config;

  /** Audits that unmasked natural persons' data was shown to this user. */
  const auditPersons = async (request: FastifyRequest, rows: EntryRow[]) => {
    if (!seesPersonalData(request.user)) return;
    const persons = [...new Set(rows.filter((r) => isPersonKey(r.subject_key)).map((r) => r.subject_key))];
    if (persons.length === 1) await app.audit.personalDataViewed(request, persons[0], { via: 'watchlist' });
    else if (persons.length > 1) await app.audit.fromRequest(request, 'personal_data.view', `${persons.length} subjects`, { via: 'watchlist', subject_keys: persons.slice(0, 500) });
  };

  app.get('/watchlists/entries', {
    schema: {
      tags: ['名单管理 watchlists'], summary: '名单条目 (scoped to the user\'s counties / industries)',
      querystring: EntriesQuery, response: { 200: EntriesPage, ...WORKFLOW_ERRORS },
    },
    preHandler: app.requireRole(...WRITE_ROLES),
  }, async (request) => {
    const v = await sync.current();
    const q = request.query;
    const scope = scopeSql(request.user, SCOPE_COLS);
    const where = [scope.where];
    const params: Record<string, unknown> = { ...scope.params };
    // filters, each optional
    if (q.list_type) { where.push('list_type = $list_type'); params.list_type = q.list_type; }
    if (q.state) { where.push('state = $state'); params.state = q.state; }
    if (q.county) { where.push('county_code = $county'); params.county = q.county; }
    if (q.industry) { where.push(/^\d{2}$/.test(q.industry) ? 'industry_division = $industry' : 'industry_section = $industry'); params.industry = q.industry; }
    if (q.q) { where.push(`(contains(name, $q) OR contains(uscc, upper($q)))`); params.q = q.q; }
    if (q.in_build !== undefined) { where.push('in_build = $in_build'); params.in_build = q.in_build; }
    const sortCol = { updated_at: 'updated_at', decided_on: 'decided_on', name: 'name' }[q.sort ?? 'updated_at'];
    const order = q.order === 'asc' ? 'ASC' : 'DESC';
    const page = q.page ?? 1;
    const size = q.pageSize ?? 50;
    const w = where.join(' AND ');
    // the total and the page (a top-N) in parallel on the read pool; a window count would defeat the top-N
    const [total, rows] = await Promise.all([
      app.ops.all<{ n: number }>(`SELECT count(*) AS n FROM watchlist_entries WHERE ${w}`, params).then((r) => r[0].n),
      app.ops.all<EntryRow>(`SELECT ${LIST_COLUMNS} FROM watchlist_entries WHERE ${w}
        ORDER BY ${sortCol} ${order} NULLS LAST, entry_id LIMIT $limit OFFSET $offset`, { ...params, limit: size, offset: (page - 1) * size }),
    ]);
    await auditPersons(request, rows);
    return { build_id: v.buildId, total, page, page_size: size, rows: rows.map((r) => presentRow(request.user, r)) };
  });

  app.get('/watchlists/summary', {
    schema: { tags: ['名单管理 watchlists'], summary: '各名单各状态条目数 (aggregates)', response: { 200: WatchlistSummary, ...WORKFLOW_ERRORS } },
    preHandler: app.requireRole('admin', 'leader', 'regulator', 'county', 'analyst'),
  }, async (request) => {
    const v = await sync.current();
    const scope = scopeSql(request.user, SCOPE_COLS);
    const rows = await app.ops.all<{ list_type: ListType; state: EntryState; n: number }>(
      `SELECT list_type, state, count(*) AS n FROM watchlist_entries WHERE ${scope.where} GROUP BY ALL ORDER BY list_type, state`, scope.params);
    return {
      build_id: v.buildId,
      rows: rows.map((r) => ({ ...r, list_label: LIST_LABELS[r.list_type] ?? r.list_type, state_label: stateLabel(r.state, r.list_type) })),
    };
  });

  const readEntry = async (request: FastifyRequest, entryId: string, t?: OpsTx): Promise<EntryRow> => {
    const scope = scopeSql(request.user, SCOPE_COLS);
    const sql = `SELECT ${ENTRY_COLUMNS} FROM watchlist_entries WHERE entry_id = $id AND ${scope.where}`;
    const rows = t ? await t.all<EntryRow>(sql, { id: entryId, ...scope.params }) : await app.ops.all<EntryRow>(sql, { id: entryId, ...scope.params });
    if (!rows[0]) throw new HttpError(404, 'CW_ERR_NOT_FOUND', `名单条目 ${entryId} 不存在或不在您的权限范围内 (entry not found)`);
    return rows[0];
  };

  app.get('/watchlists/entries/:entryId', {
    schema: { tags: ['名单管理 watchlists'], summary: '名单条目及其全部流转记录', params: EntryParams, response: { 200: EntryDetail, ...WORKFLOW_ERRORS } },
    preHandler: app.requireRole(...WRITE_ROLES),
  }, async (request) => {
    await sync.current();
    const row = await readEntry(request, request.params.entryId);
    const events = await app.ops.all<WatchlistEvent>(`SELECT ${EVENT_COLUMNS} FROM watchlist_events WHERE entry_id = $id ORDER BY "at", event_id`, { id: row.entry_id });
    await auditPersons(request, [row]);
    return { entry: present(request.user, row), events };
  });

  /**
   * Applies `action` to the entries in one transaction. Single mode throws the entry's error (404,
   * 409); bulk mode reports per entry and succeeds for the rest. Returns the changes and the audit row.
   */
  async function apply(request: FastifyRequest, ids: string[], body: TransitionBody | BulkBody, bulk: boolean) {
    checkBody(body);
    const user = request.user!;
    const operationId = randomUUID();
    let view: Awaited<ReturnType<Sync['current']>> | null = null;
    try { view = await sync.current(); } catch (e) { if (RECORD_ACTIONS.includes(body.action)) throw e; }
    let file: string | null = null;
    try {
      return await app.ops.tx(async (t) => {
        const scope = scopeSql(user, SCOPE_COLS);
        const found = await t.all<EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM watchlist_entries
          WHERE entry_id IN (SELECT unnest(from_json($ids, '["VARCHAR"]'))) AND ${scope.where}`, { ids: JSON.stringify(ids), ...scope.params });
        const byId = new Map(found.map((r) => [r.entry_id, r]));
        const results: { entry_id: string; ok: boolean; from_state: string | null; to_state: string | null; code: string | null; message: string | null }[] = [];
        const changes: Change[] = [];
        for (const id of ids) {
          const r = byId.get(id);
          try {
            if (!r) throw new HttpError(404, 'CW_ERR_NOT_FOUND', `名单条目 ${id} 不存在或不在您的权限范围内 (entry not found)`);
            const exp = (body as TransitionBody).expected_version;
            if (exp !== undefined && exp !== r.version) {
              throw Object.assign(new HttpError(409, 'CW_ERR_VERSION_CONFLICT', `名单条目已被他人修改 (版本 ${r.version}，您读取的是 ${exp})，请刷新后重试 (entry changed since it was read)`),
                { details: { state: r.state, allowed: allowedActions(r.list_type as ListType, r.state as EntryState) } });
            }
            const next = nextState({ list_type: r.list_type as ListType, state: r.state as EntryState, objection_from: r.objection_from as EntryState | null }, body.action);
            changes.push({ entry_id: id, from_state: r.state as EntryState, to_state: next.to, objection_from: next.objection_from, event_id: randomUUID() });
            results.push({ entry_id: id, ok: true, from_state: r.state, to_state: next.to, code: null, message: null });
          } catch (e) {
            if (!bulk) throw e;
            const err = e as HttpError | TransitionError;
            results.push({ entry_id: id, ok: false, from_state: r?.state ?? null, to_state: null, code: err.code, message: err.message });
          }
        }
        // record file for repairs / upheld objections (written before commit, removed if the commit fails)
        let effect: string | null = null;
        const notes: { entry_id: string; reason: string }[] = [];
        if (RECORD_ACTIONS.includes(body.action) && changes.length) {
          const entries: EntryForRecord[] = changes.map((c) => {
            const r = byId.get(c.entry_id)!;
            return { entry_id: r.entry_id, subject_key: r.subject_key, uscc: r.uscc, name: r.name, source_record_keys: JSON.parse(r.source_record_keys || '[]') as string[] };
          });
          const plan = await planRecords({
            alias: view?.tables.has('credit_events') ? view.alias : null, tx: t, timeZone: cfg.ingest.timeZone, office: cfg.office,
            operationId, reason: body.reason, attachmentRef: body.attachment_ref,
          }, entries, body.action === 'repair' ? 'repair' : 'objection', body.outcome);
          notes.push(...plan.skipped);
          if (plan.rows.length) {
            file = writeRecordFile(cfg.inbox, plan.kind, plan.rows);
            effect = effectText(plan.kind, file, plan.rows.length);
          }
          if (plan.skipped.length) effect = `${effect ? `${effect}；` : ''}${plan.skipped.length} 条名单未生成记录: ${plan.skipped[0].reason}`;
        }
        const now = new Date().toISOString();
        if (changes.length) {
          await t.run(`UPDATE watchlist_entries AS w SET state = c.to_state, prev_state = c.from_state, objection_from = c.objection_from,
              version = w.version + 1, updated_at = $now
            FROM (SELECT unnest(from_json($changes, '[{"entry_id":"VARCHAR","to_state":"VARCHAR","from_state":"VARCHAR","objection_from":"VARCHAR"}]'), recursive := true)) AS c
            WHERE w.entry_id = c.entry_id`, { changes: JSON.stringify(changes), now });
          await t.run(`INSERT INTO watchlist_events (event_id, entry_id, "at", actor, role, action, from_state, to_state, reason, legal_basis, attachment_ref, operation_id, record_file, detail)
            SELECT c.event_id, c.entry_id, $now, $actor, $role, $action, c.from_state, c.to_state, $reason, $legal, $att, $op, $file, $detail
            FROM (SELECT unnest(from_json($changes, '[{"event_id":"VARCHAR","entry_id":"VARCHAR","to_state":"VARCHAR","from_state":"VARCHAR"}]'), recursive := true)) AS c`, {
            changes: JSON.stringify(changes), now, actor: user.username, role: user.role, action: body.action, reason: body.reason,
            legal: body.legal_basis ?? null, att: body.attachment_ref ?? null, op: operationId, file,
            detail: JSON.stringify({ outcome: body.outcome ?? null, bulk, ip: request.ip }),
          });
        }
        const succeeded = results.filter((r) => r.ok).length;
        const auditRow = await app.audit.fromRequest(request, bulk ? `watchlist.bulk.${body.action}` : `watchlist.${body.action}`, bulk ? operationId : ids[0], {
          operation_id: operationId, action: body.action, reason: body.reason, legal_basis: body.legal_basis ?? null, attachment_ref: body.attachment_ref ?? null,
          outcome: body.outcome ?? null, requested: ids.length, succeeded, failed: ids.length - succeeded,
          entries: changes.map((c) => ({ id: c.entry_id, from: c.from_state, to: c.to_state })),
          failures: results.filter((r) => !r.ok).map((r) => ({ id: r.entry_id, code: r.code })),
          record_file: file, record_notes: notes.slice(0, 50),
        }, t);
        t.afterCommit(() => {
          for (const c of changes) {
            const r = byId.get(c.entry_id)!;
            app.events.publish({ type: 'watchlist', data: {
              entry_id: c.entry_id, list_type: r.list_type, from_state: c.from_state, to_state: c.to_state, action: body.action, operation_id: operationId,
              county_code: r.county_code, industry_section: r.industry_section, industry_division: r.industry_division,
            } });
          }
        });
        return { operationId, results, changes, effect, file, auditSeq: auditRow.seq };
      });
    } catch (e) {
      if (file) removeRecordFile(cfg.inbox, file);
      throw e;
    }
  }

  app.post('/watchlists/entries/:entryId/transitions', {
    schema: {
      tags: ['名单管理 watchlists'], summary: '名单条目流转: 公示/惩戒(激励)/修复/移出/异议', description: '409 when the action is not allowed from the current state; the message names the state and the allowed actions.',
      params: EntryParams, body: TransitionBody, response: { 200: TransitionResponse, ...WORKFLOW_ERRORS },
    },
    preHandler: app.requireRole(...WRITE_ROLES),
  }, async (request) => {
    const res = await apply(request, [request.params.entryId], request.body, false);
    const row = await readEntry(request, request.params.entryId);
    const event = await app.ops.all<WatchlistEvent>(`SELECT ${EVENT_COLUMNS} FROM watchlist_events WHERE event_id = $id`, { id: res.changes[0].event_id });
    return { entry: present(request.user, row), event: event[0], effect: res.effect, record_file: res.file };
  });

  app.post('/watchlists/bulk', {
    schema: {
      tags: ['名单管理 watchlists'], summary: '批量流转 (one audited operation, per-entry results)',
      body: BulkBody, response: { 200: BulkResponse, ...WORKFLOW_ERRORS },
    },
    preHandler: app.requireRole(...WRITE_ROLES),
  }, async (request) => {
    const b = request.body;
    const res = await apply(request, b.entry_ids, b, true);
    const succeeded = res.results.filter((r) => r.ok).length;
    return {
      operation_id: res.operationId, action: b.action, requested: b.entry_ids.length, succeeded, failed: b.entry_ids.length - succeeded,
      audit_seq: res.auditSeq, effect: res.effect, record_file: res.file, results: res.results,
    };
  });
};

export default watchlistRoutes;
