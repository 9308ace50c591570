/**
 * List views: one definition each, shared by the view routes (JSON / Arrow, cached) and the export
 * routes (CSV / XLSX, streamed). A definition says who may read and export it, its schemas, the
 * SQL of the rows in the user's scope (throwing 403/404 for parameters out of scope) and the JS
 * post-processing (masking of natural persons) applied to every batch of rows.
 */
import type { TObject, TSchema } from 'typebox';
import type { Frame } from '../../arrow.ts';
import type { BuildSession } from '../../plugins/warehouse.ts';
import type { Role, SessionUser } from '../../types.ts';
import type { PersonalShown } from './serve.ts';

/** Roles that read aggregates (indicators, indexes, quality, boundaries). The auditor reads the audit log only. */
export const AGGREGATE_ROLES: Role[] = ['leader', 'admin', 'regulator', 'county', 'analyst'];
/** Roles that read subject-level data (in their scope); leaders see aggregates only. */
export const SUBJECT_ROLES: Role[] = ['admin', 'regulator', 'county', 'analyst'];
/** Roles that may export subject-level lists (in their scope). */
export const SUBJECT_EXPORT_ROLES: Role[] = ['admin', 'analyst'];

export interface ListCtx {
  user: SessionUser;
  params: Record<string, string>;
  query: Record<string, unknown>;
}

export interface ListQuery {
  sql: string;
  params: Record<string, unknown>;
  /** SQL counting the rows of `sql` (paged lists; exports use it for the size limit). */
  countSql?: string;
}

export interface Paging { limit: number; offset: number }

export interface ListDef {
  /** Stable id; also the export file name. */
  id: string;
  /** Path under /api/v1 (and under /api/v1/exports for the export). */
  path: string;
  /** 中文标题 for the export cover. */
  title: string;
  summary: string;
  roles: Role[];
  exportRoles: Role[];
  params?: TObject;
  querystring: TObject;
  body: TSchema;
  /** Paged JSON body (`page`, `pageSize` in the query; total in the body and x-total-count). */
  paged?: boolean;
  /** The rows in scope; `page` limits them (paged lists). */
  query(s: BuildSession, ctx: ListCtx, page?: Paging): Promise<ListQuery> | ListQuery;
  /** A page without SQL from an in-memory aid (views only), or null to use `query`. */
  fastPage?(s: BuildSession, ctx: ListCtx, page: Paging): { frame: Frame; total: number } | null;
  /** Applied to every batch of rows before it leaves the server (masking). */
  post?(f: Frame, ctx: ListCtx): Frame;
  /** Natural persons shown by these rows (audited for users who see personal data). */
  personal?(f: Frame, ctx: ListCtx): PersonalShown | null;
  /** JSON members besides build_id, as_of and rows (views only; exports write the rows). */
  meta?(s: BuildSession, ctx: ListCtx, f: Frame): Promise<Record<string, unknown>> | Record<string, unknown>;
}

/** Chinese column labels for export headers; unknown columns keep their name. */
export const LABELS: Record<string, string> = {
  month: '月份', county_code: '县区代码', county_name: '县区', is_city: '是否全市', level: '层级',
  industry_code: '行业代码', industry_name: '行业名称', industry_section: '行业门类', industry_division: '行业大类',
  subjects: '主体数', new_subjects: '新增主体', dishonest_subjects: '失信主体数', dishonest_per_10k: '每万户失信主体',
  penalties: '行政处罚数', fines_wan: '罚没金额(万元)', new_black_entries: '新增黑名单', new_focus_entries: '新增重点关注',
  repairs: '信用修复数', commitments: '信用承诺数', commitment_breaches: '违诺数', commitment_breach_rate: '违诺率',
  contracts: '合同数', contract_breaches: '违约数', contract_breach_rate: '合同违约率', court_dishonest_new: '新增失信被执行人',
  grade_a: 'A级', grade_b: 'B级', grade_c: 'C级', grade_d: 'D级', mom_penalties: '处罚环比', yoy_penalties: '处罚同比',
  risk_index: '风险指数', index_value: '信用指数', rank: '排名', mom_change: '环比变化', yoy_change: '同比变化',
  subject_key: '主体标识', uscc: '统一社会信用代码', name: '名称', subject_type: '主体类型', score: '信用评分', grade: '评价等级',
  grade_label: '等级说明', negative_events: '失信记录数', positive_events: '守信记录数', exposure: '关联风险暴露', lists: '所在名单',
  lon: '经度', lat: '纬度', cluster_id: '风险集群', cluster_rank: '集群排名', anchor_name: '核心节点', anchor_type: '核心节点类型',
  members: '成员数', risky_members: '高风险成员', risky_firms: '高风险企业', persons: '自然人数', county_codes: '涉及县区',
  industry_sections: '涉及行业', total_fines_wan: '罚没合计(万元)', max_seed_risk: '最高风险', first_dishonest_date: '首次失信',
  latest_dishonest_date: '最近失信', compliance: '合规率', timeliness: '及时率', reporting_rate: '报送率', source_unit: '来源单位',
  rows: '报送行数', accepted: '合规行数', rejected: '拒收行数',
};
