import { tableFromIPC } from 'apache-arrow';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildFixture } from '../../../analytics/test-support.ts';
import { DEMO_ACCOUNTS, inScope } from '../../plugins/auth.ts';
import { ARROW_STREAM } from '../../schemas/common.ts';
import {
  ClusterDetailBody, GeoBody, OverviewBody, SubjectProfileBody,
} from '../../schemas/views.ts';
import { startTestServer, type DemoUser, type TestServer } from '../../test-helpers.ts';
import type { SessionUser } from '../../types.ts';
import { frameRows } from '../../arrow.ts';
import type { Warehouse } from '../../plugins/warehouse.ts';
import { LIST_VIEWS } from './index.ts';
import { frame, rows, usedParams } from './sql.ts';
import { subjectsList } from './subjects.ts';
import type { SearchIndexHolder } from './search-index.ts';
import { SEARCH_INDEX } from './serving-aids.ts';
import { CLUSTER_A, CLUSTER_B, firmUscc, viewsFixture } from './test-fixture.ts';

type Body = Record<string, unknown>;
type Rows = Body[];

let ts: TestServer;
let clusterA = '';
let clusterB = '';
let personKey = '';

const USERS = Object.fromEntries(DEMO_ACCOUNTS.map((a) => [a.username, {
  id: a.username, username: a.username, displayName: a.displayName, role: a.role, counties: a.counties ?? [], industries: a.industries ?? [],
  department: a.department ?? null, personalData: Boolean(a.personalData),
} satisfies SessionUser])) as Record<DemoUser, SessionUser>;
const ROLES: DemoUser[] = ['leader', 'admin', 'scjg', 'yjgl', 'binhai', 'analyst', 'auditor'];
const SCOPED: DemoUser[] = ['scjg', 'yjgl', 'binhai'];

/** The schema of a route's 200 body (list routes: their ListDef body). */
function schemaOf(url: string): TSchema {
  const path = url.split('?')[0].replace(/^\/api\/v1/, '');
  if (path === '/overview') return OverviewBody;
  if (path === '/geo/counties') return GeoBody;
  if (path.startsWith('/subjects/')) return SubjectProfileBody;
  if (path.startsWith('/clusters/')) return ClusterDetailBody;
  const def = LIST_VIEWS.find((d) => new RegExp(`^${d.path.replace(/:[a-z]+/g, '[^/]+')}$`).test(path));
  if (!def) throw new Error(`no schema for ${url}`);
  return def.body;
}

function expectSchema(url: string, body: unknown): void {
  const schema = schemaOf(url);
  if (!Value.Check(schema, body)) throw new Error(`${url} body does not match its schema: ${JSON.stringify([...Value.Errors(schema, body)].slice(0, 5))}`);
}

async function get(user: DemoUser | null, url: string, headers: Record<string, string> = {}) {
  return ts.as(user, { method: 'GET', url, headers });
}

async function json(user: DemoUser, url: string): Promise<Body> {
  const r = await get(user, url);
  expect(r.statusCode, `${user} ${url}: ${r.body}`).toBe(200);
  const body = r.json() as Body;
  expectSchema(url, body);
  return body;
}

/** Arrow IPC rows as plain objects (lists as arrays, DateDay as YYYY-MM-DD). */
function arrowRows(buf: Buffer, dateCols: string[] = []): Rows {
  const t = tableFromIPC(buf);
  return t.toArray().map((r) => {
    const o = r.toJSON() as Body;
    for (const [k, v] of Object.entries(o)) {
      if (v && typeof v === 'object' && 'toArray' in v) o[k] = Array.from((v as { toArray(): unknown[] }).toArray());
      if (dateCols.includes(k) && v !== null) o[k] = new Date(v as number).toISOString().slice(0, 10);
    }
    return o;
  });
}

beforeAll(async () => {
  ts = await startTestServer({ records: viewsFixture() });
  const clusters = (await json('admin', '/api/v1/clusters')).rows as Rows;
  clusterA = String(clusters.find((c) => String(c.anchor_name).startsWith(CLUSTER_A.person[0]))?.cluster_id);
  clusterB = String(clusters.find((c) => String(c.anchor_name).startsWith(CLUSTER_B.person[0]))?.cluster_id);
  const persons = (await json('admin', '/api/v1/subjects?q=%E5%BC%A0')).rows as Rows; // 张
  personKey = String(persons.find((p) => p.subject_type === '自然人')?.subject_key);
});

afterAll(async () => {
  await ts?.cleanup();
});

