/**
 * The alert workflow: new -> acknowledged -> assigned (department) -> handled -> closed, or
 * dismissed with a reason from any open state. `assign` may also re-assign an assigned alert to
 * another department. Alerts without a state row are 'new' (the warehouse publishes them).
 */
export const ALERT_STATUSES = ['new', 'acknowledged', 'assigned', 'handled', 'closed', 'dismissed'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

export const ALERT_ACTIONS = ['acknowledge', 'assign', 'handle', 'close', 'dismiss'] as const;
export type AlertAction = (typeof ALERT_ACTIONS)[number];

export const ALERT_STATUS_LABELS: Record<AlertStatus, string> = {
  new: '新预警', acknowledged: '已确认', assigned: '已分派', handled: '已处置', closed: '已办结', dismissed: '已排除',
};
export const ALERT_ACTION_LABELS: Record<AlertAction, string> = {
  acknowledge: '确认', assign: '分派', handle: '处置', close: '办结', dismiss: '排除',
};

/** Statuses still needing work (counted as open on the big screen). */
export const OPEN_STATUSES: readonly AlertStatus[] = ['new', 'acknowledged', 'assigned', 'handled'];

const NEXT: Record<AlertStatus, Partial<Record<AlertAction, AlertStatus>>> = {
  new: { acknowledge: 'acknowledged', assign: 'assigned', dismiss: 'dismissed' },
  acknowledged: { assign: 'assigned', dismiss: 'dismissed' },
  assigned: { assign: 'assigned', handle: 'handled', dismiss: 'dismissed' },
  handled: { close: 'closed' },
  closed: {},
  dismissed: {},
};

export const allowedAlertActions = (s: AlertStatus): AlertAction[] => Object.keys(NEXT[s]) as AlertAction[];

export class AlertTransitionError extends Error {
  readonly code = 'CW_ERR_INVALID_TRANSITION';
  readonly statusCode = 409;
  readonly details: { state: AlertStatus; allowed: AlertAction[] };
  constructor(readonly status: AlertStatus, readonly allowed: AlertAction[], action: AlertAction) {
    super(`预警当前状态为「${ALERT_STATUS_LABELS[status]}」，不能执行「${ALERT_ACTION_LABELS[action]}」；可执行的操作: ${allowed.map((a) => `${ALERT_ACTION_LABELS[a]}(${a})`).join('、') || '无 (已结束)'}`
      + ` (invalid transition: '${action}' from '${status}')`);
    this.details = { state: status, allowed };
  }
}

export function nextAlertStatus(s: AlertStatus, action: AlertAction): AlertStatus {
  const to = NEXT[s][action];
  if (!to) throw new AlertTransitionError(s, allowedAlertActions(s), action);
  return to;
}
