-- Validation macros for the ingest (DuckDB >= 1.3, built-in functions only).
--
-- Each public macro is the SQL twin of a TypeScript function in ingest/validators/
-- and must return the same result for every input (enforced by
-- ingest/validators/sql-macros.test.ts):
--   cw_uscc_status(code)  <-> usccStatus      (uscc.ts)
--   cw_idno_status(id)    <-> idNumberStatus  (id-number.ts)
--   cw_mask_id(id)        <-> maskIdNumber    (id-number.ts)
--   cw_parse_date(s)      <-> parseRecordDate (dates.ts), DATE or NULL
--   cw_date_reason(s)     <-> parseRecordDate (dates.ts), NULL / 'format' / 'calendar'
-- Macros named cw__* are private helpers. Arguments are cast to VARCHAR so the
-- macros also accept columns that read_csv typed as BIGINT, DATE or TIMESTAMP.
-- String positions are 1-based; length() counts code points like the TS code.
-- Installed by installValidationMacros() in ingest/validators/sql-macros.ts.

-- Blank characters for 'missing' and trimming: space \t \n \r \f \v, NBSP,
-- ideographic space U+3000 and BOM U+FEFF (BLANK_CHARS in uscc.ts).
CREATE OR REPLACE MACRO cw__blanks() AS
  ' ' || chr(9) || chr(10) || chr(13) || chr(12) || chr(11) || chr(160) || chr(12288) || chr(65279);

-- TRUE for NULL, '' and all-blank strings.
CREATE OR REPLACE MACRO cw__is_blank(s) AS
  s IS NULL OR trim(s::VARCHAR, cw__blanks()) = '';

-- ---------------------------------------------------------------------------
-- USCC, GB 32100-2015
-- ---------------------------------------------------------------------------

-- The 31 USCC symbols, valued 0..30 by position (no I, O, S, V, Z).
CREATE OR REPLACE MACRO cw__uscc_alphabet() AS '0123456789ABCDEFGHJKLMNPQRTUWXY';

-- Outer check char of 17 USCC symbols: S = sum(value_i * 3^(i-1) mod 31),
-- check = alphabet[(31 - S mod 31) mod 31]. Input must already be charset-valid.
CREATE OR REPLACE MACRO cw__uscc_check_char(first17) AS
  substr(cw__uscc_alphabet(), 1 + (31 - list_sum(list_transform(range(0, 17), lambda i:
      (strpos(cw__uscc_alphabet(), substr(first17, i + 1, 1)) - 1)
      * [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28][i + 1]
  ))::BIGINT % 31) % 31, 1);

-- GB 11714 check value of an 8-char organisation-code body: digits count their
-- value, A-Z count 10..35, weights 3 7 9 10 5 8 4 2; C = 11 - S mod 11 (1..11).
CREATE OR REPLACE MACRO cw__org_check_value(org8) AS
  11 - list_sum(list_transform(range(0, 8), lambda i:
      (strpos('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ', substr(org8, i + 1, 1)) - 1)
      * [3, 7, 9, 10, 5, 8, 4, 2][i + 1]
  ))::BIGINT % 11;

-- GB 11714 check char: C written as a digit, 'X' for 10 and '0' for 11.
CREATE OR REPLACE MACRO cw__org_check_char(org8) AS
  CASE cw__org_check_value(org8)
    WHEN 10 THEN 'X'
    WHEN 11 THEN '0'
    ELSE CAST(cw__org_check_value(org8) AS VARCHAR)
  END;

-- USCC status, first failure wins: 'missing' (NULL/blank), 'length' (not 18),
-- 'charset' (anything outside the alphabet, lowercase included), 'check'
-- (18th char), 'org_check' (17th char = GB 11714 check of chars 9-16; only a
-- flag, early pilot codes fail it), else 'ok'. Positions 1-2 are not checked
-- against the department/type table on purpose (real data has rare combos).
CREATE OR REPLACE MACRO cw_uscc_status(code) AS
  CASE
    WHEN cw__is_blank(code) THEN 'missing'
    WHEN length(code::VARCHAR) <> 18 THEN 'length'
    WHEN NOT regexp_full_match(code::VARCHAR, '[0-9A-HJ-NPQRTUWXY]{18}') THEN 'charset'
    WHEN cw__uscc_check_char(substr(code::VARCHAR, 1, 17)) <> substr(code::VARCHAR, 18, 1) THEN 'check'
    WHEN cw__org_check_char(substr(code::VARCHAR, 9, 8)) <> substr(code::VARCHAR, 17, 1) THEN 'org_check'
    ELSE 'ok'
  END;

-- ---------------------------------------------------------------------------
-- Resident ID number, GB 11643-1999 (18-char form)
-- ---------------------------------------------------------------------------

