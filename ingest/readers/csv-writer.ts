/**
 * RFC 4180 CSV output: comma separated, '"' quoting (doubled inside), '\n' line
 * ends, UTF-8 without BOM. This is the normalized form handed to DuckDB.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';

const NEEDS_QUOTES = /[",\n\r]/;
const QUOTE = /"/g;

/** Encodes one field, quoting it only when it contains a comma, quote or line break. */
export function encodeCsvField(value: string): string {
  return NEEDS_QUOTES.test(value) ? '"' + value.replace(QUOTE, '""') + '"' : value;
}

/** Encodes one record including the trailing '\n'. */
export function encodeCsvRow(fields: readonly string[]): string {
  let line = '';
  for (let i = 0; i < fields.length; i++) {
    if (i > 0) line += ',';
    const v = fields[i];
    line += NEEDS_QUOTES.test(v) ? '"' + v.replace(QUOTE, '""') + '"' : v;
  }
  return line + '\n';
}

/**
 * Buffered CSV file writer with backpressure. `writeRow` returns a promise only when
 * the caller must wait (the OS buffer is full), so the hot loop stays synchronous:
 *
 *   const wait = writer.writeRow(fields); if (wait) await wait;
 */
export class CsvFileWriter {
  readonly path: string;
  /** Data records written (the header row is not counted). */
  rows = 0;
  private readonly stream: WriteStream;
  private pending = '';
  private readonly flushAt: number;
  private failure: Error | null = null;

  constructor(path: string, opts: { flushAtChars?: number } = {}) {
    this.path = path;
    this.flushAt = opts.flushAtChars ?? 64 * 1024;
    this.stream = createWriteStream(path, { flags: 'w', highWaterMark: 256 * 1024 });
    this.stream.on('error', (e) => {
      this.failure ??= e;
    });
  }

  writeHeader(names: readonly string[]): Promise<void> | undefined {
    this.pending += encodeCsvRow(names);
    return this.pending.length >= this.flushAt ? this.flush() : undefined;
  }

  writeRow(fields: readonly string[]): Promise<void> | undefined {
    this.pending += encodeCsvRow(fields);
    this.rows++;
    return this.pending.length >= this.flushAt ? this.flush() : undefined;
  }

  /** Hands buffered text to the stream; resolves once the stream can take more. */
  flush(): Promise<void> | undefined {
    if (this.failure) return Promise.reject(this.failure);
    if (this.pending === '') return undefined;
    const ok = this.stream.write(this.pending);
    this.pending = '';
    return ok ? undefined : once(this.stream, 'drain').then(() => undefined);
  }

  /** Flushes and closes the file. */
  async close(): Promise<void> {
    await this.flush();
    this.stream.end();
    await finished(this.stream);
    if (this.failure) throw this.failure;
  }

  /** Closes the file without flushing (used on errors; the caller deletes the file). */
  async abort(): Promise<void> {
    this.pending = '';
    if (this.stream.closed) return;
    this.stream.destroy();
    await once(this.stream, 'close').catch(() => undefined);
  }
}
