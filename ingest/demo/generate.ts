/**
 * The demo-city generator: a deterministic, national-standard set of credit files for one city
 * (default 盐城市), organised as `outDir/<kind>/<kind>_<YYYY>[_partN].<ext>` plus the subject register
 * `outDir/subject/subject_partN.csv`, the expected source units `source_units.csv` and the planted
 * stories `stories.json`. Same options -> byte-identical CSV/JSON/NDJSON and identical XLSX cells,
 * whether lane 1 runs in a worker thread or in-process.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CITY_GEO_FILES, DEFAULT_CITY, industryDivisions } from '../reference/index.ts';
import { KINDS } from '../schemas/index.ts';
import { dayToIso } from './calendar.ts';
import { headerOf } from './headers.ts';
import { finishLane, runLane1, runPass, startLane1Worker, type LaneResult } from './lanes.ts';
import { mergeKind } from './merge.ts';
import { validateOptions, type DemoOptions, type DemoSummary } from './options.ts';
import type { WrittenFile } from './outputs.ts';
import { emitSubjectRecords } from './records/index.ts';
import { emitRegisterRow } from './register.ts';
import { emitRelations } from './relations.ts';
import { Rng } from './rng.ts';
import { CELL_DIVISION, emitStories, storiesJson } from './stories.ts';
import { laneSplit, ORDER, setupWorld } from './world.ts';

export type { DemoOptions, DemoSummary } from './options.ts';

export async function generateDemoCity(input: DemoOptions): Promise<DemoSummary> {
  const o = validateOptions(input, Object.keys(CITY_GEO_FILES), DEFAULT_CITY);
  const log = o.onProgress ?? (() => {});
  const outDir = resolve(o.outDir);
  const lanesDir = join(outDir, '.lanes');
  rmSync(lanesDir, { recursive: true, force: true });
  mkdirSync(lanesDir, { recursive: true });
  log(`building ${o.subjects} subjects (${o.threads === 2 ? 'main thread + worker' : 'one thread'})`);
  const lane1: Promise<LaneResult> | undefined = o.threads === 2 ? startLane1Worker(o, join(lanesDir, '1'), log) : undefined;
  lane1?.catch(() => {}); // awaited below; avoid an unhandled rejection while lane 0 runs
  const s = setupWorld(o, 0, join(lanesDir, '0'));
  const { w } = s;
  const geo = new Rng(o.seed, 'geo');
  await runPass(s, 'register', 0, o.subjects, geo, (i) => emitRegisterRow(w, i, geo, s.samplers, (d) => s.sections.get(d) ?? ''), log);
  await runPass(s, 'relations', 0, o.subjects, new Rng(o.seed, 'relations'), (i) => emitRelations(w, i), log);
  await runPass(s, 'records (lane 0)', 0, laneSplit(o.subjects), new Rng(o.seed, 'records:0'), (i) => emitSubjectRecords(w, i), log);
  const other = await (lane1 ?? runLane1(o, join(lanesDir, '1'), log));
  other.cellCounts.forEach((n, m) => (s.cellCounts[m] += n));
  const ids = emitStories(w, s.plan, s.cellCounts, new Rng(o.seed, 'stories'));
  const pieces = [...(await finishLane(s, 0, ORDER)), ...other.pieces];
  const files: WrittenFile[] = [];
  for (const k of ORDER) {
    const schema = KINDS.find((x) => x.kind === k)!;
    files.push(...(await mergeKind(outDir, s.routing[k], pieces.filter((p) => p.kind === k), (p) => headerOf(schema, p.spec.header ?? 'label'))));
  }
  rmSync(lanesDir, { recursive: true, force: true });
  log(`wrote ${files.length} files`);
  const sourceUnitsPath = join(outDir, 'source_units.csv');
  writeFileSync(sourceUnitsPath, w.units.sourceUnitsCsv());
  const storiesPath = join(outDir, 'stories.json');
  const industryName = industryDivisions().find((d) => d.division === String(CELL_DIVISION))?.divisionName ?? '';
  const doc = storiesJson(w, s.plan, ids, s.cellCounts, industryName, {
    version: 1, seed: o.seed, as_of: o.asOf, city: o.city, city_name: w.cityName, months: o.months, subjects: o.subjects,
    window: { from: dayToIso(w.cal.start), to: o.asOf },
    quality: {
      org_check_usccs: s.orgCheck,
      source_unit_gaps: s.gaps,
      notes: {
        abnormal_operation_ref: '经营异常名录 rows carry their listing decision number in 备注; repairs and objections reference it in target_ref',
        future_dates: 'event dates (notFuture fields) are <= as_of except in rows counted as bad; validity ends (有效期至, 处罚有效期, 公示截止期, 履行期限, 终止日期) may lie after it; 2099/12/31 = long-term',
        xlsx: 'XLSX cell contents are deterministic; zip entry timestamps make the bytes differ between runs',
      },
    },
  });
  writeFileSync(storiesPath, JSON.stringify(doc, null, 2) + '\n');
  const records = files.filter((f) => f.kind !== 'subject').reduce((a, f) => a + f.rows, 0);
  return { files, sourceUnitsPath, storiesPath, subjects: o.subjects, records };
}
