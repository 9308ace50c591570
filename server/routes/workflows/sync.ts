/**
 * Keeps the workflow state in ops.duckdb in step with the warehouse build being served. On each
 * new build: ATTACH it to the ops database, create a 名单管理 entry (state 认定) for every
 * `watchlist_members.member_key` not seen before, flag entries whose member left the build
 * (`in_build = false`; nothing is deleted or moved automatically: removal is a decision), audit the
 * sync once, and push the build's new alerts and the swap itself to the SSE streams.
 *
 * Triggered by `app.warehouse.onSwap`, at startup, and lazily by every workflow request (a build
 * swapped in by another path is picked up before the request reads).
 */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { readCurrent, readHistory, warehousePaths } from '../../../analytics/warehouse.ts';
import { HttpError } from '../../plugins/platform.ts';
import { Mutex } from '../../plugins/ops-db.ts';

export interface SyncResult { build_id: string; new_entries: number; left_build: number; new_alerts: number; already: boolean }

export interface WarehouseView {
  alias: string;
  buildId: string;
  /** table -> columns of the attached build */
  tables: Map<string, Set<string>>;
}

const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;

export function createSync(app: FastifyInstance, dataDir: string) {
  const lock = new Mutex();
  let view: WarehouseView | null = null;

  const fileOf = (buildId: string): string | null => {
    const w = warehousePaths(dataDir);
    const p = [readCurrent(w), ...readHistory(w)].find((x) => x?.build_id === buildId);
    return p ? join(w.root, p.file) : null;
  };

  const catalogue = async (alias: string): Promise<Map<string, Set<string>>> => {
    const db = alias.slice(1, -1).replaceAll('""', '"');
    const cols = await app.ops.all<{ t: string; c: string }>(
      `SELECT table_name AS t, column_name AS c FROM duckdb_columns() WHERE database_name = $db AND schema_name = 'main'`, { db });
    const m = new Map<string, Set<string>>();
    for (const r of cols) {
      if (!m.has(r.t)) m.set(r.t, new Set());
      m.get(r.t)!.add(r.c);
    }
    return m;
  };

  async function syncNow(publish: boolean): Promise<SyncResult | null> {
    const buildId = app.warehouse.buildId();
    if (!buildId) return null;
    if (view?.buildId === buildId) return { build_id: buildId, new_entries: 0, left_build: 0, new_alerts: 0, already: true };
    const file = fileOf(buildId);
    if (!file) throw new HttpError(503, 'CW_ERR_NO_WAREHOUSE', `找不到数仓版本 ${buildId} 的文件 (build file not found)`);
    await app.ops.attachBuild(buildId, file);
    const alias = app.ops.warehouse()!.alias;
    const tables = await catalogue(alias);
    const done = await app.ops.all<{ n: number }>('SELECT count(*) AS n FROM synced_builds WHERE build_id = $b', { b: buildId });
    let result: SyncResult = { build_id: buildId, new_entries: 0, left_build: 0, new_alerts: 0, already: done[0].n > 0 };
    if (!result.already) result = await seed(alias, buildId, tables);
    view = { alias, buildId, tables };
    if (publish) {
      if (tables.has('alerts') && !result.already) {
        const a = tables.get('alerts')!;
        const isNew = a.has('change') ? `change = 'new'` : a.has('first_seen_build') ? `first_seen_build = ${lit(buildId)}` : 'FALSE';
        const news = await app.ops.all<Record<string, unknown>>(
          `SELECT alert_id, level, title, ${pick(a, ['rule_id', 'rule_name', 'entity_type', 'subject_key', 'name', 'county_code', 'county_name', 'industry_section', 'industry_division', 'department'])}
           FROM ${alias}.alerts WHERE ${isNew} ORDER BY ${a.has('level_rank') ? 'level_rank' : 'level'} LIMIT 500`);
        result.new_alerts = news.length;
        for (const n of news) app.events.publish({ type: 'alert', data: { kind: 'new', status: 'new', build_id: buildId, ...n } });
      }
      app.events.publish({ type: 'build', data: { build_id: buildId, as_of: app.warehouse.asOf(), new_entries: result.new_entries, new_alerts: result.new_alerts } });
    }
    return result;
  }

  async function seed(alias: string, buildId: string, tables: Map<string, Set<string>>): Promise<SyncResult> {
    const res: SyncResult = { build_id: buildId, new_entries: 0, left_build: 0, new_alerts: 0, already: false };
    const m = tables.get('watchlist_members');
    const now = new Date().toISOString();
    await app.ops.tx(async (t) => {
      if (m?.has('member_key')) {
        const col = (c: string, sql = c) => (m.has(c) ? sql : 'NULL');
        const fmt = (c: string) => col(c, `strftime(${c}, '%Y-%m-%d')`);
        await t.run(`CREATE OR REPLACE TEMP TABLE cw_members AS
          SELECT member_key, ${col('list_type')} AS list_type, ${col('list_label')} AS list_label, ${col('subject_key')} AS subject_key,
            ${col('uscc')} AS uscc, ${col('name')} AS name, ${col('county_code')} AS county_code, ${col('industry_section')} AS industry_section,
            ${col('industry_division')} AS industry_division, ${col('rule')} AS rule, ${col('reason')} AS reason, ${col('basis')} AS basis,
            ${col('source_record_keys', 'to_json(coalesce(source_record_keys, []))::VARCHAR')} AS source_record_keys,
            ${fmt('decided_on')} AS decided_on, ${fmt('valid_until')} AS valid_until, ${col('authority')} AS authority
          FROM ${alias}.watchlist_members
          QUALIFY row_number() OVER (PARTITION BY member_key ORDER BY member_key) = 1`);
        const fresh = await t.all<{ n: number }>('SELECT count(*) AS n FROM cw_members WHERE member_key NOT IN (SELECT member_key FROM watchlist_entries)');
        res.new_entries = fresh[0].n;
        // new members: entry in state 认定 plus its first event, decided by the build's rule
        await t.run(`INSERT INTO watchlist_events (event_id, entry_id, "at", actor, role, action, from_state, to_state, reason, legal_basis, attachment_ref, operation_id, record_file, detail)
          SELECT 'E-' || md5(member_key || $b), 'WL-' || member_key, $now, 'system', 'system', 'designate', NULL, 'designated', reason, basis, NULL, NULL, NULL,
            json_object('build_id', $b, 'rule', rule, 'authority', authority)::VARCHAR
          FROM cw_members WHERE member_key NOT IN (SELECT member_key FROM watchlist_entries)`, { b: buildId, now });
        await t.run(`INSERT INTO watchlist_entries (entry_id, member_key, list_type, list_label, subject_key, uscc, name, county_code, industry_section, industry_division,
            rule, reason, basis, source_record_keys, decided_on, valid_until, authority, state, prev_state, objection_from, version, created_build, last_seen_build, in_build, created_at, updated_at)
          SELECT 'WL-' || member_key, member_key, list_type, coalesce(list_label, list_type), subject_key, uscc, name, county_code, industry_section, industry_division,
            rule, reason, basis, source_record_keys, decided_on, valid_until, authority, 'designated', NULL, NULL, 1, $b, $b, true, $now, $now
          FROM cw_members WHERE member_key NOT IN (SELECT member_key FROM watchlist_entries)`, { b: buildId, now });
        const left = await t.all<{ n: number }>('SELECT count(*) AS n FROM watchlist_entries WHERE in_build AND member_key NOT IN (SELECT member_key FROM cw_members)');
        res.left_build = left[0].n;
        await t.run(`UPDATE watchlist_entries SET in_build = (member_key IN (SELECT member_key FROM cw_members)),
          last_seen_build = CASE WHEN member_key IN (SELECT member_key FROM cw_members) THEN $b ELSE last_seen_build END`, { b: buildId });
        await t.run('DROP TABLE IF EXISTS cw_members');
      }
      await t.run('INSERT INTO synced_builds VALUES ($b, $now, $n, $s)', { b: buildId, now, n: res.new_entries, s: JSON.stringify(res) });
      await app.audit.record({
        actor: 'system', role: 'system', action: 'watchlist.sync', target: buildId,
        detail: { build_id: buildId, new_entries: res.new_entries, left_build: res.left_build, watchlist_members: Boolean(m) },
      }, t);
    });
    app.log.info({ build_id: buildId, new_entries: res.new_entries, left_build: res.left_build }, 'workflow state synced with the warehouse build');
    return res;
  }

  return {
    /** Syncs with the served build if needed; `publish` pushes the swap and new alerts to SSE. */
    sync: (publish = false) => lock.run(() => syncNow(publish)),
    /** The attached build for a request; 503 when no build is served. Syncs first when the build changed. */
    async current(): Promise<WarehouseView> {
      const buildId = app.warehouse.buildId();
      if (!buildId) throw new HttpError(503, 'CW_ERR_NO_WAREHOUSE', '尚无可用的数仓版本, 请先运行 credit-watch build (no warehouse build is served yet)');
      if (view?.buildId !== buildId) await lock.run(() => syncNow(true));
      return view!;
    },
  };
}

/** `col` or `NULL AS col` for each wanted column, so a renamed column degrades instead of failing. */
export function pick(cols: Set<string>, wanted: string[], prefix = ''): string {
  return wanted.map((c) => (cols.has(c) ? `${prefix}${c}` : `NULL AS ${c}`)).join(', ');
}

export type Sync = ReturnType<typeof createSync>;

/** 503 CW_ERR_VIEW_MISSING when the served build lacks a table the route needs. */
export function requireTable(v: WarehouseView, table: string): Set<string> {
  const t = v.tables.get(table);
  if (!t) throw new HttpError(503, 'CW_ERR_VIEW_MISSING', `当前数仓版本 ${v.buildId} 中没有 ${table} 表, 请等待下次构建 (table ${table} is missing from the served build)`);
  return t;
}
