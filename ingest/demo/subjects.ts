/**
 * The subject population, held in typed arrays (one slot per subject) so that a million subjects
 * fit comfortably in memory while their records are generated. Codes are unique by construction:
 * the organisation-code body comes from a bijective scramble of a counter, not from random draws.
 */
import { SUBJECT_TYPES } from '../schemas/subject.ts';
import { innerOrgCheckChar, makeUscc, USCC_ALPHABET } from '../validators/uscc.ts';
import type { Calendar } from './calendar.ts';
import { dayOf } from './calendar.ts';
import {
  IndustryMix, SCALE_WEIGHTS, STATUS_WEIGHTS, T_COOP, T_ENTERPRISE, T_GOV, T_INDIVIDUAL, T_NONLEGAL, T_PUBLIC,
  T_SOCIAL, TYPE_USCC, TYPE_WEIGHTS, countyWeight,
} from './city-profile.ts';
import { subjectName } from './subject-names.ts';
import type { Persons } from './persons.ts';
import { Rng, Weighted } from './rng.ts';

export const SCALE_NONE = 4;
export const STATUS_NAMES = ['存续', '在业', '注销', '吊销', '迁出'] as const;
export const ST_CANCELLED = 2;
export const ST_REVOKED = 3;

export interface CountyInfo {
  code: string;
  name: string;
  /** Short form in document numbers (滨). */
  short: string;
  index: number;
  /** City name (盐城市) and province short name (江苏). */
  city: string;
  province: string;
}

export class Subjects {
  readonly n: number;
  readonly county: Uint8Array;
  readonly type: Uint8Array;
  readonly division: Uint8Array;
  readonly scale: Uint8Array;
  readonly status: Uint8Array;
  readonly regDay: Int32Array;
  readonly capital: Float32Array;
  readonly rep: Int32Array;
  readonly risk: Float32Array;
  readonly uscc: string[];
  readonly name: string[];
  /** Enterprises (企业法人) per county, and buyers (机关/事业单位) per county. */
  enterprisesByCounty: Int32Array[] = [];
  buyersByCounty: Int32Array[] = [];

  constructor(n: number) {
    this.n = n;
    this.county = new Uint8Array(n);
    this.type = new Uint8Array(n);
    this.division = new Uint8Array(n);
    this.scale = new Uint8Array(n);
    this.status = new Uint8Array(n);
    this.regDay = new Int32Array(n);
    this.capital = new Float32Array(n);
    this.rep = new Int32Array(n);
    this.risk = new Float32Array(n);
    this.uscc = new Array<string>(n);
    this.name = new Array<string>(n);
  }

  typeName(i: number): string {
    return SUBJECT_TYPES[this.type[i]];
  }

  isFirm(i: number): boolean {
    return this.type[i] === T_ENTERPRISE || this.type[i] === T_NONLEGAL;
  }

  /** Market-regulated subjects (enterprises, individual businesses, co-ops). */
  isMarket(i: number): boolean {
    return this.type[i] <= T_COOP;
  }

  /** Replace the inner GB 11714 check char of subject i with a wrong one (outer check kept valid). */
  breakInnerCheck(i: number): void {
    const u = this.uscc[i];
    const good = innerOrgCheckChar(u.slice(8, 16));
    const bad = good === '0' ? '1' : good === 'X' ? '0' : String((Number(good) + 1) % 10);
    this.uscc[i] = makeUscc(u.slice(0, 16) + bad);
  }

  indexLists(nCounties: number): void {
    const ent: number[][] = Array.from({ length: nCounties }, () => []);
    const buy: number[][] = Array.from({ length: nCounties }, () => []);
    for (let i = 0; i < this.n; i++) {
      if (this.type[i] === T_ENTERPRISE) ent[this.county[i]].push(i);
      else if (this.type[i] === T_PUBLIC || this.type[i] === T_GOV) buy[this.county[i]].push(i);
    }
    this.enterprisesByCounty = ent.map((a) => Int32Array.from(a));
    this.buyersByCounty = buy.map((a) => Int32Array.from(a));
  }
}

/** Bijective scrambles of a counter into organisation-code bodies. */
function legacyBody(c: number): string {
  return String((c * 7919 + 23_571_113) % 100_000_000).padStart(8, '0');
}
const MA_SPACE = 31 ** 5;
function maBody(c: number): string {
  let x = (c * 48_271 + 1_357_913) % MA_SPACE;
  let s = '';
  for (let k = 0; k < 5; k++) {
    s = USCC_ALPHABET[x % 31] + s;
    x = Math.floor(x / 31);
  }
  return 'MA1' + s;
}

const SCALE_TABLE = new Weighted([0, 1, 2, 3], SCALE_WEIGHTS);
const STATUS_TABLE = new Weighted([0, 1, 2, 3, 4], STATUS_WEIGHTS);
const CAPITAL_MEDIAN = [20_000, 3_000, 500, 100];

/** A county x division cell that must hold at least `min` enterprises (the planted story needs mass). */
export interface CellFloor { county: number; division: number; min: number }

