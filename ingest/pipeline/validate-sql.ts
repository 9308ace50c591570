/**
 * Builds, from a kind's schema and a file's header mapping, the one SELECT that types and validates
 * every row inside DuckDB. Output columns: the typed fields, `__reasons` (list of reason structs;
 * empty = accepted), `__flags`, the natural key hash and a content hash for conflict detection.
 * Bound parameters: $today (DATE), $hash_key (VARCHAR).
 */
import { industryDivisions } from '../reference/index.ts';
import type { FieldCondition, FieldDef, KindSchema } from '../schemas/index.ts';
import type { HeaderMapping } from './recognize.ts';
import { ident, lit, litList } from './sql-util.ts';

const SEPARATORS = '[,，;；、|]';

const r = (key: string) => ident(`r_${key}`);
const t = (key: string) => ident(`t_${key}`);
/** Looked-up USCC status and parsed date / date reason of a field (see the lookups in buildValidationSql). */
const us = (key: string) => ident(`us_${key}`);
const dv = (key: string) => ident(`dv_${key}`);
const dr = (key: string) => ident(`dr_${key}`);

/** The sibling field that says which kind of ID a number is (身份证 or a passport, ...). */
function idTypeFieldOf(kind: KindSchema, f: FieldDef): FieldDef | undefined {
  const key = f.key.replace(/_number$/, '_type');
  return kind.fields.find((x) => x.key === key && x.type === 'enum');
}

function enumMap(f: FieldDef, x: string): string {
  const aliases = Object.entries(f.valueAliases ?? {});
  if (!aliases.length) return x;
  return `CASE ${x} ${aliases.map(([a, v]) => `WHEN ${lit(a)} THEN ${lit(v)}`).join(' ')} ELSE ${x} END`;
}

/** Protects enum values that themselves contain a separator (e.g. 暂扣或者吊销许可证、暂扣或者吊销执照). */
function protectSeparators(f: FieldDef, x: string): { pre: string; post: (y: string) => string } {
  const risky = [...(f.values ?? []), ...Object.keys(f.valueAliases ?? {})].filter((v) => /[,，;；、|]/.test(v));
  let pre = x;
  for (const v of risky) pre = `replace(${pre}, ${lit(v)}, ${lit(v.replace(/[,，;；、|]/g, '\u0001'))})`;
  return { pre, post: (y) => (risky.length ? `replace(${y}, chr(1), '、')` : y) };
}

function typedExpr(kind: KindSchema, f: FieldDef): string {
  const x = r(f.key);
  switch (f.type) {
    case 'date': return dv(f.key);
    case 'amount': case 'number': case 'lon': case 'lat':
      return `TRY_CAST(replace(replace(${x}, ',', ''), '，', '') AS DOUBLE)`;
    case 'int': return `TRY_CAST(${x} AS INTEGER)`;
    case 'uscc': return x; // stored as given: a lowercase code is rejected, not repaired
    case 'idno': return `upper(${x})`;
    case 'industry': return `regexp_extract(upper(${x}), '^[A-T]?([0-9]{2,4})$', 1)`;
    case 'enum': {
      if (!f.multi) return enumMap(f, x);
      const { pre, post } = protectSeparators(f, x);
      return `list_filter(list_transform(string_split_regex(${pre}, ${lit(SEPARATORS)}), s -> ${post(enumMap(f, 'trim(s)'))}), s -> s <> '')`;
    }
    default: return x;
  }
}

function conditionSql(kind: KindSchema, c: FieldCondition): string {
  const other = kind.fields.find((f) => f.key === c.field);
  if (!other) throw new Error(`schema ${kind.kind}: condition on unknown field ${c.field}`);
  if ('present' in c) return `${r(c.field)} IS NOT NULL`;
  if ('contains' in c) return `coalesce(strpos(${r(c.field)}, ${lit(c.contains)}) > 0, false)`;
  return other.multi ? `coalesce(list_has_any(${t(c.field)}, ${litList(c.in)}), false)` : `coalesce(${t(c.field)} IN (${c.in.map(lit).join(', ')}), false)`;
}