describe('GET /api/v1/* (views)', () => {
  test('should answer every route with a body that matches its TypeBox schema', async () => {
    const urls = [
      '/api/v1/overview', '/api/v1/city-index', '/api/v1/city-index?from=2026-03&to=2026-09', '/api/v1/counties',
      '/api/v1/counties/320922/indicators', '/api/v1/counties/320900/indicators?from=2026-01-01', '/api/v1/industries',
      '/api/v1/industries?level=division&month=2026-10', '/api/v1/county-industry', '/api/v1/county-industry?level=division',
      '/api/v1/county-index', '/api/v1/county-index?month=2026-06', '/api/v1/subjects', '/api/v1/subjects?sort=exposure&order=desc&page=2&pageSize=7',
      '/api/v1/subjects?grade=C,D&list=focus&county=320922&section=C', `/api/v1/subjects/${firmUscc(0)}`, `/api/v1/subjects/${personKey}`,
      '/api/v1/clusters', `/api/v1/clusters/${clusterA}`, '/api/v1/quality', '/api/v1/quality?level=source_unit', '/api/v1/geo/counties',
      '/api/v1/points?county=320922', `/api/v1/points?county=320902&fields=subject_key,uscc,name,subject_type,county_code,industry_section,industry_division,lon,lat,score,grade,exposure,cluster_id`,
    ];
    for (const url of urls) {
      const body = await json('admin', url);
      expect(body.build_id, url).toBe(ts.app.warehouse.buildId());
    }
    const overview = await json('admin', '/api/v1/overview');
    expect(overview.missing).toEqual([]);
    expect((overview.counts as Body).subjects).toBeGreaterThan(0);
    expect(Object.keys(overview.lists_by_type as Body).sort()).toEqual(['black', 'focus', 'red', 'warning']);
  });

  test('should page and sort subjects server-side', async () => {
    const all = await json('admin', '/api/v1/subjects?pageSize=500&sort=score&order=desc');
    const rows = all.rows as Rows;
    expect(all.total).toBe(241); // 240 firms + 1 natural person
    expect(rows).toHaveLength(241);
    const scores = rows.map((r) => r.score as number);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    const p2 = await json('admin', '/api/v1/subjects?pageSize=10&page=2&sort=score&order=desc');
    expect((p2.rows as Rows).map((r) => r.subject_key)).toEqual(rows.slice(10, 20).map((r) => r.subject_key));
    const byName = await json('admin', `/api/v1/subjects?q=${encodeURIComponent('企业7有限')}`);
    expect((byName.rows as Rows).map((r) => r.name)).toContain('测试320902企业7有限公司');
    const byUscc = await json('admin', `/api/v1/subjects?q=${firmUscc(7).slice(0, 14)}`);
    expect((byUscc.rows as Rows).map((r) => r.uscc)).toContain(firmUscc(7));
    const black = await json('admin', '/api/v1/subjects?list=black');
    expect((black.rows as Rows).every((r) => (r.lists as string[]).includes('black'))).toBe(true);
    expect((black.rows as Rows).map((r) => r.uscc)).toContain(firmUscc(1));
  });

  test('should give the same pages from the in-memory search index as from SQL (exports use SQL)', async () => {
    const wh = ts.app.warehouse as Warehouse;
    await wh.session(async (s) => {
      const holder = s.aid<SearchIndexHolder>(SEARCH_INDEX)!;
      await holder.ready;
      expect(holder.index).not.toBeNull();
    });
    const queries: Record<string, unknown>[] = [
      {}, { sort: 'score', order: 'desc' }, { sort: 'name' }, { sort: 'exposure' }, { sort: 'grade' }, { sort: 'grade', order: 'asc' },
      { sort: 'negative_events', order: 'asc' }, { sort: 'county_code', order: 'desc' }, { sort: 'uscc' }, { grade: 'C,D', list: 'focus' },
      { q: '企业1' }, { q: '320902企业' }, { q: firmUscc(7).slice(0, 12) }, { q: '张' }, { q: '不存在的名字' }, { county: '320922', section: 'C' },
      { division: '52' }, { list: 'black' }, { q: '有限公司', sort: 'name', order: 'desc' },
    ];
    for (const user of ['admin', 'binhai', 'scjg', 'yjgl'] as DemoUser[]) {
      for (const query of queries) {
        for (const page of [{ limit: 7, offset: 0 }, { limit: 50, offset: 14 }]) {
          const ctx = { user: USERS[user], params: {}, query };
          const [fast, sql] = await wh.session(async (s) => {
            const q = await subjectsList.query(s, ctx, page);
            return [subjectsList.fastPage!(s, ctx, page), { frame: await frame(s, q.sql, q.params), total: (await rows<{ n: number }>(s, q.countSql!, usedParams(q.countSql!, q.params)))[0].n }];
          });
          const label = `${user} ${JSON.stringify(query)} ${JSON.stringify(page)}`;
          expect(fast, label).not.toBeNull();
          expect(fast!.total, label).toBe(sql.total);
          expect(frameRows(fast!.frame), label).toEqual(frameRows(sql.frame));
        }
      }
    }
  });

  test('should refuse bad parameters with 400 and a CW_ERR code', async () => {
    for (const url of ['/api/v1/subjects?pageSize=1000', '/api/v1/subjects?grade=E', '/api/v1/subjects?sort=drop', '/api/v1/counties/abc/indicators', '/api/v1/county-index?month=2026-13', '/api/v1/points?county=320922&fields=password']) {
      const r = await get('admin', url);
      expect(r.statusCode, url).toBe(400);
      expect((r.json() as Body).code).toBe('CW_ERR_VALIDATION');
    }
    const r = await get('admin', '/api/v1/counties/999999/indicators');
    expect(r.statusCode).toBe(404);
  });
});

