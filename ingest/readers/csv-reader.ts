/**
 * CSV / TSV / TXT input: encoding + delimiter detection, header parsing, and either
 * in-place use (clean UTF-8 comma CSV) or a streaming transcode to normalized CSV.
 */
import { createReadStream, type ReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import { CsvError, parse, type Options as CsvParseOptions } from 'csv-parse';
import { CsvChunkParser, CsvParseError, parseCsvText } from './csv-parser.ts';
import { createDecoder, decodeSample, detectFileEncoding, type TextEncoding } from './detect-encoding.ts';
import { ReaderError } from './errors.ts';
import { firstLineSpan, labelsAreCleanColumnNames, sniffDelimiter, type Delimiter } from './header.ts';
import { convertToCsv, READ_CHUNK_BYTES, type RowSource } from './table-sink.ts';

export interface CsvReadOptions {
  tmpDir: string;
  onProgress?: (bytesRead: number, rowsRead: number) => void;
  /** Forces a delimiter (used for .tsv); otherwise it is sniffed from the first line. */
  delimiter?: Delimiter;
  /** Always write a normalized copy, even for clean UTF-8 comma files. */
  forceCopy?: boolean;
  /** CSV parser for the transcode: the built-in fast parser (default) or csv-parse. */
  engine?: 'fast' | 'csv-parse';
}

export interface CsvReadResult {
  encoding: TextEncoding;
  delimiter: Delimiter;
  header: string[];
  csvPath: string;
  temporary: boolean;
  /** Data rows in csvPath; null when the file is used in place (not counted). */
  rowCount: number | null;
  /** U+FFFD characters produced while decoding (undecodable bytes after the sample). */
  invalidChars: number;
}

function parserOptions(delimiter: string): CsvParseOptions {
  return {
    delimiter,
    quote: '"',
    escape: '"',
    bom: true,
    relax_column_count: true, // ragged rows are padded / moved to __extra__ by the sink
    relax_quotes: true, // stray quotes inside unquoted fields are kept literally
    skip_empty_lines: true,
    max_record_size: 16 * 1024 * 1024,
  };
}

export async function readCsv(file: string, size: number, opts: CsvReadOptions): Promise<CsvReadResult> {
  if (size === 0) throw emptyError(file);
  const { encoding, head, headIsWholeFile } = await detectFileEncoding(file, size);
  const text = decodeSample(head, encoding); // strips a BOM
  const span = firstLineSpan(text);
  const line = text.slice(span.start, span.end);
  if (line.trim() === '' && headIsWholeFile) throw emptyError(file);
  const delimiter = opts.delimiter ?? sniffDelimiter(line);

  // The header can be taken from the sample when a line break follows it there.
  const headerFields = span.complete || headIsWholeFile ? parseHeaderLine(file, line, delimiter) : null;
  const startsWithQuote = text.trimStart().startsWith('"');
  const inPlace =
    !opts.forceCopy &&
    headerFields !== null &&
    delimiter === ',' &&
    (encoding === 'utf8' || (encoding === 'utf8bom' && !startsWithQuote)) &&
    headerFields.length > 0 &&
    labelsAreCleanColumnNames(headerFields);
  if (inPlace) {
    return { encoding, delimiter, header: headerFields, csvPath: file, temporary: false, rowCount: null, invalidChars: 0 };
  }

  let invalidChars = 0;
  const result = await convertToCsv({ file, tmpDir: opts.tmpDir, onProgress: opts.onProgress }, async () => {
    invalidChars = 0;
    const count = (n: number): void => void (invalidChars += n);
    return opts.engine === 'csv-parse' ? openCsvParseSource(file, encoding, delimiter, count) : openFastSource(file, encoding, delimiter, count);
  });
  return {
    encoding,
    delimiter,
    header: result.header,
    csvPath: result.csvPath,
    temporary: true,
    rowCount: result.rows,
    invalidChars,
  };
}

function parseHeaderLine(file: string, line: string, delimiter: string): string[] | null {
  try {
    const rows = parseCsvText(line, delimiter);
    return rows.length === 1 ? rows[0] : null;
  } catch (e) {
    throw formatError(file, e);
  }
}

function countReplacements(chunk: string): number {
  let n = 0;
  for (let i = chunk.indexOf('\uFFFD'); i >= 0; i = chunk.indexOf('\uFFFD', i + 1)) n++;
  return n;
}

function openFastSource(file: string, encoding: TextEncoding, delimiter: string, onInvalid: (n: number) => void): RowSource {
  const input: ReadStream = createReadStream(file, { highWaterMark: READ_CHUNK_BYTES });
  const decoder = createDecoder(encoding);
  pipeline(input, decoder, () => undefined); // errors surface through the decoder iterator
  async function* batches(): AsyncGenerator<string[][]> {
    const parser = new CsvChunkParser(delimiter);
    try {
      for await (const chunk of decoder as AsyncIterable<string>) {
        const n = countReplacements(chunk);
        if (n) onInvalid(n);
        yield parser.push(chunk);
      }
      yield parser.end();
    } catch (e) {
      throw formatError(file, e);
    }
  }
  return {
    rows: batches(),
    bytesRead: () => input.bytesRead,
    close: () => {
      input.destroy();
      decoder.destroy();
    },
  };
}

function openCsvParseSource(file: string, encoding: TextEncoding, delimiter: string, onInvalid: (n: number) => void): RowSource {
  const input: ReadStream = createReadStream(file, { highWaterMark: READ_CHUNK_BYTES });
  const decoder = createDecoder(encoding);
  const parser = parse(parserOptions(delimiter));
  decoder.on('data', (chunk: string) => {
    const n = countReplacements(chunk);
    if (n) onInvalid(n);
  });
  pipeline(input, decoder, parser, () => undefined); // errors surface through the parser iterator
  return {
    rows: readBatches(file, parser),
    bytesRead: () => input.bytesRead,
    close: () => {
      input.destroy();
      decoder.destroy();
      parser.destroy();
    },
  };
}

/** Drains all records a stream has buffered at once, so rows arrive in batches. */
async function* readBatches(file: string, stream: Readable): AsyncGenerator<string[][]> {
  try {
    for (;;) {
      const batch: string[][] = [];
      let rec: string[] | null;
      while ((rec = stream.read() as string[] | null) !== null) batch.push(rec);
      if (batch.length) yield batch;
      else if (stream.readableEnded) return;
      else await waitReadable(stream);
    }
  } catch (e) {
    throw formatError(file, e);
  }
}

function waitReadable(stream: Readable): Promise<void> {
  if (stream.errored) return Promise.reject(stream.errored);
  return new Promise((resolve, reject) => {
    const done = (err?: Error): void => {
      stream.off('readable', onReadable).off('end', onReadable).off('error', done);
      if (err) reject(err);
      else resolve();
    };
    const onReadable = (): void => done();
    stream.on('readable', onReadable).on('end', onReadable).on('error', done);
  });
}

function formatError(file: string, e: unknown): unknown {
  if (e instanceof ReaderError) return e;
  let line: number | undefined;
  let found: string;
  if (e instanceof CsvParseError) {
    line = e.line;
    found = e.message;
  } else if (e instanceof CsvError) {
    line = typeof e.lines === 'number' ? e.lines : undefined;
    found = `${e.code}: ${e.message}`;
  } else return e;
  return new ReaderError('CW_ERR_FORMAT', file, 'the CSV cannot be parsed', {
    line,
    expected: 'RFC 4180 CSV (fields containing the delimiter, quotes or line breaks enclosed in double quotes)',
    found,
    hint: 'look for an unbalanced double quote near this line; re-export the file from Excel/WPS if it was edited by hand.',
    cause: e,
  });
}

function emptyError(file: string): ReaderError {
  return new ReaderError('CW_ERR_EMPTY', file, 'no header row', {
    expected: 'a first line with column names',
    found: 'an empty file',
    hint: 'check that the export finished and is not empty.',
  });
}
