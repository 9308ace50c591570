import { describe, expect, test } from 'vitest';
import { daysInMonth, isRealDate, localTodayIso, parseRecordDate } from './dates.ts';

const ok = (iso: string, longTerm = false) => ({ ok: true, iso, longTerm });
const bad = (reason: 'format' | 'calendar') => ({ ok: false, reason });

describe('parseRecordDate(s)', () => {
  test.each([
    ['2023/01/05', '2023-01-05'],
    ['2023-01-05', '2023-01-05'],
    ['2023/1/5', '2023-01-05'],
    ['2023-1-5', '2023-01-05'],
    ['2023/12/5', '2023-12-05'],
    ['2023-1-15', '2023-01-15'],
    ['20230105', '2023-01-05'],
    ['2023年1月5日', '2023-01-05'],
    ['2023年01月05日', '2023-01-05'],
    ['2023年12月31日', '2023-12-31'],
  ])('should accept %s', (input, iso) => {
    expect(parseRecordDate(input)).toEqual(ok(iso));
  });

  test.each([
    ['2023-01-05 10:30', '2023-01-05'],
    ['2023/1/5 8:05:59', '2023-01-05'],
    ['20230105 00:00:00', '2023-01-05'],
    ['2023年1月5日 10:30', '2023-01-05'],
    ['2023-01-05 00:00:00.0', '2023-01-05'],
    ['2023-01-05  10:30', '2023-01-05'],
  ])('should ignore the time part of %s', (input, iso) => {
    expect(parseRecordDate(input)).toEqual(ok(iso));
  });

  test('should trim blanks, including ideographic spaces and BOM', () => {
    expect(parseRecordDate('  2023-01-05\t')).toEqual(ok('2023-01-05'));
    expect(parseRecordDate('\u30002023/1/5\u3000')).toEqual(ok('2023-01-05'));
    expect(parseRecordDate('\ufeff20230105\r\n')).toEqual(ok('2023-01-05'));
  });

  test('should flag 2099-12-31 as long-term in every format', () => {
    for (const s of ['2099/12/31', '2099-12-31', '20991231', '2099年12月31日', '2099-12-31 00:00:00']) {
      expect(parseRecordDate(s)).toEqual(ok('2099-12-31', true));
    }
    expect(parseRecordDate('2099-12-30')).toEqual(ok('2099-12-30', false));
  });

  test.each([
    '2023-02-30', '2023/2/29', '2023-13-01', '2023-00-10', '2023-01-00', '2023-04-31',
    '20230230', '2023年2月30日', '1900-02-29', '0000-01-01',
  ])('should reject impossible date %s as calendar', (input) => {
    expect(parseRecordDate(input)).toEqual(bad('calendar'));
  });

  test('should accept leap days', () => {
    expect(parseRecordDate('2024-02-29')).toEqual(ok('2024-02-29'));
    expect(parseRecordDate('2000/2/29')).toEqual(ok('2000-02-29'));
  });

  test.each([
    '', '   ', '长期', '2023', '2023-01', '2023/01-05', '2023-01/05', '23-01-05', '2023-001-05',
    '2023.01.05', '05/01/2023', '2023010', '202301050', '2023年1月5', '2023-01-05T10:30',
    '2023-01-05 10', '2023-01-05 10:3', '2023-01-05 abc', '２０２３-01-05', '2023 -01-05',
  ])('should reject %j as format', (input) => {
    expect(parseRecordDate(input)).toEqual(bad('format'));
  });
});

describe('isRealDate(y, m, d)', () => {
  test('should follow the Gregorian leap-year rule', () => {
    expect(daysInMonth(2024, 2)).toBe(29);
    expect(daysInMonth(1900, 2)).toBe(28);
    expect(daysInMonth(2000, 2)).toBe(29);
    expect(isRealDate(2023, 4, 31)).toBe(false);
    expect(isRealDate(2023, 12, 31)).toBe(true);
  });
});

describe('localTodayIso(now)', () => {
  test('should format the local calendar date', () => {
    expect(localTodayIso(new Date(2024, 0, 9, 23, 59))).toBe('2024-01-09');
  });
});
