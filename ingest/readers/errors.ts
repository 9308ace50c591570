/**
 * Errors raised by the input readers. Codes are stable and meant to be matched
 * by callers (CLI exit messages, ingest run log); messages are for humans.
 */

export const READER_ERROR_CODES = [
  'CW_ERR_ENCODING', // bytes are neither UTF-8, UTF-16 (with BOM) nor GB18030/GBK text
  'CW_ERR_NOT_FOUND', // the input path does not exist or is not a readable file
  'CW_ERR_FORMAT', // unknown extension or content that cannot be parsed as the expected format
  'CW_ERR_EMPTY', // no header row / no records at all
  'CW_ERR_SHEET', // the requested XLSX worksheet does not exist
] as const;

export type ReaderErrorCode = (typeof READER_ERROR_CODES)[number];

export interface ReaderErrorDetails {
  /** What the reader expected, e.g. "a UTF-8 or GB18030 text file". */
  expected?: string;
  /** What it found instead, e.g. "invalid byte 0xFF". */
  found?: string;
  /** What the user can do about it. */
  hint?: string;
  /** Byte offset in the file of the offending data, when known. */
  offset?: number;
  /** 1-based line (CSV/NDJSON) or row (XLSX) number, when known. */
  line?: number;
  cause?: unknown;
}

export class ReaderError extends Error {
  readonly code: ReaderErrorCode;
  readonly file: string;
  readonly expected?: string;
  readonly found?: string;
  readonly hint?: string;
  readonly offset?: number;
  readonly line?: number;

  constructor(code: ReaderErrorCode, file: string, summary: string, details: ReaderErrorDetails = {}) {
    super(formatMessage(code, file, summary, details), details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'ReaderError';
    this.code = code;
    this.file = file;
    this.expected = details.expected;
    this.found = details.found;
    this.hint = details.hint;
    this.offset = details.offset;
    this.line = details.line;
  }
}

function formatMessage(code: ReaderErrorCode, file: string, summary: string, d: ReaderErrorDetails): string {
  let where = '';
  if (d.line !== undefined) where += ` at line ${d.line}`;
  if (d.offset !== undefined) where += ` at byte offset ${d.offset}`;
  const parts = [`[${code}] ${file}${where}: ${summary}`];
  if (d.expected !== undefined) parts.push(`expected ${d.expected}`);
  if (d.found !== undefined) parts.push(`found ${d.found}`);
  let msg = parts.join('; ') + '.';
  if (d.hint) msg += ` Hint: ${d.hint}`;
  return msg;
}

export function isReaderError(e: unknown, code?: ReaderErrorCode): e is ReaderError {
  return e instanceof ReaderError && (code === undefined || e.code === code);
}
