/**
 * Contracts of the published views under /api/v1 (querystring, params and response of each
 * route). The indicator tables grow columns as analytics adds measures, so indicator rows name the
 * columns the dashboard relies on and admit further scalar columns; subject-level rows are closed.
 * List endpoints answer `{ build_id, as_of, rows }` in JSON, or the rows alone as an Arrow IPC
 * stream (`Accept: application/vnd.apache.arrow.stream`) with the same column names.
 */
import { Type, type Static } from 'typebox';
import {
  AlertLevel, BuildMeta, CountyCode, DateString, DivisionCode, Grade, IndustryLevel, ListBody, ListType, MonthQuery,
  Nullable, PagedBody, PageQuery, SectionCode, SortOrder, codeList,
} from './common.ts';

const Num = Nullable(Type.Number());
const Int = Type.Integer();
const Str = Nullable(Type.String());
const Scalar = Type.Union([Type.Number(), Type.String(), Type.Boolean(), Type.Null()]);

// ----- indicators -----

/** Measures shared by county, industry and county x industry indicator rows. */
const Measures = {
  subjects: Type.Optional(Num),
  new_subjects: Type.Optional(Num),
  dishonest_subjects: Type.Optional(Num),
  dishonest_per_10k: Type.Optional(Num),
  penalties: Type.Optional(Num),
  fines_wan: Type.Optional(Num),
  new_black_entries: Type.Optional(Num),
  new_focus_entries: Type.Optional(Num),
  repairs: Type.Optional(Num),
  commitment_breach_rate: Type.Optional(Num),
  contract_breach_rate: Type.Optional(Num),
  grade_a: Type.Optional(Num),
  grade_b: Type.Optional(Num),
  grade_c: Type.Optional(Num),
  grade_d: Type.Optional(Num),
  mom_penalties: Type.Optional(Num),
  yoy_penalties: Type.Optional(Num),
  risk_index: Type.Optional(Num),
  partial_month: Type.Optional(Nullable(Type.Boolean())),
  trend_note: Type.Optional(Str),
};

export const CityIndexRow = Type.Object({
  month: DateString,
  index_value: Num,
  mom_change: Type.Optional(Num),
  yoy_change: Type.Optional(Num),
}, { additionalProperties: Scalar, description: 'city_index: 城市信用指数 and its idx_* sub-indexes' });
export const CityIndexQuery = Type.Object({ from: Type.Optional(MonthQuery), to: Type.Optional(MonthQuery) }, { additionalProperties: false });
export const CityIndexBody = ListBody(CityIndexRow);

export const CountyRow = Type.Object({
  county_code: CountyCode,
  county_name: Str,
  month: DateString,
  ...Measures,
  index_value: Type.Optional(Num),
  rank: Type.Optional(Num),
}, { additionalProperties: Scalar, description: 'a county with its latest indicators and index' });
export const CountiesBody = ListBody(CountyRow);
export const NoQuery = Type.Object({}, { additionalProperties: false });

export const IndicatorRow = Type.Object({
  month: DateString,
  county_code: Type.Optional(Str),
  county_name: Type.Optional(Str),
  ...Measures,
}, { additionalProperties: Scalar });
export const CountyParams = Type.Object({ code: CountyCode });
export const RangeQuery = Type.Object({ from: Type.Optional(MonthQuery), to: Type.Optional(MonthQuery) }, { additionalProperties: false });
export const IndicatorsBody = ListBody(IndicatorRow);

export const IndustryRow = Type.Object({
  month: DateString,
  level: Type.String(),
  industry_code: Type.String(),
  industry_name: Str,
  industry_section: Str,
  industry_division: Str,
  county_code: Str,
  ...Measures,
}, { additionalProperties: Scalar, description: 'industry_indicators (county users: their county from county_industry_indicators)' });
export const IndustriesQuery = Type.Object({
  level: Type.Optional(IndustryLevel),
  month: Type.Optional(MonthQuery),
}, { additionalProperties: false });
export const IndustriesBody = ListBody(IndustryRow);

