/**
 * Natural persons (legal representatives, shareholders, natural-person counterparts) with valid
 * 18-digit ID numbers (GB 11643): address code = the person's county, birth date, a sequence number
 * that is unique per (county, birth date, sex) by construction, and the check digit.
 */
import { makeIdNumber } from '../validators/id-number.ts';
import type { Calendar } from './calendar.ts';
import { dayOf } from './calendar.ts';
import { personName } from './names.ts';
import type { Rng } from './rng.ts';

/** Day-number offset so that birth days 1940..2010 index a typed array. */
const DAY_BASE = 12_000;
const DAY_SPAN = 65_536;

/** Generation lanes (main thread = 0, worker = 1): each numbers its people in its own residue class. */
export const LANES = 2;

export class Persons {
  readonly names: string[] = [];
  readonly ids: string[] = [];
  /** Number of subjects each person represents (legal rep / operator). */
  readonly firms: number[] = [];
  private readonly counters: Uint16Array;
  private readonly areas: readonly string[];
  private lane = 0;

  constructor(private readonly cal: Calendar, areas: readonly string[]) {
    this.areas = areas;
    this.counters = new Uint16Array(areas.length * DAY_SPAN * 2);
  }

  /**
   * Switch to lane `lane` with fresh counters: sequence numbers become c * LANES + lane, so people
   * created by different lanes never share an ID, whichever thread runs the lane.
   */
  useLane(lane: number): void {
    if (lane === this.lane) return;
    this.lane = lane;
    this.counters.fill(0);
  }

  get size(): number {
    return this.names.length;
  }

  /** A new person from county index `area`, born between the two years (inclusive). */
  create(rng: Rng, area: number, bornFrom: number, bornTo: number, male = rng.chance(0.74)): number {
    const lo = dayOf(bornFrom, 1, 1);
    const hi = dayOf(bornTo, 12, 31);
    const day = lo + rng.int(hi - lo + 1);
    const g = male ? 1 : 0;
    const slot = (area * DAY_SPAN + (day + DAY_BASE)) * 2 + g;
    const c = this.counters[slot]++ * LANES + this.lane;
    if (c >= 500) throw new Error(`Persons: more than 500 people born on the same day in area ${this.areas[area]}`);
    const seq = ((c * 37 + ((slot * 7) % 500)) % 500) * 2 + g; // odd = male
    const iso = this.cal.fmt(day, 'dash').replaceAll('-', '');
    const id = makeIdNumber(this.areas[area] + iso + String(seq).padStart(3, '0'));
    this.names.push(personName(rng, male));
    this.ids.push(id);
    this.firms.push(0);
    return this.names.length - 1;
  }

  /** Sex from the sequence digit (odd = male). */
  isMale(p: number): boolean {
    return Number(this.ids[p][16]) % 2 === 1;
  }
}
