/**
 * The state every record generator shares (the "world"), and small helpers: typed field indices,
 * document-number counters (unique per authority, series and year), amounts in 万元, publication lags.
 */
import type { KindSchema } from '../../schemas/types.ts';
import type { Calendar } from '../calendar.ts';
import type { Row } from '../defects.ts';
import type { KindOutput } from '../outputs.ts';
import type { Persons } from '../persons.ts';
import type { Rng } from '../rng.ts';
import type { Seasons } from '../seasons.ts';
import type { CountyInfo, Subjects } from '../subjects.ts';
import type { Units } from '../units.ts';

export type KindId =
  | 'subject' | 'relation' | 'license' | 'penalty' | 'court_dishonest' | 'serious_dishonest' | 'abnormal_operation'
  | 'commitment' | 'contract' | 'tax_grade' | 'honor' | 'repair' | 'objection';

/** Per-subject story roles (bit flags). */
export const ROLE_CLUSTER = 1;
export const ROLE_PROCUREMENT = 2;
export const ROLE_REPEAT = 4;
export const ROLE_CELL = 8;

export interface World {
  seed: number;
  cal: Calendar;
  /** The record-content stream (swapped for a story stream while stories are planted). */
  rng: Rng;
  cityName: string;
  /** Province short name for court case numbers (苏, 皖). */
  province: string;
  provinceName: string;
  counties: readonly CountyInfo[];
  subjects: Subjects;
  persons: Persons;
  units: Units;
  seasons: Seasons;
  out: Record<KindId, KindOutput>;
  docs: DocNumbers;
  /** ROLE_* flags per subject. */
  roles: Uint8Array;
  /** Month index from which the cell's natural penalties are replaced by the planted surge. */
  surgeFrom: number;
}

/** Field indices of a kind, checked against the schema once. */
export function fieldIndex<K extends string>(schema: KindSchema, keys: readonly K[]): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const k of keys) {
    const i = schema.fields.findIndex((f) => f.key === k);
    if (i < 0) throw new Error(`schema '${schema.kind}' has no field '${k}'`);
    out[k] = i;
  }
  return out;
}

const EMPTY_ROWS = new Map<string, Row>();

/** A fresh row of empty cells (copied from a per-kind template: cheaper than Array(n).fill). */
export function newRow(schema: KindSchema): Row {
  let t = EMPTY_ROWS.get(schema.kind);
  if (!t) {
    t = new Array<string | number>(schema.fields.length).fill('');
    EMPTY_ROWS.set(schema.kind, t);
  }
  return t.slice();
}

/** Sequential numbers per (authority, series, year): 盐市监处罚〔2025〕123号 stays unique. */
export class DocNumbers {
  private readonly next = new Map<number, number>();
  private readonly series = new Map<string, number>();

  /** Lane `lane` of `lanes` hands out numbers lane + 1, lane + 1 + lanes, ... (unique across lanes). */
  constructor(private readonly lane = 0, private readonly lanes = 1) {}

  seq(unit: number, series: string, year: number): number {
    let sid = this.series.get(series);
    if (sid === undefined) {
      sid = this.series.size;
      this.series.set(series, sid);
    }
    const key = ((unit * 64 + sid) * 512 + (year - 1900)) | 0;
    const n = this.next.get(key) ?? 0;
    this.next.set(key, n + 1);
    return n * this.lanes + this.lane + 1;
  }
}

/** 万元 with up to 4 decimals, no exponent, no trailing zeros. */
export function wan(x: number): string {
  const v = Math.round(x * 10_000) / 10_000;
  return v <= 0 ? '0.01' : String(v);
}

/** Yuan amount in words of the decision text (罚款人民币5000元). */
export function yuanText(wanAmount: string): string {
  return `人民币${Math.round(Number(wanAmount) * 10_000)}元`;
}

/**
 * Publication day of a 双公示 decision: 1-7 working days later for most (~92%), later for the rest;
 * never after asOf.
 */
export function publishDay(w: World, decided: number): number {
  const rng = w.rng;
  const n = rng.next() < 0.92 ? rng.range(1, 7) : rng.range(8, 35);
  return Math.min(w.cal.addWorkdays(decided, n), w.cal.asOf);
}

/** A day in [from, to] (inclusive), preferring working days. */
export function dayBetween(w: World, from: number, to: number): number {
  if (to <= from) return from;
  const d = from + w.rng.int(to - from + 1);
  return w.cal.toWorkday(d, from);
}

/** Party type label of a subject for 双公示 rows. */
export function partyType(w: World, i: number): string {
  return w.subjects.type[i] === 2 ? '个体工商户' : '法人及非法人组织';
}

/** Earliest day subject i can have records (its registration, or the window start). */
export function activeFrom(w: World, i: number): number {
  return Math.max(w.cal.start, w.subjects.regDay[i]);
}