export const CrossRow = Type.Object({
  month: DateString,
  county_code: Type.String(),
  county_name: Str,
  level: Type.String(),
  industry_section: Str,
  industry_division: Str,
  industry_name: Str,
  ...Measures,
}, { additionalProperties: Scalar, description: 'county x industry heat-matrix cell' });
export const CrossQuery = Type.Object({
  month: Type.Optional(MonthQuery),
  level: Type.Optional(IndustryLevel),
}, { additionalProperties: false });
export const CrossBody = ListBody(CrossRow);

export const CountyIndexRow = Type.Object({
  month: DateString,
  county_code: Type.String(),
  county_name: Str,
  index_value: Num,
  rank: Num,
}, { additionalProperties: Scalar });
export const MonthOnlyQuery = Type.Object({ month: Type.Optional(MonthQuery) }, { additionalProperties: false });
export const CountyIndexBody = ListBody(CountyIndexRow);

// ----- overview -----

export const OverviewBody = Type.Object({
  ...BuildMeta,
  month: Nullable(DateString),
  scope: Type.Object({ counties: Type.Array(Type.String()), industries: Type.Array(Type.String()) }),
  city_index: Nullable(Type.Object({ month: DateString, index_value: Num, mom_change: Num, yoy_change: Num })),
  counts: Type.Object({
    subjects: Num,
    dishonest_subjects: Num,
    dishonest_per_10k: Num,
    penalties_month: Num,
    fines_wan_month: Num,
    risk_index: Num,
  }),
  alerts_by_level: Type.Record(Type.String(), Int, { description: '红/橙/黄/蓝 -> open alerts in scope' }),
  lists_by_type: Type.Record(Type.String(), Int, { description: 'red/black/focus/warning -> members in scope' }),
  quality: Nullable(Type.Object({
    month: Nullable(DateString),
    compliance: Num,
    timeliness: Num,
    reporting_rate: Num,
  }, { additionalProperties: Scalar })),
  missing: Type.Array(Type.String(), { description: 'warehouse tables this build lacks (their parts are null/empty)' }),
});

// ----- subjects -----

export const SUBJECT_SORTS = ['score', 'name', 'exposure', 'negative_events', 'grade', 'county_code', 'uscc'] as const;
export const SubjectsQuery = Type.Object({
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 60, description: '名称包含 / 统一社会信用代码前缀' })),
  county: Type.Optional(CountyCode),
  section: Type.Optional(SectionCode),
  division: Type.Optional(DivisionCode),
  grade: Type.Optional(codeList('[A-D]', '评价等级 grades, e.g. C,D')),
  list: Type.Optional(ListType),
  sort: Type.Optional(Type.Union(SUBJECT_SORTS.map((s) => Type.Literal(s)))),
  order: Type.Optional(SortOrder),
  ...PageQuery,
}, { additionalProperties: false });
export type SubjectsQuery = Static<typeof SubjectsQuery>;

export const SubjectRow = Type.Object({
  subject_key: Type.String(),
  uscc: Str,
  name: Type.String(),
  subject_type: Str,
  county_code: Str,
  county_name: Str,
  industry_section: Str,
  industry_division: Str,
  score: Num,
  grade: Nullable(Grade),
  grade_label: Str,
  negative_events: Num,
  positive_events: Num,
  exposure: Num,
  lists: Type.Array(Type.String(), { description: 'list types the subject is on' }),
}, { additionalProperties: false });
export const SubjectsBody = PagedBody(SubjectRow);

export const SubjectParams = Type.Object({ key: Type.String({ minLength: 2, maxLength: 80, pattern: '^[0-9A-Za-z:]+$', description: 'subject_key (USCC, or P:<hash> for natural persons)' }) });

const Register = Type.Object({
  subject_key: Type.String(),
  uscc: Str,
  name: Type.String(),
  subject_type: Str,
  natural_person: Type.Boolean(),
  county_code: Str,
  county_name: Str,
  industry_code: Str,
  industry_section: Str,
  industry_division: Str,
  industry_section_name: Str,
  industry_division_name: Str,
  scale: Str,
  reg_date: Nullable(DateString),
  reg_capital: Num,
  legal_rep: Str,
  status: Str,
  address: Str,
  lon: Num,
  lat: Num,
}, { additionalProperties: false });

