/**
 * Deterministic set-up shared by both generation lanes: calendar, counties, units, people, subjects,
 * story plan, quality plants and reporting gaps are rebuilt identically from the options in every
 * lane (main thread or worker), so a lane's output never depends on which thread ran it. Only the
 * lane's own counters (people, document numbers), random streams and temporary directory differ.
 */
import { cityCounties, cityName as cityNameOf, industryDivisions } from '../reference/index.ts';
import { KINDS } from '../schemas/index.ts';
import { Calendar } from './calendar.ts';
import { countyShort } from './city-profile.ts';
import { kindRouting, registerRouting } from './file-specs.ts';
import { CountySampler } from './geo-sampler.ts';
import type { ResolvedOptions } from './options.ts';
import { KindOutput, type Routing } from './outputs.ts';
import { LANES, Persons } from './persons.ts';
import { DocNumbers, type KindId, type World } from './records/context.ts';
import { Rng } from './rng.ts';
import { Seasons } from './seasons.ts';
import { CELL_DIVISION, CELL_MIN_FIRMS, cellCounty, planStories, type StoryPlan } from './stories.ts';
import { buildSubjects, type CountyInfo } from './subjects.ts';
import { Units } from './units.ts';

/** Kinds in the order their outputs are finished (follow-up kinds last). */
export const ORDER: KindId[] = [
  'subject', 'relation', 'license', 'penalty', 'court_dishonest', 'serious_dishonest', 'abnormal_operation', 'contract',
  'tax_grade', 'honor', 'repair', 'objection', 'commitment',
];
const PROVINCES: Record<string, [string, string]> = { '32': ['苏', '江苏'], '34': ['皖', '安徽'] };

export interface Gap { code: string; name: string; months: string[] }

export interface Setup {
  w: World;
  plan: StoryPlan;
  routing: Record<KindId, Routing>;
  samplers: CountySampler[];
  /** Penalties per window month of the story cell (good rows only), filled by an observer. */
  cellCounts: Int32Array;
  orgCheck: string[];
  gaps: Gap[];
  /** Section letter of a two-digit division. */
  sections: Map<string, string>;
}

/** First subject index of lane 1 (the worker takes the rest; lane 0 also writes register and relations). */
export function laneSplit(n: number): number {
  return Math.floor(n * 0.4);
}

export function setupWorld(o: ResolvedOptions, lane: number, laneDir: string): Setup {
  const cal = new Calendar(o.asOf, o.months);
  const cityName = cityNameOf(o.city);
  const [province, provinceName] = PROVINCES[o.city.slice(0, 2)] ?? ['苏', '江苏'];
  const features = [...cityCounties(o.city).features].sort((a, b) => a.properties.code.localeCompare(b.properties.code));
  const counties: CountyInfo[] = features.map((f, index) => ({
    code: f.properties.code, name: f.properties.name, short: countyShort(f.properties.code, f.properties.name), index,
    city: cityName, province: provinceName,
  }));
  const units = new Units(o.city, cityName, counties);
  const persons = new Persons(cal, counties.map((c) => c.code));
  const cell = cellCounty(counties);
  const subjects = buildSubjects(o.subjects, o.seed, cal, counties, persons, { county: cell, division: CELL_DIVISION, min: CELL_MIN_FIRMS });
  const roles = new Uint8Array(o.subjects);
  const plan = planStories(subjects, persons, counties, cal, roles, new Rng(o.seed, 'stories-plan'));
  // two subjects whose code passes the outer check but fails the inner GB 11714 check (flag, not reject)
  const qrng = new Rng(o.seed, 'quality');
  const orgCheck: string[] = [];
  for (let k = 0; k < 10_000 && orgCheck.length < 2; k++) {
    const i = qrng.int(o.subjects);
    if (subjects.type[i] !== 0 || roles[i] !== 0) continue;
    subjects.breakInnerCheck(i);
    orgCheck.push(subjects.uscc[i]);
  }
  const { gap, gaps } = reportingGaps(units, cityName, cal, qrng);
  persons.useLane(lane);
  const env = { outDir: laneDir, cal, rng: new Rng(o.seed, `defects:${lane}`), gap };
  const out = {} as Record<KindId, KindOutput>;
  const routing = {} as Record<KindId, Routing>;
  for (const k of ORDER) {
    routing[k] = k === 'subject' ? registerRouting(o.subjects) : kindRouting(k, cal);
    out[k] = new KindOutput(KINDS.find((s) => s.kind === k)!, env, routing[k]);
  }
  const w: World = {
    seed: o.seed, cal, rng: new Rng(o.seed, `records:${lane}`), cityName, province, provinceName, counties, subjects, persons,
    units, seasons: new Seasons(cal), out, docs: new DocNumbers(lane, LANES), roles, surgeFrom: Math.max(0, cal.months.length - 2),
  };
  const cellCounts = new Int32Array(cal.months.length);
  out.penalty.observer = (subj, day) => {
    const mi = cal.monthIndex(day);
    if (subj >= 0 && mi >= 0 && subjects.county[subj] === cell && subjects.division[subj] === CELL_DIVISION) cellCounts[mi]++;
  };
  return {
    w, plan, routing, samplers: features.map((f) => new CountySampler(f)), cellCounts, orgCheck, gaps,
    sections: new Map(industryDivisions().map((d) => [d.division, d.section])),
  };
}

/** A few source units miss 1-3 months each (报送率 < 100%). */
function reportingGaps(units: Units, cityName: string, cal: Calendar, rng: Rng): { gap: Uint8Array; gaps: Gap[] } {
  const M = cal.months.length;
  const gap = new Uint8Array(units.all.length * M);
  const chosen = rng.shuffle(units.gapCandidates(cityName)).slice(0, 4).sort((a, b) => a.index - b.index);
  const gaps = chosen.map((u) => {
    const months = rng.shuffle(Array.from({ length: M }, (_, k) => k)).slice(0, 1 + rng.int(3)).sort((a, b) => a - b);
    for (const m of months) gap[u.index * M + m] = 1;
    return { code: u.uscc, name: u.name, months: months.map((m) => cal.months[m].key) };
  });
  return { gap, gaps };
}
