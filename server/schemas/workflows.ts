/**
 * API contracts of the 名单管理 and alert workflows and the scheduled jobs. Schema and type
 * together (TypeBox); the dashboard imports the Static types.
 */
import { Type, type Static } from 'typebox';
import { AlertLevel, CountyCode, ErrorBody, ListType, Nullable } from './common.ts';

const IndustryCode = Type.String({ pattern: '^([A-T]|\\d{2})$', description: 'GB/T 4754 门类 (A-T) or 大类 (two digits)' });
const Id = Type.String({ minLength: 1, maxLength: 80, pattern: '^[A-Za-z0-9_.:-]+$' });

/** A 409 answer names the current state and the actions allowed from it. */
export const TransitionErrorBody = Type.Object({
  code: Type.String(),
  message: Type.String(),
  details: Type.Optional(Type.Object({ state: Type.String(), allowed: Type.Array(Type.String()) })),
});

export const WORKFLOW_ERRORS = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: TransitionErrorBody, 503: ErrorBody } as const;

// ----- 名单管理 -----

export const EntryState = Type.Union([
  Type.Literal('designated'), Type.Literal('published'), Type.Literal('sanctioned'), Type.Literal('repaired'), Type.Literal('removed'), Type.Literal('objection_pending'),
], { description: 'designated 认定, published 公示, sanctioned 惩戒/激励, repaired 修复, removed 移出, objection_pending 异议处理中' });

export const EntryAction = Type.Union([
  Type.Literal('publish'), Type.Literal('sanction'), Type.Literal('repair'), Type.Literal('remove'), Type.Literal('object'), Type.Literal('uphold'), Type.Literal('reject'),
], { description: 'publish 公示, sanction 惩戒/激励, repair 信用修复, remove 移出, object 提出异议, uphold 异议成立, reject 驳回异议' });
export type EntryAction = Static<typeof EntryAction>;

export const WatchlistEntry = Type.Object({
  entry_id: Type.String(),
  member_key: Type.String(),
  list_type: ListType,
  list_label: Type.String(),
  subject_key: Type.String(),
  uscc: Nullable(Type.String()),
  name: Nullable(Type.String({ description: '自然人姓名按权限脱敏' })),
  county_code: Nullable(Type.String()),
  industry_section: Nullable(Type.String()),
  industry_division: Nullable(Type.String()),
  rule: Nullable(Type.String()),
  reason: Nullable(Type.String()),
  basis: Nullable(Type.String()),
  source_record_keys: Type.Array(Type.String()),
  decided_on: Nullable(Type.String()),
  valid_until: Nullable(Type.String()),
  authority: Nullable(Type.String()),
  state: EntryState,
  state_label: Type.String(),
  objection_from: Nullable(Type.String()),
  allowed_actions: Type.Array(EntryAction),
  version: Type.Integer(),
  in_build: Type.Boolean({ description: '最新数仓构建中仍满足列入条件' }),
  created_build: Nullable(Type.String()),
  last_seen_build: Nullable(Type.String()),
  created_at: Type.String(),
  updated_at: Type.String(),
});
export type WatchlistEntry = Static<typeof WatchlistEntry>;

export const WatchlistEvent = Type.Object({
  event_id: Type.String(),
  entry_id: Type.String(),
  at: Type.String(),
  actor: Type.String(),
  role: Type.String(),
  action: Type.String(),
  from_state: Nullable(Type.String()),
  to_state: Type.String(),
  reason: Nullable(Type.String()),
  legal_basis: Nullable(Type.String()),
  attachment_ref: Nullable(Type.String()),
  operation_id: Nullable(Type.String()),
  record_file: Nullable(Type.String()),
});
export type WatchlistEvent = Static<typeof WatchlistEvent>;

export const EntriesQuery = Type.Object({
  list_type: Type.Optional(ListType),
  state: Type.Optional(EntryState),
  county: Type.Optional(CountyCode),
  industry: Type.Optional(IndustryCode),
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: '名称或统一社会信用代码 (contains)' })),
  in_build: Type.Optional(Type.Boolean()),
  sort: Type.Optional(Type.Union([Type.Literal('updated_at'), Type.Literal('decided_on'), Type.Literal('name')], { default: 'updated_at' })),
  order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')], { default: 'desc' })),
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 1 })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
}, { additionalProperties: false });
export type EntriesQuery = Static<typeof EntriesQuery>;

/** A row of the entries list: the entry without its long texts (basis, record keys); the detail has them. */
export const WatchlistEntryRow = Type.Omit(WatchlistEntry, ['basis', 'source_record_keys', 'member_key', 'created_build', 'created_at']);
export type WatchlistEntryRow = Static<typeof WatchlistEntryRow>;

