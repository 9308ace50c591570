import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  csvLines, filesBelow, sha256OfFile, ingest, lakeCounts, lakeRows, pipelineFixture, readerFixture, sha256Hex, testConfig, useTempDir, writeLines,
} from '../../test/helpers.ts';
import { readManifests } from '../lake/manifest.ts';
import { lakePaths } from '../lake/paths.ts';
import { withLake } from '../query.ts';
import { InputError } from './errors.ts';
import { expandInputs } from './run.ts';

const PENALTIES = pipelineFixture('penalties.csv');
const LINES = csvLines(PENALTIES);
const HEADER = LINES[0].split(',');
/** The CSV line of spreadsheet row n (header = row 1). */
const row = (n: number) => LINES[n - 1];

/**
 * Worked out by hand from penalties.csv: row 4 bad USCC check char, 5 decision in 2030, 6 罚款
 * without amount, 7 fine -1, 8 处罚类别 罚金, 9 2023/02/30, 11 same key as row 2 with fine 3.0,
 * 12 wrong ID check digit, 14 有效期 before 决定日期, 15 lowercase USCC.
 */
const EXPECTED_REJECTS: Record<number, string> = {
  4: 'CW_USCC_CHECK', 5: 'CW_DATE_FUTURE', 6: 'CW_REQUIRED', 7: 'CW_AMOUNT_NEGATIVE', 8: 'CW_ENUM_INVALID',
  9: 'CW_DATE_CALENDAR', 11: 'CW_DUPLICATE_CONFLICT', 12: 'CW_IDNO_CHECK', 14: 'CW_DATE_ORDER', 15: 'CW_USCC_CHARSET',
};
const EXPECTED_BY_REASON = Object.fromEntries(Object.values(EXPECTED_REJECTS).map((c) => [c, 1]));
const CLEAR_IDS = ['320922198001011237', '320922198001011238']; // rows 3 and 12

const fail = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a rejection'); }, (e: unknown) => e as InputError);

