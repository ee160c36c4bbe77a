// Who may see and do what in the workforce domain, and its business failure codes (shared by its modules).
import { forbidden, type Viewer } from '@omniroute/core';
import type { Worker } from '../../generated/prisma/client.ts';

/** Business failure codes of the workforce domain (UserError.code). */
export const WorkforceErrorCode = {
  INVALID_INPUT: 'INVALID_INPUT',
  WORKER_NOT_FOUND: 'WORKER_NOT_FOUND',
  TASK_NOT_FOUND: 'TASK_NOT_FOUND',
  BID_NOT_FOUND: 'BID_NOT_FOUND',
  TASK_NOT_OPEN: 'TASK_NOT_OPEN',
  TASK_NOT_ASSIGNED: 'TASK_NOT_ASSIGNED',
  TASK_NOT_COMPLETED: 'TASK_NOT_COMPLETED',
  KYC_NOT_VERIFIED: 'KYC_NOT_VERIFIED',
  LEVEL_TOO_LOW: 'LEVEL_TOO_LOW',
  BID_ABOVE_REWARD: 'BID_ABOVE_REWARD',
  DUPLICATE_BID: 'DUPLICATE_BID',
  ALREADY_RATED: 'ALREADY_RATED',
  INSUFFICIENT_BALANCE: 'INSUFFICIENT_BALANCE',
  IDEMPOTENCY_KEY_REUSED: 'IDEMPOTENCY_KEY_REUSED',
} as const;

const has = (v: Viewer, ...roles: string[]) => v.roles.some((r) => r === 'ADMIN' || roles.includes(r));

/** Admins and operations: run the marketplace (award, complete, rate). */
export const isOps = (v: Viewer) => has(v, 'OPERATIONS');
/** Admins, operations and finance: see every worker with earnings and phone. */
export const isStaff = (v: Viewer) => has(v, 'OPERATIONS', 'FINANCE');
/** The signed-in user is this worker. */
export const isSelf = (v: Viewer, w: Pick<Worker, 'userId'>) => !!v.userId && w.userId === v.userId;
export const canSeePrivate = (v: Viewer | null, w: Pick<Worker, 'userId'>) => !!v && (isStaff(v) || isSelf(v, w));

export function requirePrivate(v: Viewer | null, w: Pick<Worker, 'userId'>): void {
  if (!canSeePrivate(v, w)) throw forbidden("Only staff and the worker themself see a worker's earnings, tasks and ledger");
}

export const MAX_NOTE = 1000;
