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

  program.hook('postAction', () => setExit(0));
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
