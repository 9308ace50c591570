/**
 * Monthly intensity profiles. A weight of 1 is an ordinary full month; the Spring Festival slows
 * every office down, licences peak in March (spring start-ups) and December (year-end approvals),
 * enforcement runs campaigns in Q2-Q3, procurement contracts bunch at the year end. A mild upward
 * trend reflects better data collection over time; a partial last month counts by its share of days.
 */
import type { Calendar } from './calendar.ts';
import type { Rng } from './rng.ts';

export type Profile = 'license' | 'penalty' | 'contract' | 'flat';
const PROFILES: readonly Profile[] = ['license', 'penalty', 'contract', 'flat'];

function monthFactor(p: Profile, month: number, spring: number): number {
  switch (p) {
    case 'license':
      return (month === 3 ? 1.35 : month === 12 ? 1.3 : 1) * (1 - 0.5 * spring);
    case 'penalty':
      return (month >= 4 && month <= 9 ? 1.25 : month === 12 ? 1.1 : 0.85) * (1 - 0.6 * spring);
    case 'contract':
      return (month >= 11 ? 1.35 : month === 6 ? 1.1 : 0.95) * (1 - 0.5 * spring);
    default:
      return 1 - 0.4 * spring;
  }
}

export class Seasons {
  /** cum[p][m] = sum of weights of months < m (length months + 1). */
  private readonly cum = new Map<Profile, Float64Array>();
  readonly weights = new Map<Profile, Float64Array>();

  constructor(private readonly cal: Calendar) {
    const n = cal.months.length;
    for (const p of PROFILES) {
      const w = new Float64Array(n);
      const c = new Float64Array(n + 1);
      for (let i = 0; i < n; i++) {
        const mo = cal.months[i];
        const trend = 1 + 0.05 * ((i - n / 2) / 12);
        w[i] = monthFactor(p, mo.month, Math.min(1, cal.springShare(i) * 1.6)) * trend * mo.frac;
        c[i + 1] = c[i] + w[i];
      }
      this.weights.set(p, w);
      this.cum.set(p, c);
    }
  }

  /** Sum of weights from month `from` to the end (in month units). */
  mass(p: Profile, from: number): number {
    const c = this.cum.get(p)!;
    return c[c.length - 1] - c[Math.max(0, from)];
  }

  /** Sum of weights of months [from, to). */
  massBetween(p: Profile, from: number, to: number): number {
    const c = this.cum.get(p)!;
    return c[Math.min(to, c.length - 1)] - c[Math.max(0, from)];
  }

  /** A month index >= from, drawn by weight. */
  pickMonth(p: Profile, rng: Rng, from = 0, to = this.cal.months.length): number {
    const c = this.cum.get(p)!;
    const lo = c[Math.max(0, from)];
    const x = lo + rng.next() * (c[to] - lo);
    let a = Math.max(0, from);
    let b = to - 1;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (c[mid + 1] > x) b = mid;
      else a = mid + 1;
    }
    return a;
  }
}
