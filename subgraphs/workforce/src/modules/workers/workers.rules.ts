// Who may see and do what in the workforce domain, and its business failure codes (shared by its modules).
import { forbidden, type Viewer } from '@omniroute/core';
import type { Worker } from '../../generated/prisma/client.ts';

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
