/**
 * JSON and NDJSON input. Both are streamed through JsonRecordSplitter (memory is
 * bounded by one record plus the first 1000 records used to build the header), so
 * there is no file size limit and no JSON.parse of the whole document.
 *
 * Header = union of the keys of the first 1000 records, in first-seen order. Keys
 * first seen later go, as a JSON object, to the `__extra__` column. Nested values
 * are written as JSON text; null becomes an empty field. Numbers that are direct
 * members keep their source text (see json-splitter.ts), so inside `__extra__`
 * they appear as JSON strings ({"amount":"1.50"}).
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import { createDecoder, decodeSample, detectFileEncoding, type TextEncoding } from './detect-encoding.ts';
import { ReaderError } from './errors.ts';
import { JsonRecordSplitter, JsonSyntaxError, RECORD_ARRAY_KEYS } from './json-splitter.ts';
import { convertToCsv, READ_CHUNK_BYTES, type RowSource } from './table-sink.ts';

export const HEADER_SAMPLE_RECORDS = 1000;

export interface JsonReadOptions {
  tmpDir: string;
  onProgress?: (bytesRead: number, rowsRead: number) => void;
}

export interface JsonReadResult {
  format: 'json' | 'ndjson';
  encoding: TextEncoding;
  header: string[];
  csvPath: string;
  rowCount: number;
}

type Rec = Record<string, unknown>;

/** Text of a JSON value in a CSV field. */
export function jsonValueText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/**
 * Decides between a JSON document and NDJSON from the decoded head of the file:
 * '[' -> json; '{' -> ndjson when the head holds two or more complete top-level
 * objects, or one object without an array-of-objects member.
 */
export function sniffJsonFormat(head: string, byExtension: 'json' | 'ndjson'): 'json' | 'ndjson' {
  const first = head.replace(/^[\s\uFEFF]+/, '')[0];
  if (first === '[') return 'json';
  if (first !== '{') return byExtension;
  if (byExtension === 'ndjson') return 'ndjson';
  let objects: { text: string }[] = [];
  try {
    objects = new JsonRecordSplitter('sequence').push(head).slice(0, 2);
  } catch {
    return 'json';
  }
  if (objects.length >= 2) return 'ndjson';
  if (objects.length === 0) return 'json';
  try {
    // A lone object holding an array of objects is a wrapper document (maybe with an
    // unsupported member name, reported later); a flat object is a one-record NDJSON.
    const o = JSON.parse(objects[0].text) as Rec;
    const isWrapper = Object.values(o).some((v) => Array.isArray(v) && v.some((e) => e !== null && typeof e === 'object'));
    return isWrapper ? 'json' : 'ndjson';
  } catch {
    return 'json';
  }
}

export async function readJson(file: string, size: number, byExtension: 'json' | 'ndjson', opts: JsonReadOptions): Promise<JsonReadResult> {
  if (size === 0) throw emptyError(file, 'an empty file');
  const { encoding, head } = await detectFileEncoding(file, size);
  const format = sniffJsonFormat(decodeSample(head, encoding), byExtension);
  const result = await convertToCsv({ file, tmpDir: opts.tmpDir, onProgress: opts.onProgress }, async () =>
    openJsonSource(file, encoding, format),
  );
  return { format, encoding, header: result.header, csvPath: result.csvPath, rowCount: result.rows };
}

function openJsonSource(file: string, encoding: TextEncoding, format: 'json' | 'ndjson'): RowSource {
  const input = createReadStream(file, { highWaterMark: READ_CHUNK_BYTES });
  const decoder = createDecoder(encoding);
  pipeline(input, decoder, () => undefined);
  const splitter = new JsonRecordSplitter(format === 'json' ? 'document' : 'sequence');
  return {
    rows: jsonRows(file, decoder as AsyncIterable<string>, splitter),
    bytesRead: () => input.bytesRead,
    close: () => {
      input.destroy();
      decoder.destroy();
    },
  };
}

/** Parsed records, one batch per decoded chunk. */
async function* records(file: string, chunks: AsyncIterable<string>, splitter: JsonRecordSplitter): AsyncGenerator<Rec[]> {
  let line = 0;
  try {
    for await (const chunk of chunks) {
      const batch: Rec[] = [];
      for (const r of splitter.push(chunk)) {
        line = r.line;
        batch.push(JSON.parse(r.text) as Rec);
      }
      if (batch.length) yield batch;
    }
    splitter.end();
  } catch (e) {
    if (e instanceof JsonSyntaxError) line = e.line;
    else if (!(e instanceof SyntaxError)) throw e;
    throw new ReaderError('CW_ERR_FORMAT', file, 'the JSON cannot be parsed', {
      line,
      expected:
        splitter.mode === 'document'
          ? 'a JSON array of objects, or an object with a "data", "records" or "rows" array of objects'
          : 'one JSON object per line (NDJSON)',
      found: (e as Error).message,
      hint: 'validate the file with a JSON linter; an export that was cut off is a common cause.',
      cause: e,
    });
  }
  if (splitter.mode === 'document' && !splitter.foundRecordArray) {
    const keys = splitter.topLevelKeys;
    throw new ReaderError('CW_ERR_FORMAT', file, 'no record array in the JSON document', {
      expected: `a top-level array, or a top-level object with one of the members ${RECORD_ARRAY_KEYS.join(', ')} holding an array`,
      found: splitter.root === '{' ? `an object with members ${keys.length ? keys.join(', ') : '(none)'}` : 'no array or object',
      hint: 'export the records as a JSON array, or as {"data": [...]}.',
    });
  }
}

async function* jsonRows(file: string, chunks: AsyncIterable<string>, splitter: JsonRecordSplitter): AsyncGenerator<string[][]> {
  const it = records(file, chunks, splitter)[Symbol.asyncIterator]();
  const sample: Rec[] = [];
  const index = new Map<string, number>();
  while (sample.length < HEADER_SAMPLE_RECORDS) {
    const next = await it.next();
    if (next.done) break;
    for (const o of next.value) {
      if (sample.length < HEADER_SAMPLE_RECORDS) for (const k of Object.keys(o)) if (!index.has(k)) index.set(k, index.size);
      sample.push(o);
    }
  }
  if (sample.length === 0) throw emptyError(file, splitter.mode === 'document' ? 'an empty record array' : 'no JSON objects');
  const keys = [...index.keys()];
  if (keys.length === 0) throw emptyError(file, 'only empty objects');
  const toRow = (o: Rec): string[] => {
    const row = new Array<string>(keys.length);
    for (let i = 0; i < keys.length; i++) row[i] = jsonValueText(o[keys[i]]);
    let extra: Rec | null = null;
    for (const k in o) {
      if (!index.has(k)) (extra ??= {})[k] = o[k];
    }
    // Extra keys go to the surplus field, which the sink turns into __extra__.
    if (extra) row.push(JSON.stringify(extra));
    return row;
  };
  yield [keys, ...sample.map(toRow)];
  sample.length = 0;
  for (;;) {
    const next = await it.next();
    if (next.done) break;
    yield next.value.map(toRow);
  }
}

function emptyError(file: string, found: string): ReaderError {
  return new ReaderError('CW_ERR_EMPTY', file, 'no records, so no header can be derived', {
    expected: 'at least one JSON object with at least one member',
    found,
    hint: 'check that the export is not empty.',
  });
}
