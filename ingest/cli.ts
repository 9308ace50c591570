/**
 * The `credit-watch` command line. Each subcommand is a thin shell around a module: parse options,
 * call, print (a human summary, or exactly one JSON object with --json), and map errors to exit
 * codes: 0 committed, 2 unusable input (nothing committed), 1 internal error.
 */
import { Command, CommanderError } from 'commander';
import { loadConfig, todayIn } from './config.ts';
import { InputError } from './pipeline/errors.ts';
import { runIngest, type IngestSummary } from './pipeline/run.ts';
import { terminalProgress } from './progress.ts';
import { formatSummary } from './summary.ts';

type Out = { log: (s: string) => void; err: (s: string) => void };
const stdio: Out = { log: (s) => process.stdout.write(`${s}\n`), err: (s) => process.stderr.write(`${s}\n`) };

export function buildProgram(out: Out = stdio, setExit: (code: number) => void = () => undefined): Command {
  const program = new Command('credit-watch')
    .description('信用监测预警平台 credit-watch: ingest credit records into a validated Parquet lake, query it, generate a demo city')
    .showHelpAfterError()
    .exitOverride();
  const dataDirOpt = ['--data-dir <dir>', 'data directory (lake, config); default $CW_DATA_DIR or ./data'] as const;
  /** Exit code an action reports without failing (e.g. `audit verify` on a broken chain). */
  let actionExit = 0;

  program.command('ingest')
    .summary('validate record files (CSV/XLSX/JSON/NDJSON) and add them to the lake')
    .argument('[paths...]', 'files or directories')
    .option(...dataDirOpt)
    .option('--kind <kind>', 'record kind of every input (overrides header recognition)')
    .option('--sheet <name>', 'XLSX worksheet (default: the first)')
    .option('--watch <inbox>', 'process new files in an inbox directory now and then on the CW_INGEST_CRON schedule')
    .option('--once', 'with --watch: process the inbox once and exit')
    .option('--json', 'print exactly one JSON object')
    .action(async (paths: string[], o) => {
      const cfg = loadConfig(process.env, { dataDir: o.dataDir });
      if (o.watch) {
        const { watchInbox } = await import('./inbox.ts');
        await watchInbox({ inbox: o.watch, cfg, once: Boolean(o.once), kind: o.kind, log: o.json ? () => undefined : out.log, json: o.json ? out.log : undefined });
        return;
      }
      if (!paths.length) throw new InputError('CW_ERR_USAGE', 'ingest needs at least one file or directory (or --watch <inbox>)');
      const progress = o.json ? undefined : terminalProgress();
      const s = await runIngest({
        inputs: paths, dataDir: cfg.dataDir, kind: o.kind, sheet: o.sheet, today: todayIn(cfg.timeZone), hashKey: cfg.idHashKey,
        threads: cfg.threads, memoryLimit: cfg.memoryLimit, onProgress: progress?.onProgress,
      });
      progress?.done();
      out.log(o.json ? JSON.stringify(jsonSummary(s)) : formatSummary(s));
    });

  program.command('query')
    .summary('run read-only SQL over the committed lake (views records_<kind>, subjects, relations, rejects, ingest_runs, quality_*)')
    .argument('<sql>', 'a SELECT statement')
    .option(...dataDirOpt)
    .option('--json', 'print the rows as one JSON array')
    .action(async (sql: string, o) => {
      const { runQuery } = await import('./query.ts');
      const cfg = loadConfig(process.env, { dataDir: o.dataDir });
      const rows = await runQuery(cfg, sql);
      if (o.json) out.log(JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? Number(v) : v)));
      else console.table(rows);
    });

  program.command('demo')
    .summary('generate the synthetic demo city (盐城市 by default) as national-standard files and ingest them')
    .option(...dataDirOpt)
    .option('--subjects <n>', 'number of subjects', '10000')
    .option('--months <m>', 'months of history', '36')
    .option('--seed <s>', 'random seed', '1')
    .option('--as-of <date>', 'last day with data (YYYY-MM-DD); default today')
    .option('--no-ingest', 'only write the files')
    .option('--json', 'print exactly one JSON object')
    .action(async (o) => {
      const { runDemo } = await import('./demo-command.ts');
      const cfg = loadConfig(process.env, { dataDir: o.dataDir });
      const res = await runDemo(cfg, { subjects: Number(o.subjects), months: Number(o.months), seed: Number(o.seed), asOf: o.asOf, ingest: o.ingest, quiet: Boolean(o.json), log: out.log });
      if (o.json) out.log(JSON.stringify(res));
    });

  program.command('quality')
    .summary('data quality of collection: 合规率, 及时率, 报送率 per month, worst source units, 重错码 findings')
    .option(...dataDirOpt)
    .option('--json', 'print exactly one JSON object')
    .action(async (o) => {
      const { qualityReport, formatQuality } = await import('./query.ts');
      const cfg = loadConfig(process.env, { dataDir: o.dataDir });
      const q = await qualityReport(cfg);
      out.log(o.json ? JSON.stringify(q) : formatQuality(q));
    });

  program.command('build')
    .summary('compute scores, indicators, correlated risk, city index, alerts and watchlists into a new warehouse, swapped in atomically')
    .option(...dataDirOpt)
    .option('--as-of <date>', 'rebuild the picture as it was on this date (YYYY-MM-DD); default today')
    .option('--rollback', 'serve the previous build again')
    .option('--json', 'print exactly one JSON object (build id, timings per step, row counts)')
    .action(async (o) => {
      const cfg = loadConfig(process.env, { dataDir: o.dataDir });
      if (o.rollback) {
        const { rollback, warehousePaths } = await import('../analytics/warehouse.ts');
        const p = rollback(warehousePaths(cfg.dataDir));
        out.log(o.json ? JSON.stringify({ rolled_back_to: p }) : `已回滚 rolled back to build ${p.build_id} (as of ${p.as_of})`);
        return;
      }
      const { runBuild } = await import('../analytics/build.ts');
      const res = await runBuild({ dataDir: cfg.dataDir, asOf: o.asOf ?? todayIn(cfg.timeZone), threads: cfg.threads, memoryLimit: cfg.memoryLimit, log: o.json ? undefined : out.log });
      out.log(o.json ? JSON.stringify(res) : `数仓构建完成 build ${res.build_id} in ${res.seconds} s, peak RSS ${res.peak_rss_mb} MB -> ${res.file}`);
    });

  program.command('start')
    .summary('first run: generate and ingest the demo city if the lake is empty; then build the warehouse and print the picture')
    .option(...dataDirOpt)
    .action(async (o) => {
      const cfg = loadConfig(process.env, { dataDir: o.dataDir });
      const { startMainJob } = await import('./start.ts');
      await startMainJob(cfg, out.log);
    });

  program.command('serve')
    .summary('serve the API, the workflows and the built dashboard (fastify) on CW_HOST:CW_PORT; runs the nightly job')
    .option(...dataDirOpt)
    .option('--port <n>', 'port; default $CW_PORT or 8080')
    .option('--host <h>', 'address to listen on; default $CW_HOST or 127.0.0.1')
    .option('--demo <yes|no>', 'create the demo accounts; default: yes when the data dir holds the demo city')
    .option('--nightly <cron|off>', 'cron of the nightly inbox ingest + build; default $CW_NIGHTLY_CRON or "0 2 * * *"')
    .action(async (o) => {
      const { loadServerConfig } = await import('../server/config.ts');
      const env = { ...process.env };
      if (o.port !== undefined) env.CW_PORT = String(o.port);
      if (o.host !== undefined) env.CW_HOST = String(o.host);
      if (o.demo !== undefined) env.CW_DEMO = String(o.demo);
      if (o.nightly !== undefined) env.CW_NIGHTLY_CRON = String(o.nightly);
      const cfg = loadServerConfig(env, { dataDir: o.dataDir });
      const { startServer } = await import('../server/server.ts');
      await startServer(cfg, { log: out.log });
      await new Promise<void>(() => undefined); // runs until SIGINT / SIGTERM (graceful shutdown exits)
    });

  const audit = program.command('audit').summary('the hash-chained audit log: verify the chain, export it');
  const auditRemote = async (url: string, token: string | undefined, path: string): Promise<Response> => {
    if (!token) throw new InputError('CW_ERR_USAGE', '--url needs --token <bearer token of an auditor or admin> (or $CW_TOKEN)');
    const res = await fetch(new URL(path, url), { headers: { authorization: `Bearer ${token}` } });
    if (!res.ok) throw new InputError('CW_ERR_REMOTE', `${res.status} from ${url}: ${await res.text()}`);
    return res;
  };
  const noAudit = (e: Error & { code?: string }): never => {
    throw e.code === 'CW_ERR_NO_AUDIT' ? new InputError('CW_ERR_NO_AUDIT', e.message) : e;
  };
  audit.command('verify')
    .summary('check the audit log hash chain; exit 0 intact, 1 broken (naming the first bad seq)')
    .option(...dataDirOpt)
    .option('--url <url>', 'verify through a running server instead of the file (the server holds ops.duckdb)')
    .option('--token <token>', 'with --url: bearer token of an auditor or admin; default $CW_TOKEN')
    .option('--json', 'print exactly one JSON object')
    .action(async (o) => {
      type Chain = import('../server/plugins/audit.ts').ChainResult;
      let res: Chain;
      if (o.url) {
        res = (await (await auditRemote(o.url, o.token ?? process.env.CW_TOKEN, '/api/v1/audit/verify')).json()) as Chain;
      } else {
        const { verifyAuditFile } = await import('../server/plugins/audit.ts');
        res = await verifyAuditFile(loadConfig(process.env, { dataDir: o.dataDir }).dataDir).catch(noAudit);
      }
      if (o.json) out.log(JSON.stringify(res));
      else if (res.ok) out.log(`审计日志完整 audit chain intact: ${res.entries} entries, head ${res.head_hash}`);
      else out.err(`审计日志被篡改 audit chain BROKEN at seq ${res.first_bad_seq}: ${res.problem} (${res.entries} entries verified before it)`);
      if (!res.ok) actionExit = 1;
    });
  audit.command('export')
    .summary('export the audit log as CSV (UTF-8 with BOM) or NDJSON, with the hashes so it can be re-verified')
    .option(...dataDirOpt)
    .option('--format <csv|ndjson>', 'file format', 'csv')
    .option('--from <date>', 'first day (YYYY-MM-DD or ISO date-time, UTC)')
    .option('--to <date>', 'end (exclusive)')
    .option('--out <file>', 'write here instead of stdout')
    .option('--url <url>', 'export through a running server')
    .option('--token <token>', 'with --url: bearer token of an auditor or admin; default $CW_TOKEN')
    .action(async (o) => {
      if (!['csv', 'ndjson'].includes(o.format)) throw new InputError('CW_ERR_USAGE', `--format should be csv or ndjson, instead got '${o.format}'`);
      let text: string;
      if (o.url) {
        const qs = new URLSearchParams({ format: o.format, ...(o.from ? { from: o.from } : {}), ...(o.to ? { to: o.to } : {}) });
        text = await (await auditRemote(o.url, o.token ?? process.env.CW_TOKEN, `/api/v1/audit/export?${qs}`)).text();
      } else {
        const { readAuditRange, formatAuditCsv, formatAuditNdjson } = await import('../server/plugins/audit.ts');
        const rows = await readAuditRange(loadConfig(process.env, { dataDir: o.dataDir }).dataDir, o.from, o.to).catch(noAudit);
        text = o.format === 'csv' ? formatAuditCsv(rows) : formatAuditNdjson(rows);
      }
      if (o.out) {
        const { writeFileSync } = await import('node:fs');
        writeFileSync(o.out, text);
        out.err(`审计日志已导出 exported to ${o.out}`);
      } else process.stdout.write(text);
    });

  program.command('kinds')
    .summary('list the record kinds, their national header fields and natural keys')
    .option('--json', 'print exactly one JSON object')
    .action(async (o) => {
      const { KINDS } = await import('./schemas/index.ts');
      if (o.json) out.log(JSON.stringify(KINDS));
      else for (const k of KINDS) out.log(`${k.kind.padEnd(20)} ${k.label}  key: ${k.naturalKeyNote}`);
    });

  program.command('bench-ingest')
    .summary('benchmark the ingest at 1 M and 10 M records against a bare DuckDB COPY (writes bench/results/)')
    .option('--records <list>', 'comma-separated record counts', '1000000,10000000')
    .action(async (o) => {
      const { benchIngest } = await import('../bench/ingest-bench.ts');
      await benchIngest({ records: String(o.records).split(',').map(Number), log: out.log });
    });

  program.command('bench-build')
    .summary('benchmark the warehouse build at 100 k and 1 M subjects (writes bench/results/)')
    .option('--subjects <list>', 'comma-separated subject counts', '100000,1000000')
    .option('--fresh', 'regenerate the demo cities')
    .action(async (o) => {
      const { benchBuild } = await import('../bench/build-bench.ts');
      await benchBuild({ subjects: String(o.subjects).split(',').map(Number), fresh: Boolean(o.fresh), log: out.log });
    });

  program.command('bench-api')
    .summary('benchmark the data API with autocannon on 127.0.0.1: overview, county indicators, subject search and profile, Arrow points (writes bench/results/)')
    .option(...dataDirOpt)
    .option('--duration <s>', 'seconds per endpoint run', '10')
    .option('--demo-subjects <n>', 'subjects of the demo city generated when no data dir holds a build', '20000')
    .option('--note <text>', 'free text kept in the result, e.g. how the data dir was made')
    .action(async (o) => {
      const { benchApi } = await import('../bench/api-bench.ts');
      await benchApi({ dataDir: o.dataDir, duration: Number(o.duration), demoSubjects: Number(o.demoSubjects), note: o.note, log: out.log });
    });

  program.hook('postAction', () => setExit(actionExit));
  return program;
}

export function jsonSummary(s: IngestSummary) {
  return {
    run_id: s.run_id, files: s.files, rows_read: s.rows_read, accepted: s.accepted, rejected: s.rejected, duplicates: s.duplicates,
    flagged: s.flagged, by_kind: s.by_kind, by_reason: s.by_reason, file_reports: s.file_reports, seconds: s.seconds,
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

/** Runs the CLI; resolves to the exit code. */
export async function main(argv: string[], out: Out = stdio): Promise<number> {
  let code = 0;
  const program = buildProgram(out, (c) => (code = c));
  try {
    await program.parseAsync(argv);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof InputError) {
      out.err(`error [${e.code}]: ${e.message}`);
      return 2;
    }
    const err = e as Error & { code?: string };
    if (err.code === 'CW_ERR_CONFIG' || err.code === 'CW_ERR_LOCKED') {
      out.err(`error [${err.code}]: ${err.message}`);
      return 2;
    }
    out.err(`internal error: ${err.stack ?? err.message}`);
    return 1;
  }
}
