/**
 * 关联关系 rows: the graph behind 关联风险. Every enterprise, individual business, co-op and social
 * organisation has a 法定代表人 (or operator) row, some with an earlier representative who left;
 * enterprises have natural-person and corporate shareholders (a corporate shareholder also gets the
 * mirror 对外投资 row), and a few guarantee other firms' debts.
 */
import { relation as schema } from '../schemas/relation.ts';
import { T_ENTERPRISE, T_NONLEGAL, T_SOCIAL } from './city-profile.ts';
import type { Row } from './defects.ts';
import { F_PROTECTED } from './outputs.ts';
import { fieldIndex, newRow, ROLE_CLUSTER, wan, type World } from './records/context.ts';

const F = fieldIndex(schema, [
  'subject_uscc', 'subject_name', 'relation_type', 'related_party_type', 'related_name', 'related_uscc', 'related_id_type',
  'related_id_number', 'share_ratio', 'guarantee_amount', 'start_date', 'end_date', 'source_unit', 'source_unit_uscc',
]);

function base(w: World, i: number, type: string): Row {
  const row = newRow(schema);
  const src = w.units.get('amr', -1);
  row[F.subject_uscc] = w.subjects.uscc[i];
  row[F.subject_name] = w.subjects.name[i];
  row[F.relation_type] = type;
  row[F.source_unit] = src.name;
  row[F.source_unit_uscc] = src.uscc;
  return row;
}

function emit(w: World, i: number, row: Row, day: number): void {
  const flags = w.roles[i] & ROLE_CLUSTER ? F_PROTECTED : 0;
  w.out.relation.add(row, day, w.units.get('amr', -1).index, i, flags);
}

/** A relation row of subject i to a person. */
export function personRelation(w: World, i: number, type: string, p: number, start: number, end = -1, share = ''): void {
  const row = base(w, i, type);
  row[F.related_party_type] = '自然人';
  row[F.related_name] = w.persons.names[p];
  row[F.related_id_type] = '身份证';
  row[F.related_id_number] = w.persons.ids[p];
  row[F.share_ratio] = share;
  row[F.start_date] = start;
  if (end >= 0) row[F.end_date] = end;
  emit(w, i, row, start);
}

/** A relation row of subject i to subject j (股东 / 对外投资 / 担保). */
export function firmRelation(w: World, i: number, type: string, j: number, start: number, share = '', amount = '', end = -1): void {
  const row = base(w, i, type);
  row[F.related_party_type] = '法人及非法人组织';
  row[F.related_name] = w.subjects.name[j];
  row[F.related_uscc] = w.subjects.uscc[j];
  row[F.share_ratio] = share;
  row[F.guarantee_amount] = amount;
  row[F.start_date] = start;
  if (end >= 0) row[F.end_date] = end;
  emit(w, i, row, start);
}

/** Split 100% into n shares, the first the largest; strings with 2 decimals. */
function shares(w: World, n: number): string[] {
  if (n === 1) return ['100'];
  const first = 51 + w.rng.int(40);
  const rest = Array.from({ length: n - 1 }, () => 0.2 + w.rng.next());
  const sum = rest.reduce((a, b) => a + b, 0);
  const out = [String(first)];
  let left = 100 - first;
  rest.forEach((r, k) => {
    const v = k === rest.length - 1 ? left : Math.round(((100 - first) * r) / sum * 100) / 100;
    left = Math.round((left - v) * 100) / 100;
    out.push(String(Math.round(v * 100) / 100));
  });
  return out;
}

/** An older enterprise of the same county (or -1). */
function olderFirm(w: World, i: number): number {
  const list = w.subjects.enterprisesByCounty[w.subjects.county[i]];
  for (let k = 0; k < 4 && list.length > 1; k++) {
    const j = list[w.rng.int(list.length)];
    if (j !== i && w.subjects.regDay[j] < w.subjects.regDay[i]) return j;
  }
  return -1;
}

/** All relation rows of subject i. */
export function emitRelations(w: World, i: number): void {
  const s = w.subjects;
  const rng = w.rng;
  const t = s.type[i];
  if (t > T_SOCIAL) return;
  const reg = s.regDay[i];
  const rep = s.rep[i];
  let repStart = reg;
  if (rng.next() < 0.12 && w.cal.asOf - reg > 400 && !(w.roles[i] & ROLE_CLUSTER)) {
    // an earlier representative handed over
    repStart = reg + 200 + rng.int(w.cal.asOf - reg - 200);
    const c = s.county[i];
    const prev = w.persons.create(rng, c, 1950, Math.min(2002, w.cal.year(reg) - 20));
    personRelation(w, i, '法定代表人', prev, reg, repStart - 1);
  }
  personRelation(w, i, '法定代表人', rep, repStart);
  if (t !== T_ENTERPRISE && t !== T_NONLEGAL) return;
  const n = Math.min(4, 1 + rng.poisson(0.6));
  const sh = shares(w, n);
  for (let k = 0; k < n; k++) {
    if (k === 0) {
      personRelation(w, i, '股东', rep, reg, -1, sh[0]);
      continue;
    }
    const j = rng.next() < 0.2 ? olderFirm(w, i) : -1;
    if (j >= 0) {
      firmRelation(w, i, '股东', j, reg, sh[k]);
      firmRelation(w, j, '对外投资', i, reg, sh[k]);
    } else {
      const p = rng.next() < 0.25 ? s.rep[s.enterprisesByCounty[s.county[i]][rng.int(s.enterprisesByCounty[s.county[i]].length)]] : -1;
      const q = p >= 0 ? p : w.persons.create(rng, s.county[i], 1950, Math.min(2002, w.cal.year(reg) - 20));
      personRelation(w, i, '股东', q, reg, -1, sh[k]);
    }
  }
  if (rng.next() < 0.025) {
    const j = olderFirm(w, i);
    if (j >= 0) {
      const start = Math.max(reg, w.cal.start - 700) + rng.int(Math.max(1, w.cal.asOf - Math.max(reg, w.cal.start - 700)));
      const end = start + 365 * rng.range(1, 3);
      firmRelation(w, i, '担保', j, start, '', wan(rng.logNormal(500, 1)), end <= w.cal.asOf ? end : -1);
    }
  }
}
