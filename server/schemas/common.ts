/**
 * Building blocks shared by the API contracts: error bodies, codes (GB/T 2260, GB/T 4754, grades,
 * list types), months and paging. Schema and type are defined together (TypeBox), so the dashboard
 * can `import type` the Static types and the server validates with the same objects.
 */
import { Type, type Static, type TSchema } from 'typebox';

/** `{ code, message }` of every error answer; `code` is stable (CW_ERR_*), `message` is for people (Chinese). */
export const ErrorBody = Type.Object({
  code: Type.String({ description: 'stable error code, e.g. CW_ERR_VIEW_MISSING' }),
  message: Type.String({ description: '给用户看的说明 (Chinese)' }),
  hint: Type.Optional(Type.String()),
  statusCode: Type.Optional(Type.Integer()),
  error: Type.Optional(Type.String()),
});
export type ErrorBody = Static<typeof ErrorBody>;

/** Error answers a data route may give, for its `response` schema. */
export const ERROR_RESPONSES = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  503: ErrorBody,
} as const;

export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** GB/T 2260 county-level code (or the city's own code on city rows). */
export const CountyCode = Type.String({ pattern: '^\\d{6}$', description: 'GB/T 2260 六位行政区划代码' });
/** GB/T 4754 section letter. */
export const SectionCode = Type.String({ pattern: '^[A-T]$', description: 'GB/T 4754 门类' });
/** GB/T 4754 two-digit division. */
export const DivisionCode = Type.String({ pattern: '^\\d{2}$', description: 'GB/T 4754 大类' });
/** First day of a month, `YYYY-MM-01` (also accepted as `YYYY-MM` in queries). */
export const MonthQuery = Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])(-01)?$', description: 'YYYY-MM or YYYY-MM-01' });
export const DateString = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' });
export const Grade = Type.Union([Type.Literal('A'), Type.Literal('B'), Type.Literal('C'), Type.Literal('D')]);
export const ListType = Type.Union([Type.Literal('red'), Type.Literal('black'), Type.Literal('focus'), Type.Literal('warning')]);
export type ListType = Static<typeof ListType>;
export const AlertLevel = Type.Union([Type.Literal('红'), Type.Literal('橙'), Type.Literal('黄'), Type.Literal('蓝')]);
export const IndustryLevel = Type.Union([Type.Literal('section'), Type.Literal('division')]);
export const SortOrder = Type.Union([Type.Literal('asc'), Type.Literal('desc')]);

/** Comma-separated values of a short code list, e.g. `grade=C,D`. */
export const codeList = (item: string, description: string) =>
  Type.String({ pattern: `^${item}(,${item})*$`, description: `${description}; comma-separated` });

/** Build provenance carried by every body (also in the `x-build-id` header). */
export const BuildMeta = {
  build_id: Type.String(),
  as_of: Nullable(DateString),
};

/** Body of a list endpoint in JSON; the Arrow form carries `rows` only (one Arrow row each). */
export const ListBody = <T extends TSchema>(row: T) => Type.Object({ ...BuildMeta, rows: Type.Array(row) });

/** Body of a paged list endpoint. */
export const PagedBody = <T extends TSchema>(row: T) => Type.Object({
  ...BuildMeta,
  total: Type.Integer({ minimum: 0 }),
  page: Type.Integer({ minimum: 1 }),
  page_size: Type.Integer({ minimum: 1 }),
  rows: Type.Array(row),
});

/** Paging parameters. */
export const PageQuery = {
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 1, description: '页码, from 1' })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50, description: '每页条数, at most 500' })),
};

export const ARROW_STREAM = 'application/vnd.apache.arrow.stream';