-- Check char of 17 digits: S = sum(digit_i * 2^(18-i) mod 11), check = '10X98765432'[S mod 11].
CREATE OR REPLACE MACRO cw__idno_check_char(first17) AS
  substr('10X98765432', 1 + list_sum(list_transform(range(0, 17), lambda i:
      (ascii(substr(first17, i + 1, 1)) - 48)
      * [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2][i + 1]
  ))::BIGINT % 11, 1);

-- TRUE if positions 7-14 (YYYYMMDD) are a real date in [1900-01-01, current_date].
-- The fixed-width digits are re-joined with '-' so strptime cannot mis-split them.
CREATE OR REPLACE MACRO cw__idno_birth_ok(id) AS
  coalesce(
    try_strptime(substr(id, 7, 4) || '-' || substr(id, 11, 2) || '-' || substr(id, 13, 2), '%Y-%m-%d')::DATE
      BETWEEN DATE '1900-01-01' AND current_date,
    false);

-- ID status, first failure wins: 'missing', 'length' (not 18), 'charset' (not
-- 17 digits + digit or uppercase 'X'), 'birthdate', 'check', else 'ok'.
CREATE OR REPLACE MACRO cw_idno_status(id) AS
  CASE
    WHEN cw__is_blank(id) THEN 'missing'
    WHEN length(id::VARCHAR) <> 18 THEN 'length'
    WHEN NOT regexp_full_match(id::VARCHAR, '[0-9]{17}[0-9X]') THEN 'charset'
    WHEN NOT cw__idno_birth_ok(id::VARCHAR) THEN 'birthdate'
    WHEN cw__idno_check_char(substr(id::VARCHAR, 1, 17)) <> substr(id::VARCHAR, 18, 1) THEN 'check'
    ELSE 'ok'
  END;

-- Display mask: first 4 + ten '*' + last 4 for values of >= 8 chars
-- (e.g. 3209**********1234), all '*' for shorter ones, NULL stays NULL.
CREATE OR REPLACE MACRO cw_mask_id(id) AS
  CASE
    WHEN length(id::VARCHAR) >= 8
      THEN substr(id::VARCHAR, 1, 4) || repeat('*', 10) || substr(id::VARCHAR, length(id::VARCHAR) - 3, 4)
    ELSE repeat('*', length(id::VARCHAR))
  END;

-- ---------------------------------------------------------------------------
-- Record dates
-- ---------------------------------------------------------------------------

-- Accepted shape (whole string, after trimming blanks): YYYY/M/D, YYYY-M-D
-- (1 or 2 digit month/day), YYYYMMDD or YYYY年M月D日, optionally followed by
-- spaces and H:MM[:SS[.ffffff]] which is ignored. Same text as DATE_PATTERN in dates.ts.
CREATE OR REPLACE MACRO cw__date_pattern() AS
  '([0-9]{4}/[0-9]{1,2}/[0-9]{1,2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}|[0-9]{8}|[0-9]{4}年[0-9]{1,2}月[0-9]{1,2}日)'
  || '( +[0-9]{1,2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?)?';

-- Input trimmed of blanks at both ends.
CREATE OR REPLACE MACRO cw__date_clean(s) AS trim(s::VARCHAR, cw__blanks());

-- DATE from a string already known to match cw__date_pattern(), or NULL if the
-- day does not exist (2023-02-30, month 13, year 0000).
CREATE OR REPLACE MACRO cw__date_from_parts(p) AS
  CASE WHEN p.y <> '0000'
    THEN try_strptime(p.y || '-' || p.m || '-' || p.d, '%Y-%m-%d')::DATE
  END;

-- DATE or NULL (bad format, impossible day, or NULL input).
CREATE OR REPLACE MACRO cw_parse_date(s) AS
  CASE WHEN regexp_full_match(cw__date_clean(s), cw__date_pattern()) THEN
    cw__date_from_parts(regexp_extract(cw__date_clean(s),
      '^([0-9]{4})[/年-]?([0-9]{1,2})[/月-]?([0-9]{1,2})', ['y', 'm', 'd']))
  END;

-- Why cw_parse_date gave NULL: 'format' or 'calendar'; NULL when the date is
-- fine AND for NULL input (a missing optional date is not a format error; test
-- required columns with IS NULL separately). An empty string is 'format'.
CREATE OR REPLACE MACRO cw_date_reason(s) AS
  CASE
    WHEN s IS NULL THEN NULL
    WHEN NOT regexp_full_match(cw__date_clean(s), cw__date_pattern()) THEN 'format'
    WHEN cw_parse_date(s) IS NULL THEN 'calendar'
  END;
