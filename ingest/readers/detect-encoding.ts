/**
 * Text encoding detection for government exports: UTF-8 (with/without BOM),
 * UTF-16 with BOM, and GBK/GB18030 (GBK is a subset of GB18030, so GBK files
 * are decoded as gb18030).
 */
import { open } from 'node:fs/promises';
import type { Transform } from 'node:stream';
import iconv from 'iconv-lite';
import { ReaderError } from './errors.ts';

export type TextEncoding = 'utf8' | 'utf8bom' | 'gb18030' | 'utf16le' | 'utf16be';

export const SAMPLE_BYTES = 64 * 1024;

/** iconv-lite codec name for a detected encoding (a UTF-8 BOM is stripped by the utf8 codec). */
export function iconvName(enc: TextEncoding): string {
  return enc === 'utf8bom' ? 'utf8' : enc;
}

/** Streaming decoder: Buffers in, JS strings out (BOM stripped). */
export function createDecoder(enc: TextEncoding): Transform {
  return iconv.decodeStream(iconvName(enc)) as unknown as Transform;
}

/** Decodes a sample (BOM stripped). */
export function decodeSample(buf: Buffer, enc: TextEncoding): string {
  return iconv.decode(buf, iconvName(enc));
}

export interface DetectOptions {
  /** File name used in error messages. */
  file?: string;
  /** True when `buf` is the whole file: a truncated trailing sequence is then an error. */
  complete?: boolean;
  /** Byte offset of `buf` inside the file, added to reported offsets. */
  baseOffset?: number;
}

/** Detects the encoding of a sample (normally the first 64 KiB of a file). */
export function detectEncoding(buf: Buffer, opts: DetectOptions = {}): TextEncoding {
  const file = opts.file ?? '<buffer>';
  const base = opts.baseOffset ?? 0;
  if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
    const bad = findInvalidUtf8(buf, 3, !opts.complete);
    if (bad >= 0) throw encodingError(file, buf, bad, base, 'the file starts with a UTF-8 BOM but is not valid UTF-8');
    return 'utf8bom';
  }
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return 'utf16le';
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) return 'utf16be';

  const nul = buf.indexOf(0);
  const bad = findInvalidUtf8(buf, 0, !opts.complete);
  if (bad < 0 && nul < 0) return 'utf8';
  if (nul < 0) {
    const gbProblem = checkGb18030(buf, !opts.complete);
    if (gbProblem === null) return 'gb18030';
    throw encodingError(file, buf, bad, base, `not valid UTF-8, and not GB18030/GBK either (${gbProblem})`);
  }
  const at = bad >= 0 && bad < nul ? bad : nul;
  const why = at === nul ? 'NUL byte found: this looks like a binary file (or UTF-16 without BOM)' : 'not valid UTF-8';
  throw encodingError(file, buf, at, base, why);
}

function encodingError(file: string, buf: Buffer, at: number, base: number, why: string): ReaderError {
  const bytes = [...buf.subarray(at, at + 4)].map((b) => '0x' + b.toString(16).toUpperCase().padStart(2, '0'));
  return new ReaderError('CW_ERR_ENCODING', file, `cannot determine the text encoding: ${why}`, {
    offset: base + at,
    expected: 'UTF-8, UTF-8 with BOM, UTF-16 with BOM, or GBK/GB18030 text',
    found: `byte sequence ${bytes.join(' ')}`,
    hint: 'open the file in Excel or WPS and save it as "CSV UTF-8 (逗号分隔)", or check that the file is really a CSV/text export and not a binary file with a .csv name.',
  });
}

/**
 * Strict UTF-8 validation (no overlongs, no surrogates, nothing above U+10FFFF).
 * Returns the offset of the first invalid sequence or -1. When `allowTruncatedTail`,
 * an incomplete but so-far-valid sequence at the very end of `buf` is accepted.
 */
export function findInvalidUtf8(buf: Uint8Array, start = 0, allowTruncatedTail = true): number {
  const n = buf.length;
  let i = start;
  while (i < n) {
    const b = buf[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0; // overlong
      else if (b === 0xed) hi = 0x9f; // UTF-16 surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90; // overlong
      else if (b === 0xf4) hi = 0x8f; // > U+10FFFF
    } else return i; // continuation byte without lead, C0/C1 overlong leads, F5..FF
    for (let k = 1; k <= need; k++) {
      if (i + k >= n) return allowTruncatedTail ? -1 : i;
      const c = buf[i + k];
      const min = k === 1 ? lo : 0x80;
      const max = k === 1 ? hi : 0xbf;
      if (c < min || c > max) return i;
    }
    i += need + 1;
  }
  return -1;
}

