import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openDuck, queryRows } from '../ingest/duck.ts';
import { ident, lit } from '../ingest/pipeline/sql-util.ts';
import { runIngest } from '../ingest/pipeline/run.ts';
import { buildFixture, fixtureLake, testUscc, TEST_HASH_KEY, writeFixtureFiles, type FixtureLake } from './test-support.ts';
import { readCurrent, readHistory, rollback, warehousePaths } from './warehouse.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

const REPO = join(import.meta.dirname, '..');

/** n firms with one penalty each, spread over 2024-01 .. 2025-12. */
function penalties(n: number, offset = 0) {
  const subject = [];
  const penalty = [];
  for (let i = 0; i < n; i++) {
    const u = testUscc(i + offset, i % 2 ? '320922' : '320902');
    const m = String((i % 12) + 1).padStart(2, '0');
    const y = 2024 + (i % 2);
    subject.push({ subject_uscc: u, subject_name: `测试企业${i + offset}`, reg_date: '2015/06/01', county_code: i % 2 ? '320922' : '320902', industry_code: i % 3 ? '2614' : '5211' });
    penalty.push({
      subject_name: `测试企业${i + offset}`, party_type: '法人及非法人组织', subject_uscc: u, decision_no: `测罚〔${y}〕${i + offset}号`,
      penalty_types: '罚款', fine_amount: String((i % 7) + 0.5), decision_date: `${y}/${m}/10`, valid_to: `${y + 1}/${m}/10`,
    });
  }
  return { subject, penalty };
}

/** Every table of a build file as sorted JSON rows, minus columns that name the build itself. */
async function snapshot(file: string): Promise<Record<string, string>> {
  const db = await openDuck({ path: file, readOnly: true, threads: 1 });
  try {
    const tables = await queryRows<{ t: string }>(db.conn, `SELECT table_name AS t FROM duckdb_tables() WHERE database_name = current_database() AND table_name NOT IN ('build_info', 'alerts_resolved') ORDER BY 1`);
    const out: Record<string, string> = {};
    for (const { t } of tables) {
      const cols = (await queryRows<{ c: string }>(db.conn, `SELECT column_name AS c FROM duckdb_columns() WHERE table_name = ${lit(t)} AND database_name = current_database()`))
        .map((c) => c.c).filter((c) => !/build|^change$/.test(c));
      const rows = await queryRows(db.conn, `SELECT ${cols.map(ident).join(', ')} FROM ${ident(t)} ORDER BY ALL`);
      const json = JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? Number(v) : v));
      out[t] = `${rows.length} rows, sha256 ${createHash('sha256').update(json).digest('hex')}`;
    }
    return out;
  } finally {
    db.close();
  }
}

describe('runBuild(opts)', () => {
  let lake: FixtureLake;
  beforeAll(async () => {
    lake = await fixtureLake(penalties(3000));
  }, 120_000);
  afterAll(() => lake.cleanup());

  test('should reproduce an earlier as-of build exactly after later records arrive', async () => {
    const first = await buildFixture(lake.dataDir, '2024-12-31');
    const before = await snapshot(first.file);
    // records decided in 2026 arrive later; the picture as of 2024-12-31 must not change
    const inDir = mkdtempSync(join(tmpdir(), 'cw-later-'));
    const later = penalties(50, 5000);
    for (const p of later.penalty) { p.decision_date = '2026/03/01'; p.valid_to = '2027/03/01'; }
    for (const x of later.subject) x.reg_date = '2026/02/01';
    await runIngest({ inputs: writeFixtureFiles(inDir, later), dataDir: lake.dataDir, today: '2026-11-25', hashKey: TEST_HASH_KEY });
    rmSync(inDir, { recursive: true, force: true });
    const again = await buildFixture(lake.dataDir, '2024-12-31');
    expect(again.build_id).not.toBe(first.build_id);
    const after = await snapshot(again.file);
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    for (const t of Object.keys(before)) expect(after[t], `table ${t}`).toBe(before[t]);
  }, 120_000);

  test('should keep serving the current build when a build is killed, then complete the next one', async () => {
    const w = warehousePaths(lake.dataDir);
    const good = await buildFixture(lake.dataDir, '2025-12-31');
    const full = performance.now();
    await buildFixture(lake.dataDir, '2025-12-31');
    const fullMs = performance.now() - full;
    const current = readCurrent(w)!;
    for (const frac of [0.05, 0.3, 0.6, 0.9]) {
      const child = spawn(process.execPath, [join(REPO, 'bin', 'credit-watch.mjs'), 'build', '--data-dir', lake.dataDir, '--as-of', '2025-06-30', '--json'], { stdio: 'ignore' });
      // the child also pays for node + tsx start-up (~0.5 s) before its build begins
      await new Promise((r) => setTimeout(r, 500 + frac * fullMs));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const after = readCurrent(w)!;
      if (after.build_id !== current.build_id) {
        // the child finished before the kill: then it must be a complete, readable build
        expect(after.as_of).toBe('2025-06-30');
      }
      const served = readCurrent(w)!;
      const db = await openDuck({ path: join(w.root, served.file), readOnly: true, threads: 1 });
      const [{ n }] = await queryRows<{ n: number }>(db.conn, 'SELECT count(*) AS n FROM credit_events');
      db.close();
      expect(n).toBeGreaterThan(0);
    }
    const next = await buildFixture(lake.dataDir, '2025-12-31');
    expect(readCurrent(w)!.build_id).toBe(next.build_id);
    expect(existsSync(w.tmp) ? readdirSync(w.tmp).filter((f) => f.endsWith('.duckdb')) : []).toEqual([]);
    expect(good.build_id).toBeTruthy();
  }, 180_000);

  test('should serve the previous build again on rollback', async () => {
    const w = warehousePaths(lake.dataDir);
    const a = await buildFixture(lake.dataDir, '2025-01-31');
    const b = await buildFixture(lake.dataDir, '2025-02-28');
    expect(readCurrent(w)!.build_id).toBe(b.build_id);
    const back = rollback(w);
    expect(back.build_id).toBe(a.build_id);
    expect(readCurrent(w)!.build_id).toBe(a.build_id);
    expect(readHistory(w)[0]?.build_id).not.toBe(a.build_id);
    expect(existsSync(join(w.root, readCurrent(w)!.file))).toBe(true);
  }, 120_000);
});