const ScorePart = Type.Object({
  score: Num,
  grade: Nullable(Grade),
  grade_label: Str,
  supervision_band: Str,
  inspection_ratio: Num,
  negative_events: Num,
  positive_events: Num,
  hard_rule: Str,
  as_of: Nullable(DateString),
  dimensions: Type.Array(Type.Object({ dimension: Type.String(), label: Str, value: Num })),
}, { additionalProperties: false });

const Explanation = Type.Object({
  seq: Num, dimension: Str, factor: Str, record_key: Str, event_date: Nullable(DateString), contribution: Num,
}, { additionalProperties: false });

const TimelineItem = Type.Object({
  record_key: Type.String(),
  category: Str,
  kind_label: Str,
  ref: Str,
  event_date: Nullable(DateString),
  polarity: Num,
  fine_amount: Num,
  authority: Str,
  detail: Str,
  active: Nullable(Type.Boolean()),
  ends: Nullable(DateString),
  repaired: Nullable(Type.Boolean()),
  repaired_date: Nullable(DateString),
  revoked: Nullable(Type.Boolean()),
  corrected: Nullable(Type.Boolean()),
  effective: Nullable(Type.Boolean()),
}, { additionalProperties: false });

const Membership = Type.Object({
  list_type: Type.String(), list_label: Str, reason: Str, basis: Str, decided_on: Nullable(DateString), valid_until: Nullable(DateString),
  authority: Str, member_key: Str, source_record_keys: Type.Array(Type.String()),
}, { additionalProperties: false });

const SubjectAlert = Type.Object({
  alert_id: Type.String(), rule_id: Str, rule_name: Str, level: Nullable(AlertLevel), title: Str, detail: Str, first_seen: Nullable(DateString), change: Str,
}, { additionalProperties: false });

const Related = Type.Object({
  direction: Type.Union([Type.Literal('out'), Type.Literal('in')]),
  related_key: Type.String(),
  related_type: Str,
  related_label: Str,
  relation_type: Str,
  share_ratio: Num,
  guarantee_amount: Num,
  start_date: Nullable(DateString),
  in_scope: Type.Boolean({ description: 'false: a firm outside the user scope (no score shown)' }),
  grade: Nullable(Grade),
  score: Num,
}, { additionalProperties: false });

const RiskPart = Type.Object({
  exposure: Num, risky_neighbors: Num, risk_sources: Num, own_risk: Num, cluster_id: Str,
  top_paths: Type.Array(Type.Object({ path: Type.String(), contribution: Num })),
}, { additionalProperties: false });

export const SubjectProfileBody = Type.Object({
  ...BuildMeta,
  subject: Register,
  score: Nullable(ScorePart),
  explanation: Type.Array(Explanation),
  timeline: Type.Array(TimelineItem),
  timeline_total: Int,
  lists: Type.Array(Membership),
  alerts: Type.Array(SubjectAlert),
  related: Type.Array(Related),
  risk: Nullable(RiskPart),
  masked: Type.Boolean({ description: 'natural persons are masked for this user' }),
  missing: Type.Array(Type.String()),
});

// ----- clusters -----

export const ClusterRow = Type.Object({
  cluster_id: Type.String(),
  cluster_rank: Num,
  anchor_key: Str,
  anchor_name: Str,
  anchor_type: Str,
  members: Num,
  risky_members: Num,
  risky_firms: Num,
  persons: Num,
  county_codes: Type.Array(Type.String()),
  industry_sections: Type.Array(Type.String()),
  total_fines_wan: Num,
  max_seed_risk: Num,
  first_dishonest_date: Nullable(DateString),
  latest_dishonest_date: Nullable(DateString),
}, { additionalProperties: false });
export const ClustersQuery = Type.Object({
  county: Type.Optional(CountyCode),
  section: Type.Optional(SectionCode),
}, { additionalProperties: false });
export const ClustersBody = ListBody(ClusterRow);
export const ClusterParams = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }) });

