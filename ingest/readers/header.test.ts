import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { firstLine, labelsAreCleanColumnNames, normalizeHeaderLabel, sniffDelimiter, uniqueColumnNames } from './header.ts';
import { makeTmpDir, readBack } from './test-helpers.ts';

const tmp = makeTmpDir('header');
afterAll(tmp.cleanup);

describe('normalizeHeaderLabel', () => {
  it('unifies full-width brackets and whitespace', () => {
    const a = normalizeHeaderLabel('罚款金额（万元）');
    expect(a).toBe('罚款金额(万元)');
    expect(normalizeHeaderLabel('罚款金额(万元)')).toBe(a);
    expect(normalizeHeaderLabel(' 罚款金额 ( 万元 ) ')).toBe(a);
    expect(normalizeHeaderLabel('罚款金额【万元】')).toBe(a);
    expect(normalizeHeaderLabel('罚款金额[万元]')).toBe(a);
    expect(normalizeHeaderLabel('罚款\u3000金额\t(万元)\n')).toBe(a);
  });
  it('uppercases ASCII letters and converts full-width letters/digits', () => {
    expect(normalizeHeaderLabel('xk_xdr_mc')).toBe('XK_XDR_MC');
    expect(normalizeHeaderLabel('XK_XDR_MC')).toBe('XK_XDR_MC');
    expect(normalizeHeaderLabel('ｘｋ＿ｘｄｒ＿ｍｃ')).toBe('XK_XDR_MC');
    expect(normalizeHeaderLabel('代码_１')).toBe('代码_1');
  });
  it('removes BOM / zero-width characters and required markers', () => {
    expect(normalizeHeaderLabel('\uFEFF行政相对人名称')).toBe('行政相对人名称');
    expect(normalizeHeaderLabel('行政\u200B相对人名称')).toBe('行政相对人名称');
    expect(normalizeHeaderLabel('行政相对人名称*')).toBe('行政相对人名称');
    expect(normalizeHeaderLabel('行政相对人名称＊')).toBe('行政相对人名称');
    expect(normalizeHeaderLabel('*行政相对人名称')).toBe('行政相对人名称');
    expect(normalizeHeaderLabel('行政相对人名称（必填）')).toBe('行政相对人名称');
    expect(normalizeHeaderLabel('行政相对人名称 *(必填)')).toBe('行政相对人名称');
    expect(normalizeHeaderLabel('行政相对人代码_1(统一社会信用代码)')).toBe('行政相对人代码_1(统一社会信用代码)');
  });
});

describe('sniffDelimiter', () => {
  it('counts candidates outside quotes', () => {
    expect(sniffDelimiter('a,b,c')).toBe(',');
    expect(sniffDelimiter('a;b;c')).toBe(';');
    expect(sniffDelimiter('a\tb\tc')).toBe('\t');
    expect(sniffDelimiter('a|b|c')).toBe('|');
    expect(sniffDelimiter('"a,b,c";d;e')).toBe(';');
    expect(sniffDelimiter('"x;y;z;w",b')).toBe(',');
    expect(sniffDelimiter('名称')).toBe(',');
  });
  it('firstLine skips blank lines and ignores quoted line breaks', () => {
    expect(firstLine('\r\n\n"a\nb",c\nd,e')).toBe('"a\nb",c');
  });
});

describe('uniqueColumnNames', () => {
  it('names columns exactly like DuckDB read_csv does', async () => {
    const labels = ['a', 'a', 'A', '', ' b ', 'a_1', 'c'];
    const p = join(tmp.dir, 'dups.csv');
    writeFileSync(p, labels.join(',') + '\n1,2,3,4,5,6,7\n');
    const { columns } = await readBack(p);
    expect(uniqueColumnNames(labels)).toEqual(columns);
    expect(labelsAreCleanColumnNames(labels)).toBe(false);
    expect(labelsAreCleanColumnNames(['名称', '代码'])).toBe(true);
  });
});