const reason = (code: string, field: string, expected: string, got: string) =>
  `{'code': ${lit(code)}, 'field': ${lit(field)}, 'expected': ${lit(expected)}, 'got': ${got}}`;

/** All reason expressions of one field (each NULL when the check passes). */
function fieldReasons(kind: KindSchema, f: FieldDef, fieldName: string): string[] {
  const x = r(f.key);
  const out: string[] = [];
  const when = (cond: string, code: string, expected: string, got = `${x}`) => out.push(`CASE WHEN ${cond} THEN ${reason(code, fieldName, expected, got)} END`);
  if (f.required === true) when(`${x} IS NULL`, 'CW_REQUIRED', 'a value (required field)', 'NULL');
  else if (f.required) when(`${x} IS NULL AND ${conditionSql(kind, f.required)}`, 'CW_REQUIRED', `a value (required when ${describeCondition(kind, f.required)})`, 'NULL');
  switch (f.type) {
    case 'uscc':
      for (const s of ['length', 'charset', 'check']) {
        when(`${us(f.key)} = '${s}'`, `CW_USCC_${s.toUpperCase()}`, '18-character USCC with a valid check character (GB 32100-2015)');
      }
      break;
    case 'idno': {
      const typeField = idTypeFieldOf(kind, f);
      const isResidentId = typeField ? `(${t(typeField.key)} IS NULL OR ${t(typeField.key)} = '身份证')` : 'true';
      for (const s of ['length', 'charset', 'birthdate', 'check']) {
        when(`${isResidentId} AND cw_idno_status(${x}) = '${s}'`, `CW_IDNO_${s.toUpperCase()}`, '18-character resident ID number with a valid check character (GB 11643)', `cw_mask_id(${x})`);
      }
      break;
    }
    case 'date': {
      when(`${dr(f.key)} = 'format'`, 'CW_DATE_FORMAT', 'a date as YYYY/MM/DD or YYYY-MM-DD');
      when(`${dr(f.key)} = 'calendar'`, 'CW_DATE_CALENDAR', 'a real calendar date');
      if (f.notFuture) when(`${t(f.key)} > $today`, 'CW_DATE_FUTURE', 'a date not after the ingest date');
      if (f.notBefore) {
        const other = kind.fields.find((o) => o.key === f.notBefore)!;
        when(`${t(f.key)} < ${t(f.notBefore)}`, 'CW_DATE_ORDER', `a date on or after ${other.label}`);
      }
      break;
    }
    case 'amount': case 'number': case 'int':
      when(`${x} IS NOT NULL AND ${t(f.key)} IS NULL`, 'CW_NUMBER_FORMAT', f.type === 'int' ? 'an integer' : 'a decimal number');
      if (f.type === 'amount') when(`${t(f.key)} < 0`, 'CW_AMOUNT_NEGATIVE', 'a non-negative amount');
      break;
    case 'enum': {
      const allowed = litList(f.values ?? []);
      const cond = f.multi ? `len(list_filter(${t(f.key)}, s -> NOT list_contains(${allowed}, s))) > 0` : `NOT list_contains(${allowed}, ${t(f.key)})`;
      when(`${x} IS NOT NULL AND ${cond}`, 'CW_ENUM_INVALID', `one of ${(f.values ?? []).join('/')}`);
      break;
    }
    case 'county':
      when(`${x} IS NOT NULL AND ${x} NOT IN (SELECT code FROM ref_county)`, 'CW_COUNTY_UNKNOWN', 'a six-digit GB/T 2260 county-level code');
      break;
    case 'industry':
      when(`${x} IS NOT NULL AND coalesce(substr(${t(f.key)}, 1, 2), '') NOT IN (SELECT division FROM ref_industry)`, 'CW_INDUSTRY_UNKNOWN', 'a GB/T 4754-2017 code (division 01-97, optionally with section letter and group/class digits)');
      break;
    case 'lon': when(`${x} IS NOT NULL AND NOT coalesce(${t(f.key)} BETWEEN 73 AND 136, false)`, 'CW_COORD_RANGE', 'a longitude in 73..136'); break;
    case 'lat': when(`${x} IS NOT NULL AND NOT coalesce(${t(f.key)} BETWEEN 3 AND 54, false)`, 'CW_COORD_RANGE', 'a latitude in 3..54'); break;
    default: break;
  }
  return out;
}

