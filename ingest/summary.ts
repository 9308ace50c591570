/** Human-readable ingest summary: per file and kind, rows read, accepted, rejected by reason, duplicates. */
import type { IngestSummary } from './pipeline/run.ts';
import { REASONS, type ReasonCode } from './pipeline/reasons.ts';
import { getKind } from './schemas/index.ts';

const n = (x: number) => x.toLocaleString('en-US');

export function formatSummary(s: IngestSummary): string {
  const lines = [`入库批次 run ${s.run_id}: ${s.files} 个文件, ${s.seconds.toFixed(1)} 秒, ${n(Math.round(s.rows_read / Math.max(s.seconds, 0.001)))} 行/秒`];
  lines.push('', '文件 file | 类别 kind | 读取 read | 入库 accepted | 拒收 rejected | 重复 duplicates');
  for (const f of s.file_reports) {
    lines.push(`${f.file} | ${getKind(f.kind).label} | ${n(f.rows_read)} | ${n(f.accepted)} | ${n(f.rejected)} | ${n(f.duplicates)}`);
    if (f.unmapped_columns.length) lines.push(`    未识别的列 (kept in the raw file): ${f.unmapped_columns.join(', ')}`);
  }
  lines.push('', '按类别 by kind:');
  for (const [k, v] of Object.entries(s.by_kind)) {
    lines.push(`  ${getKind(k).label.padEnd(10, '　')} read ${n(v.rows_read)}  accepted ${n(v.accepted)}  rejected ${n(v.rejected)}  duplicates ${n(v.duplicates)}`);
  }
  if (Object.keys(s.by_reason).length) {
    lines.push('', '拒收原因 rejected by reason (a row counts once per distinct reason):');
    for (const [c, v] of Object.entries(s.by_reason).sort((a, b) => b[1] - a[1])) lines.push(`  ${c.padEnd(24)} ${n(v).padStart(8)}  ${REASONS[c as ReasonCode] ?? ''}`);
  }
  lines.push('', `合计 total: read ${n(s.rows_read)}, accepted ${n(s.accepted)}, rejected ${n(s.rejected)}, duplicates ${n(s.duplicates)}, flagged ${n(s.flagged)}`);
  lines.push(`拒收明细 see: credit-watch query "SELECT source_file, row_number, reason_code, reason_field, expected, got FROM rejects WHERE run_id = '${s.run_id}'"`);
  return lines.join('\n');
}
