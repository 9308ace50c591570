/**
 * Stable reason codes of the ingest. A rejected row carries one or more; a flagged row is accepted
 * but marked (e.g. an early USCC that fails the inner organisation-code check). Codes never change
 * meaning; new ones are added at the end.
 */
export const REASONS = {
  CW_REQUIRED: 'a required field is empty',
  CW_USCC_LENGTH: 'USCC is not 18 characters (GB 32100-2015)',
  CW_USCC_CHARSET: 'USCC has characters outside 0-9 and upper-case A-Y without I, O, S, V, Z',
  CW_USCC_CHECK: 'USCC check character (18th) is wrong',
  CW_IDNO_LENGTH: 'ID number is not 18 characters (GB 11643)',
  CW_IDNO_CHARSET: 'ID number is not 17 digits and a digit or upper-case X',
  CW_IDNO_BIRTHDATE: 'ID number holds an impossible birth date',
  CW_IDNO_CHECK: 'ID number check character is wrong',
  CW_DATE_FORMAT: 'date is not YYYY/MM/DD or YYYY-MM-DD',
  CW_DATE_CALENDAR: 'date does not exist in the calendar',
  CW_DATE_FUTURE: 'date is after the ingest date',
  CW_DATE_ORDER: 'date is before the date it must follow',
  CW_NUMBER_FORMAT: 'not a number',
  CW_AMOUNT_NEGATIVE: 'amount is negative',
  CW_ENUM_INVALID: 'value is not in the code list',
  CW_COUNTY_UNKNOWN: 'not a GB/T 2260 county-level code',
  CW_INDUSTRY_UNKNOWN: 'not a GB/T 4754-2017 industry code',
  CW_COORD_RANGE: 'coordinate outside China (lon 73-136, lat 3-54)',
  CW_EXTRA_FIELDS: 'the row has more cells than the header',
  CW_DUPLICATE_CONFLICT: 'same natural key as an existing record but different content',
} as const;

export type ReasonCode = keyof typeof REASONS;

/** Flags: the row is accepted, the finding is kept for data-quality (重错码) monitoring. */
export const FLAGS = {
  CW_USCC_ORG_CHECK: 'USCC fails the inner GB 11714 organisation-code check (early pilot codes do)',
} as const;

export interface Reason {
  code: ReasonCode;
  field: string;
  expected: string;
  got: string | null;
}

/** The one-line human message of a reason: file, row, field, expected and got. */
export function formatReason(file: string, row: number, r: Reason): string {
  const got = r.got === null ? 'empty' : `'${r.got}'`;
  return `${file}:${row}: ${r.field}: ${REASONS[r.code] ?? r.code}; expected ${r.expected}, got ${got} [${r.code}]`;
}
