/**
 * Per-subject record generation: for each kind, a Poisson count over the subject's active months
 * (weighted by the kind's seasonal profile), then one row per event. Rates are per subject and year,
 * by subject type (企业法人, 非法人企业, 个体工商户, 合作社, 社会组织, 事业单位, 机关), tilted by industry
 * and by the subject's latent risk, so bad records cluster on the same subjects as in real data.
 */
import { licenseTable, LICENSES } from './catalog-license.ts';
import { penaltyIndustryFactor } from './catalog-penalty.ts';
import { emitAbnormal, emitAbnormalYears } from './abnormal.ts';
import { emitOtherCommitment } from './commitment.ts';
import { activeFrom, ROLE_CELL, ROLE_CLUSTER, ROLE_PROCUREMENT, type KindId, type World } from './context.ts';
import { contractRates, emitContract } from './contract.ts';
import { emitCourt, emitSerious } from './dishonest.ts';
import { emitLicense, emitPersonLicense, emitSetup } from './license.ts';
import { emitPenalty, emitPersonPenalty } from './penalty.ts';
import { emitRepair, maybeObjection } from './repair-objection.ts';
import { emitOtherHonors, emitTaxYears } from './tax-honor.ts';
import type { Profile } from '../seasons.ts';
import { ST_CANCELLED, ST_REVOKED } from '../subjects.ts';

const LICENSE_RATE = [9.5, 5.8, 4.0, 4.4, 1.8, 2.7, 0.9];
const OTHER_COMMITMENT_RATE = [2.9, 2.2, 1.65, 1.75, 0.9, 0.55, 0.3];
const PENALTY_RATE = [0.2, 0.15, 0.085, 0.08, 0.03, 0.02, 0.01];
const ABNORMAL_RATE = [0.075, 0.06, 0.012, 0.07, 0, 0, 0];
const ABNORMAL_SCALE = [0.05, 0.3, 0.8, 1.25, 1];
const COURT_RATE = [0.006, 0.0045, 0.0022, 0.002, 0.0008, 0, 0];
const SERIOUS_RATE = [0.0009, 0.0006, 0.00015, 0.0003, 0.0001, 0, 0];
/** Natural-person licences and penalties per subject-year (people live where the firms are). */
const PERSON_LICENSE_RATE = 0.05;
const PERSON_PENALTY_RATE = 0.006;

const intensity = new Map<number, number>();
/** How licence-heavy a division is (food, chemicals, transport > software). */
function licenseIntensity(div: number): number {
  let v = intensity.get(div);
  if (v === undefined) {
    const specific = LICENSES.reduce((a, l) => a + (l.divisions === '*' ? 0 : (l.divisions[div] ?? 0) * l.weight), 0);
    v = 0.5 + Math.min(1.5, specific / 8);
    intensity.set(div, v);
  }
  return v;
}

/** Draw `yearly`-rate events over months [m0, end) of `profile` and call `emit(day)` for each. */
function events(w: World, profile: Profile, yearly: number, m0: number, from: number, emit: (day: number) => void, end = w.cal.months.length): void {
  if (yearly <= 0 || m0 >= end) return;
  const n = w.rng.poisson((yearly / 12) * w.seasons.massBetween(profile, m0, end));
  for (let k = 0; k < n; k++) {
    const mi = w.seasons.pickMonth(profile, w.rng, m0, end);
    const day = w.cal.dayInMonth(w.rng, mi, from);
    if (day >= from && day <= w.cal.asOf) emit(day);
  }
}

