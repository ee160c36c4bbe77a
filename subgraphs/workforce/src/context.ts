import type { InternalContext, Viewer } from '@omniroute/core';
import type { PrismaClient } from './generated/prisma/client.ts';
import { createLoaders, type WorkforceLoaders } from './loaders.ts';
import { EarningsService } from './modules/earnings/earnings.service.ts';
import { TaskService } from './modules/tasks/tasks.service.ts';
import { WorkerService } from './modules/workers/workers.service.ts';

export interface WorkforceServices {
  workers: WorkerService;
  tasks: TaskService;
  earnings: EarningsService;
}

/** Read-only per-request context: who calls, the services, and this request's DataLoaders. */
export interface WorkforceContext {
  readonly requestId: string;
  readonly viewer: Viewer | null;
  readonly services: WorkforceServices;
  readonly loaders: WorkforceLoaders;
}

export function createServices(prisma: PrismaClient, outboxWritten: () => void): WorkforceServices {
  return { workers: new WorkerService(prisma), tasks: new TaskService(prisma, outboxWritten), earnings: new EarningsService(prisma, outboxWritten) };
}

export function createContextFactory(prisma: PrismaClient, services: WorkforceServices) {
  return (internal: InternalContext): WorkforceContext =>
    Object.freeze({ requestId: internal.requestId, viewer: internal.viewer, services, loaders: createLoaders(prisma, internal.viewer) });
}