/** True when the buffer has no byte >= 0x80. */
export function isAscii(buf: Uint8Array): boolean {
  for (let i = 0; i < buf.length; i++) if (buf[i] >= 0x80) return false;
  return true;
}

/** Returns null when `buf` looks like GB18030 Chinese text, else the reason it does not. */
function checkGb18030(buf: Buffer, allowTruncatedTail: boolean): string | null {
  const text = iconv.decode(buf, 'gb18030', { stripBOM: false });
  let bad = text.indexOf('\uFFFD');
  if (bad >= 0) {
    const off = iconv.encode(text.slice(0, bad), 'gb18030').length;
    const tailOnly = allowTruncatedTail && off >= buf.length - 3 && text.indexOf('\uFFFD', bad + 1) < 0;
    if (!tailOnly) return `invalid GB18030 sequence at byte offset ${off}`;
    bad = -1;
  }
  let nonAscii = 0;
  let cjk = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x20 && cp !== 0x09 && cp !== 0x0a && cp !== 0x0d && cp !== 0x0c && cp !== 0x1a) {
      return `control character U+${cp.toString(16).padStart(4, '0')}`;
    }
    if (cp < 0x80 || cp === 0xfffd) continue;
    nonAscii++;
    if (isCjkLike(cp)) cjk++;
  }
  if (nonAscii > 0 && cjk / nonAscii < 0.7) {
    return `only ${Math.round((100 * cjk) / nonAscii)}% of the non-ASCII characters decode to Chinese`;
  }
  return null;
}

/** Han characters, CJK/full-width punctuation and symbols common in Chinese text. */
function isCjkLike(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x3134f) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x3000 && cp <= 0x33ff) || // CJK punctuation, kana, bopomofo, enclosed
    (cp >= 0xff00 && cp <= 0xffef) || // full-width forms
    (cp >= 0x2e80 && cp <= 0x2fdf) || // radicals
    (cp >= 0x2000 && cp <= 0x206f) || // “”‘’—… general punctuation
    (cp >= 0x2100 && cp <= 0x26ff) || // №, arrows, ①, box drawing, ■ ...
    cp === 0xb7 || cp === 0xd7 || cp === 0xf7 || cp === 0xb0 || cp === 0xa7
  );
}

export interface FileEncoding {
  encoding: TextEncoding;
  /** First up to 64 KiB of the file. */
  head: Buffer;
  /** True when `head` is the whole file. */
  headIsWholeFile: boolean;
}

/**
 * Detects the encoding of a file from its head. When the head is pure ASCII and the
 * file is larger, samples in the middle and at the end are checked too, so that a GBK
 * file whose first 64 KiB happen to be ASCII is not mistaken for UTF-8.
 */
export async function detectFileEncoding(path: string, size: number): Promise<FileEncoding> {
  const fh = await open(path, 'r');
  try {
    const read = async (pos: number): Promise<Buffer> => {
      const b = Buffer.alloc(Math.min(SAMPLE_BYTES, Math.max(0, size - pos)));
      const { bytesRead } = await fh.read(b, 0, b.length, pos);
      return b.subarray(0, bytesRead);
    };
    const head = await read(0);
    const headIsWholeFile = head.length >= size;
    let encoding = detectEncoding(head, { file: path, complete: headIsWholeFile });
    if (encoding !== 'utf8' || headIsWholeFile) return { encoding, head, headIsWholeFile };
    let asciiSoFar = isAscii(head);
    for (const pos of [Math.floor(size / 2), Math.max(SAMPLE_BYTES, size - SAMPLE_BYTES)]) {
      const raw = await read(pos);
      const nl = raw.indexOf(0x0a); // re-synchronise on a line break (never inside a GBK/UTF-8 character)
      if (nl < 0) continue;
      const sample = raw.subarray(nl + 1);
      const complete = pos + raw.length >= size;
      const enc = detectEncoding(sample, { file: path, complete, baseOffset: pos + nl + 1 });
      if (enc === 'gb18030' && asciiSoFar) encoding = 'gb18030';
      else if (enc !== 'utf8') {
        throw new ReaderError('CW_ERR_ENCODING', path, 'mixed text encodings in one file', {
          offset: pos + nl + 1,
          expected: `${encoding} throughout the file (as detected from its beginning)`,
          found: `${enc} text near this offset`,
          hint: 're-export the file from the source system with a single encoding (UTF-8 preferred).',
        });
      }
      if (encoding === 'gb18030') break;
      asciiSoFar &&= isAscii(sample);
    }
    return { encoding, head, headIsWholeFile };
  } finally {
    await fh.close();
  }
}