/** All records of subject i (relations excepted). */
export function emitSubjectRecords(w: World, i: number): void {
  const s = w.subjects;
  const cal = w.cal;
  const from = activeFrom(w, i);
  if (from > cal.asOf) return;
  const m0 = cal.monthIndex(from);
  const t = s.type[i];
  const div = s.division[i];
  const risk = s.risk[i];
  const role = w.roles[i];
  const alive = s.status[i] === ST_CANCELLED || s.status[i] === ST_REVOKED ? 0.3 : 1;
  if (s.regDay[i] >= cal.start) emitSetup(w, i);
  events(w, 'license', LICENSE_RATE[t] * licenseIntensity(div) * alive, m0, from, (d) => emitLicense(w, i, d));
  events(w, 'license', OTHER_COMMITMENT_RATE[t] * alive, m0, from, (d) => emitOtherCommitment(w, i, d));
  // the planted surge replaces the cell's own penalties in its last months
  const penEnd = role & ROLE_CELL ? w.surgeFrom : cal.months.length;
  events(w, 'penalty', PENALTY_RATE[t] * penaltyIndustryFactor(div) * risk * alive, m0, from, (d) => emitPenalty(w, i, d), penEnd);
  const clean = role & (ROLE_CLUSTER | ROLE_PROCUREMENT);
  if (t <= 3 && !clean) emitAbnormalYears(w, i, ABNORMAL_RATE[t] * ABNORMAL_SCALE[s.scale[i]] * Math.sqrt(risk) * (alive < 1 ? 2 : 1));
  if (!clean) {
    events(w, 'flat', COURT_RATE[t] * Math.pow(risk, 1.5), m0, from, (d) => emitCourt(w, i, d));
    events(w, 'flat', SERIOUS_RATE[t] * risk * risk, m0, from, (d) => emitSerious(w, i, d));
  }
  for (const [type, rate] of contractRates(w, i)) events(w, 'contract', rate * alive, m0, from, (d) => emitContract(w, i, d, type));
  emitTaxYears(w, i);
  emitOtherHonors(w, i);
  events(w, 'license', PERSON_LICENSE_RATE, 0, cal.start, (d) => emitPersonLicense(w, s.county[i], d));
  events(w, 'penalty', PERSON_PENALTY_RATE, 0, cal.start, (d) => emitPersonPenalty(w, s.county[i], d));
}

/** A random ordinary enterprise (not part of a story), registered before the window. */
function someFirm(w: World): number {
  for (let k = 0; k < 10_000; k++) {
    const i = w.rng.int(w.subjects.n);
    if (w.subjects.type[i] <= 1 && w.roles[i] === 0 && w.subjects.regDay[i] < w.cal.start) return i;
  }
  return 0;
}

/** An early day in the window (leaves room for follow-ups such as repairs). */
function earlyDay(w: World): number {
  const n = w.cal.months.length;
  return w.cal.dayInMonth(w.rng, w.rng.int(Math.max(1, Math.floor(n / 3))));
}

/** Generators of one more ordinary row per kind, for kinds too small to carry their bad rows. */
export const TOP_UP: Record<KindId, (w: World) => void> = {
  subject: () => {},
  relation: () => {},
  license: (w) => emitLicense(w, someFirm(w), earlyDay(w), licenseTable(1).items[0]),
  penalty: (w) => void emitPenalty(w, someFirm(w), earlyDay(w)),
  court_dishonest: (w) => void emitCourt(w, someFirm(w), earlyDay(w)),
  serious_dishonest: (w) => void emitSerious(w, someFirm(w), earlyDay(w)),
  abnormal_operation: (w) => emitAbnormal(w, someFirm(w), earlyDay(w)),
  commitment: (w) => emitOtherCommitment(w, someFirm(w), earlyDay(w)),
  contract: (w) => void emitContract(w, someFirm(w), earlyDay(w), '一般商事合同'),
  tax_grade: (w) => emitTaxYears(w, someFirm(w)),
  honor: (w) => emitOtherHonors(w, someFirm(w)),
  repair: (w) => {
    const i = someFirm(w);
    const day = earlyDay(w);
    emitRepair(w, i, '行政处罚', emitPenalty(w, i, day, { fine: true }), day + 90, w.units.get('amr', w.subjects.county[i]));
  },
  objection: (w) => {
    const i = someFirm(w);
    const day = earlyDay(w);
    maybeObjection(w, i, '行政处罚', emitPenalty(w, i, day, { fine: true }), day, w.units.get('amr', w.subjects.county[i]));
  },
};
