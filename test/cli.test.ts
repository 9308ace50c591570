import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { main } from '../ingest/cli.ts';
import { captureOut, childEnv, HASH_KEY, pipelineFixture, readerFixture, REPO_ROOT, useTempDir } from './helpers.ts';

const PENALTIES = pipelineFixture('penalties.csv');
const SUBCOMMANDS = ['ingest', 'query', 'demo', 'quality', 'kinds', 'bench-ingest'];

describe('main(argv: string[], out: Out): Promise<number>', () => {
  const tmp = useTempDir('cw-cli-');
  const dataDir = () => join(tmp(), 'data');
  let savedKey: string | undefined;
  beforeEach(() => {
    savedKey = process.env.CW_ID_HASH_KEY;
    process.env.CW_ID_HASH_KEY = HASH_KEY;
  });
  afterEach(() => {
    if (savedKey === undefined) delete process.env.CW_ID_HASH_KEY;
    else process.env.CW_ID_HASH_KEY = savedKey;
    vi.restoreAllMocks();
  });

  async function cli(...args: string[]) {
    const c = captureOut();
    const code = await main(['node', 'credit-watch', ...args], c.out);
    return { code, logs: c.logs, errs: c.errs };
  }

  test('should print exactly one JSON summary for ingest --json and exit 0 even with rejected rows', async () => {
    const r = await cli('ingest', PENALTIES, '--data-dir', dataDir(), '--json');
    expect(r.code).toBe(0);
    expect(r.errs).toEqual([]);
    expect(r.logs).toHaveLength(1);
    const s = JSON.parse(r.logs[0]);
    expect(Object.keys(s)).toEqual(expect.arrayContaining(['files', 'rows_read', 'accepted', 'rejected', 'duplicates', 'by_kind', 'by_reason', 'run_id']));
    expect(s).toMatchObject({ files: 1, rows_read: 15, accepted: 4, rejected: 10, duplicates: 1 });
    expect(s.by_kind.penalty).toEqual({ rows_read: 15, accepted: 4, rejected: 10, duplicates: 1 });
    expect(s.run_id).toMatch(/^\d{8}T\d{6}-[0-9a-f]{6}$/);
  });

  test('should exit 2 and name the file for a missing file, an unknown kind and an undecodable file', async () => {
    const cases = [join(tmp(), 'missing.csv'), pipelineFixture('unknown-kind.csv'), readerFixture('garbage.csv')];
    const codes = ['CW_ERR_NOT_FOUND', 'CW_ERR_UNKNOWN_KIND', 'CW_ERR_ENCODING'];
    for (const [i, file] of cases.entries()) {
      const r = await cli('ingest', file, '--data-dir', dataDir(), '--json');
      expect(r.code, file).toBe(2);
      expect(r.logs).toEqual([]);
      expect(r.errs).toHaveLength(1);
      expect(r.errs[0]).toContain(codes[i]);
      expect(r.errs[0]).toContain(file.split('/').pop());
    }
    expect(existsSync(join(dataDir(), 'lake', 'manifests'))).toBe(false);
  });

  test('should answer a SELECT over the lake with query --json', async () => {
    await cli('ingest', PENALTIES, '--data-dir', dataDir(), '--json');
    const r = await cli('query', 'SELECT count(*) AS n FROM records_penalty', '--data-dir', dataDir(), '--json');
    expect(r.code).toBe(0);
    expect(r.logs).toHaveLength(1);
    expect(JSON.parse(r.logs[0])).toEqual([{ n: 4 }]);
  });

  test('should refuse COPY and CREATE in query with exit 2 and write nothing', async () => {
    await cli('ingest', PENALTIES, '--data-dir', dataDir(), '--json');
    const target = join(tmp(), 'x.csv');
    for (const sql of [`COPY records_penalty TO '${target}'`, 'CREATE TABLE t(a int)', `SELECT 1; COPY records_penalty TO '${target}'`]) {
      const r = await cli('query', sql, '--data-dir', dataDir(), '--json');
      expect(r.code, sql).toBe(2);
      expect(r.errs[0]).toContain('CW_ERR_SQL');
      expect(r.logs).toEqual([]);
    }
    expect(existsSync(target)).toBe(false);
  });

  // EXPLAIN ANALYZE executes its statement, so only plain EXPLAIN is allowed.
  test('should refuse EXPLAIN ANALYZE of a COPY and write nothing', async () => {
    const target = join(tmp(), 'y.csv');
    const r = await cli('query', `EXPLAIN ANALYZE COPY (SELECT 42 AS x) TO '${target}'`, '--data-dir', dataDir(), '--json');
    expect(existsSync(target)).toBe(false);
    expect(r.code).toBe(2);
  });

  test('should list the 13 record kinds with kinds --json', async () => {
    const r = await cli('kinds', '--json');
    expect(r.code).toBe(0);
    const kinds = JSON.parse(r.logs[0]) as { kind: string }[];
    expect(kinds.map((k) => k.kind).sort()).toEqual([
      'abnormal_operation', 'commitment', 'contract', 'court_dishonest', 'honor', 'license', 'objection', 'penalty', 'relation', 'repair',
      'serious_dishonest', 'subject', 'tax_grade',
    ]);
  });

  test('should list every subcommand with --help and exit 0', async () => {
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (written.push(String(chunk)), true));
    const r = await cli('--help');
    expect(r.code).toBe(0);
    const help = written.join('') + r.logs.join('\n');
    for (const c of SUBCOMMANDS) expect(help).toMatch(new RegExp(`^\\s+${c}\\b`, 'm'));
  });
});

describe('bin/credit-watch.mjs (subprocess)', () => {
  const tmp = useTempDir('cw-bin-');
  const run = (...args: string[]) => spawnSync(process.execPath, ['bin/credit-watch.mjs', ...args], { cwd: REPO_ROOT, env: childEnv(), encoding: 'utf8', timeout: 60_000 });

  test('should print one JSON line for ingest --json and exit 0', () => {
    const r = run('ingest', PENALTIES, '--data-dir', join(tmp(), 'data'), '--json');
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ rows_read: 15, accepted: 4, rejected: 10, duplicates: 1 });
  });

  test('should print the help with every subcommand and exit 0', () => {
    const r = run('--help');
    expect(r.status, r.stderr).toBe(0);
    for (const c of SUBCOMMANDS) expect(r.stdout).toMatch(new RegExp(`^\\s+${c}\\b`, 'm'));
  });
});
