/**
 * `npm run bench:api` (`credit-watch bench-api`): latency and throughput of the data API with
 * autocannon on 127.0.0.1. The server runs in a child process (this file with --api-bench-server:
 * buildApp + listen, global rate limit off) so client and server do not share an event loop; they
 * do share the machine's cores, which the result says.
 *
 * Endpoints (each a bounded run, default 10 s):
 *   overview, county indicators       at 500 req/s (cached bytes; target p95 <= 10 ms)
 *   subject search, subject profile   at 100 req/s (target p95 <= 50 ms), both with every request a
 *                                     distinct query / key (uncached: real DuckDB work) and with one
 *                                     repeated request (cached bytes)
 *   points as Arrow                   unthrottled, few connections, next to an ASCII body of the same
 *                                     size: autocannon is client-bound for large binary bodies (STACK.md)
 * Percentiles p50/p95/p99 come from every response time (autocannon's own histogram has no p95);
 * autocannon's coordinated-omission corrected p50/p97.5/p99 are kept alongside. The first request of
 * each cached view is timed on its own: the once-per-build cost of computing and serializing it.
 * Data dir: --data-dir, else bench/.work/city-1000000 when it holds a build, else a demo city
 * generated and built into bench/.work/api-demo-<n>. Writes bench/results/api-<date>.json.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, hostname, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { REPO_ROOT } from '../ingest/reference/index.ts';

const CLI = join(REPO_ROOT, 'bin', 'credit-watch.mjs');
const ARROW = 'application/vnd.apache.arrow.stream';
const SERVER_FLAG = '--api-bench-server';
/** Distinct search queries / profile keys prepared for the uncached runs. */
const DISTINCT = 2000;

export interface ApiBenchOptions {
  dataDir?: string;
  /** Seconds per endpoint run. @default 10 */
  duration: number;
  /** Subjects of the generated demo city when no data dir holds a build. @default 20000 */
  demoSubjects: number;
  /** Free text kept in the result (e.g. how the data dir was made). */
  note?: string;
  log: (s: string) => void;
}

interface Run {
  name: string;
  target: string;
  rate: number | null;
  connections: number;
  requests: number;
  req_per_s: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  max_ms: number;
  corrected: { p50_ms: number; p97_5_ms: number; p99_ms: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  bytes_per_response: number;
  mb_per_s: number;
  note?: string;
}

function pct(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return +sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)].toFixed(2);
}

function cli(args: string[], dataDir: string): string {
  const r = spawnSync(process.execPath, [CLI, ...args, '--data-dir', dataDir], { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`credit-watch ${args.join(' ')} failed with ${r.status}`);
  return r.stdout;
}

function pickDataDir(o: ApiBenchOptions): string {
  if (o.dataDir) return o.dataDir;
  const big = join(REPO_ROOT, 'bench', '.work', 'city-1000000');
  if (existsSync(join(big, 'warehouse', 'CURRENT.json'))) return big;
  const demo = join(REPO_ROOT, 'bench', '.work', `api-demo-${o.demoSubjects}`);
  if (!existsSync(join(demo, 'warehouse', 'CURRENT.json'))) {
    o.log(`no 1 M city in bench/.work: generating a demo city of ${o.demoSubjects} subjects in ${demo}...`);
    if (!existsSync(join(demo, 'lake', 'manifests'))) cli(['demo', '--subjects', String(o.demoSubjects), '--seed', '1', '--json'], demo);
    cli(['build', '--json'], demo);
  }
  return demo;
}

/** Starts the server child; resolves with its port. */
function startServer(dataDir: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), SERVER_FLAG, dataDir], {
    cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, CW_RATE_LIMIT: '0', CW_NIGHTLY_CRON: 'off', CW_DEMO: 'true' },
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /API_BENCH_PORT (\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code} before listening`)));
  });
}

async function login(base: string, username: string): Promise<string> {
  const r = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: `demo-${username}-2026` }) });
  if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${await r.text()}`);
  const c = r.headers.getSetCookie().find((x) => x.startsWith('cw_session='));
  return c!.split(';')[0];
}