describe('authorization matrix (role x endpoint x scope)', () => {
  const AGG = ['/api/v1/overview', '/api/v1/city-index', '/api/v1/counties', '/api/v1/counties/320922/indicators', '/api/v1/counties/320900/indicators',
    '/api/v1/industries', '/api/v1/county-industry', '/api/v1/county-index', '/api/v1/quality', '/api/v1/geo/counties', '/api/v1/points?county=320922'];

  test('should answer 401 without a session', async () => {
    for (const url of [...AGG, '/api/v1/subjects', `/api/v1/subjects/${firmUscc(0)}`, '/api/v1/clusters']) expect((await get(null, url)).statusCode, url).toBe(401);
  });

  test('should give aggregates to every role but the auditor, and county data only within a county scope', async () => {
    for (const user of ROLES) {
      for (const url of AGG) expect((await get(user, url)).statusCode, `${user} ${url}`).toBe(user === 'auditor' ? 403 : 200);
      const other = await get(user, '/api/v1/counties/320902/indicators');
      expect(other.statusCode, user).toBe(user === 'auditor' || user === 'binhai' ? 403 : 200);
      const points = await get(user, '/api/v1/points?county=320902');
      expect(points.statusCode, user).toBe(user === 'auditor' || user === 'binhai' ? 403 : 200);
    }
  });

  test('should answer subject-level endpoints 200 in scope, 404 out of scope, 403 for leader and auditor', async () => {
    // firm 0: 滨海县 C; firm 1: 亭湖区 F; firm 2: 亭湖区 H; firm 5: 大丰区 K; the natural person has no county or industry
    const expected: Record<string, Partial<Record<DemoUser, number>>> = {
      [firmUscc(0)]: { admin: 200, analyst: 200, binhai: 200, yjgl: 200, scjg: 404 },
      [firmUscc(1)]: { admin: 200, analyst: 200, binhai: 404, yjgl: 404, scjg: 200 },
      [firmUscc(5)]: { admin: 200, analyst: 200, binhai: 404, yjgl: 404, scjg: 404 },
      [personKey]: { admin: 200, analyst: 200, binhai: 404, yjgl: 404, scjg: 404 },
      NOSUCHKEY1234: { admin: 404, analyst: 404, binhai: 404, yjgl: 404, scjg: 404 },
    };
    for (const [key, byUser] of Object.entries(expected)) {
      for (const user of ROLES) {
        const want = user === 'leader' || user === 'auditor' ? 403 : byUser[user]!;
        const r = await get(user, `/api/v1/subjects/${key}`);
        expect(r.statusCode, `${user} ${key}`).toBe(want);
        if (want === 200) expectSchema(`/api/v1/subjects/${key}`, r.json());
      }
    }
    const clusters: Record<string, Partial<Record<DemoUser, number>>> = {
      [clusterA]: { admin: 200, analyst: 200, binhai: 200, yjgl: 200, scjg: 200 },
      [clusterB]: { admin: 200, analyst: 200, binhai: 404, yjgl: 200, scjg: 200 },
    };
    for (const [id, byUser] of Object.entries(clusters)) {
      for (const user of ROLES) {
        const want = user === 'leader' || user === 'auditor' ? 403 : byUser[user]!;
        expect((await get(user, `/api/v1/clusters/${id}`)).statusCode, `${user} ${id}`).toBe(want);
      }
    }
    for (const url of ['/api/v1/subjects', '/api/v1/clusters']) {
      for (const user of ROLES) expect((await get(user, url)).statusCode, `${user} ${url}`).toBe(user === 'leader' || user === 'auditor' ? 403 : 200);
    }
  });

  test('should never let rows outside the scope appear, and miss none inside it', async () => {
    const all = (await json('admin', '/api/v1/subjects?pageSize=500')).rows as Rows;
    for (const user of SCOPED) {
      const u = USERS[user];
      const mine = (await json(user, '/api/v1/subjects?pageSize=500')).rows as Rows;
      expect(mine.length, user).toBeGreaterThan(0);
      expect(mine.every((r) => inScope(u, r)), user).toBe(true);
      expect(mine.map((r) => r.subject_key).sort()).toEqual(all.filter((r) => inScope(u, r)).map((r) => r.subject_key).sort());
      const points = (await json(user, '/api/v1/points?county=320922&fields=subject_key,county_code,industry_section,industry_division')).rows as Rows;
      expect(points.every((r) => inScope(u, r)), user).toBe(true);
      const clusters = (await json(user, '/api/v1/clusters')).rows as Rows;
      expect(clusters.map((c) => c.cluster_id).sort(), user).toEqual(user === 'binhai' ? [clusterA] : [clusterA, clusterB].sort());
      const detail = await json(user, `/api/v1/clusters/${clusterA}`);
      const firms = (detail.members as Rows).filter((m) => m.node_type !== 'person');
      expect(firms.every((m) => inScope(u, m)), user).toBe(true);
      expect(firms.length + (detail.hidden_members as number)).toBe(3);
      for (const e of detail.edges as Rows) expect((detail.members as Rows).some((m) => m.node_key === e.from) && (detail.members as Rows).some((m) => m.node_key === e.to)).toBe(true);
    }
    const binhai = USERS.binhai;
    for (const url of ['/api/v1/counties', '/api/v1/county-index', '/api/v1/county-industry', '/api/v1/industries']) {
      const rows = (await json('binhai', url)).rows as Rows;
      expect(rows.length, url).toBeGreaterThan(0);
      expect(rows.every((r) => binhai.counties.includes(String(r.county_code))), url).toBe(true);
    }
    const geo = await json('binhai', '/api/v1/geo/counties');
    for (const f of geo.features as { properties: Body }[]) {
      if (f.properties.code !== '320922') expect(f.properties.subjects ?? null, String(f.properties.code)).toBeNull();
    }
  });

  test('should give leaders map points without identifying fields', async () => {
    const r = await json('leader', '/api/v1/points?county=320922');
    expect(r.fields).toEqual(['lon', 'lat', 'score', 'grade', 'exposure']);
    expect(Object.keys((r.rows as Rows)[0]).sort()).toEqual(['exposure', 'grade', 'lat', 'lon', 'score']);
    const named = await get('leader', '/api/v1/points?county=320922&fields=lon,lat,name');
    expect(named.statusCode).toBe(403);
    expect((named.json() as Body).code).toBe('CW_ERR_FORBIDDEN');
  });
});