const ClusterMember = Type.Object({
  node_key: Type.String(), node_type: Str, label: Str, seed_risk: Num, seed_reason: Str, high_risk: Nullable(Type.Boolean()),
  risky_links: Num, links: Num, county_code: Str, industry_section: Str, grade: Nullable(Grade), score: Num,
}, { additionalProperties: false });
const ClusterEdge = Type.Object({ from: Type.String(), to: Type.String(), relation_type: Str }, { additionalProperties: false });
export const ClusterDetailBody = Type.Object({
  ...BuildMeta,
  cluster: ClusterRow,
  members: Type.Array(ClusterMember),
  edges: Type.Array(ClusterEdge),
  hidden_members: Type.Integer({ description: 'firms outside the user scope, left out' }),
});

// ----- quality -----

export const QualityQuery = Type.Object({
  level: Type.Optional(Type.Union([Type.Literal('month'), Type.Literal('source_unit')], { description: "'month' (default): the series; 'source_unit': the units of one month (default latest)" })),
  month: Type.Optional(MonthQuery),
}, { additionalProperties: false });
export const QualityRow = Type.Object({}, { additionalProperties: Scalar, description: 'data_quality rows as built' });
export const QualityBody = Type.Object({
  ...BuildMeta,
  latest: Nullable(Type.Object({}, { additionalProperties: Scalar })),
  rows: Type.Array(QualityRow),
});

// ----- geo -----

const Geometry = Type.Object({
  type: Type.Union([Type.Literal('Polygon'), Type.Literal('MultiPolygon')]),
  coordinates: Type.Array(Type.Any()),
});
export const GeoBody = Type.Object({
  type: Type.Literal('FeatureCollection'),
  build_id: Type.String(),
  as_of: Nullable(DateString),
  city_code: Type.String(),
  month: Nullable(DateString),
  features: Type.Array(Type.Object({
    type: Type.Literal('Feature'),
    properties: Type.Object({
      code: Type.String(),
      name: Type.String(),
      cp: Type.Array(Type.Number()),
      in_scope: Type.Boolean(),
    }, { additionalProperties: Scalar }),
    geometry: Geometry,
  })),
});

// ----- points -----

/** Columns /points can return; leaders get only the non-identifying ones. */
export const POINT_FIELDS = ['subject_key', 'uscc', 'name', 'subject_type', 'county_code', 'industry_section', 'industry_division', 'lon', 'lat', 'score', 'grade', 'exposure', 'cluster_id'] as const;
export const IDENTIFYING_POINT_FIELDS = ['subject_key', 'uscc', 'name', 'cluster_id'] as const;
export const DEFAULT_POINT_FIELDS = ['subject_key', 'name', 'lon', 'lat', 'score', 'grade', 'exposure'] as const;
export const PointsQuery = Type.Object({
  county: Type.Optional(CountyCode),
  fields: Type.Optional(Type.String({ pattern: `^(${POINT_FIELDS.join('|')})(,(${POINT_FIELDS.join('|')}))*$`, description: `comma-separated subset of ${POINT_FIELDS.join(', ')}` })),
}, { additionalProperties: false });
export const PointRow = Type.Object({
  subject_key: Type.Optional(Type.String()), uscc: Type.Optional(Str), name: Type.Optional(Type.String()), subject_type: Type.Optional(Str),
  county_code: Type.Optional(Str), industry_section: Type.Optional(Str), industry_division: Type.Optional(Str),
  lon: Type.Optional(Num), lat: Type.Optional(Num), score: Type.Optional(Num), grade: Type.Optional(Nullable(Grade)), exposure: Type.Optional(Num), cluster_id: Type.Optional(Str),
}, { additionalProperties: false });
export const PointsBody = Type.Object({ ...BuildMeta, county: Nullable(Type.String()), fields: Type.Array(Type.String()), rows: Type.Array(PointRow) });
