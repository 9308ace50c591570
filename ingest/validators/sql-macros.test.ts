import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { VALIDATION_MACROS, installValidationMacros } from './sql-macros.ts';
import { USCC_ALPHABET, makeUscc, randomUscc, usccStatus } from './uscc.ts';
import { idNumberStatus, makeIdNumber, maskIdNumber } from './id-number.ts';
import { parseRecordDate } from './dates.ts';
import { loadUsccVectors, pick, randInt, seededRng } from './test-support.ts';

let instance: DuckDBInstance;
let conn: DuckDBConnection;

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  conn = await instance.connect();
  await installValidationMacros(conn);
});

afterAll(() => {
  conn?.closeSync();
  instance?.closeSync();
});

/** Evaluate `exprOfS` (an SQL expression over column s) for every input, in order. */
async function sqlEval(inputs: readonly (string | null)[], exprOfS: string): Promise<(string | null)[]> {
  await conn.run('CREATE OR REPLACE TEMP TABLE inputs (i INTEGER, s VARCHAR)');
  const appender = await conn.createAppender('inputs');
  inputs.forEach((s, i) => {
    appender.appendInteger(i);
    if (s === null) appender.appendNull();
    else appender.appendVarchar(s);
    appender.endRow();
  });
  appender.closeSync();
  const reader = await conn.runAndReadAll(`SELECT (${exprOfS})::VARCHAR FROM inputs ORDER BY i`);
  return reader.getRows().map((r) => r[0] as string | null);
}

/** Pairs [input, ts, sql] where the two implementations disagree (empty = agreement). */
function mismatches<T>(inputs: readonly T[], ts: readonly unknown[], sql: readonly unknown[]) {
  return inputs.map((s, k) => [s, ts[k], sql[k]]).filter(([, a, b]) => a !== b);
}

// Characters used to corrupt codes: USCC symbols, forbidden letters, lowercase, blanks, CJK.
const NOISE = [...USCC_ALPHABET, 'I', 'O', 'S', 'V', 'Z', 'a', 'x', 'm', ' ', '\u3000', '-', '中', '０'];
const TYPES = ['91', '92', '93', '12', '11', '52', '51', 'A1', 'N2', 'Y1'];
const COUNTIES = ['320900', '320902', '320903', '320904', '320921', '110105', '440300'];

function uscCorpus(): (string | null)[] {
  const rng = seededRng(20240601);
  const out: (string | null)[] = [null, '', '  ', '\t', '\u3000', ...loadUsccVectors().map((v) => v.code)];
  const swap = (s: string, a: number, b: number) => {
    const c = [...s];
    [c[a], c[b]] = [c[b], c[a]];
    return c.join('');
  };
  while (out.length < 5000) {
    const t = pick(rng, TYPES);
    const code = randomUscc(rng, { dept: t[0], type: t[1], county6: pick(rng, COUNTIES) });
    const p = randInt(rng, 18);
    out.push(
      code,
      code.slice(0, p) + pick(rng, NOISE) + code.slice(p + 1), // one char changed
      swap(code, p === 17 ? 16 : p, p === 17 ? 17 : p + 1), // adjacent swap
      swap(code, randInt(rng, 18), randInt(rng, 18)), // any two swapped
      rng() < 0.5 ? code.toLowerCase() : code.slice(0, 17) + code[17].toLowerCase(),
      code.slice(0, randInt(rng, 18)), // truncated
      makeUscc(code.slice(0, 16) + pick(rng, [...USCC_ALPHABET])), // outer ok, inner likely broken
      rng() < 0.5 ? ` ${code}` : code + pick(rng, NOISE),
    );
  }
  return out;
}

function idCorpus(): (string | null)[] {
  const rng = seededRng(11643);
  const out: (string | null)[] = [null, '', ' ', '11010519491231002X', '11010519491231002x', '110105491231002'];
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  while (out.length < 2000) {
    const birth = `${pad(1880 + randInt(rng, 160), 4)}${pad(randInt(rng, 14), 2)}${pad(randInt(rng, 33), 2)}`;
    const first17 = `${pad(110000 + randInt(rng, 550000), 6)}${birth}${pad(randInt(rng, 1000), 3)}`;
    const id = makeIdNumber(first17);
    const p = randInt(rng, 18);
    out.push(
      id,
      first17 + pick(rng, [...'0123456789Xx']), // random check char
      id.slice(0, p) + pick(rng, [...'0123456789Xx A中']) + id.slice(p + 1),
      id.slice(0, randInt(rng, 18)),
    );
  }
  return out;
}

