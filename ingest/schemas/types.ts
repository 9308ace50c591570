/**
 * The shape of a record-kind schema. Every kind (行政处罚, 失信被执行人, 主体登记, ...) is described once,
 * in `ingest/schemas/<kind>.ts`, with the national field names as labels; the ingest builds its SQL
 * (typing, validation, natural key) from these descriptions, and the demo generator writes files
 * with exactly these headers.
 */

/** How a raw text cell is typed and validated. */
export type FieldType =
  | 'text'
  | 'uscc' // 统一社会信用代码, GB 32100-2015
  | 'idno' // natural-person ID number, GB 11643; stored only as keyed hash + masked form
  | 'date' // YYYY/MM/DD, YYYY-MM-DD, ...; 2099/12/31 = long-term
  | 'amount' // non-negative decimal (万元 unless the label says otherwise)
  | 'number' // any decimal (percentages, ...)
  | 'int'
  | 'enum'
  | 'county' // GB/T 2260 six-digit county-level code
  | 'industry' // GB/T 4754-2017 code: division (2 digits), group (3) or class (4); section letter prefix allowed
  | 'lon'
  | 'lat';

/** A condition on another field of the same row, used for conditional requirements. */
export type FieldCondition =
  | { field: string; contains: string } // the other field's text contains the string
  | { field: string; in: readonly string[] } // the other field's (normalized enum) value is one of
  | { field: string; present: true }; // the other field is not empty

export interface FieldDef {
  /** English column name in the lake (snake_case). */
  key: string;
  /** National field name, as written in the standard's header row. */
  label: string;
  /** Other header spellings seen in real exports: short names, XK_ and CF_ column codes, province element ids. */
  aliases?: readonly string[];
  type: FieldType;
  /** true: always required; a condition: required when it holds. @default false */
  required?: boolean | FieldCondition;
  /** Allowed values for `enum` (canonical spellings). */
  values?: readonly string[];
  /** Codes and variants mapped onto canonical enum values, e.g. { '01': '自然人' }. */
  valueAliases?: Readonly<Record<string, string>>;
  /** For `enum`: the cell may hold several values separated by ,，;；、| (e.g. 处罚类别). @default false */
  multi?: boolean;
  /** For `date`: must not be after the ingest date. @default false */
  notFuture?: boolean;
  /** For `date`: must be on or after this other date field of the row. */
  notBefore?: string;
}

export interface KindSchema {
  /** Stable English id, used in paths (`kind=<id>`) and view names (`records_<id>`). */
  kind: string;
  /** Chinese name shown to users. */
  label: string;
  /** What the kind is, one line. */
  description: string;
  fields: readonly FieldDef[];
  /**
   * Field keys that identify one record: the same natural key again (in any file, any run) is a
   * duplicate and adds nothing. Natural persons are keyed by their ID hash.
   */
  naturalKey: readonly string[];
  /** Why this key (shown in docs). */
  naturalKeyNote: string;
  /** The date field whose month partitions the lake (`month=YYYY-MM`). */
  monthField: string;
  /** Which field holds the subject's USCC / name / party type / ID number, if the kind has a subject. */
  subject?: { uscc: string; name: string; partyType?: string; idNumber?: string };
  /** Header labels that, when present, strongly suggest this kind (used by kind recognition). */
  signature: readonly string[];
}
