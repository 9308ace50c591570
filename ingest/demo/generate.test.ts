import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import booleanPointInPolygon from '@turf/boolean-point-in-polygon';
import type { MultiPolygon, Polygon } from 'geojson';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cityCounties } from '../reference/index.ts';
import { KINDS } from '../schemas/index.ts';
import type { FieldDef, KindSchema } from '../schemas/types.ts';
import { maskIdNumber } from '../validators/id-number.ts';
import { usccStatus } from '../validators/uscc.ts';
import { generateDemoCity, type DemoSummary } from './generate.ts';
import { normalizeHeader, readTable, type Table } from './read-table.ts';

const AS_OF = '2025-11-25';
const OPTS = { subjects: 800, months: 24, seed: 7, asOf: AS_OF };
const TEXT_FORMATS = new Set(['csv', 'json', 'ndjson']);

let root: string;
let a: DemoSummary;
let b: DemoSummary;
let c: DemoSummary;
let d: DemoSummary;
const tables = new Map<string, Table>();

function schemaOf(kind: string): KindSchema {
  return KINDS.find((k) => k.kind === kind)!;
}

/** normalized header -> field, from labels and aliases. */
function fieldMap(schema: KindSchema): Map<string, FieldDef> {
  const m = new Map<string, FieldDef>();
  for (const f of schema.fields) for (const h of [f.label, ...(f.aliases ?? [])]) m.set(normalizeHeader(h), f);
  return m;
}

function rel(s: DemoSummary, p: string): string {
  return p.slice(p.indexOf('/demo-') + 1).split('/').slice(1).join('/');
}

/** Register rows as objects keyed by field key. */
function registerRows(): Record<string, string>[] {
  const fm = fieldMap(schemaOf('subject'));
  return a.files.filter((f) => f.kind === 'subject').flatMap((f) => {
    const t = tables.get(f.path)!;
    const keys = t.header.map((h) => fm.get(normalizeHeader(h))!.key);
    return t.rows.map((r) => Object.fromEntries(keys.map((k, j) => [k, r[j]])));
  });
}