describe('natural persons (masking and the personal-data audit)', () => {
  const auditCount = async (actor: string) => (await ts.app.ops.all<{ n: number }>(
    `SELECT count(*)::INTEGER AS n FROM audit_log WHERE action = 'personal_data.view' AND actor = $a`, { a: actor }))[0].n;

  test('should mask persons for users without personal-data access and audit every view by those with it', async () => {
    const q = `/api/v1/subjects?q=${encodeURIComponent('张')}`;
    const before = await auditCount('admin');
    const admin = ((await json('admin', q)).rows as Rows).find((r) => r.subject_key === personKey)!;
    expect(String(admin.name)).toMatch(/^张.*（3209/);
    await json('admin', q); // served from the cache: audited again
    expect(await auditCount('admin')).toBe(before + 2);

    const beforeAnalyst = await auditCount('analyst');
    const analyst = ((await json('analyst', q)).rows as Rows).find((r) => r.subject_key === personKey)!;
    expect(String(analyst.name)).toMatch(/^张\*+$/);
    expect(await auditCount('analyst')).toBe(beforeAnalyst);

    const profile = await json('admin', `/api/v1/subjects/${personKey}`);
    expect(profile.masked).toBe(false);
    const last = await ts.app.ops.all<{ target: string }>(`SELECT target FROM audit_log WHERE action = 'personal_data.view' ORDER BY seq DESC LIMIT 1`);
    expect(last[0].target).toBe(personKey);
  });

  test('should mask legal representatives, related persons and risk paths in a profile', async () => {
    const p = await json('binhai', `/api/v1/subjects/${firmUscc(0)}`);
    expect(p.masked).toBe(true);
    expect((p.subject as Body).legal_rep).toMatch(/^王\*+$/);
    const persons = (p.related as Rows).filter((r) => r.related_type === 'person');
    expect(persons.length).toBeGreaterThan(0);
    for (const r of persons) expect(String(r.related_label)).not.toMatch(/\d/);
    for (const path of ((p.risk as Body | null)?.top_paths as Rows | undefined) ?? []) expect(String(path.path)).not.toMatch(/\d{4}\*/);
    const admin = await json('admin', `/api/v1/subjects/${firmUscc(0)}`);
    expect((admin.subject as Body).legal_rep).toBe('王0');
    expect(((admin.related as Rows).find((r) => r.related_type === 'person')!.related_label as string)).toMatch(/（|\(/);
    expect((admin.timeline as Rows).length).toBe(admin.timeline_total);
    expect((admin.score as Body).grade).toMatch(/^[A-D]$/);
  });
});

describe('Accept: application/vnd.apache.arrow.stream', () => {
  test('should answer list endpoints with an Arrow IPC stream holding the same rows as the JSON', async () => {
    const cases: [string, string[]][] = [
      ['/api/v1/points?county=320922&fields=subject_key,name,subject_type,county_code,industry_section,lon,lat,score,grade,exposure,cluster_id', []],
      ['/api/v1/subjects?county=320922&pageSize=100', []],
      ['/api/v1/counties/320922/indicators', ['month']],
      ['/api/v1/clusters', ['first_dishonest_date', 'latest_dishonest_date']],
    ];
    for (const [url, dates] of cases) {
      const j = ((await json('admin', url)).rows as Rows);
      const r = await get('admin', url, { accept: ARROW_STREAM });
      expect(r.statusCode, url).toBe(200);
      expect(r.headers['content-type']).toBe(ARROW_STREAM);
      const a = arrowRows(r.rawPayload, dates);
      expect(a.length, url).toBe(j.length);
      expect(a, url).toEqual(j);
    }
    const paged = await get('admin', '/api/v1/subjects?pageSize=5', { accept: ARROW_STREAM });
    expect(paged.headers['x-total-count']).toBe('241');
    const html = await get('admin', '/api/v1/counties', { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' });
    expect(html.headers['content-type']).toMatch(/^application\/json/);
  });
});

describe('ETag, 304 and build invalidation', () => {
  test('should answer 304 to a matching If-None-Match, vary the ETag by query, scope and format, and change it with a new build', async () => {
    const r1 = await get('admin', '/api/v1/overview');
    const etag = String(r1.headers.etag);
    const build1 = String(r1.headers['x-build-id']);
    expect(etag).toMatch(/^"/);
    expect(build1).toBe(ts.app.warehouse.buildId());
    const r2 = await get('admin', '/api/v1/overview', { 'if-none-match': etag });
    expect(r2.statusCode).toBe(304);
    expect(r2.body).toBe('');
    expect((await get('binhai', '/api/v1/overview')).headers.etag).not.toBe(etag);
    const p1 = await get('admin', '/api/v1/subjects?page=1');
    expect((await get('admin', '/api/v1/subjects?page=2')).headers.etag).not.toBe(p1.headers.etag);
    expect((await get('admin', '/api/v1/subjects?page=1', { accept: ARROW_STREAM })).headers.etag).not.toBe(p1.headers.etag);

    await buildFixture(ts.dataDir);
    expect(await ts.app.warehouse.refresh()).toBe(true);
    const build2 = ts.app.warehouse.buildId();
    expect(build2).not.toBe(build1);
    const r3 = await get('admin', '/api/v1/overview', { 'if-none-match': etag });
    expect(r3.statusCode).toBe(200);
    expect(r3.headers['x-build-id']).toBe(build2);
    expect(r3.headers.etag).not.toBe(etag);
    expect((r3.json() as Body).build_id).toBe(build2);
    expect((await get('admin', '/api/v1/overview', { 'if-none-match': String(r3.headers.etag) })).statusCode).toBe(304);
  });
});
