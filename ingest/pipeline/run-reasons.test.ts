/**
 * Reason codes beyond penalties.csv: one small fixture row per code (expected codes worked out by
 * hand, USCCs/IDs made valid with makeUscc/innerOrgCheckChar/makeIdNumber and hard-coded), the
 * extra-cells check, and the --kind override.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { describe, expect, test } from 'vitest';
import { csvLines, ingest, lakeRows, pipelineFixture, sha256Hex, useTempDir, writeLines } from '../../test/helpers.ts';
import { InputError } from './errors.ts';
import { REASONS } from './reasons.ts';
import { recognizeKind } from './recognize.ts';

type RejectRow = { kind: string; row_number: number; reason_code: string; reason_field: string; got: string | null };
const rejectsOf = (dataDir: string) => lakeRows<RejectRow>(dataDir,
  `SELECT kind, row_number, reason_code, reason_field, got FROM rejects ORDER BY kind, row_number`);
const codeByRow = (rows: RejectRow[]) => Object.fromEntries(rows.map((r) => [r.row_number, r.reason_code]));

/** GBK bytes of a UTF-8 fixture: a file the reader must transcode (not used in place). */
function gbkCopy(src: string, dest: string): string {
  writeFileSync(dest, iconv.encode(readFileSync(src, 'utf8'), 'gbk'));
  return dest;
}

