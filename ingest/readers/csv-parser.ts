/**
 * Fast resumable CSV parser working on decoded text chunks (RFC 4180 plus the
 * leniency of csv-parse with relax_quotes / relax_column_count / skip_empty_lines).
 *
 * Why not csv-parse in the hot path: measured on a 60 MB GBK file, csv-parse
 * parses about 17-20 MB/s, which made it ~85% of the transcoding time; this
 * parser does the same work in a fraction of that (see memory.test.ts output).
 * csv-parse is still used as the reference in csv-parser.test.ts and can be
 * selected with `engine: 'csv-parse'` in readCsv.
 *
 * Rules:
 * - a field is quoted only if it starts with '"'; '""' inside is one quote;
 * - a quote inside an unquoted field is literal (`a"b` -> `a"b`);
 * - text after a closing quote (`"abc"def`) keeps the field verbatim, quotes included;
 * - records end at '\n', '\r\n' or a lone '\r'; line breaks inside quotes are data;
 * - empty lines produce no record; records may have any number of fields.
 */

const enum S {
  FieldStart,
  Unquoted,
  Quoted,
  QuoteSeen, // a '"' inside a quoted field: either an escaped quote or the closing one
  AfterCr, // a '\r' ended a record; a following '\n' belongs to it
}

export class CsvParseError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

export class CsvChunkParser {
  private readonly delim: number;
  private state = S.FieldStart;
  private field = '';
  private row: string[] = [];
  private lineHasContent = false;
  /** 1-based line number of the current position (counts line breaks in quoted fields too). */
  line = 1;
  private recordLine = 1;

  constructor(delimiter: string) {
    if (delimiter.length !== 1) throw new Error('delimiter must be one character');
    this.delim = delimiter.charCodeAt(0);
  }

  /** Parses a chunk; returns the records completed in it. */
  push(s: string): string[][] {
    const out: string[][] = [];
    const n = s.length;
    const delim = this.delim;
    let i = 0;
    while (i < n) {
      switch (this.state) {
        case S.AfterCr:
          this.state = S.FieldStart;
          if (s.charCodeAt(i) === 10) i++;
          break;
        case S.FieldStart:
          if (s.charCodeAt(i) === 34) {
            this.state = S.Quoted;
            this.lineHasContent = true;
            i++;
            break;
          }
          this.state = S.Unquoted;
        // falls through
        case S.Unquoted: {
          let j = i;
          let c = 0;
          while (j < n) {
            c = s.charCodeAt(j);
            if (c === delim || c === 10 || c === 13) break;
            j++;
          }
          if (j > i) {
            this.field += s.slice(i, j);
            this.lineHasContent = true;
          }
          i = j;
          if (j < n) i = this.separator(c, out, i);
          break;
        }
        case S.Quoted: {
          const q = s.indexOf('"', i);
          const end = q < 0 ? n : q;
          const part = s.slice(i, end);
          for (let k = part.indexOf('\n'); k >= 0; k = part.indexOf('\n', k + 1)) this.line++;
          this.field += part;
          if (q < 0) return out;
          i = q + 1;
          this.state = S.QuoteSeen;
          break;
        }
        case S.QuoteSeen: {
          const c = s.charCodeAt(i);
          if (c === 34) {
            this.field += '"';
            this.state = S.Quoted;
            i++;
          } else if (c === delim || c === 10 || c === 13) {
            i = this.separator(c, out, i);
          } else {
            // Text after the closing quote: keep the field verbatim, like csv-parse relax_quotes.
            this.field = '"' + this.field.replace(/"/g, '""') + '"';
            this.state = S.Unquoted;
          }
          break;
        }
      }
    }
    return out;
  }

  /** Handles a delimiter / line break at s[i]; returns the next index. */
  private separator(c: number, out: string[][], i: number): number {
    if (c === this.delim) {
      this.row.push(this.field);
      this.field = '';
      this.lineHasContent = true;
      this.state = S.FieldStart;
      return i + 1;
    }
    this.endRecord(out);
    this.line++;
    this.state = c === 13 ? S.AfterCr : S.FieldStart;
    return i + 1;
  }

  private endRecord(out: string[][]): void {
    if (this.lineHasContent) {
      this.row.push(this.field);
      out.push(this.row);
      this.row = [];
    }
    this.field = '';
    this.lineHasContent = false;
    this.recordLine = this.line + 1;
  }

  /** Call at end of input; returns the last record if the input did not end with a line break. */
  end(): string[][] {
    if (this.state === S.Quoted) {
      throw new CsvParseError('quoted field not closed at end of file (unbalanced double quote)', this.recordLine);
    }
    const out: string[][] = [];
    if (this.state !== S.AfterCr) this.endRecord(out);
    this.state = S.FieldStart;
    return out;
  }
}

/** Parses a whole string (used for header lines and tests). */
export function parseCsvText(text: string, delimiter = ','): string[][] {
  const p = new CsvChunkParser(delimiter);
  return [...p.push(text), ...p.end()];
}
