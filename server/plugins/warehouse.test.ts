import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { buildFixture, fixtureLake, type FixtureLake } from '../../analytics/test-support.ts';
import { readCurrent, swapIn, warehousePaths } from '../../analytics/warehouse.ts';
import { openDuck } from '../../ingest/duck.ts';
import { serverFixture, startTestServer, type TestServer } from '../test-helpers.ts';
import { Warehouse, WarehouseUnavailableError } from './warehouse.ts';

const SMALL = 12;
let lake: FixtureLake;

beforeAll(async () => {
  lake = await fixtureLake(serverFixture(SMALL));
  await buildFixture(lake.dataDir);
});

afterAll(() => lake?.cleanup());

const open = async (dataDir: string, watch = false) => {
  const w = new Warehouse({ dataDir, threads: 1, memoryLimit: '512MB', watch });
  await w.start();
  return w;
};

const buildIdIn = async (w: Warehouse) => w.session(async (s) => String((await s.read('SELECT build_id FROM build_info')).getRows()[0][0]));

describe('Warehouse (plugins/warehouse.ts)', () => {
  test('should open the build named by CURRENT.json read-only and know its tables', async () => {
    const w = await open(lake.dataDir);
    try {
      expect(w.buildId()).toBe(readCurrent(warehousePaths(lake.dataDir))!.build_id);
      expect(w.asOf()).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(w.columns('subject_scores')).toContain('score');
      expect(w.hasTable('no_such_table')).toBe(false);
      expect(await buildIdIn(w)).toBe(w.buildId());
      const rows = await w.query<{ n: number }>('SELECT count(*) AS n FROM subject_dim WHERE county_code = $c', { c: '320922' });
      expect(rows[0].n).toBeGreaterThan(0);
      await expect(w.session((s) => s.read('CREATE TABLE x (a INTEGER)'))).rejects.toThrow(/read-only|read only/i);
      const conn = await w.connection(); // the WarehouseReader contract: a connection to the current build
      expect(String((await conn.runAndReadAll('SELECT build_id FROM build_info')).getRows()[0][0])).toBe(w.buildId());
    } finally {
      w.close();
    }
  });

  test('should swap to a new build on refresh() while a pinned session finishes on the old one', async () => {
    const w = await open(lake.dataDir);
    try {
      const old = w.buildId()!;
      const swaps: string[] = [];
      w.onSwap((id) => swaps.push(id));
      let release!: () => void;
      const gate = new Promise<void>((r) => { release = r; });
      let entered!: () => void;
      const inSession = new Promise<void>((r) => { entered = r; });
      const pinned = w.session(async (s) => {
        entered();
        await gate;
        return String((await s.read('SELECT build_id FROM build_info')).getRows()[0][0]);
      });
      await inSession;
      await buildFixture(lake.dataDir);
      expect(await w.refresh()).toBe(true);
      expect(await w.refresh()).toBe(false); // same pointer again: no swap
      const next = w.buildId()!;
      expect(next).not.toBe(old);
      expect(swaps).toEqual([next]);
      release();
      expect(await pinned).toBe(old); // the in-flight session still read its own build
      expect(await buildIdIn(w)).toBe(next);
    } finally {
      w.close();
    }
  });

  test('should follow CURRENT.json by polling, without refresh()', async () => {
    const w = await open(lake.dataDir, true);
    try {
      const before = w.buildId();
      await buildFixture(lake.dataDir);
      await vi.waitFor(() => expect(w.buildId()).not.toBe(before), { timeout: 15_000, interval: 200 });
      expect(await buildIdIn(w)).toBe(w.buildId());
    } finally {
      w.close();
    }
  });

  test('should answer 503 CW_ERR_NO_WAREHOUSE while no build exists', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'cw-wh-'));
    const w = await open(empty);
    try {
      expect(w.buildId()).toBeNull();
      const err = await w.session(async () => 1).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WarehouseUnavailableError);
      expect((err as WarehouseUnavailableError).statusCode).toBe(503);
      expect((err as WarehouseUnavailableError).code).toBe('CW_ERR_NO_WAREHOUSE');
    } finally {
      w.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('views on a build that lacks a table', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer({ records: serverFixture(SMALL) });
  });
  afterAll(async () => ts?.cleanup());

  test('should answer 503 CW_ERR_VIEW_MISSING for the view of the missing table and serve the others', async () => {
    expect((await ts.as('admin', { method: 'GET', url: '/api/v1/city-index' })).statusCode).toBe(200);
    // a build without the city index step: a copy of the current build with city_index dropped
    const w = warehousePaths(ts.dataDir);
    const cur = readCurrent(w)!;
    const file = join('builds', `${cur.build_id}-noidx.duckdb`);
    copyFileSync(join(w.root, cur.file), join(w.root, file));
    const db = await openDuck({ path: join(w.root, file), threads: 1 });
    await db.conn.run('DROP TABLE city_index');
    await db.conn.run('CHECKPOINT');
    db.close();
    swapIn(w, { ...cur, build_id: `${cur.build_id}-noidx`, file });
    expect(await ts.app.warehouse.refresh()).toBe(true);

    const r = await ts.as('admin', { method: 'GET', url: '/api/v1/city-index' });
    expect(r.statusCode).toBe(503);
    expect(r.json()).toMatchObject({ code: 'CW_ERR_VIEW_MISSING' });
    expect((r.json() as { message: string }).message).toContain('city_index');
    const o = await ts.as('admin', { method: 'GET', url: '/api/v1/overview' });
    expect(o.statusCode).toBe(200);
    expect(o.json()).toMatchObject({ city_index: null, missing: ['city_index'] });
    expect((await ts.as('admin', { method: 'GET', url: '/api/v1/counties' })).statusCode).toBe(200);
  });
});
