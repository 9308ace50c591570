/**
 * Turns the lanes' temporary pieces into the final files: one file per kind and year (or register
 * part), split only when it would exceed MAX_ROWS_PER_FILE. Pieces are packed first-fit by size;
 * the first piece of a file is renamed into place and the others are appended (without their CSV
 * header; JSON arrays are re-bracketed). XLSX is written here from the lanes' NDJSON rows.
 */
import { appendFileSync, mkdirSync, createReadStream, createWriteStream, readFileSync, renameSync, statSync, truncateSync, unlinkSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { finished } from 'node:stream/promises';
import { dirname, join } from 'node:path';
import { MAX_ROWS_PER_FILE, type Piece, type Routing, type WrittenFile } from './outputs.ts';
import { EXTENSIONS, openSink } from './writers.ts';

/** Copy `src` to the end of `dst` (optionally without its first line), then delete it. */
async function append(dst: string, src: string, skipFirstLine: boolean): Promise<void> {
  const ws = createWriteStream(dst, { flags: 'a' });
  let skipping = skipFirstLine;
  for await (const chunk of createReadStream(src, { highWaterMark: 1 << 20 })) {
    let c = chunk as Buffer;
    if (skipping) {
      const i = c.indexOf(10);
      if (i < 0) continue;
      c = c.subarray(i + 1);
      skipping = false;
    }
    if (!ws.write(c)) await once(ws, 'drain');
  }
  ws.end();
  await finished(ws);
  unlinkSync(src);
}

/** Append the objects of JSON array `src` to JSON array `dst` (both written by TextSink). */
function appendJson(dst: string, src: string): void {
  const text = readFileSync(src, 'utf8');
  const inner = text.slice(2, text.length - 3); // '[\n' ... '\n]\n'
  truncateSync(dst, statSync(dst).size - 3);
  appendFileSync(dst, `,\n${inner}\n]\n`);
  unlinkSync(src);
}

async function writeXlsx(final: string, pieces: Piece[], header: readonly string[]): Promise<void> {
  const sink = openSink({ path: final, format: 'xlsx', encoding: 'utf8', header, sheetName: pieces[0].spec.sheetName });
  for (const p of pieces) {
    for await (const line of createInterface({ input: createReadStream(p.path), crlfDelay: Infinity })) {
      if (line === '') continue;
      const o = JSON.parse(line) as Record<string, string>;
      sink.write(header.map((h) => o[h] ?? ''));
    }
    unlinkSync(p.path);
  }
  await sink.close();
}

/** First-fit packing of pieces into files of at most MAX_ROWS_PER_FILE rows (deterministic). */
function pack(pieces: Piece[]): Piece[][] {
  const order = pieces.map((p, i) => ({ p, i })).sort((a, b) => b.p.rows - a.p.rows || a.i - b.i);
  const bins: { rows: number; items: { p: Piece; i: number }[] }[] = [];
  for (const it of order) {
    const bin = bins.find((b) => b.rows + it.p.rows <= MAX_ROWS_PER_FILE);
    if (bin) {
      bin.rows += it.p.rows;
      bin.items.push(it);
    } else bins.push({ rows: it.p.rows, items: [it] });
  }
  return bins
    .map((b) => b.items.sort((x, y) => x.i - y.i))
    .sort((x, y) => x[0].i - y[0].i)
    .map((items) => items.map((x) => x.p));
}

/** Final files of one kind from the pieces of all lanes (lane order). */
export async function mergeKind(outDir: string, routing: Routing, pieces: Piece[], header: (p: Piece) => readonly string[]): Promise<WrittenFile[]> {
  const out: WrittenFile[] = [];
  for (const key of routing.keys) {
    const bins = pack(pieces.filter((p) => p.key === key));
    for (let k = 0; k < bins.length; k++) {
      const bin = bins[k];
      const spec = bin[0].spec;
      const final = join(outDir, `${routing.nameOf(key, k + 1, bins.length)}.${EXTENSIONS[spec.format]}`);
      mkdirSync(dirname(final), { recursive: true });
      if (spec.format === 'xlsx') await writeXlsx(final, bin, header(bin[0]));
      else {
        renameSync(bin[0].path, final);
        for (const p of bin.slice(1)) {
          if (spec.format === 'json') appendJson(final, p.path);
          else await append(final, p.path, spec.format === 'csv');
        }
      }
      out.push({
        path: final, kind: bin[0].kind, rows: bin.reduce((s, p) => s + p.rows, 0), format: spec.format, encoding: spec.encoding,
        badRows: bin.reduce((s, p) => s + p.bad, 0), duplicateRows: bin.reduce((s, p) => s + p.dups, 0),
      });
    }
  }
  return out;
}