function dateCorpus(): string[] {
  const rng = seededRng(8601);
  const out: string[] = ['', ' ', '长期', '2099-12-31', '2099年12月31日', '\u30002023/1/5\ufeff'];
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  while (out.length < 500) {
    const y = pick(rng, [0, 1899, 1900, 2000, 2023, 2024, 2099, 2100, 1000 + randInt(rng, 9000)]);
    const m = randInt(rng, 14);
    const d = randInt(rng, 33);
    const lead = rng() < 0.5;
    const [mm, dd] = lead ? [pad(m, 2), pad(d, 2)] : [String(m), String(d)];
    let s = pick(rng, [
      `${pad(y, 4)}/${mm}/${dd}`, `${pad(y, 4)}-${mm}-${dd}`, `${pad(y, 4)}${pad(m, 2)}${pad(d, 2)}`,
      `${pad(y, 4)}年${mm}月${dd}日`, `${pad(y, 4)}/${mm}-${dd}`, `${pad(y, 4)}.${mm}.${dd}`,
    ]);
    s += pick(rng, ['', '', ' 10:30', ' 8:05:59', ' 00:00:00.0', 'T10:30', ' 10', ' 10:3']);
    if (rng() < 0.1) s = pick(rng, [' ', '\t', '\u3000']) + s + pick(rng, ['', '\r\n', ' ']);
    if (rng() < 0.1) {
      const p = randInt(rng, s.length);
      s = s.slice(0, p) + pick(rng, [...'0a/-年 ']) + s.slice(p + 1);
    }
    out.push(s);
  }
  return out;
}

describe('installValidationMacros(conn)', () => {
  test('should create every public macro from one multi-statement run', async () => {
    const reader = await conn.runAndReadAll(
      "SELECT DISTINCT function_name FROM duckdb_functions() WHERE function_name LIKE 'cw\\_%' ESCAPE '\\'",
    );
    const names = reader.getRows().map((r) => r[0]);
    for (const m of VALIDATION_MACROS) expect(names).toContain(m);
  });

  test('should be safe to run twice', async () => {
    await installValidationMacros(conn);
    const reader = await conn.runAndReadAll("SELECT cw_uscc_status('91110000600037341L')");
    expect(reader.getRows()[0][0]).toBe('ok');
  });

  test('should accept non-VARCHAR columns by casting', async () => {
    const reader = await conn.runAndReadAll(
      "SELECT cw_idno_status(110105194912310021), cw_parse_date(DATE '2023-01-05')::VARCHAR, cw_parse_date(NULL), cw_date_reason(NULL)",
    );
    expect(reader.getRows()[0]).toEqual(['check', '2023-01-05', null, null]);
  });
});

describe('SQL macros vs TypeScript', () => {
  test('should agree on cw_uscc_status for vectors and ~5000 generated codes', async () => {
    const inputs = uscCorpus();
    const sql = await sqlEval(inputs, 'cw_uscc_status(s)');
    const ts = inputs.map((s) => usccStatus(s));
    expect(mismatches(inputs, ts, sql)).toEqual([]);
    // The corpus must exercise every status, or the agreement proves little.
    expect(new Set(ts)).toEqual(new Set(['ok', 'missing', 'length', 'charset', 'check', 'org_check']));
  });

  test('should agree on cw_idno_status and cw_mask_id for ~2000 ID numbers', async () => {
    const inputs = idCorpus();
    const ts = inputs.map((s) => idNumberStatus(s));
    expect(mismatches(inputs, ts, await sqlEval(inputs, 'cw_idno_status(s)'))).toEqual([]);
    expect(new Set(ts)).toEqual(new Set(['ok', 'missing', 'length', 'charset', 'birthdate', 'check']));
    const masks = inputs.map((s) => (s === null ? null : maskIdNumber(s)));
    expect(mismatches(inputs, masks, await sqlEval(inputs, 'cw_mask_id(s)'))).toEqual([]);
  });

  test('should agree on cw_parse_date and cw_date_reason for ~500 date strings', async () => {
    const inputs = dateCorpus();
    const parsed = inputs.map((s) => parseRecordDate(s));
    const isos = parsed.map((p) => (p.ok ? p.iso : null));
    const reasons = parsed.map((p) => (p.ok ? null : p.reason));
    expect(mismatches(inputs, isos, await sqlEval(inputs, 'cw_parse_date(s)'))).toEqual([]);
    expect(mismatches(inputs, reasons, await sqlEval(inputs, 'cw_date_reason(s)'))).toEqual([]);
    expect(new Set(reasons)).toEqual(new Set([null, 'format', 'calendar']));
  });
});