describe('runIngest(opts: IngestOptions): Promise<IngestSummary> — reason codes', () => {
  const tmp = useTempDir('cw-reasons-');
  const dataDir = () => join(tmp(), 'data');

  test('should reject USCC length, ID length/charset/birth date, date format, number format and a conditional 证件号码', async () => {
    const s = await ingest(dataDir(), [pipelineFixture('penalty-reasons.csv')]);
    expect({ rows_read: s.rows_read, accepted: s.accepted, rejected: s.rejected }).toEqual({ rows_read: 8, accepted: 1, rejected: 7 });
    const rows = await rejectsOf(dataDir());
    expect(codeByRow(rows)).toEqual({
      3: 'CW_USCC_LENGTH', // 17 characters
      4: 'CW_IDNO_LENGTH', // 17 digits
      5: 'CW_IDNO_CHARSET', // letters A and X at positions 17-18
      6: 'CW_IDNO_BIRTHDATE', // born 1985-13-15, check char valid
      7: 'CW_DATE_FORMAT', // 2025.03.15
      8: 'CW_NUMBER_FORMAT', // 罚款金额 二万
      9: 'CW_REQUIRED', // 自然人 without 证件号码
    });
    const byRow = new Map(rows.map((r) => [r.row_number, r]));
    expect(byRow.get(9)).toMatchObject({ reason_field: '证件号码', got: null });
    // Rejected ID numbers are shown masked: first 4, ten '*', last 4.
    expect([4, 5, 6].map((n) => byRow.get(n)!.got)).toEqual(['3209**********5002', '3209**********00AX', '3209**********002X']);
    const [ok] = await lakeRows<{ row_number: number; id_number_hash: string }>(dataDir(), `SELECT row_number, id_number_hash FROM records_penalty`);
    expect(ok).toEqual({ row_number: 2, id_number_hash: sha256Hex('test-key|320922198506150021') });
  });

  test('should reject unknown county and industry codes, coordinates outside China and a 经度 without 纬度 in a 主体登记 file', async () => {
    const s = await ingest(dataDir(), [pipelineFixture('subjects.csv')]);
    expect(s.file_reports[0].kind).toBe('subject');
    expect({ rows_read: s.rows_read, accepted: s.accepted, rejected: s.rejected }).toEqual({ rows_read: 7, accepted: 2, rejected: 5 });
    expect(s.by_reason).toEqual({ CW_COUNTY_UNKNOWN: 1, CW_INDUSTRY_UNKNOWN: 1, CW_COORD_RANGE: 2, CW_REQUIRED: 1 });
    const rows = await rejectsOf(dataDir());
    expect(codeByRow(rows)).toEqual({ 3: 'CW_COUNTY_UNKNOWN', 4: 'CW_INDUSTRY_UNKNOWN', 5: 'CW_COORD_RANGE', 6: 'CW_COORD_RANGE', 8: 'CW_REQUIRED' });
    expect(rows.map((r) => [r.row_number, r.reason_field, r.got])).toEqual([
      [3, '所属区县代码', '329999'], [4, '行业代码', '98'], [5, '经度', '200.5'], [6, '纬度', '60.0'], [8, '纬度', null],
    ]);
    const subjects = await lakeRows(dataDir(), `SELECT row_number, subject_uscc, industry_code, industry_division, industry_section, scale, status,
        lon, lat, CAST(reg_date AS VARCHAR) AS reg_date, month FROM subjects ORDER BY row_number`);
    expect(subjects).toEqual([
      { row_number: 2, subject_uscc: '91320902MA1ABCDE8B', industry_code: '2611', industry_division: '26', industry_section: 'C',
        scale: '小型', status: '存续', lon: 120.16, lat: 33.35, reg_date: '2018-05-20', month: '2018-05' },
      { row_number: 7, subject_uscc: '91320923MA6FGHJKX2', industry_code: '4710', industry_division: '47', industry_section: 'E',
        scale: '中型', status: '在业', lon: 119.8, lat: 33.76, reg_date: '2016-08-08', month: '2016-08' },
    ]);
  });

  test('should reject a row with more cells than the header (CW_EXTRA_FIELDS) in a transcoded file', async () => {
    const gbk = gbkCopy(pipelineFixture('extra-fields.csv'), join(tmp(), 'extra-fields-gbk.csv'));
    const s = await ingest(dataDir(), [gbk]);
    expect(s.file_reports[0].encoding).toMatch(/^gb/);
    expect({ accepted: s.accepted, rejected: s.rejected, by_reason: s.by_reason }).toEqual({ accepted: 1, rejected: 1, by_reason: { CW_EXTRA_FIELDS: 1 } });
    expect(await rejectsOf(dataDir())).toEqual([{ kind: 'penalty', row_number: 3, reason_code: 'CW_EXTRA_FIELDS', reason_field: '(row)', got: '多出的一格' }]);
  });

  // Regression: a clean UTF-8 comma CSV is used in place (no `__extra__` from the reader), and
  // read_csv(null_padding) puts surplus cells into unnamed columns; they must still be rejected.
  test('should reject a row with more cells than the header in a clean UTF-8 file used in place', async () => {
    const s = await ingest(dataDir(), [pipelineFixture('extra-fields.csv')]);
    expect(s.file_reports[0].encoding).toBe('utf8');
    expect({ accepted: s.accepted, rejected: s.rejected, by_reason: s.by_reason }).toEqual({ accepted: 1, rejected: 1, by_reason: { CW_EXTRA_FIELDS: 1 } });
    expect(await rejectsOf(dataDir())).toEqual([{ kind: 'penalty', row_number: 3, reason_code: 'CW_EXTRA_FIELDS', reason_field: '(row)', got: '多出的一格' }]);
  });

  test('should exercise every reason code of REASONS across the fixtures', async () => {
    const inputs = ['penalties.csv', 'penalty-reasons.csv', 'subjects.csv'].map(pipelineFixture);
    inputs.push(gbkCopy(pipelineFixture('extra-fields.csv'), join(tmp(), 'extra-fields-gbk.csv')));
    const s = await ingest(dataDir(), inputs);
    expect(Object.keys(s.by_reason).sort()).toEqual(Object.keys(REASONS).sort());
  });

  test('should apply a forced kind to a file whose header is not recognized', async () => {
    const header = '行政相对人名称,行政相对人类别,行政相对人代码_1(统一社会信用代码),行政处罚决定书文号,处罚决定日期,处罚有效期,处罚机关统一社会信用代码,数据来源单位,数据来源单位统一社会信用代码';
    const body = ',法人及非法人组织,91320902MA1Q8R7T1T,盐市监处罚〔2025〕{n}号,2025/03/15,2025/09/15,11320900014123458X,盐城市市场监督管理局,11320900014123458X';
    const file = writeLines(join(tmp(), 'subset.csv'), [header, `甲公司${body.replace('{n}', '501')}`, `乙公司${body.replace('{n}', '502')}`]);
    expect(recognizeKind(header.split(',')).best).toBeUndefined(); // precondition: 1 of 4 signature labels
    await expect(ingest(dataDir(), [file])).rejects.toMatchObject({ code: 'CW_ERR_UNKNOWN_KIND' });

    for (const kind of ['penalty', '行政处罚']) {
      const s = await ingest(join(tmp(), `data-${kind}`), [file], { kind });
      expect(s.by_kind).toEqual({ penalty: { rows_read: 2, accepted: 0, rejected: 2, duplicates: 0 } });
      // Six required columns are absent: every row is rejected, once under CW_REQUIRED.
      expect(s.by_reason).toEqual({ CW_REQUIRED: 2 });
    }
    const [r] = await lakeRows<{ reasons: string }>(join(tmp(), 'data-penalty'), `SELECT reasons FROM rejects WHERE row_number = 2`);
    expect(JSON.parse(r.reasons).map((x: { field: string }) => x.field).sort())
      .toEqual(['处罚依据', '处罚内容', '处罚机关', '处罚类别', '违法事实', '违法行为类型'].sort());
  });

  test('should refuse a forced kind that does not exist', async () => {
    const e = await ingest(dataDir(), [pipelineFixture('penalties.csv')], { kind: '行政罚款' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InputError);
    expect(e).toMatchObject({ code: 'CW_ERR_UNKNOWN_KIND' });
  });

  // Privacy: a cell shaped like a resident ID is masked in rejects.raw even when its column was not
  // recognized (here a made-up header), so the row is rejected for the missing 证件号码.
  test('should not write a clear ID number into rejects when its column header is not recognized', async () => {
    const [header, , row3] = csvLines(pipelineFixture('penalties.csv'));
    const file = writeLines(join(tmp(), 'idcol.csv'), [header.replace('证件号码', '公民身份号码栏'), row3]);
    const s = await ingest(dataDir(), [file]);
    expect(s.rejected).toBe(1); // 自然人 without a recognized 证件号码 column
    const [r] = await lakeRows<{ raw: string }>(dataDir(), `SELECT raw FROM rejects`);
    expect(r.raw).not.toContain('320922198001011237');
  });

  test('should read the fixtures the way the expectations assume', () => {
    // Guards the hand-made fixtures: row counts and the one ragged row.
    expect(csvLines(pipelineFixture('penalty-reasons.csv'))).toHaveLength(9);
    expect(csvLines(pipelineFixture('subjects.csv'))).toHaveLength(8);
    expect(csvLines(pipelineFixture('extra-fields.csv')).map((l) => l.split(',').length)).toEqual([24, 24, 25]);
  });
});