export const EntriesPage = Type.Object({
  build_id: Nullable(Type.String()),
  total: Type.Integer(),
  page: Type.Integer(),
  page_size: Type.Integer(),
  rows: Type.Array(WatchlistEntryRow),
});

export const EntryParams = Type.Object({ entryId: Id });

export const EntryDetail = Type.Object({ entry: WatchlistEntry, events: Type.Array(WatchlistEvent) });

const TransitionFields = {
  action: EntryAction,
  reason: Type.String({ minLength: 2, maxLength: 2000, description: '理由 (required)' }),
  legal_basis: Type.Optional(Type.String({ minLength: 2, maxLength: 2000, description: '法律依据 (required except for object)' })),
  attachment_ref: Type.Optional(Type.String({ maxLength: 500, description: '附件/文书编号或存档位置' })),
  outcome: Type.Optional(Type.Union([Type.Literal('corrected'), Type.Literal('revoked')], { description: 'uphold only: 更正 corrected or 撤销 revoked' })),
};

export const TransitionBody = Type.Object({
  ...TransitionFields,
  /** Optimistic concurrency: refuse (409) when the entry changed since it was read. */
  expected_version: Type.Optional(Type.Integer({ minimum: 1 })),
}, { additionalProperties: false });
export type TransitionBody = Static<typeof TransitionBody>;

export const TransitionResponse = Type.Object({
  entry: WatchlistEntry,
  event: WatchlistEvent,
  /** Set when a record file was written: "…将在下次构建后生效". */
  effect: Nullable(Type.String()),
  record_file: Nullable(Type.String()),
});

export const BulkBody = Type.Object({
  ...TransitionFields,
  entry_ids: Type.Array(Id, { minItems: 1, maxItems: 1000, uniqueItems: true }),
}, { additionalProperties: false });
export type BulkBody = Static<typeof BulkBody>;

export const BulkResult = Type.Object({
  entry_id: Type.String(),
  ok: Type.Boolean(),
  from_state: Nullable(Type.String()),
  to_state: Nullable(Type.String()),
  code: Nullable(Type.String()),
  message: Nullable(Type.String()),
});

export const BulkResponse = Type.Object({
  operation_id: Type.String(),
  action: EntryAction,
  requested: Type.Integer(),
  succeeded: Type.Integer(),
  failed: Type.Integer(),
  audit_seq: Type.Integer({ description: '本次批量操作的审计日志序号 (one entry for the whole operation)' }),
  effect: Nullable(Type.String()),
  record_file: Nullable(Type.String()),
  results: Type.Array(BulkResult),
});

export const WatchlistSummary = Type.Object({
  build_id: Nullable(Type.String()),
  rows: Type.Array(Type.Object({ list_type: ListType, list_label: Type.String(), state: EntryState, state_label: Type.String(), n: Type.Integer() })),
});

// ----- alerts -----

export const AlertStatus = Type.Union([
  Type.Literal('new'), Type.Literal('acknowledged'), Type.Literal('assigned'), Type.Literal('handled'), Type.Literal('closed'), Type.Literal('dismissed'),
], { description: 'new 新预警, acknowledged 已确认, assigned 已分派, handled 已处置, closed 已办结, dismissed 已排除' });

export const AlertAction = Type.Union([
  Type.Literal('acknowledge'), Type.Literal('assign'), Type.Literal('handle'), Type.Literal('close'), Type.Literal('dismiss'),
]);
export type AlertAction = Static<typeof AlertAction>;

export const AlertRow = Type.Object({
  alert_id: Type.String(),
  rule_id: Nullable(Type.String()),
  rule_name: Nullable(Type.String()),
  level: Type.String(),
  level_rank: Nullable(Type.Integer()),
  entity_type: Type.String(),
  subject_key: Nullable(Type.String()),
  uscc: Nullable(Type.String()),
  name: Nullable(Type.String()),
  county_code: Nullable(Type.String()),
  county_name: Nullable(Type.String()),
  industry_section: Nullable(Type.String()),
  industry_division: Nullable(Type.String()),
  department: Nullable(Type.String({ description: '预警生成时的责任部门 (from analytics/departments.json)' })),
  title: Nullable(Type.String()),
  detail: Nullable(Type.String()),
  metric: Nullable(Type.Number()),
  threshold: Nullable(Type.Number()),
  first_seen: Nullable(Type.String()),
  change: Nullable(Type.String()),
  status: AlertStatus,
  status_label: Type.String(),
  assigned_department: Nullable(Type.String()),
  dismiss_reason: Nullable(Type.String()),
  version: Type.Integer(),
  updated_at: Nullable(Type.String()),
  updated_by: Nullable(Type.String()),
  comments: Type.Integer(),
  allowed_actions: Type.Array(AlertAction),
});
export type AlertRow = Static<typeof AlertRow>;