describe('runIngest(opts: IngestOptions): Promise<IngestSummary>', () => {
  const tmp = useTempDir('cw-run-');
  const dataDir = () => join(tmp(), 'data');

  test('should count 15 read, 4 accepted, 10 rejected, 1 duplicate and 1 flagged for penalties.csv', async () => {
    const s = await ingest(dataDir(), [PENALTIES]);
    expect({ files: s.files, rows_read: s.rows_read, accepted: s.accepted, rejected: s.rejected, duplicates: s.duplicates, flagged: s.flagged })
      .toEqual({ files: 1, rows_read: 15, accepted: 4, rejected: 10, duplicates: 1, flagged: 1 });
    expect(s.by_reason).toEqual(EXPECTED_BY_REASON);
    expect(s.by_kind).toEqual({ penalty: { rows_read: 15, accepted: 4, rejected: 10, duplicates: 1 } });
    expect(s.file_reports).toHaveLength(1);
    expect(s.file_reports[0]).toMatchObject({ kind: 'penalty', format: 'csv', encoding: 'utf8', unmapped_columns: [], sha256: sha256OfFile(PENALTIES) });
    expect(readManifests(lakePaths(dataDir()))).toHaveLength(1);
    expect(filesBelow(lakePaths(dataDir()).tmp)).toEqual([]); // the staging database (clear IDs) is gone
    expect(existsSync(lakePaths(dataDir()).lock)).toBe(false);
  });

  test('should show exactly the 4 accepted rows, typed, in records_penalty', async () => {
    const s = await ingest(dataDir(), [PENALTIES]);
    const rows = await lakeRows(dataDir(), `SELECT row_number, subject_name, party_type, subject_uscc, id_type, id_number_hash, id_number_masked,
        decision_no, penalty_types, fine_amount, typeof(fine_amount) AS fine_type, CAST(decision_date AS VARCHAR) AS decision_date,
        typeof(decision_date) AS date_type, CAST(valid_to AS VARCHAR) AS valid_to, month, flags, subject_key, source_file, run_id, file_sha256
      FROM records_penalty ORDER BY row_number`);
    const idHash = sha256Hex('test-key|320922198001011237');
    const common = { fine_type: 'DOUBLE', date_type: 'DATE', source_file: 'penalties.csv', run_id: s.run_id, file_sha256: sha256OfFile(PENALTIES) };
    expect(rows).toEqual([
      { ...common, row_number: 2, subject_name: '盐城市亭湖区鑫达商贸有限公司', party_type: '法人及非法人组织', subject_uscc: '91320902MA1Q8R7T1T', id_type: null,
        id_number_hash: null, id_number_masked: null, decision_no: '盐市监处罚〔2025〕1号', penalty_types: ['罚款'], fine_amount: 2.5,
        decision_date: '2025-03-15', valid_to: '2025-09-15', month: '2025-03', flags: [], subject_key: '91320902MA1Q8R7T1T' },
      { ...common, row_number: 3, subject_name: '王某某', party_type: '自然人', subject_uscc: null, id_type: '身份证', id_number_hash: idHash,
        id_number_masked: '3209**********1237', decision_no: '盐市监处罚〔2025〕2号', penalty_types: ['警告'], fine_amount: null,
        decision_date: '2025-04-02', valid_to: '2025-10-02', month: '2025-04', flags: [], subject_key: `P:${idHash}` },
      { ...common, row_number: 13, subject_name: '盐城市亭湖区旺达超市', party_type: '个体工商户', subject_uscc: '91320902MA5TUWXY2M', id_type: null,
        id_number_hash: null, id_number_masked: null, decision_no: '盐市监处罚〔2025〕10号', penalty_types: ['警告'], fine_amount: null,
        decision_date: '2025-06-01', valid_to: '2025-12-01', month: '2025-06', flags: ['CW_USCC_ORG_CHECK:subject_uscc'], subject_key: '91320902MA5TUWXY2M' },
      { ...common, row_number: 16, subject_name: '响水县明辉建材有限公司', party_type: '法人及非法人组织', subject_uscc: '91320921MA4MNPQR4W', id_type: null,
        id_number_hash: null, id_number_masked: null, decision_no: '盐市监处罚〔2025〕13号', penalty_types: ['警告', '罚款'], fine_amount: 0.5,
        decision_date: '2025-07-01', valid_to: '2026-01-01', month: '2025-07', flags: [], subject_key: '91320921MA4MNPQR4W' },
    ]);
  });

  test('should keep clear ID numbers out of every VARCHAR/JSON column of records and rejects, and out of manifests', async () => {
    await ingest(dataDir(), [PENALTIES]);
    const { searched, hits, maskedHits } = await withLake(testConfig(dataDir()), async (q) => {
      const cols = await q<{ t: string; c: string; type: string }>(`SELECT table_name AS t, column_name AS c, data_type AS type
        FROM information_schema.columns WHERE (table_name LIKE 'records_%' OR table_name = 'rejects') AND (data_type LIKE '%VARCHAR%' OR data_type = 'JSON')`);
      const found: string[] = [];
      const count = async (t: string, expr: string, needle: string) =>
        (await q<{ n: number }>(`SELECT count(*) AS n FROM "${t}" x WHERE strpos(CAST(${expr} AS VARCHAR), '${needle}') > 0`))[0].n;
      for (const { t, c } of cols) for (const id of CLEAR_IDS) if (await count(t, `"${c}"`, id)) found.push(`${t}.${c}`);
      for (const t of [...new Set(cols.map((x) => x.t))]) for (const id of CLEAR_IDS) if (await count(t, 'x', id)) found.push(`${t} (whole row)`);
      // Positive control: the same search does find the masked forms.
      const masked = (await count('records_penalty', 'id_number_masked', '3209**********1237')) + (await count('rejects', 'raw', '3209**********1238'));
      return { searched: cols.map((x) => `${x.t}.${x.c}`), hits: found, maskedHits: masked };
    });
    expect(searched).toEqual(expect.arrayContaining(['rejects.raw', 'rejects.got', 'rejects.reasons', 'records_penalty.id_number_masked']));
    expect(hits).toEqual([]);
    expect(maskedHits).toBe(2);
    const manifests = filesBelow(lakePaths(dataDir()).manifests).map((f) => readFileSync(f, 'utf8')).join('\n');
    for (const id of CLEAR_IDS) expect(manifests).not.toContain(id);
  });

  test('should keep each rejected row once in `rejects` with its reason and every original header cell', async () => {
    await ingest(dataDir(), [PENALTIES]);
    const rows = await lakeRows<{ row_number: number; reason_code: string; reason_field: string; got: string | null; reasons: string; raw: string }>(
      dataDir(), `SELECT row_number, reason_code, reason_field, got, reasons, raw FROM rejects ORDER BY row_number`);
    expect(Object.fromEntries(rows.map((r) => [r.row_number, r.reason_code]))).toEqual(EXPECTED_REJECTS);
    for (const r of rows.filter((x) => x.row_number !== 11)) {
      const raw = JSON.parse(r.raw) as Record<string, string | null>;
      const cells = row(r.row_number).split(',');
      // Every header cell, with the original text (empty = null); the ID number masked.
      const expected = Object.fromEntries(HEADER.map((h, i) => [h, h === '证件号码' && cells[i] ? '3209**********1238' : cells[i] || null]));
      expect(raw, `row ${r.row_number}`).toEqual(expected);
    }
    const byRow = new Map(rows.map((r) => [r.row_number, r]));
    expect(byRow.get(12)).toMatchObject({ reason_field: '证件号码', got: '3209**********1238' });
    expect(byRow.get(4)).toMatchObject({ got: '91320902MA1Q8R7T1U' });
    // Row 14 breaks two date orders (处罚有效期 and 公示截止期 before 处罚决定日期), counted once.
    expect(JSON.parse(byRow.get(14)!.reasons).map((x: { code: string; field: string }) => `${x.code}:${x.field}`))
      .toEqual(['CW_DATE_ORDER:处罚有效期', 'CW_DATE_ORDER:公示截止期']);
  });

  // A conflict is found after typing: its raw JSON is the typed record (ingest/README.md), and the
  // original cells stay in the content-addressed raw file at file_sha256 / row_number.
  test('should keep the typed record of a CW_DUPLICATE_CONFLICT reject and point at its raw row', async () => {
    const s = await ingest(dataDir(), [PENALTIES]);
    const [r] = await lakeRows<{ raw: string; file_sha256: string }>(dataDir(), `SELECT raw, file_sha256 FROM rejects WHERE row_number = 11`);
    const raw = JSON.parse(r.raw);
    expect(raw).toMatchObject({ decision_no: '盐市监处罚〔2025〕1号', fine_amount: 3, subject_uscc: '91320902MA1Q8R7T1T' });
    expect(raw).not.toHaveProperty('__row');
    expect(r.file_sha256).toBe(s.file_reports[0].sha256);
  });

  test('should add nothing when the same file is ingested again', async () => {
    await ingest(dataDir(), [PENALTIES]);
    const again = await ingest(dataDir(), [PENALTIES]);
    expect({ rows_read: again.rows_read, accepted: again.accepted, rejected: again.rejected, duplicates: again.duplicates })
      .toEqual({ rows_read: 15, accepted: 0, rejected: 10, duplicates: 5 }); // rows 2, 3, 13, 16 and 10
    expect(again.by_reason).toEqual(EXPECTED_BY_REASON);
    expect(await lakeCounts(dataDir())).toEqual({ records: 4, rejects: 10, runs: 2 });
  });

  // A flagged row is accepted but marked: a duplicate of a flagged row is not flagged again.
  test('should report no flagged rows when the flagged row is only a duplicate', async () => {
    await ingest(dataDir(), [PENALTIES]);
    const again = await ingest(dataDir(), [PENALTIES]);
    expect(again.flagged).toBe(0);
  });

  test('should recognize the GBK copy with CF_ column codes as 行政处罚 and find only duplicates in it', async () => {
    await ingest(dataDir(), [PENALTIES]);
    const s = await ingest(dataDir(), [pipelineFixture('penalties-cf-gbk.csv')]);
    expect(s.file_reports[0]).toMatchObject({ kind: 'penalty', unmapped_columns: [] });
    expect(s.file_reports[0].encoding).toMatch(/^gb/);
    expect({ rows_read: s.rows_read, accepted: s.accepted, rejected: s.rejected, duplicates: s.duplicates })
      .toEqual({ rows_read: 15, accepted: 0, rejected: 10, duplicates: 5 });
    expect((await lakeCounts(dataDir())).records).toBe(4);
  });

  test('should count a row repeated in a second file as a duplicate, in one run and across runs', async () => {
    const newLine = row(2).replace('盐市监处罚〔2025〕1号', '盐市监处罚〔2025〕900号');
    const two = writeLines(join(tmp(), 'two.csv'), [LINES[0], row(2), newLine]);
    const s = await ingest(dataDir(), [PENALTIES, two]);
    expect({ accepted: s.accepted, duplicates: s.duplicates, rejected: s.rejected }).toEqual({ accepted: 5, duplicates: 2, rejected: 10 });
    expect(s.file_reports[1]).toMatchObject({ rows_read: 2, accepted: 1, duplicates: 1, rejected: 0 });

    const other = join(tmp(), 'data2');
    await ingest(other, [PENALTIES]);
    const later = await ingest(other, [two]);
    expect({ accepted: later.accepted, duplicates: later.duplicates, rejected: later.rejected }).toEqual({ accepted: 1, duplicates: 1, rejected: 0 });
    expect((await lakeCounts(other)).records).toBe(5);
  });

  test('should keep the first occurrence by file order when the repeating file comes first', async () => {
    const two = writeLines(join(tmp(), 'two.csv'), [LINES[0], row(2)]);
    const s = await ingest(dataDir(), [two, PENALTIES]);
    expect(s.file_reports.map((f) => [f.accepted, f.duplicates])).toEqual([[1, 0], [3, 2]]);
    const [r] = await lakeRows<{ source_file: string }>(dataDir(), `SELECT source_file FROM records_penalty WHERE decision_no = '盐市监处罚〔2025〕1号'`);
    expect(r.source_file).toBe('two.csv');
  });

  test('should throw CW_ERR_UNKNOWN_KIND and commit nothing for an unrelated table, even next to a good file', async () => {
    for (const inputs of [[pipelineFixture('unknown-kind.csv')], [PENALTIES, pipelineFixture('unknown-kind.csv')]]) {
      const e = await fail(ingest(dataDir(), inputs));
      expect(e).toBeInstanceOf(InputError);
      expect(e).toMatchObject({ code: 'CW_ERR_UNKNOWN_KIND', exitCode: 2 });
      expect(e.message).toContain('unknown-kind.csv');
      expectNothingCommitted(dataDir());
    }
    expect((await ingest(dataDir(), [PENALTIES])).accepted).toBe(4); // the lock was released
  });

  test('should throw CW_ERR_NOT_FOUND for a missing file and CW_ERR_ENCODING for undecodable bytes, committing nothing', async () => {
    const missing = join(tmp(), 'nope.csv');
    expect(await fail(ingest(dataDir(), [PENALTIES, missing]))).toMatchObject({ code: 'CW_ERR_NOT_FOUND' });
    const garbage = await fail(ingest(dataDir(), [PENALTIES, readerFixture('garbage.csv')]));
    expect(garbage).toBeInstanceOf(InputError);
    expect(garbage).toMatchObject({ code: 'CW_ERR_ENCODING' });
    expect(garbage.message).toContain('garbage.csv');
    expectNothingCommitted(dataDir());
  });

  // Two runs in one process (server scheduler + upload): the second fails with CW_ERR_LOCKED.
  test('should not let two concurrent runs in one process both commit the same rows', async () => {
    const res = await Promise.allSettled([ingest(dataDir(), [PENALTIES]), ingest(dataDir(), [PENALTIES])]);
    expect((await lakeCounts(dataDir())).records).toBe(4);
    expect(res.filter((r) => r.status === 'rejected')).toHaveLength(1);
  });
});

