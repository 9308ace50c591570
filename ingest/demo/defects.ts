/**
 * Deliberately bad rows, as real source systems produce them. A defect replaces a good row's value
 * (the record arrives broken), so it never collides with a clean copy of itself. The applicable
 * defects are derived from the kind's schema: which field is the USCC, which are dates, enums,
 * amounts, ID numbers, and which date must not precede which.
 */
import type { FieldDef, KindSchema } from '../schemas/types.ts';
import { USCC_ALPHABET } from '../validators/uscc.ts';
import type { Rng } from './rng.ts';

export type Cell = string | number;
export type Row = Cell[];

export const DEFECTS = [
  'uscc_check', 'uscc_lower', 'future_date', 'missing_required', 'unknown_enum', 'negative_amount',
  'end_before_start', 'bad_calendar', 'bad_county', 'bad_id_check',
] as const;
export type Defect = (typeof DEFECTS)[number];

/** Values that are not in any enum's list or aliases. */
const UNKNOWN_ENUM: Record<string, string> = {
  party_type: '其他组织', license_category: '特殊', penalty_types: '批评教育', relation_type: '亲属',
  related_party_type: '其他', performance: '正在履行', behaviours: '其他失信行为', list_type: '黑名单',
  reason: '年报异常', commitment_type: '承诺型', fulfilment: '待定', contract_type: '框架协议', status: '暂停',
  grade: 'E', honor_type: '优秀企业', target_kind: '其他信息', result: '已受理', subject_type: '外资企业',
  scale: '特大型', id_type: '驾驶证', related_id_type: '军官证',
};
const IMPOSSIBLE_DATES = ['2023/02/30', '2024/04/31', '2023/02/29', '2025/06/31', '2022/13/01'];
const BAD_COUNTIES = ['320999', '32092', '3209O2', '320000'];
const ID_CHECK = '0123456789X';

interface Spec {
  uscc: number;
  ids: number[];
  monthField: number;
  dates: number[];
  enums: number[];
  amounts: number[];
  required: number[];
  pairs: [number, number][];
  county: number;
}

const specs = new Map<string, Spec>();

function specOf(schema: KindSchema): Spec {
  let s = specs.get(schema.kind);
  if (s) return s;
  const at = (key: string) => schema.fields.findIndex((f) => f.key === key);
  const where = (p: (f: FieldDef) => boolean) => schema.fields.flatMap((f, i) => (p(f) ? [i] : []));
  s = {
    uscc: schema.subject ? at(schema.subject.uscc) : -1,
    ids: where((f) => f.type === 'idno'),
    monthField: at(schema.monthField),
    dates: where((f) => f.type === 'date'),
    enums: where((f) => f.type === 'enum' && f.required === true && f.key in UNKNOWN_ENUM),
    amounts: where((f) => f.type === 'amount'),
    required: where((f) => f.required === true && f.type === 'text'),
    pairs: schema.fields.flatMap((f, i) => (f.notBefore ? [[i, at(f.notBefore)] as [number, number]] : [])),
    county: where((f) => f.type === 'county')[0] ?? -1,
  };
  specs.set(schema.kind, s);
  return s;
}

function applicable(s: Spec, row: Row): Defect[] {
  const out: Defect[] = [];
  const u = s.uscc >= 0 ? row[s.uscc] : '';
  if (typeof u === 'string' && u.length === 18) {
    out.push('uscc_check');
    if (/[A-Z]/.test(u)) out.push('uscc_lower');
  }
  if (s.monthField >= 0 && typeof row[s.monthField] === 'number') out.push('future_date', 'bad_calendar');
  if (s.required.length) out.push('missing_required');
  if (s.enums.length) out.push('unknown_enum');
  if (s.amounts.some((j) => row[j] !== '')) out.push('negative_amount');
  if (s.pairs.some(([a, b]) => typeof row[a] === 'number' && typeof row[b] === 'number')) out.push('end_before_start');
  if (s.county >= 0) out.push('bad_county', 'bad_county');
  if (s.ids.some((j) => typeof row[j] === 'string' && (row[j] as string).length === 18)) out.push('bad_id_check', 'bad_id_check');
  return out;
}

/**
 * Break `row` in place with one applicable defect; returns which, or null if none applies.
 * `asOf` is the last day with data (future dates go past it).
 */
export function breakRow(schema: KindSchema, row: Row, rng: Rng, asOf: number): Defect | null {
  const s = specOf(schema);
  const options = applicable(s, row);
  if (options.length === 0) return null;
  const d = rng.pick(options);
  switch (d) {
    case 'uscc_check': {
      const u = row[s.uscc] as string;
      const k = (USCC_ALPHABET.indexOf(u[17]) + 1 + rng.int(29)) % 31;
      row[s.uscc] = u.slice(0, 17) + USCC_ALPHABET[k];
      break;
    }
    case 'uscc_lower':
      row[s.uscc] = (row[s.uscc] as string).toLowerCase();
      break;
    case 'future_date':
      row[s.monthField] = asOf + rng.range(3, 150);
      break;
    case 'bad_calendar': {
      const dates = s.dates.filter((j) => typeof row[j] === 'number');
      row[rng.pick(dates)] = rng.pick(IMPOSSIBLE_DATES);
      break;
    }
    case 'missing_required':
      row[rng.pick(s.required)] = '';
      break;
    case 'unknown_enum': {
      const j = rng.pick(s.enums);
      row[j] = UNKNOWN_ENUM[schema.fields[j].key];
      break;
    }
    case 'negative_amount': {
      const j = rng.pick(s.amounts.filter((k) => row[k] !== ''));
      const v = String(row[j]);
      row[j] = Number(v) > 0 ? '-' + v : '-1';
      break;
    }
    case 'end_before_start': {
      const [a, b] = rng.pick(s.pairs.filter(([x, y]) => typeof row[x] === 'number' && typeof row[y] === 'number'));
      row[a] = (row[b] as number) - rng.range(1, 400);
      break;
    }
    case 'bad_county':
      row[s.county] = rng.pick(BAD_COUNTIES);
      break;
    case 'bad_id_check': {
      const j = rng.pick(s.ids.filter((k) => typeof row[k] === 'string' && (row[k] as string).length === 18));
      const id = row[j] as string;
      row[j] = id.slice(0, 17) + ID_CHECK[(ID_CHECK.indexOf(id[17]) + 1 + rng.int(10)) % 11];
      break;
    }
  }
  return d;
}
