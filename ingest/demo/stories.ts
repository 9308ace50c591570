/**
 * The planted stories the analytics must find, with the identifiers written to stories.json:
 *  1. penalty_surge: one county x industry cell (滨海县 x C26) whose penalties in the last two months
 *     jump to ~4x the cell's own 12-month baseline (at least 4 per month so small demos show it);
 *  2. dishonest_cluster: one person behind 6-8 firms in 响水县/滨海县 that all turn dishonest in the
 *     last 4 months (court listings, serious-dishonesty entries, broken commitments);
 *  3. procurement_blacklisted: a firm holding 政府采购 contracts listed as seriously dishonest in the
 *     last month;
 *  4. repeat_penalties: a firm with 5 penalties in the last 12 months.
 * Story rows are PROTECTED: never dropped by reporting gaps, broken or duplicated.
 */
import { maskIdNumber } from '../validators/id-number.ts';
import type { Calendar } from './calendar.ts';
import { T_ENTERPRISE } from './city-profile.ts';
import type { Persons } from './persons.ts';
import { emitCommitment } from './records/commitment.ts';
import { ROLE_CELL, ROLE_CLUSTER, ROLE_PROCUREMENT, ROLE_REPEAT, type World } from './records/context.ts';
import { emitContract } from './records/contract.ts';
import { emitCourt, emitSerious, LIST_TYPES } from './records/dishonest.ts';
import { emitPenalty } from './records/penalty.ts';
import { firmRelation } from './relations.ts';
import type { Rng } from './rng.ts';
import type { CountyInfo, Subjects } from './subjects.ts';

export const CELL_DIVISION = 26;
export const CELL_MIN_FIRMS = 12;
const SURGE_FLOOR = 4;

export interface StoryPlan {
  cellCounty: number;
  cluster: { person: number; firms: number[] };
  procurement: number;
  repeat: number;
}

/** County index of a code, or `fallback`. */
function countyIdx(counties: readonly CountyInfo[], code: string, fallback: number): number {
  const i = counties.findIndex((c) => c.code === code);
  return i >= 0 ? i : fallback;
}

/** The cell's county: 滨海县 in 盐城; in other seed cities the last county by code. */
export function cellCounty(counties: readonly CountyInfo[]): number {
  return countyIdx(counties, '320922', counties.length - 1);
}

/** Choose the story subjects and mark their roles (before anything is written). */
export function planStories(s: Subjects, persons: Persons, counties: readonly CountyInfo[], cal: Calendar, roles: Uint8Array, rng: Rng): StoryPlan {
  const cell = cellCounty(counties);
  for (let i = 0; i < s.n; i++) if (s.county[i] === cell && s.division[i] === CELL_DIVISION) roles[i] |= ROLE_CELL;
  const old = (i: number, days: number) => s.regDay[i] < cal.start - days && s.status[i] === 0;
  const pick = (ok: (i: number) => boolean, count: number): number[] => {
    const out: number[] = [];
    const order = rng.shuffle(Array.from({ length: s.n }, (_, k) => k));
    for (const i of order) {
      if (out.length >= count) break;
      if (roles[i] === 0 && ok(i)) out.push(i);
    }
    return out;
  };
  // 2. the cluster: a person from 响水 behind firms in 响水 and 滨海
  const xiangshui = countyIdx(counties, '320921', 0);
  const coast = new Set([xiangshui, cell]);
  const size = 6 + rng.int(3);
  let firms = pick((i) => s.type[i] === T_ENTERPRISE && coast.has(s.county[i]) && old(i, 365), size);
  if (firms.length < size) firms = firms.concat(pick((i) => s.type[i] === T_ENTERPRISE && old(i, 365) && !firms.includes(i), size - firms.length));
  const person = persons.create(rng, xiangshui, 1966, 1976, true);
  for (const f of firms) {
    persons.firms[s.rep[f]]--;
    s.rep[f] = person;
    persons.firms[person]++;
    s.risk[f] = 0.2;
    roles[f] |= ROLE_CLUSTER;
  }
  // 3. procurement firm (services), 4. repeat offender
  const services = new Set([51, 52, 65, 72, 74, 75, 78, 80]);
  const procurement = pick((i) => s.type[i] === T_ENTERPRISE && services.has(s.division[i]) && old(i, 730), 1)[0]
    ?? pick((i) => s.type[i] === T_ENTERPRISE && old(i, 0), 1)[0];
  roles[procurement] |= ROLE_PROCUREMENT;
  const repeat = pick((i) => s.type[i] === T_ENTERPRISE && old(i, 365), 1)[0];
  roles[repeat] |= ROLE_REPEAT;
  return { cellCounty: cell, cluster: { person, firms }, procurement, repeat };
}

