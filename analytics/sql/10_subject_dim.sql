-- subject_dim: one row per registered organisation (主体登记) as of the build date, with county and
-- industry names. Natural persons are not here: they appear in records under 'P:' subject keys.
CREATE OR REPLACE TABLE subject_dim AS
SELECT
  s.subject_uscc AS uscc,
  s.subject_uscc AS subject_key,
  s.subject_name AS name,
  s.subject_type,
  s.county_code,
  c.name AS county_name,
  s.industry_code,
  s.industry_division,
  s.industry_section,
  i.division_name AS industry_division_name,
  i.section_name AS industry_section_name,
  s.scale,
  s.reg_date,
  s.reg_capital,
  s.legal_rep,
  s.status,
  s.address,
  s.lon,
  s.lat
FROM asof_subject s
LEFT JOIN ref_county c ON c.code = s.county_code
LEFT JOIN ref_industry i ON i.division = s.industry_division
-- one row per USCC: the register key is the USCC, so the lake holds at most one (dedupe on ingest)
QUALIFY row_number() OVER (PARTITION BY s.subject_uscc ORDER BY s.run_id, s.row_number) = 1;
