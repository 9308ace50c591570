/**
 * A 信用修复 or an upheld 异议 decided in 名单管理 must change the next build's scores, and the
 * lake is the only source the build reads. So the decision is written as a record file in the
 * national layout (ingest/schemas/repair.ts, objection.ts) into the ingest inbox; the nightly job
 * ingests it like any department's file and `credit_events` applies it (the one place where
 * repair/objection logic lives). One file per operation: `<inbox>/workflow-<ts>-<kind>.csv`, written
 * to a dot-file first (the inbox ignores those) and renamed into place.
 *
 * A list entry points at its records through `source_record_keys`; each record is repaired or
 * objected to by its document number (文书号/案号/承诺书编号) and kind. Records the national
 * layouts cannot express (natural persons without a USCC, kinds outside the code list) are
 * reported back instead of written.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { todayIn } from '../../../ingest/config.ts';
import { objection, repair } from '../../../ingest/schemas/index.ts';
import type { KindSchema } from '../../../ingest/schemas/index.ts';
import type { OpsTx } from '../../plugins/ops-db.ts';

/** credit_events.category -> 原失信信息类别 of a repair. */
const REPAIR_KIND: Record<string, string> = {
  penalty: '行政处罚', serious_dishonest: '严重失信主体名单', abnormal_operation: '经营异常名录', court_dishonest: '失信被执行人', commitment_breach: '信用承诺',
};
/** credit_events.category -> 异议信息类别. */
const OBJECTION_KIND: Record<string, string> = {
  penalty: '行政处罚', serious_dishonest: '严重失信主体名单', abnormal_operation: '经营异常名录', court_dishonest: '失信被执行人',
  contract_breach: '合同履约', tax_grade: '纳税信用等级',
};

export interface EntryForRecord { entry_id: string; subject_key: string; uscc: string | null; name: string | null; source_record_keys: string[] }

export interface RecordPlan {
  kind: 'repair' | 'objection';
  rows: Record<string, string>[];
  /** Entries (or records) that could not be expressed, with the reason. */
  skipped: { entry_id: string; reason: string }[];
}

export interface RecordContext {
  alias: string | null;
  tx: OpsTx;
  timeZone: string;
  office: { name: string; uscc: string };
  operationId: string;
  reason: string;
  attachmentRef?: string | null;
}

/** The record rows for a repair (修复完成) or an upheld objection (更正 / 撤销) of these entries. */
export async function planRecords(ctx: RecordContext, entries: EntryForRecord[], kind: 'repair' | 'objection', outcome?: 'corrected' | 'revoked'): Promise<RecordPlan> {
  const plan: RecordPlan = { kind, rows: [], skipped: [] };
  const keys = [...new Set(entries.flatMap((e) => e.source_record_keys))];
  const events = new Map<string, { category: string; ref: string | null; record_key: string }>();
  if (ctx.alias && keys.length) {
    const found = await ctx.tx.all<{ category: string; ref: string | null; record_key: string }>(
      `SELECT DISTINCT category, ref, record_key FROM ${ctx.alias}.credit_events WHERE record_key IN (SELECT unnest(from_json($keys, '["VARCHAR"]')))`,
      { keys: JSON.stringify(keys) });
    for (const f of found) events.set(f.record_key, f);
  }
  const day = todayIn(ctx.timeZone);
  const kinds = kind === 'repair' ? REPAIR_KIND : OBJECTION_KIND;
  let n = 0;
  for (const e of entries) {
    if (!e.uscc) {
      plan.skipped.push({ entry_id: e.entry_id, reason: '自然人主体无统一社会信用代码, 无法生成国家标准格式记录, 请线下报送 (natural person: no USCC)' });
      continue;
    }
    const seen = new Set<string>();
    let wrote = 0;
    for (const k of e.source_record_keys) {
      const ev = events.get(k);
      const targetKind = ev ? kinds[ev.category] : undefined;
      if (!ev || !targetKind || !ev.ref) continue;
      const sig = `${targetKind}|${ev.ref}`;
      if (seen.has(sig)) continue;
      seen.add(sig);
      n++;
      const no = `${kind === 'repair' ? 'XF' : 'YY'}-${day.replaceAll('-', '')}-${ctx.operationId.slice(0, 8)}-${String(n).padStart(4, '0')}`;
      const remark = `名单管理 ${e.entry_id}; 操作 ${ctx.operationId}${ctx.attachmentRef ? `; 附件 ${ctx.attachmentRef}` : ''}`;
      if (kind === 'repair') {
        plan.rows.push({
          subject_name: e.name ?? '', subject_uscc: e.uscc, repair_no: no, target_kind: targetKind, target_ref: ev.ref,
          apply_date: day, result: '修复完成', done_date: day, authority: ctx.office.name,
          source_unit: ctx.office.name, source_unit_uscc: ctx.office.uscc, remark,
        });
      } else {
        plan.rows.push({
          subject_name: e.name ?? '', subject_uscc: e.uscc, objection_no: no, target_kind: targetKind, target_ref: ev.ref,
          claim: ctx.reason.slice(0, 500), apply_date: day, result: outcome === 'corrected' ? '更正' : '撤销', done_date: day,
          authority: ctx.office.name, source_unit: ctx.office.name, source_unit_uscc: ctx.office.uscc, remark,
        });
      }
      wrote++;
    }
    if (!wrote) plan.skipped.push({ entry_id: e.entry_id, reason: `名单依据的原始记录中没有可${kind === 'repair' ? '修复' : '更正/撤销'}的记录 (no record of a kind the national ${kind} layout covers)` });
  }
  return plan;
}

const csvCell = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

/** Writes the rows with the national header labels; returns the file name (in `inbox`). */
export function writeRecordFile(inbox: string, kind: 'repair' | 'objection', rows: Record<string, string>[], now = new Date()): string {
  const schema: KindSchema = kind === 'repair' ? repair : objection;
  mkdirSync(inbox, { recursive: true });
  const ts = now.toISOString().replace(/[-:.TZ]/g, '').slice(0, 17);
  const name = `workflow-${ts}-${Math.random().toString(36).slice(2, 6)}-${kind}.csv`;
  const lines = [schema.fields.map((f) => csvCell(f.label)).join(',')];
  for (const r of rows) lines.push(schema.fields.map((f) => csvCell(r[f.key] ?? '')).join(','));
  const tmp = join(inbox, `.${name}.tmp`);
  writeFileSync(tmp, `\ufeff${lines.join('\r\n')}\r\n`);
  renameSync(tmp, join(inbox, name));
  return name;
}

export function removeRecordFile(inbox: string, name: string): void {
  rmSync(join(inbox, name), { force: true });
}

export const effectText = (kind: 'repair' | 'objection', file: string, n: number) =>
  `已生成${kind === 'repair' ? '信用修复' : '异议处理'}记录 ${n} 条 (${file})，已放入收件箱，将在下次构建后生效 (takes effect after the next build)`;