function column(kind: string, key: string): string[] {
  const fm = fieldMap(schemaOf(kind));
  return a.files.filter((f) => f.kind === kind).flatMap((f) => {
    const t = tables.get(f.path)!;
    const j = t.header.findIndex((h) => fm.get(normalizeHeader(h))?.key === key);
    return t.rows.map((r) => r[j]);
  });
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'cw-demo-test-'));
  a = await generateDemoCity({ ...OPTS, outDir: join(root, 'demo-a') });
  b = await generateDemoCity({ ...OPTS, outDir: join(root, 'demo-b') });
  c = await generateDemoCity({ ...OPTS, seed: 8, outDir: join(root, 'demo-c') });
  d = await generateDemoCity({ ...OPTS, threads: 2, outDir: join(root, 'demo-d') });
  for (const f of a.files) tables.set(f.path, await readTable(f));
}, 120_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('generateDemoCity(opts)', () => {
  test('should write every kind, the source units and the stories', () => {
    const kinds = new Set(a.files.map((f) => f.kind));
    for (const k of KINDS) expect(kinds, k.kind).toContain(k.kind);
    expect(a.subjects).toBe(800);
    expect(a.records).toBe(a.files.filter((f) => f.kind !== 'subject').reduce((s, f) => s + f.rows, 0));
    const units = readFileSync(a.sourceUnitsPath, 'utf8').trim().split('\n');
    expect(units[0]).toBe('code,name,kinds,county_code');
    expect(units.length - 1).toBeGreaterThanOrEqual(35);
    for (const line of units.slice(1)) expect(usccStatus(line.split(',')[0])).toBe('ok');
    for (const f of a.files) expect(tables.get(f.path)!.rows.length, rel(a, f.path)).toBe(f.rows);
  });

  test('should give identical bytes for the same seed (with or without the worker) and different files for another seed', async () => {
    for (const other of [b, d]) {
      const paths = new Map(other.files.map((f) => [rel(other, f.path), f]));
      expect(other.files.length).toBe(a.files.length);
      for (const f of a.files) {
        const g = paths.get(rel(a, f.path));
        expect(g, rel(a, f.path)).toBeDefined();
        expect({ ...g!, path: '' }).toEqual({ ...f, path: '' });
        if (TEXT_FORMATS.has(f.format)) expect(readFileSync(f.path).equals(readFileSync(g!.path)), rel(a, f.path)).toBe(true);
        else expect(await readTable(g!)).toEqual(tables.get(f.path));
      }
      expect(readFileSync(a.storiesPath, 'utf8')).toBe(readFileSync(other.storiesPath, 'utf8'));
      expect(readFileSync(a.sourceUnitsPath, 'utf8')).toBe(readFileSync(other.sourceUnitsPath, 'utf8'));
    }
    const subjA = a.files.find((f) => f.kind === 'subject')!;
    const subjC = c.files.find((f) => rel(c, f.path) === rel(a, subjA.path))!;
    expect(readFileSync(subjA.path).equals(readFileSync(subjC.path))).toBe(false);
  });

  test('should recognize every header cell as a label or alias of its kind', () => {
    for (const f of a.files) {
      const fm = fieldMap(schemaOf(f.kind));
      for (const h of tables.get(f.path)!.header) expect(fm.has(normalizeHeader(h)), `${rel(a, f.path)}: '${h}'`).toBe(true);
    }
  });

  test('should use the realistic variants (GBK, BOM, XK_ codes, half-width brackets, JSON, NDJSON, XLSX)', () => {
    const by = (kind: string) => a.files.filter((f) => f.kind === kind);
    expect(by('penalty').some((f) => f.encoding === 'gbk')).toBe(true);
    expect(a.files.some((f) => f.encoding === 'utf8bom')).toBe(true);
    expect(by('license').some((f) => tables.get(f.path)!.header.includes('XK_WSH'))).toBe(true);
    expect(by('penalty').some((f) => tables.get(f.path)!.header.includes('罚款金额(万元)'))).toBe(true);
    expect(by('court_dishonest').every((f) => f.format === 'json')).toBe(true);
    expect(by('relation').every((f) => f.format === 'ndjson')).toBe(true);
    expect(by('honor').every((f) => f.format === 'xlsx')).toBe(true);
    expect(column('license', 'party_type')).toContain('04');
  });

  test('should put subjects in every county, each point inside its own county polygon', () => {
    const features = new Map(cityCounties('320900').features.map((f) => [f.properties.code, f.geometry as Polygon | MultiPolygon]));
    const rows = registerRows();
    const seen = new Set<string>();
    let outside = 0;
    for (const r of rows) {
      const geom = features.get(r.county_code);
      if (!geom) continue; // a deliberately bad county code
      seen.add(r.county_code);
      if (!booleanPointInPolygon([Number(r.lon), Number(r.lat)], geom)) outside++;
    }
    expect([...seen].sort()).toEqual([...features.keys()].sort());
    expect(outside).toBe(0);
  });

  test('should count bad rows in every kind, and no event date after asOf outside them', () => {
    for (const k of KINDS) {
      const files = a.files.filter((f) => f.kind === k.kind);
      expect(files.reduce((s, f) => s + f.badRows, 0), k.kind).toBeGreaterThanOrEqual(3);
    }
    for (const f of a.files) {
      const fm = fieldMap(schemaOf(f.kind));
      const t = tables.get(f.path)!;
      const cols = t.header.flatMap((h, j) => (fm.get(normalizeHeader(h))?.notFuture ? [j] : []));
      let future = 0;
      for (const r of t.rows) {
        if (cols.some((j) => /^\d{4}[/-]\d{2}[/-]\d{2}$/.test(r[j]) && r[j].replaceAll('/', '-') > AS_OF)) future++;
      }
      expect(future, rel(a, f.path)).toBeLessThanOrEqual(f.badRows);
    }
  });

  test('should keep rows with a broken subject USCC within the counted bad rows', () => {
    for (const f of a.files) {
      const schema = schemaOf(f.kind);
      const fm = fieldMap(schema);
      const t = tables.get(f.path)!;
      const j = t.header.findIndex((h) => fm.get(normalizeHeader(h))?.key === schema.subject?.uscc);
      const broken = t.rows.filter((r) => r[j] !== '' && !['ok', 'org_check'].includes(usccStatus(r[j]))).length;
      expect(broken, rel(a, f.path)).toBeLessThanOrEqual(f.badRows);
    }
    const doc = JSON.parse(readFileSync(a.storiesPath, 'utf8'));
    const usccs = registerRows().map((r) => r.subject_uscc);
    for (const u of doc.quality.org_check_usccs) {
      expect(usccStatus(u)).toBe('org_check');
      expect(usccs).toContain(u);
    }
  });

  test('should give 滨海县 a much larger share of C26 chemicals than 亭湖区', () => {
    const rows = registerRows();
    const share = (county: string) => {
      const inCounty = rows.filter((r) => r.county_code === county);
      return inCounty.filter((r) => r.industry_code.replace(/^[A-Z]/, '') === '26').length / inCounty.length;
    };
    expect(share('320922')).toBeGreaterThan(3 * share('320902'));
  });

  test('should find the ids of stories.json in the files', () => {
    const doc = JSON.parse(readFileSync(a.storiesPath, 'utf8'));
    const byId = Object.fromEntries(doc.stories.map((s: { id: string }) => [s.id, s]));
    const usccs = new Set(registerRows().map((r) => r.subject_uscc));
    const penaltyNos = new Set(column('penalty', 'decision_no'));
    const surge = byId.penalty_surge;
    expect(surge.county_code).toBe('320922');
    expect(surge.ratio).toBeGreaterThanOrEqual(3);
    for (const no of surge.planted_decision_nos) expect(penaltyNos).toContain(no);
    const cluster = byId.dishonest_cluster;
    expect(cluster.firms.length).toBeGreaterThanOrEqual(6);
    expect(cluster.person.id_masked).toMatch(/^3209\*{10}[0-9]{3}[0-9X]$/);
    for (const f of cluster.firms) expect(usccs).toContain(f.uscc);
    const cases = new Set(column('court_dishonest', 'case_no'));
    for (const no of [...cluster.court_case_nos, cluster.person_case_no]) expect(cases).toContain(no);
    const serious = new Set(column('serious_dishonest', 'decision_no'));
    for (const no of cluster.serious_decision_nos) expect(serious).toContain(no);
    const commitments = new Set(column('commitment', 'commitment_no'));
    for (const no of cluster.broken_commitment_nos) expect(commitments).toContain(no);
    const proc = byId.procurement_blacklisted;
    expect(usccs).toContain(proc.uscc);
    const contracts = new Set(column('contract', 'contract_no'));
    for (const no of proc.contract_nos) expect(contracts).toContain(no);
    expect(serious).toContain(proc.serious_decision_no);
    expect(proc.listed_date >= '2025-11-01' && proc.listed_date <= AS_OF).toBe(true);
    const reps = new Map<string, string>();
    const relUscc = column('relation', 'subject_uscc');
    const relType = column('relation', 'relation_type');
    const relId = column('relation', 'related_id_number');
    const relEnd = column('relation', 'end_date');
    relUscc.forEach((u, k) => {
      // '法人' is the code form of 法定代表人 (valueAliases), used on some rows
      if ((relType[k] === '法定代表人' || relType[k] === '法人') && relEnd[k] === '') reps.set(u, relId[k]);
    });
    for (const f of cluster.firms) expect(maskIdNumber(reps.get(f.uscc) ?? '')).toBe(cluster.person.id_masked);
    const repeat = byId.repeat_penalties;
    expect(repeat.decision_nos.length).toBeGreaterThanOrEqual(4);
    for (const no of repeat.decision_nos) expect(penaltyNos).toContain(no);
  });
});
