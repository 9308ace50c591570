/**
 * Streaming JSON record splitter. It scans decoded text chunk by chunk and cuts out
 * the text of each record object, without building the whole document:
 *
 * - 'document' mode: a top-level array of objects, or a top-level object whose
 *   `data` / `records` / `rows` member is such an array (the first one found);
 * - 'sequence' mode: top-level objects one after another (NDJSON / JSON Lines;
 *   pretty-printed objects spanning several lines work too).
 *
 * Numbers that are direct member values of a record are wrapped in quotes before
 * the record text is handed out, so that JSON.parse keeps their exact source text
 * (18-digit IDs stay intact, '1.50' stays '1.50'). Memory use is bounded by the
 * size of one record.
 */

export const RECORD_ARRAY_KEYS = ['data', 'records', 'rows'];

export interface SplitRecord {
  text: string;
  /** 1-based line on which the record starts. */
  line: number;
}

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

export class JsonRecordSplitter {
  private depth = 0;
  private inString = false;
  private escape = false;
  private inNumber = false;
  private rootType: '' | '[' | '{' = '';
  private rootClosed = false;
  /** Depth inside the record array (records open at this depth); -1 until known. */
  private targetDepth: number;
  private targetDone = false;
  private inRecord = false;
  private parts: string[] = [];
  private recordLine = 0;
  private line = 1;
  private lastSig = '';
  private capturingKey = false;
  private keyBuf = '';
  private lastString = '';
  /** Member names of the top-level object (document mode), for error messages. */
  readonly topLevelKeys: string[] = [];

  constructor(readonly mode: 'document' | 'sequence') {
    this.targetDepth = mode === 'sequence' ? 0 : -1;
  }

  /** Feeds a chunk; returns the records completed in it. */
  push(chunk: string): SplitRecord[] {
    const out: SplitRecord[] = [];
    let seg = 0;
    const n = chunk.length;
    for (let i = 0; i < n; i++) {
      const c = chunk.charCodeAt(i);
      if (c === 10) this.line++;
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (c === 92 /* \ */) this.escape = true;
        else if (c === 34 /* " */) {
          this.inString = false;
          if (this.capturingKey) {
            this.capturingKey = false;
            this.lastString = this.keyBuf;
          }
        } else if (this.capturingKey && this.keyBuf.length < 200) this.keyBuf += chunk[i];
        continue;
      }
      if (this.inNumber) {
        // digits . e E + -
        if ((c >= 48 && c <= 57) || c === 46 || c === 101 || c === 69 || c === 43 || c === 45) continue;
        this.parts.push(chunk.slice(seg, i), '"');
        seg = i;
        this.inNumber = false;
      }
      if (c === 32 || c === 10 || c === 13 || c === 9) continue;
      if (c === 0xfeff && !this.rootType && this.depth === 0) continue;
      if (this.rootClosed && this.mode === 'document') throw new JsonSyntaxError('unexpected data after the end of the JSON document', this.line);
      const ch = chunk[i];
      if (!this.inRecord && this.depth === this.targetDepth && !this.targetDone && c !== 44 && c !== 123 && c !== 93 && c !== 125) {
        const what = c === 91 ? 'an array' : c === 34 ? 'a string' : `'${ch}'`;
        throw new JsonSyntaxError(`records must be JSON objects, found ${what}`, this.line);
      }
      if (c === 34) {
        this.inString = true;
        if (this.depth === 1 && this.rootType === '{' && !this.inRecord) {
          this.capturingKey = true;
          this.keyBuf = '';
        }
      } else if (c === 123 /* { */ || c === 91 /* [ */) {
        if (this.inRecord) this.depth++;
        else if (this.depth === this.targetDepth && !this.targetDone) {
          this.inRecord = true;
          this.recordLine = this.line;
          this.parts = [];
          seg = i;
          this.depth++;
        } else if (this.mode === 'document' && this.depth === 0) {
          if (this.rootType) throw new JsonSyntaxError('unexpected data after the end of the JSON document', this.line);
          this.rootType = ch as '[' | '{';
          if (c === 91) this.targetDepth = 1;
          this.depth = 1;
        } else {
          const isTarget =
            c === 91 && this.depth === 1 && this.rootType === '{' && this.targetDepth < 0 &&
            this.lastSig === ':' && RECORD_ARRAY_KEYS.includes(this.lastString);
          this.depth++;
          if (isTarget) this.targetDepth = 2;
        }
      } else if (c === 125 /* } */ || c === 93 /* ] */) {
        this.depth--;
        if (this.depth < 0) throw new JsonSyntaxError(`unbalanced '${ch}'`, this.line);
        if (this.inRecord && this.depth === this.targetDepth) {
          this.parts.push(chunk.slice(seg, i + 1));
          out.push({ text: this.parts.join(''), line: this.recordLine });
          this.parts = [];
          this.inRecord = false;
        } else if (!this.inRecord && this.depth === this.targetDepth - 1 && this.targetDepth > 0) {
          this.targetDone = true;
        }
        if (this.depth === 0 && this.mode === 'document') this.rootClosed = true;
      } else if (c === 58 /* : */) {
        if (this.depth === 1 && this.rootType === '{' && !this.inRecord && this.topLevelKeys.length < 50) {
          this.topLevelKeys.push(this.lastString);
        }
      } else if (this.inRecord && this.depth === this.targetDepth + 1 && (c === 45 || (c >= 48 && c <= 57))) {
        this.inNumber = true;
        this.parts.push(chunk.slice(seg, i), '"');
        seg = i;
      } else if (this.depth === 0 && this.mode === 'document') {
        throw new JsonSyntaxError(`expected '[' or '{' at the start of the document, found '${ch}'`, this.line);
      }
      this.lastSig = ch;
    }
    // A record (or a number inside it) cut by the chunk end continues in the next chunk.
    if (this.inRecord) this.parts.push(chunk.slice(seg));
    return out;
  }

  /** Call at end of input; throws if the document is incomplete. */
  end(): void {
    if (this.inString || this.depth !== 0 || this.inRecord) {
      throw new JsonSyntaxError('unexpected end of input (truncated JSON?)', this.line);
    }
  }

  /** 'document' mode: no record array was found. */
  get foundRecordArray(): boolean {
    return this.targetDepth >= 0;
  }

  get root(): '' | '[' | '{' {
    return this.rootType;
  }
}