async function timedGet(base: string, path: string, headers: Record<string, string>): Promise<{ ms: number; status: number; bytes: number; body: Buffer }> {
  const t0 = performance.now();
  const r = await fetch(base + path, { headers });
  const body = Buffer.from(await r.arrayBuffer());
  return { ms: +(performance.now() - t0).toFixed(1), status: r.status, bytes: body.length, body };
}

type Autocannon = (opts: Record<string, unknown>) => NodeJS.EventEmitter;

/** autocannon ships no types; imported through a variable specifier so it stays untyped here only. */
async function loadAutocannon(): Promise<Autocannon> {
  const spec = 'autocannon';
  return ((await import(spec)) as { default: Autocannon }).default;
}

async function cannon(o: { url: string; name: string; target: string; rate: number | null; connections: number; duration: number; headers: Record<string, string>; paths: string[]; note?: string }): Promise<Run> {
  const autocannon = await loadAutocannon();
  const times: number[] = [];
  let next = 0;
  const instance = autocannon({
    url: o.url,
    connections: o.connections,
    duration: o.duration,
    ...(o.rate ? { overallRate: o.rate } : {}),
    headers: o.headers,
    requests: [{ method: 'GET', setupRequest: (req: Record<string, unknown>) => ({ ...req, path: o.paths[next++ % o.paths.length] }) }],
  });
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => { times.push(responseTime); });
  const res = await new Promise<Record<string, any>>((resolve, reject) => {
    instance.on('done', resolve);
    instance.on('error', reject);
  });
  times.sort((a, b) => a - b);
  const requests = times.length;
  const bytes = Number(res.throughput?.total ?? 0);
  return {
    name: o.name, target: o.target, rate: o.rate, connections: o.connections, requests,
    req_per_s: +(requests / o.duration).toFixed(1),
    p50_ms: pct(times, 50), p95_ms: pct(times, 95), p99_ms: pct(times, 99), max_ms: +(times.at(-1) ?? NaN).toFixed(2),
    corrected: { p50_ms: res.latency.p50, p97_5_ms: res.latency.p97_5, p99_ms: res.latency.p99 },
    errors: res.errors, timeouts: res.timeouts, non2xx: res.non2xx,
    bytes_per_response: requests ? Math.round(bytes / requests) : 0,
    mb_per_s: +(bytes / o.duration / 2 ** 20).toFixed(1),
    note: o.note,
  };
}

