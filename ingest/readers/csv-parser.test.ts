import { describe, expect, it } from 'vitest';
import { parse as csvParseSync } from 'csv-parse/sync';
import { CsvChunkParser, CsvParseError, parseCsvText } from './csv-parser.ts';

const CSV_PARSE_OPTIONS = { relax_column_count: true, relax_quotes: true, skip_empty_lines: true };

function rng(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 2 ** 32;
  };
}

function chunked(text: string, delimiter: string, sizes: () => number): string[][] {
  const p = new CsvChunkParser(delimiter);
  const out: string[][] = [];
  for (let i = 0; i < text.length; ) {
    const n = 1 + Math.floor(sizes() * 40);
    out.push(...p.push(text.slice(i, i + n)));
    i += n;
  }
  return [...out, ...p.end()];
}

describe('CsvChunkParser', () => {
  it('parses RFC 4180 records', () => {
    expect(parseCsvText('a,b\r\n"x,1","say ""hi"""\n"multi\nline",\n')).toEqual([
      ['a', 'b'],
      ['x,1', 'say "hi"'],
      ['multi\nline', ''],
    ]);
    expect(parseCsvText('a;b\n\n\nc;"d;e"', ';')).toEqual([['a', 'b'], ['c', 'd;e']]);
    expect(parseCsvText('old\rmac\r')).toEqual([['old'], ['mac']]);
  });

  it('is lenient with stray quotes like csv-parse relax_quotes', () => {
    expect(parseCsvText('a"b,"abc"def, "q"\n')).toEqual([['a"b', '"abc"def', ' "q"']]);
  });

  it('reports an unclosed quote with its line', () => {
    const p = new CsvChunkParser(',');
    p.push('a,b\nc,"open\n\nstill open');
    expect(() => p.end()).toThrow(CsvParseError);
    try {
      p.end();
    } catch (e) {
      expect((e as CsvParseError).line).toBe(2);
    }
  });

  it('agrees with csv-parse on random documents and chunk boundaries', () => {
    const r = rng(42);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
    const alphabet = ['a', '信', '用', '"', ' ', '1', ';', '|', '\t', ','];
    for (let doc = 0; doc < 400; doc++) {
      const delim = pick([',', ';', '\t', '|']);
      const eol = pick(['\n', '\r\n']);
      const lines: string[] = [];
      for (let l = 0, nl = 1 + Math.floor(r() * 6); l < nl; l++) {
        const fields: string[] = [];
        for (let f = 0, nf = Math.floor(r() * 5); f < nf; f++) {
          let v = '';
          for (let k = 0, len = Math.floor(r() * 6); k < len; k++) v += pick([...alphabet, '\n', '\r\n']);
          if (r() < 0.5 || /[\r\n]/.test(v) || v.includes(delim) || v.startsWith('"')) v = `"${v.replace(/"/g, '""')}"`;
          fields.push(v);
        }
        lines.push(fields.join(delim));
      }
      const text = lines.join(eol) + (r() < 0.7 ? eol : '');
      const expected = csvParseSync(text, { ...CSV_PARSE_OPTIONS, delimiter: delim }) as string[][];
      expect(parseCsvText(text, delim), JSON.stringify(text)).toEqual(expected);
      expect(chunked(text, delim, r), JSON.stringify(text)).toEqual(expected);
    }
  });
});