export interface StoryIds {
  surge: { months: number[]; planted: string[] };
  cluster: { since: number; courtCaseNos: string[]; personCaseNo: string; seriousNos: string[]; brokenCommitmentNos: string[] };
  procurement: { contractNos: string[]; seriousNo: string; listedDay: number };
  repeat: { decisionNos: string[]; since: number };
}

/** Write the story rows (after the ordinary records, so the surge can use the observed baseline). */
export function emitStories(w: World, plan: StoryPlan, cellCounts: Int32Array, rng: Rng): StoryIds {
  const saved = w.rng;
  w.rng = rng;
  const cal = w.cal;
  const s = w.subjects;
  const M = cal.months.length;
  const protect = { protect: true } as const;
  // 1. surge: last two months, ~4x the mean of the 12 months before
  const base = cal.months.slice(Math.max(0, M - 14), M - 2).map((m) => cellCounts[m.index]);
  const baseMean = base.length ? base.reduce((a, b) => a + b, 0) / base.length : 0;
  const cellFirms = Array.from({ length: s.n }, (_, i) => i).filter((i) => s.county[i] === plan.cellCounty && s.division[i] === 26 && s.regDay[i] < cal.months[M - 2].first);
  const planted: string[] = [];
  for (const mi of [M - 2, M - 1]) {
    const target = Math.max(SURGE_FLOOR, Math.ceil(4 * baseMean));
    for (let k = 0; k < target && cellFirms.length; k++) {
      const i = cellFirms[rng.int(cellFirms.length)];
      const dept = rng.next() < 0.45 ? 'env' : rng.next() < 0.75 ? 'safety' : 'amr';
      planted.push(emitPenalty(w, i, cal.dayInMonth(rng, mi), { ...protect, dept, fine: true }));
    }
  }
  // 2. cluster: everything inside the last four months
  const since = cal.months[Math.max(0, M - 4)].first;
  const inLast4 = () => since + rng.int(cal.asOf - since + 1);
  const { firms, person } = plan.cluster;
  const courtCaseNos: string[] = [];
  const seriousNos: string[] = [];
  const brokenCommitmentNos: string[] = [];
  const lists = [LIST_TYPES.wages, LIST_TYPES.tax, LIST_TYPES.amr];
  firms.forEach((f, k) => {
    courtCaseNos.push(emitCourt(w, f, inLast4(), protect));
    if (k < 3) seriousNos.push(emitSerious(w, f, inLast4(), lists[k], true));
    const breach = inLast4();
    const signed = Math.max(cal.start, breach - 60 - rng.int(240));
    const unit = w.units.get('approval', s.county[f]);
    brokenCommitmentNos.push(emitCommitment(w, f, signed, '审批替代型', '建筑业企业资质告知承诺', unit, { breachDay: breach, protect: true }));
    if (k > 0 && k < 3) firmRelation(w, firms[0], '对外投资', f, s.regDay[f], String(20 + 10 * k));
  });
  const personCaseNo = emitCourt(w, firms[0], inLast4(), { protect: true, person });
  // 3. procurement firm: two contracts in force, then a serious-dishonesty listing in the last month
  const contractNos: string[] = [];
  for (const back of [18, 9]) {
    const mi = Math.max(0, M - back);
    contractNos.push(emitContract(w, plan.procurement, cal.dayInMonth(rng, mi, s.regDay[plan.procurement]), '政府采购', { protect: true, noBreach: true }));
  }
  const listedDay = Math.min(cal.asOf, cal.dayInMonth(rng, M - 1));
  const seriousNo = emitSerious(w, plan.procurement, listedDay, LIST_TYPES.procurement, true);
  // 4. repeat offender: five penalties in five different months of the last twelve
  const months = rng.shuffle(Array.from({ length: Math.min(12, M) }, (_, k) => M - 1 - k)).slice(0, 5).sort((a, b) => a - b);
  const depts = ['amr', 'env', 'safety', 'tax', 'amr'];
  const decisionNos = months.map((mi, k) => emitPenalty(w, plan.repeat, cal.dayInMonth(rng, mi), { ...protect, dept: depts[k], fine: true }));
  w.rng = saved;
  return {
    surge: { months: [M - 2, M - 1], planted },
    cluster: { since, courtCaseNos, personCaseNo, seriousNos, brokenCommitmentNos },
    procurement: { contractNos, seriousNo, listedDay },
    repeat: { decisionNos, since: cal.months[Math.max(0, M - 12)].first },
  };
}