export async function benchApi(o: ApiBenchOptions): Promise<string> {
  const dataDir = pickDataDir(o);
  o.log(`api bench on ${dataDir}`);
  const load0 = loadavg();
  const t0 = performance.now();
  const { child, port } = await startServer(dataDir);
  const base = `http://127.0.0.1:${port}`;
  try {
    // a large build is still being opened and prepared after the server listens
    for (let t = Date.now(); (await fetch(`${base}/readyz`)).status !== 200; await new Promise((r) => setTimeout(r, 1000))) {
      if (Date.now() - t > 600_000) throw new Error('the server did not become ready within 10 minutes');
    }
    const readyS = +((performance.now() - t0) / 1000).toFixed(1);
    o.log(`server ready after ${readyS} s (opening and preparing the build)`);
    // the in-memory search index loads in the background after that: measure once it is in use
    const probe = { cookie: await login(base, 'analyst') };
    for (let k = 0; ; k++) {
      const r = await fetch(`${base}/api/v1/subjects?pageSize=1&q=probe${k}`, { headers: probe });
      if (r.headers.get('x-search') === 'index') break;
      if (performance.now() - t0 > 900_000) throw new Error('the search index did not load within 15 minutes');
      await new Promise((res) => setTimeout(res, 1000));
    }
    const indexS = +((performance.now() - t0) / 1000).toFixed(1);
    o.log(`search index loaded after ${indexS} s`);
    const admin = await login(base, 'admin');
    const h = { cookie: admin };
    // searches and profiles as the analyst (no personal-data grant): the data path alone; the admin
    // (granted) has every view of a natural person or legal representative audited, measured apart
    const ha = { cookie: await login(base, 'analyst') };
    const first: Record<string, number> = {};
    const warm = async (name: string, path: string, accept?: string) => {
      const r = await timedGet(base, path, { ...h, ...(accept ? { accept } : {}) });
      if (r.status !== 200) throw new Error(`${path}: ${r.status} ${r.body.toString().slice(0, 300)}`);
      first[name] = r.ms;
      return r;
    };

    const overview = JSON.parse((await warm('overview', '/api/v1/overview')).body.toString()) as { counts: { subjects: number } };
    const counties = (JSON.parse((await warm('counties', '/api/v1/counties')).body.toString()) as { rows: { county_code: string; subjects: number }[] }).rows;
    const codes = counties.map((c) => c.county_code);
    for (const c of codes) await warm(`county-indicators ${c}`, `/api/v1/counties/${c}/indicators`);
    const biggest = [...counties].sort((a, b) => b.subjects - a.subjects)[0].county_code;
    const points = await warm('points-arrow', `/api/v1/points?county=${biggest}`, ARROW);
    await warm('points-json', `/api/v1/points?county=${biggest}`);

    // distinct searches and profile keys from a few pages of subjects
    const sample: { subject_key: string; uscc: string | null; name: string }[] = [];
    for (let page = 1; sample.length < DISTINCT && page <= 8; page++) {
      const r = await timedGet(base, `/api/v1/subjects?sort=name&pageSize=500&page=${page * 7}`, h);
      sample.push(...(JSON.parse(r.body.toString()) as { rows: typeof sample }).rows);
    }
    const grades = ['', '&grade=C,D', '&grade=A', '&grade=D'];
    const searchPaths = sample.map((s, i) => {
      const term = i % 3 === 0 && s.uscc ? s.uscc.slice(0, 10) : [...s.name].slice(2 + (i % 3), 5 + (i % 3)).join('');
      const county = i % 2 ? `&county=${codes[i % codes.length]}` : '';
      return `/api/v1/subjects?q=${encodeURIComponent(term)}${county}${grades[i % grades.length]}&pageSize=20&page=${1 + (i % 2)}&sort=${['score', 'name', 'negative_events'][i % 3]}`;
    });
    const profilePaths = sample.map((s) => `/api/v1/subjects/${encodeURIComponent(s.subject_key)}`);
    const warmA = async (name: string, path: string) => {
      const r = await timedGet(base, path, ha);
      if (r.status !== 200) throw new Error(`${path}: ${r.status}`);
      first[name] = r.ms;
    };
    await warmA('subject-search (first)', searchPaths[0]);
    await warmA('subject-profile (first)', profilePaths[0]);

    const url = base;
    const d = o.duration;
    const runs: Run[] = [];
    const add = async (r: Promise<Run>) => {
      const x = await r;
      runs.push(x);
      o.log(`  ${x.name.padEnd(38)} ${String(x.req_per_s).padStart(7)} req/s  p50 ${x.p50_ms} ms  p95 ${x.p95_ms} ms  p99 ${x.p99_ms} ms  errors ${x.errors + x.timeouts + x.non2xx}`);
    };
    await add(cannon({ url, name: 'overview', target: 'p95 <= 10 ms at 500 req/s', rate: 500, connections: 10, duration: d, headers: h, paths: ['/api/v1/overview'] }));
    await add(cannon({ url, name: 'county indicators', target: 'p95 <= 10 ms at 500 req/s', rate: 500, connections: 10, duration: d, headers: h, paths: codes.map((c) => `/api/v1/counties/${c}/indicators`) }));
    await add(cannon({ url, name: 'subject search (distinct, uncached)', target: 'p95 <= 50 ms at 100 req/s', rate: 100, connections: 10, duration: d, headers: ha, paths: searchPaths.slice(1), note: 'analyst; every request a different query: no cache hits' }));
    await add(cannon({ url, name: 'subject search (repeated, cached)', target: 'p95 <= 50 ms at 100 req/s', rate: 100, connections: 10, duration: d, headers: ha, paths: [searchPaths[0]], note: 'analyst' }));
    await add(cannon({ url, name: 'subject profile (distinct, uncached)', target: 'p95 <= 50 ms at 100 req/s', rate: 100, connections: 10, duration: d, headers: ha, paths: profilePaths.slice(1), note: 'analyst; every request a different subject: no cache hits' }));
    await add(cannon({ url, name: 'subject profile (repeated, cached)', target: 'p95 <= 50 ms at 100 req/s', rate: 100, connections: 10, duration: d, headers: ha, paths: [profilePaths[0]], note: 'analyst' }));
    await add(cannon({ url, name: 'subject profile (admin, audited)', target: 'p95 <= 50 ms at 100 req/s', rate: 100, connections: 10, duration: d, headers: h, paths: [profilePaths[0]], note: 'admin with the personal-data grant: cached bytes plus one personal_data.view audit entry per view (plugins/audit.ts)' }));
    await add(cannon({
      url, name: 'points (Arrow)', target: 'throughput', rate: null, connections: 4, duration: d, headers: { ...h, accept: ARROW }, paths: [`/api/v1/points?county=${biggest}`],
      note: `${points.bytes} B Arrow body per request; autocannon is client-bound for binary bodies (STACK.md): compare with the same-size ASCII body`,
    }));
    await add(cannon({ url, name: 'same-size ASCII body (control)', target: 'client bound', rate: null, connections: 4, duration: d, headers: h, paths: [`/__bench/ascii?bytes=${points.bytes}`] }));

    const out = join(REPO_ROOT, 'bench', 'results', `api-${new Date().toISOString().slice(0, 10)}.json`);
    mkdirSync(join(REPO_ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(out, JSON.stringify({
      date: new Date().toISOString(),
      machine: { host: hostname(), cpus: cpus().length, cpu: cpus()[0]?.model, mem_gib: Math.round(totalmem() / 2 ** 30), node: process.version, loadavg_before: load0, loadavg_after: loadavg() },
      note: 'server (child process) and autocannon client on the same machine and cores, 127.0.0.1; single run per endpoint; p50/p95/p99 from every response time, corrected = autocannon coordinated-omission corrected percentiles; global rate limit off (CW_RATE_LIMIT=0)',
      data_dir: dataDir,
      data_note: o.note ?? null,
      subjects: overview.counts.subjects,
      duration_s: d,
      ready_after_s: readyS,
      search_index_after_s: indexS,
      first_request_ms: first,
      runs,
    }, null, 2));
    o.log(`written ${out}`);
    return out;
  } finally {
    child.kill('SIGTERM');
  }
}

/** The server side: the real app on 127.0.0.1 plus a same-size ASCII control route. */
async function serve(dataDir: string): Promise<void> {
  const { buildApp } = await import('../server/app.ts');
  const { loadServerConfig } = await import('../server/config.ts');
  const app = await buildApp({ config: loadServerConfig(process.env, { dataDir }), logger: false });
  const ascii = new Map<number, Buffer>();
  app.get('/__bench/ascii', { schema: { hide: true } }, async (request, reply) => {
    const n = Math.min(64 << 20, Number((request.query as { bytes?: string }).bytes ?? 1024));
    if (!ascii.has(n)) ascii.set(n, Buffer.alloc(n, 'a'));
    return reply.type('application/octet-stream').send(ascii.get(n));
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  process.stdout.write(`API_BENCH_PORT ${typeof addr === 'object' && addr ? addr.port : 0}\n`);
  const stop = () => { void app.close().then(() => process.exit(0)); };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (process.argv[2] === SERVER_FLAG && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await serve(process.argv[3]);
}