export const AlertsQuery = Type.Object({
  level: Type.Optional(AlertLevel),
  status: Type.Optional(Type.Union([AlertStatus, Type.Literal('open')], { description: "a status, or 'open' (new/acknowledged/assigned/handled)" })),
  county: Type.Optional(CountyCode),
  industry: Type.Optional(IndustryCode),
  department: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  entity_type: Type.Optional(Type.Union([Type.Literal('subject'), Type.Literal('cell')])),
  rule_id: Type.Optional(Type.String({ maxLength: 32 })),
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 1 })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
}, { additionalProperties: false });
export type AlertsQuery = Static<typeof AlertsQuery>;

export const AlertsPage = Type.Object({
  build_id: Nullable(Type.String()),
  as_of: Nullable(Type.String()),
  total: Type.Integer(),
  page: Type.Integer(),
  page_size: Type.Integer(),
  rows: Type.Array(AlertRow),
});

export type AlertsQueryT = Static<typeof AlertsQuery>;

export const AlertCounts = Type.Object({
  build_id: Nullable(Type.String()),
  as_of: Nullable(Type.String()),
  total: Type.Integer(),
  open: Type.Integer(),
  by_level: Type.Array(Type.Object({ level: Type.String(), total: Type.Integer(), open: Type.Integer(), new: Type.Integer() })),
  by_status: Type.Array(Type.Object({ status: AlertStatus, n: Type.Integer() })),
});

export const AlertParams = Type.Object({ alertId: Id });

export const AlertEvent = Type.Object({
  event_id: Type.String(), alert_id: Type.String(), at: Type.String(), actor: Type.String(), role: Type.String(), action: Type.String(),
  from_status: Type.String(), to_status: Type.String(), department: Nullable(Type.String()), reason: Nullable(Type.String()),
});

export const AlertComment = Type.Object({
  comment_id: Type.String(), alert_id: Type.String(), at: Type.String(), actor: Type.String(), role: Type.String(), text: Type.String(),
});

export type AlertEventT = Static<typeof AlertEvent>;
export type AlertCommentT = Static<typeof AlertComment>;

export const AlertDetail = Type.Object({
  alert: AlertRow,
  trigger_record_keys: Type.Array(Type.String()),
  events: Type.Array(AlertEvent),
  comments: Type.Array(AlertComment),
});

export const AlertTransitionBody = Type.Object({
  action: AlertAction,
  department: Type.Optional(Type.String({ minLength: 2, maxLength: 64, description: 'assign: 责任部门' })),
  reason: Type.Optional(Type.String({ minLength: 2, maxLength: 2000, description: 'required for handle (处置情况) and dismiss (排除理由)' })),
  expected_version: Type.Optional(Type.Integer({ minimum: 1 })),
}, { additionalProperties: false });
export type AlertTransitionBody = Static<typeof AlertTransitionBody>;

export const AlertTransitionResponse = Type.Object({ alert: AlertRow, event: AlertEvent });

export const CommentBody = Type.Object({ text: Type.String({ minLength: 1, maxLength: 4000 }) }, { additionalProperties: false });

export const StreamQuery = Type.Object({
  max_events: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: 'close the stream after this many events (clients that cannot read streams)' })),
}, { additionalProperties: false });

// ----- jobs -----

export const JobSchema = Type.Object({
  job_id: Type.String(),
  kind: Type.String(),
  trigger: Type.String(),
  status: Type.Union([Type.Literal('running'), Type.Literal('succeeded'), Type.Literal('failed'), Type.Literal('interrupted')]),
  started_at: Type.String(),
  finished_at: Nullable(Type.String()),
  seconds: Nullable(Type.Number()),
  build_id: Nullable(Type.String()),
  inbox: Type.Unknown({ description: 'per inbox file: status and ingest report' }),
  error: Nullable(Type.String()),
});

export const JobsResponse = Type.Object({
  cron: Nullable(Type.String()),
  next_run: Nullable(Type.String()),
  running: Nullable(JobSchema),
  build_id: Nullable(Type.String()),
  history: Type.Array(JobSchema),
});

export const JobRunQuery = Type.Object({
  wait: Type.Optional(Type.Boolean({ default: false, description: 'answer when the run finished' })),
  build_only: Type.Optional(Type.Boolean({ default: false, description: 'skip the inbox, only rebuild' })),
}, { additionalProperties: false });

export const JobRunResponse = Type.Object({ job: JobSchema });

export { ErrorBody };
