/**
 * The 名单管理 state machine, one table for all four lists:
 *
 *   认定 designated --公示--> 公示 published --惩戒/激励--> sanctioned --修复--> 修复 repaired --移出--> 移出 removed
 *
 * plus 异议: `object` from any state (also removed: an objection may concern a past listing) goes
 * to objection_pending; `uphold` (更正 corrected or 撤销 revoked) ends in removed, `reject`
 * returns to the state the objection was raised from. 红名单 entries are not repaired (修复 is for
 * dishonesty records) and may be removed straight after publication or 激励; the others may be
 * removed after the sanction period (惩戒期满) or after a repair.
 */
import type { ListType } from '../../schemas/common.ts';

export const ENTRY_STATES = ['designated', 'published', 'sanctioned', 'repaired', 'removed', 'objection_pending'] as const;
export type EntryState = (typeof ENTRY_STATES)[number];

export const ENTRY_ACTIONS = ['publish', 'sanction', 'repair', 'remove', 'object', 'uphold', 'reject'] as const;
export type EntryAction = (typeof ENTRY_ACTIONS)[number];

export const LIST_LABELS: Record<ListType, string> = { red: '红名单', black: '黑名单', focus: '重点关注名单', warning: '预警名单' };

export function stateLabel(state: EntryState, list: ListType): string {
  switch (state) {
    case 'designated': return '认定';
    case 'published': return '公示';
    case 'sanctioned': return list === 'red' ? '激励' : '惩戒';
    case 'repaired': return '修复';
    case 'removed': return '移出';
    case 'objection_pending': return '异议处理中';
  }
}

export function actionLabel(action: EntryAction, list: ListType): string {
  switch (action) {
    case 'publish': return '公示';
    case 'sanction': return list === 'red' ? '实施激励' : '实施惩戒';
    case 'repair': return '信用修复';
    case 'remove': return '移出';
    case 'object': return '提出异议';
    case 'uphold': return '异议成立';
    case 'reject': return '驳回异议';
  }
}

/** Actions allowed from `state` on a list of `list` type. */
export function allowedActions(list: ListType, state: EntryState): EntryAction[] {
  const red = list === 'red';
  switch (state) {
    case 'designated': return ['publish', 'object'];
    case 'published': return red ? ['sanction', 'remove', 'object'] : ['sanction', 'repair', 'object'];
    case 'sanctioned': return red ? ['remove', 'object'] : ['repair', 'remove', 'object'];
    case 'repaired': return ['remove', 'object'];
    case 'removed': return ['object'];
    case 'objection_pending': return ['uphold', 'reject'];
  }
}

export interface EntryStateView { list_type: ListType; state: EntryState; objection_from: EntryState | null }

export interface TransitionResult {
  to: EntryState;
  /** Set when entering objection_pending: where a rejected objection returns to. */
  objection_from: EntryState | null;
}

export class TransitionError extends Error {
  readonly code = 'CW_ERR_INVALID_TRANSITION';
  readonly statusCode = 409;
  readonly details: { state: EntryState; allowed: EntryAction[] };
  constructor(readonly state: EntryState, readonly allowed: EntryAction[], action: EntryAction, list: ListType, what = '名单条目') {
    super(`${what}当前状态为「${stateLabel(state, list)}」，不能执行「${actionLabel(action, list)}」；可执行的操作: ${allowed.map((a) => `${actionLabel(a, list)}(${a})`).join('、') || '无'}`
      + ` (invalid transition: '${action}' from '${state}')`);
    this.details = { state, allowed };
  }
}

/** The state after `action`, or throws TransitionError naming the current state and the allowed actions. */
export function nextState(e: EntryStateView, action: EntryAction): TransitionResult {
  const allowed = allowedActions(e.list_type, e.state);
  if (!allowed.includes(action)) throw new TransitionError(e.state, allowed, action, e.list_type);
  switch (action) {
    case 'publish': return { to: 'published', objection_from: null };
    case 'sanction': return { to: 'sanctioned', objection_from: null };
    case 'repair': return { to: 'repaired', objection_from: null };
    case 'remove': return { to: 'removed', objection_from: null };
    case 'object': return { to: 'objection_pending', objection_from: e.state };
    case 'uphold': return { to: 'removed', objection_from: null };
    case 'reject': return { to: e.objection_from ?? 'designated', objection_from: null };
  }
}

/** Actions that write a record file into the inbox so the next build reflects them. */
export const RECORD_ACTIONS: readonly EntryAction[] = ['repair', 'uphold'];
