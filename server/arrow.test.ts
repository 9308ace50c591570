import { tableFromIPC } from 'apache-arrow';
import { describe, expect, test } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { frameFromReader, frameFromRows, frameRows, frameToArrow, prefersArrow } from './arrow.ts';
import { ARROW_STREAM } from './schemas/common.ts';

describe('prefersArrow(accept)', () => {
  test('should choose Arrow only when asked for at least as strongly as JSON', () => {
    expect(prefersArrow(ARROW_STREAM)).toBe(true);
    expect(prefersArrow(`${ARROW_STREAM}, application/json;q=0.5`)).toBe(true);
    expect(prefersArrow(`application/json, ${ARROW_STREAM};q=0.5`)).toBe(false);
    expect(prefersArrow(`${ARROW_STREAM};q=0`)).toBe(false);
    expect(prefersArrow('text/html,*/*;q=0.8')).toBe(false);
    expect(prefersArrow(undefined)).toBe(false);
  });
});

describe('frameFromReader(reader) / frameToArrow(frame)', () => {
  test('should turn DuckDB types into JSON values and Arrow columns that agree, nulls included', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      const r = await conn.runAndReadAll(`SELECT * FROM (VALUES
        (1::INTEGER, 10::BIGINT, 1.5::DOUBLE, 'a', true, DATE '2026-01-01', ['x', 'y'], 2.25::DECIMAL(10,2)),
        (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
        (-3, 9007199254740991, -0.25, '中文', false, DATE '1999-12-31', []::VARCHAR[], 0)
      ) t(i, b, d, s, f, dt, l, dec)`);
      const f = await frameFromReader(r);
      expect(f.kinds).toEqual(['i32', 'f64', 'f64', 'utf8', 'bool', 'date', 'utf8list', 'f64']);
      const rows = frameRows(f);
      expect(rows[0]).toEqual({ i: 1, b: 10, d: 1.5, s: 'a', f: true, dt: '2026-01-01', l: ['x', 'y'], dec: 2.25 });
      expect(rows[1]).toEqual({ i: null, b: null, d: null, s: null, f: null, dt: null, l: null, dec: null });
      const t = tableFromIPC(frameToArrow(f));
      expect(t.numRows).toBe(3);
      const back = t.toArray().map((x) => {
        const o = x.toJSON() as Record<string, unknown>;
        if (o.l) o.l = Array.from(o.l as Iterable<unknown>);
        if (o.dt !== null) o.dt = new Date(o.dt as number).toISOString().slice(0, 10);
        return o;
      });
      expect(back).toEqual(rows);
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  });

  test('should encode an empty frame with its schema', () => {
    const t = tableFromIPC(frameToArrow(frameFromRows([], [{ name: 'lon', kind: 'f64' }, { name: 'name', kind: 'utf8' }])));
    expect(t.numRows).toBe(0);
    expect(t.schema.fields.map((x) => x.name)).toEqual(['lon', 'name']);
  });
});
