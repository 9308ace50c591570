/**
 * Test fixtures for the analytics: small record sets written as real national-standard CSV files,
 * ingested by the real pipeline into a temp lake, then built into a real warehouse. Records are
 * given by field key with string cells; required fields left out get a neutral valid default.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDuck, queryRows } from '../ingest/duck.ts';
import { runIngest } from '../ingest/pipeline/run.ts';
import { getKind, type FieldDef, type KindId } from '../ingest/schemas/index.ts';
import { innerOrgCheckChar, makeUscc, USCC_ALPHABET } from '../ingest/validators/uscc.ts';
import { makeIdNumber } from '../ingest/validators/id-number.ts';
import { runBuild, type BuildResult } from './build.ts';
import { readCurrent, warehousePaths } from './warehouse.ts';

export const TEST_TODAY = '2026-11-25';
export const TEST_HASH_KEY = 'test-key';
/** A valid authority / source-unit USCC (盐城市市场监督管理局 in the fixtures). */
export const AUTHORITY_USCC = '11320900014123458X';

/** The n-th valid test USCC of an enterprise (91) in a county; deterministic. */
export function testUscc(n: number, county = '320902', dept = '91'): string {
  let body = '';
  let x = n + 1000;
  for (let i = 0; i < 7; i++) { body = USCC_ALPHABET[x % 31] + body; x = Math.floor(x / 31); }
  const org8 = 'T' + body;
  return makeUscc(`${dept}${county}${org8}${innerOrgCheckChar(org8)}`);
}

/** The n-th valid test resident ID number (born 1980, county 320902). */
export function testIdNumber(n: number): string {
  return makeIdNumber(`32090219800101${String(n % 1000).padStart(3, '0')}`);
}

function defaultCell(f: FieldDef): string {
  switch (f.type) {
    case 'uscc': return AUTHORITY_USCC;
    case 'date': return '2025/01/01';
    case 'enum': return f.values![0];
    case 'amount': case 'number': return '0';
    case 'int': return '2025';
    case 'county': return '320902';
    case 'industry': return '26';
    case 'idno': return testIdNumber(1);
    default: return f.key === 'source_unit' || f.key === 'authority' ? '盐城市市场监督管理局' : `测试${f.label}`;
  }
}

const csvCell = (s: string) => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

export type FixtureRecords = Partial<Record<KindId, Record<string, string>[]>>;

/** Writes one CSV per kind into `dir` (national labels), returns the paths. */
export function writeFixtureFiles(dir: string, records: FixtureRecords): string[] {
  const files: string[] = [];
  for (const [kind, rows] of Object.entries(records)) {
    if (!rows?.length) continue;
    const schema = getKind(kind);
    const lines = [schema.fields.map((f) => csvCell(f.label)).join(',')];
    for (const row of rows) {
      for (const k of Object.keys(row)) if (!schema.fields.some((f) => f.key === k)) throw new Error(`fixture ${kind}: unknown field '${k}'`);
      lines.push(schema.fields.map((f) => csvCell(row[f.key] ?? (f.required === true ? defaultCell(f) : ''))).join(','));
    }
    const file = join(dir, `${kind}.csv`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    files.push(file);
  }
  return files;
}

export interface FixtureLake { dataDir: string; cleanup: () => void }

/** A temp lake holding exactly `records` (all rows must be valid: throws on any reject). */
export async function fixtureLake(records: FixtureRecords, dataDir = mkdtempSync(join(tmpdir(), 'cw-fx-'))): Promise<FixtureLake> {
  const inDir = mkdtempSync(join(tmpdir(), 'cw-fx-in-'));
  try {
    const files = writeFixtureFiles(inDir, records);
    const s = await runIngest({ inputs: files, dataDir, today: TEST_TODAY, hashKey: TEST_HASH_KEY });
    if (s.rejected > 0) throw new Error(`fixture rows rejected: ${JSON.stringify(s.by_reason)}`);
  } finally {
    rmSync(inDir, { recursive: true, force: true });
  }
  return { dataDir, cleanup: () => rmSync(dataDir, { recursive: true, force: true }) };
}

/** Builds the warehouse of a fixture lake as of a date. */
export function buildFixture(dataDir: string, asOf = TEST_TODAY): Promise<BuildResult> {
  return runBuild({ dataDir, asOf, threads: 1, memoryLimit: '1GB' });
}

/** Rows of a query against the current warehouse build. */
export async function warehouseRows<T = Record<string, unknown>>(dataDir: string, sql: string): Promise<T[]> {
  const w = warehousePaths(dataDir);
  const cur = readCurrent(w);
  if (!cur) throw new Error('no warehouse build');
  const db = await openDuck({ path: join(w.root, cur.file), readOnly: true, threads: 1 });
  try {
    return await queryRows<T>(db.conn, sql);
  } finally {
    db.close();
  }
}