function expectNothingCommitted(dataDir: string): void {
  const p = lakePaths(dataDir);
  expect(readManifests(p)).toEqual([]);
  expect(filesBelow(p.records)).toEqual([]);
  expect(filesBelow(p.rejects)).toEqual([]);
  expect(filesBelow(p.raw)).toEqual([]);
  expect(existsSync(p.lock)).toBe(false);
}

describe('expandInputs(inputs: string[]): string[]', () => {
  const tmp = useTempDir('cw-expand-');

  test('should expand directories recursively and sorted into record files, skipping hidden, _-prefixed and other files', () => {
    const d = join(tmp(), 'in');
    for (const f of ['b.csv', 'a.json', 'c.CSV', '.hidden.csv', '_skip.csv', 'notes.md', 'sub/d.xlsx', '_old/e.csv', '.git/f.csv']) {
      mkdirSync(join(d, f, '..'), { recursive: true });
      writeFileSync(join(d, f), '');
    }
    const single = join(tmp(), 'single.txt');
    writeFileSync(single, '');
    expect(expandInputs([d, single])).toEqual([...['a.json', 'b.csv', 'c.CSV', 'sub/d.xlsx'].map((f) => join(d, f)), single]);
  });

  test('should throw CW_ERR_NOT_FOUND naming a missing input', () => {
    const missing = join(tmp(), 'missing-dir');
    expect(() => expandInputs([missing])).toThrow(InputError);
    expect(() => expandInputs([missing])).toThrow(/missing-dir/);
  });

  test('should make runIngest refuse a directory without record files', async () => {
    mkdirSync(join(tmp(), 'empty'));
    writeFileSync(join(tmp(), 'empty', 'readme.md'), '');
    await expect(ingest(join(tmp(), 'data'), [join(tmp(), 'empty')])).rejects.toMatchObject({ code: 'CW_ERR_NOT_FOUND' });
  });
});