export function describeCondition(kind: KindSchema, c: FieldCondition): string {
  const label = kind.fields.find((f) => f.key === c.field)?.label ?? c.field;
  if ('present' in c) return `${label} is given`;
  if ('contains' in c) return `${label} contains ${c.contains}`;
  return `${label} is ${c.in.join('/')}`;
}

/** SQL CASE giving the GB/T 4754 section letter of a two-digit division. */
export function sectionCaseSql(division: string): string {
  const bySection = new Map<string, string[]>();
  for (const i of industryDivisions()) bySection.set(i.section, [...(bySection.get(i.section) ?? []), i.division]);
  return `CASE ${[...bySection].map(([s, ds]) => `WHEN ${division} IN (${ds.map(lit).join(', ')}) THEN ${lit(s)}`).join(' ')} END`;
}

/** Output column list (name and SQL) of accepted rows, shared by staging and the lake. */
export function outputColumns(kind: KindSchema): { name: string; sql: string }[] {
  const cols: { name: string; sql: string }[] = [];
  for (const f of kind.fields) {
    if (f.type === 'idno') {
      cols.push({ name: `${f.key}_hash`, sql: `CASE WHEN ${t(f.key)} IS NOT NULL THEN sha256($hash_key || '|' || ${t(f.key)}) END` });
      cols.push({ name: `${f.key}_masked`, sql: `cw_mask_id(${t(f.key)})` });
    } else {
      cols.push({ name: f.key, sql: t(f.key) });
    }
    if (f.type === 'industry') {
      cols.push({ name: 'industry_division', sql: `substr(${t(f.key)}, 1, 2)` });
      cols.push({ name: 'industry_section', sql: sectionCaseSql(`substr(${t(f.key)}, 1, 2)`) });
    }
  }
  return cols;
}

/** SQL of the subject key: the USCC, or 'P:' + the ID hash for natural persons. */
function personKey(uscc: string | undefined, idno: string | undefined): string {
  const parts = [uscc ? t(uscc) : null, idno ? `'P:' || sha256($hash_key || '|' || ${t(idno)})` : null].filter(Boolean);
  return parts.length ? `coalesce(${parts.join(', ')})` : 'NULL';
}

/**
 * The validating SELECT over `src` (the raw table of one file, all VARCHAR, with `__row`).
 * `header` are the file's header cells (for messages), `names` the column names in `src`.
 */