/** The stories.json document. */
export function storiesJson(w: World, plan: StoryPlan, ids: StoryIds, cellCounts: Int32Array, industryName: string, extra: Record<string, unknown>): unknown {
  const cal = w.cal;
  const s = w.subjects;
  const M = cal.months.length;
  const fmt = (d: number) => cal.fmt(d, 'dash');
  const subj = (i: number) => ({ uscc: s.uscc[i], name: s.name[i], county_code: w.counties[s.county[i]].code });
  const baseIdx = cal.months.slice(Math.max(0, M - 14), M - 2).map((m) => m.index);
  const baseMean = baseIdx.reduce((a, m) => a + cellCounts[m], 0) / Math.max(1, baseIdx.length);
  const surge = ids.surge.months.map((m) => cellCounts[m]);
  const county = w.counties[plan.cellCounty];
  let cellSubjects = 0;
  for (let i = 0; i < s.n; i++) if (s.county[i] === plan.cellCounty && s.division[i] === CELL_DIVISION) cellSubjects++;
  return {
    ...extra,
    stories: [
      {
        id: 'penalty_surge', title: `${county.name}${industryName}行政处罚激增`,
        county_code: county.code, county_name: county.name, industry_code: String(CELL_DIVISION), industry_name: industryName,
        subjects_in_cell: cellSubjects, surge_months: ids.surge.months.map((m) => cal.months[m].key),
        baseline_months: baseIdx.map((m) => cal.months[m].key),
        monthly_penalties: Object.fromEntries(cal.months.map((m) => [m.key, cellCounts[m.index]])),
        baseline_mean: Math.round(baseMean * 100) / 100, surge_counts: surge,
        ratio: baseMean > 0 ? Math.round((surge.reduce((a, b) => a + b, 0) / surge.length / baseMean) * 100) / 100 : null,
        planted_decision_nos: ids.surge.planted,
      },
      {
        id: 'dishonest_cluster', title: '同一自然人控制的多家企业近4个月集中失信',
        person: { name: w.persons.names[plan.cluster.person], id_masked: maskIdNumber(w.persons.ids[plan.cluster.person]), county_code: w.persons.ids[plan.cluster.person].slice(0, 6) },
        firms: plan.cluster.firms.map(subj), since: fmt(ids.cluster.since),
        court_case_nos: ids.cluster.courtCaseNos, person_case_no: ids.cluster.personCaseNo,
        serious_decision_nos: ids.cluster.seriousNos, broken_commitment_nos: ids.cluster.brokenCommitmentNos,
      },
      {
        id: 'procurement_blacklisted', title: '政府采购合同履约主体新列入严重失信主体名单',
        ...subj(plan.procurement), contract_nos: ids.procurement.contractNos, serious_decision_no: ids.procurement.seriousNo,
        list_type: LIST_TYPES.procurement.type, listed_date: fmt(ids.procurement.listedDay),
      },
      {
        id: 'repeat_penalties', title: '近12个月受到4次以上行政处罚的企业',
        ...subj(plan.repeat), since: fmt(ids.repeat.since), count: ids.repeat.decisionNos.length, decision_nos: ids.repeat.decisionNos,
      },
    ],
  };
}
