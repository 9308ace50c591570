/**
 * Day arithmetic for the generator. A date is an integer day number (days since 1970-01-01, UTC),
 * so dates are cheap to store in rows and typed arrays; formatting goes through two prebuilt string
 * tables (YYYY/MM/DD and YYYY-MM-DD) because millions of dates are written.
 */
import type { Rng } from './rng.ts';

const MS_PER_DAY = 86_400_000;
/** First and last day covered by the formatting tables. */
const TABLE_FROM = Date.UTC(1940, 0, 1) / MS_PER_DAY;
const TABLE_TO = Date.UTC(2100, 11, 31) / MS_PER_DAY;

export type DateStyle = 'slash' | 'dash';

/** Lunar New Year (春节) by Gregorian year: fewer decisions are made around it. */
const SPRING_FESTIVAL: Record<number, string> = {
  2010: '2010-02-14', 2011: '2011-02-03', 2012: '2012-01-23', 2013: '2013-02-10', 2014: '2014-01-31',
  2015: '2015-02-19', 2016: '2016-02-08', 2017: '2017-01-28', 2018: '2018-02-16', 2019: '2019-02-05',
  2020: '2020-01-25', 2021: '2021-02-12', 2022: '2022-02-01', 2023: '2023-01-22', 2024: '2024-02-10',
  2025: '2025-01-29', 2026: '2026-02-17', 2027: '2027-02-06', 2028: '2028-01-26', 2029: '2029-02-13',
  2030: '2030-02-03', 2031: '2031-01-23', 2032: '2032-02-11', 2033: '2033-01-31', 2034: '2034-02-19',
  2035: '2035-02-08',
};

export function dayOf(y: number, m: number, d: number): number {
  return Date.UTC(y, m - 1, d) / MS_PER_DAY;
}

/** 'YYYY-MM-DD' -> day number; throws on anything else. */
export function isoToDay(iso: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) throw new RangeError(`expected a date 'YYYY-MM-DD', instead got '${iso}'`);
  const day = dayOf(Number(m[1]), Number(m[2]), Number(m[3]));
  if (dayToIso(day) !== iso) throw new RangeError(`'${iso}' is not a calendar date`);
  return day;
}

export function dayToIso(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

export interface MonthInfo {
  /** Index in the window, 0 = first month. */
  index: number;
  year: number;
  month: number;
  /** 'YYYY-MM'. */
  key: string;
  first: number;
  /** Last day with data (the month end, or asOf for the last month). */
  last: number;
  /** Share of the month's days inside the window (1 except for a partial last month). */
  frac: number;
}

export class Calendar {
  readonly asOf: number;
  /** First day of the first month of the window. */
  readonly start: number;
  readonly months: MonthInfo[];
  readonly years: number[];
  private readonly slash: string[] = [];
  private readonly dash: string[] = [];
  private readonly ys: Int16Array;
  private readonly ms: Uint8Array;

  constructor(asOfIso: string, nMonths: number) {
    this.asOf = isoToDay(asOfIso);
    const n = TABLE_TO - TABLE_FROM + 1;
    this.ys = new Int16Array(n);
    this.ms = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const iso = dayToIso(TABLE_FROM + i);
      this.dash.push(iso);
      this.slash.push(`${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}`);
      this.ys[i] = Number(iso.slice(0, 4));
      this.ms[i] = Number(iso.slice(5, 7));
    }
    const ay = this.year(this.asOf);
    const am = this.month(this.asOf);
    this.months = [];
    for (let k = nMonths - 1; k >= 0; k--) {
      const t = ay * 12 + (am - 1) - k;
      const y = Math.floor(t / 12);
      const m = (t % 12) + 1;
      const first = dayOf(y, m, 1);
      const end = dayOf(y, m + 1, 1) - 1;
      const last = Math.min(end, this.asOf);
      this.months.push({
        index: nMonths - 1 - k, year: y, month: m, key: `${y}-${String(m).padStart(2, '0')}`,
        first, last, frac: (last - first + 1) / (end - first + 1),
      });
    }
    this.start = this.months[0].first;
    this.years = [...new Set(this.months.map((x) => x.year))];
  }

  private slot(day: number): number {
    if (day < TABLE_FROM || day > TABLE_TO) throw new RangeError(`day ${day} (${dayToIso(day)}) is outside 1940-2100`);
    return day - TABLE_FROM;
  }

  fmt(day: number, style: DateStyle): string {
    const i = this.slot(day);
    return style === 'slash' ? this.slash[i] : this.dash[i];
  }

  year(day: number): number {
    return this.ys[this.slot(day)];
  }

  month(day: number): number {
    return this.ms[this.slot(day)];
  }

  /** Index of the window month holding `day`, or -1. */
  monthIndex(day: number): number {
    if (day < this.start || day > this.asOf) return -1;
    const i = (this.year(day) - this.months[0].year) * 12 + this.month(day) - this.months[0].month;
    return i;
  }

  /** Monday to Friday (public holidays other than the Spring Festival are ignored). */
  isWorkday(day: number): boolean {
    const dow = (((day + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
    return dow >= 1 && dow <= 5;
  }

  /** The day `n` working days after `day`. */
  addWorkdays(day: number, n: number): number {
    let d = day;
    let left = n;
    while (left > 0) {
      d++;
      if (this.isWorkday(d)) left--;
    }
    return d;
  }

  /** Working days strictly after `from` up to and including `to`. */
  workdaysBetween(from: number, to: number): number {
    let n = 0;
    for (let d = from + 1; d <= to; d++) if (this.isWorkday(d)) n++;
    return n;
  }

  /** Nearest working day on or before `day` (not before `floor`). */
  toWorkday(day: number, floor: number): number {
    let d = day;
    while (!this.isWorkday(d) && d - 1 >= floor) d--;
    return d;
  }

  /**
   * A random day in window month `mi`, within [lo, hi] if given. Decisions fall on working days
   * except for a few percent (weekend approvals happen).
   */
  dayInMonth(rng: Rng, mi: number, lo = -Infinity, hi = Infinity): number {
    const mo = this.months[mi];
    const a = Math.max(mo.first, lo);
    const b = Math.min(mo.last, hi);
    if (b < a) return a;
    const d = a + rng.int(b - a + 1);
    if (rng.chance(0.03) || this.isWorkday(d)) return d;
    for (let x = d - 1; x >= a; x--) if (this.isWorkday(x)) return x;
    for (let x = d + 1; x <= b; x++) if (this.isWorkday(x)) return x;
    return d;
  }

  springFestival(year: number): number | undefined {
    const iso = SPRING_FESTIVAL[year];
    return iso ? isoToDay(iso) : undefined;
  }

  /** Fraction (0..1) of the month's days that fall in the Spring Festival slowdown (-7..+10 days). */
  springShare(mi: number): number {
    const mo = this.months[mi];
    const sf = this.springFestival(mo.year);
    if (sf === undefined) return mo.month === 2 ? 0.5 : 0;
    const a = Math.max(mo.first, sf - 7);
    const b = Math.min(dayOf(mo.year, mo.month + 1, 1) - 1, sf + 10);
    return b < a ? 0 : (b - a + 1) / 18;
  }
}