/** Generate the population (attributes, legal representatives, codes, names). */
export function buildSubjects(n: number, seed: number, cal: Calendar, counties: readonly CountyInfo[], persons: Persons, floor?: CellFloor): Subjects {
  const s = new Subjects(n);
  const rng = new Rng(seed, 'subjects');
  const countyTable = new Weighted(counties.map((c) => c.index), counties.map((c) => countyWeight(c.code)));
  const typeTable = new Weighted([0, 1, 2, 3, 4, 5, 6], TYPE_WEIGHTS);
  const mix = new IndustryMix();
  const asOfYear = cal.year(cal.asOf);
  const firstYear = asOfYear - 30;
  const yearTables = [1.07, 1.07, 1.11, 1.06, 1.03, 1.0, 1.0].map((g) => {
    const ys = Array.from({ length: 31 }, (_, k) => firstYear + k);
    return new Weighted(ys, ys.map((y) => Math.pow(g, y - firstYear)));
  });
  const seen = new Set<string>();
  const byCounty: number[][] = counties.map(() => []);
  let legacy = 0;
  let ma = 0;
  for (let i = 0; i < n; i++) {
    const c = countyTable.pick(rng);
    const t = typeTable.pick(rng);
    const cinfo = counties[c];
    s.county[i] = c;
    s.type[i] = t;
    s.division[i] = mix.of(cinfo.code, t).pick(rng);
    s.scale[i] = t <= T_NONLEGAL ? SCALE_TABLE.pick(rng) : t === T_INDIVIDUAL || t === T_COOP ? 3 : SCALE_NONE;
    s.status[i] = t >= T_SOCIAL ? 0 : STATUS_TABLE.pick(rng);
    const y = yearTables[t].pick(rng);
    const lo = dayOf(y, 1, 1);
    const hi = Math.min(dayOf(y, 12, 31), cal.asOf);
    s.regDay[i] = lo + rng.int(Math.max(1, hi - lo + 1));
    s.capital[i] = capitalOf(rng, t, s.scale[i]);
    // legal representative: mostly a new person, sometimes someone who already runs a firm nearby
    const pool = byCounty[c];
    const reuse = t <= T_COOP && pool.length > 20 && rng.chance(t === T_INDIVIDUAL ? 0.05 : 0.13);
    let rep = -1;
    if (reuse) {
      const other = pool[rng.int(pool.length)];
      if (persons.firms[s.rep[other]] < 10) rep = s.rep[other];
    }
    if (rep < 0) {
      const regYear = cal.year(s.regDay[i]);
      const to = Math.min(2002, regYear - 20);
      rep = persons.create(rng, c, Math.min(Math.max(1950, regYear - 62), to), to);
    }
    persons.firms[rep]++;
    s.rep[i] = rep;
    pool.push(i);
    s.risk[i] = riskOf(rng, t, s.scale[i], s.status[i]);
    const [dept, kind] = t === T_SOCIAL && (s.division[i] === 83 || s.division[i] === 85) ? ['5', '2'] : TYPE_USCC[t];
    const body = y < 2015 ? legacyBody(legacy++) : maBody(ma++);
    s.uscc[i] = makeUscc(dept + kind + cinfo.code + body + innerOrgCheckChar(body));
    s.name[i] = subjectName(rng, s, i, cinfo, persons, seen);
  }
  if (floor) fillCell(s, rng, floor, counties, persons, seen, cal.start);
  s.indexLists(counties.length);
  return s;
}

/** Convert enterprises (then other market subjects) of the county into the cell until it has `min`. */
function fillCell(s: Subjects, rng: Rng, f: CellFloor, counties: readonly CountyInfo[], persons: Persons, seen: Set<string>, start: number): void {
  const inCell = (i: number) => s.county[i] === f.county && s.division[i] === f.division && s.type[i] === T_ENTERPRISE;
  let have = 0;
  for (let i = 0; i < s.n; i++) if (inCell(i)) have++;
  for (const wanted of [T_ENTERPRISE, T_NONLEGAL, T_INDIVIDUAL]) {
    for (let i = 0; i < s.n && have < f.min; i++) {
      if (s.county[i] !== f.county || s.type[i] !== wanted || inCell(i) || s.regDay[i] >= start) continue;
      s.type[i] = T_ENTERPRISE;
      s.division[i] = f.division;
      if (s.scale[i] === SCALE_NONE || wanted !== T_ENTERPRISE) s.scale[i] = SCALE_TABLE.pick(rng);
      s.uscc[i] = makeUscc('91' + s.uscc[i].slice(2, 17));
      seen.delete(s.name[i]);
      s.name[i] = subjectName(rng, s, i, counties[f.county], persons, seen);
      have++;
    }
  }
}

function capitalOf(rng: Rng, t: number, scale: number): number {
  if (t <= T_NONLEGAL) return rng.logNormal(CAPITAL_MEDIAN[scale] ?? 100, 0.8);
  if (t === T_INDIVIDUAL) return rng.chance(0.4) ? NaN : rng.logNormal(5, 0.9);
  if (t === T_COOP) return rng.logNormal(100, 0.9);
  if (t === T_SOCIAL) return rng.logNormal(10, 0.6);
  return NaN;
}

function riskOf(rng: Rng, t: number, scale: number, status: number): number {
  let r = Math.exp(0.85 * rng.gauss() - 0.36);
  r *= [0.5, 0.7, 1.0, 1.15, 1][scale];
  if (t === T_INDIVIDUAL) r *= 0.9;
  if (status === ST_REVOKED) r *= 3;
  return r;
}