export function buildValidationSql(m: HeaderMapping, header: readonly string[], names: readonly string[], hasExtra: boolean): string {
  const kind = m.kind;
  const rawCols = kind.fields.map((f) => {
    const idx = m.columns.get(f.key);
    return idx === undefined ? `NULL::VARCHAR AS ${r(f.key)}` : `nullif(trim(${ident(names[idx])}, cw__blanks()), '') AS ${r(f.key)}`;
  });
  const typed = kind.fields.map((f) => `${typedExpr(kind, f)} AS ${t(f.key)}`);
  const reasons = kind.fields.flatMap((f) => {
    const idx = m.columns.get(f.key);
    const name = idx !== undefined && header[idx] !== f.label ? `${f.label} [${header[idx]}]` : f.label;
    return fieldReasons(kind, f, name);
  });
  if (hasExtra) reasons.push(`CASE WHEN "__extra__" IS NOT NULL THEN ${reason('CW_EXTRA_FIELDS', '(row)', `${header.length - 1} cells`, '"__extra__"')} END`);
  const flags = kind.fields.filter((f) => f.type === 'uscc').map((f) => `CASE WHEN ${us(f.key)} = 'org_check' THEN 'CW_USCC_ORG_CHECK:${f.key}' END`);
  const s = kind.subject;
  const subjectKey = s ? personKey(s.uscc, s.idNumber) : 'NULL';
  const relatedKey = kind.kind === 'relation' ? personKey('related_uscc', 'related_id_number') : null;
  const keyParts = kind.naturalKey.map((k) => `coalesce(CAST(${k === 'subject_key' ? '__subject_key' : k === 'related_key' ? '__related_key' : t(k)} AS VARCHAR), '')`);
  const out = outputColumns(kind);
  const contentParts = out.map((c) => `coalesce(CAST(${c.name === c.sql ? c.sql : ident(c.name)} AS VARCHAR), '')`);
  // USCCs and dates repeat heavily (authorities, source units, decision days): check each distinct
  // value once in a lookup and join, instead of running the macros on every row.
  const usccFields = kind.fields.filter((f) => f.type === 'uscc');
  const dateFields = kind.fields.filter((f) => f.type === 'date');
  const distinctOf = (fs: FieldDef[]) => `SELECT DISTINCT v FROM (SELECT unnest([${fs.map((f) => r(f.key)).join(', ')}]) AS v FROM raw) WHERE v IS NOT NULL`;
  const lookups = [
    usccFields.length ? `uscc_lookup AS (SELECT v, cw_uscc_status(v) AS st FROM (${distinctOf(usccFields)}))` : '',
    dateFields.length ? `date_lookup AS (SELECT v, cw_parse_date(v) AS d, cw_date_reason(v) AS reason FROM (${distinctOf(dateFields)}))` : '',
  ].filter(Boolean);
  const lookupCols = [
    ...usccFields.map((f, i) => `u${i}.st AS ${us(f.key)}`),
    ...dateFields.flatMap((f, i) => [`d${i}.d AS ${dv(f.key)}`, `d${i}.reason AS ${dr(f.key)}`]),
  ];
  const lookupJoins = [
    ...usccFields.map((f, i) => `LEFT JOIN uscc_lookup u${i} ON u${i}.v = raw.${r(f.key)}`),
    ...dateFields.map((f, i) => `LEFT JOIN date_lookup d${i} ON d${i}.v = raw.${r(f.key)}`),
  ];
  return `
WITH raw AS (
  SELECT __row, ${hasExtra ? '"__extra__",' : ''} ${rawCols.join(',\n    ')}
  FROM src
), ${lookups.map((l) => `${l}, `).join('')}looked AS (
  SELECT raw.*${lookupCols.map((c) => `, ${c}`).join('')}
  FROM raw ${lookupJoins.join('\n  ')}
), typed AS (
  SELECT *, ${typed.join(',\n    ')}
  FROM looked
), checked AS (
  SELECT *,
    list_filter([${reasons.join(',\n      ')}], x -> x IS NOT NULL) AS __reasons,
    list_filter([${flags.length ? flags.join(', ') : 'NULL::VARCHAR'}], x -> x IS NOT NULL) AS __flags,
    ${subjectKey} AS __subject_key
    ${relatedKey ? `, ${relatedKey} AS __related_key` : ''}
  FROM typed
), shaped AS (
  SELECT __row, __reasons, __flags, ${out.map((c) => `${c.sql} AS ${ident(c.name)}`).join(',\n    ')},
    __subject_key AS subject_key,
    ${relatedKey ? '__related_key AS related_key,' : ''}
    md5(${lit(kind.kind)} || chr(31) || concat_ws(chr(31), ${keyParts.join(', ')})) AS record_key,
    strftime(${t(kind.monthField)}, '%Y-%m') AS month
  FROM checked
)
SELECT *, md5(concat_ws(chr(31), ${contentParts.join(', ')})) AS content_hash FROM shaped`;
}

/**
 * A rejected row's original cells as JSON. ID-number columns are masked, and so is any other cell
 * that looks like a resident ID (an unrecognized column may hold one); USCC columns are exempt
 * (an all-digit USCC has the same shape).
 */
export function rawJsonSql(m: HeaderMapping, header: readonly string[], names: readonly string[]): string {
  const typeOf = (i: number) => m.kind.fields.find((f) => m.columns.get(f.key) === i)?.type;
  const pairs = header.map((h, i) => {
    const c = ident(names[i]);
    const t = typeOf(i);
    const v = t === 'idno' ? `cw_mask_id(${c})` : t === 'uscc' ? c : `CASE WHEN regexp_full_match(trim(${c}), '[0-9]{17}[0-9Xx]') THEN cw_mask_id(trim(${c})) ELSE ${c} END`;
    return `${lit(h)}, ${v}`;
  });
  return `json_object(${pairs.join(', ')})`;
}
