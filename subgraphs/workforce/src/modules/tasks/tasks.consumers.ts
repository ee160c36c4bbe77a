import { log, newId, type CurrencyCode } from '@omniroute/core';
import { sqlSharedTransactionFor, sqlTransactionFor, utcText as utc, type SqlRunner, type SqlTransaction } from '@omniroute/db';
import { driverPathBatch, handleOnce, handleOnceSql, republishEvents, type Consumer, type DomainEvent, type EventBus, type OutboxClient } from '@omniroute/events';
import type { Prisma, PrismaClient, Task, TenantSettings } from '../../generated/prisma/client.ts';
import { completeTaskTx } from './tasks.service.ts';
import { complexityFrom, taskReward } from './tasks.rules.ts';

type Tx = Prisma.TransactionClient;

/** Consumer group of the delivery-task life cycle. */
export const TASKS_GROUP = 'workforce.tasks';
export const TASK_EVENT_TYPES = ['shipment.created', 'shipment.dispatched', 'shipment.delivered', 'shipment.updated', 'order.cancelled'];

interface ShipmentCreated { shipmentId: string; orderId?: string; complexity?: unknown }
interface ShipmentDispatched { shipmentId: string; orderId?: string; riderId?: string | null }
interface ShipmentDelivered { shipmentId: string; orderId?: string; riderId?: string | null; deliveredAt?: string }
interface ShipmentUpdated { shipmentId: string; status?: string }
interface OrderCancelled { orderId?: string }

/**
 * Consumes the logistics and commerce events that drive delivery tasks, each exactly once per event (the effect and
 * the ProcessedEvent row commit together). `afterCommit` runs when an event wrote to the outbox.
 */
export function startTaskConsumers(bus: EventBus, prisma: PrismaClient, afterCommit: () => void = () => undefined): Promise<Consumer> {
  const transaction = sqlTransactionFor(prisma);
  const shared = sqlSharedTransactionFor(prisma);
  return bus.consume(
    TASKS_GROUP,
    async (event) => {
      const handled = await handleTaskEvent(prisma, event, transaction);
      if (handled && event.type === 'shipment.delivered') afterCommit();
      else if (!handled && event.type === 'shipment.delivered' && (await resendTaskCredit(prisma, event))) afterCommit();
    },
    {
      types: TASK_EVENT_TYPES,
      // queued shipment.created events together (handleManyOnceSql: one transaction, their statements pipelined)
      batch: driverPathBatch(shared, TASKS_GROUP, {
        types: ['shipment.created'],
        work: (e, sql, last) => openDeliveryTaskSql(sql, e.tenantId, e.payload as unknown as ShipmentCreated, last),
      }),
    },
  );
}

/**
 * Handles one event exactly once per group; false when it had been handled already. shipment.created (one per
 * order) runs on the driver path (openDeliveryTaskSql: three statements); the rest through Prisma (applyTaskEvent).
 */
export function handleTaskEvent(prisma: PrismaClient, event: DomainEvent, transaction: SqlTransaction = sqlTransactionFor(prisma)): Promise<boolean> {
  if (event.type === 'shipment.created') {
    return handleOnceSql(transaction, TASKS_GROUP, event, (sql, last) => openDeliveryTaskSql(sql, event.tenantId, event.payload as unknown as ShipmentCreated, last));
  }
  return handleOnce(prisma as unknown as OutboxClient, TASKS_GROUP, event, (tx: Tx) => applyTaskEvent(tx, event));
}

/**
 * ensureDeliveryTask on the driver path, for shipment.created: whether the shipment's task exists and the tenant's
 * settings in one statement, the reward worked out here (taskReward, complexityFrom), the task in a second one
 * (ON CONFLICT DO NOTHING: a concurrent consumer created it, keep theirs), run with `last` (the transaction's final
 * statement: the commit goes with it). Nothing for a tenant without settings.
 */
export async function openDeliveryTaskSql(sql: SqlRunner, tenantId: string, p: ShipmentCreated, last: SqlRunner): Promise<void> {
  if (!p.shipmentId) throw new Error('shipment event without shipmentId');
  const [r] = await sql<{ taskExists: boolean } & ({ [K in keyof TenantSettings]: TenantSettings[K] | null })>(
    `SELECT EXISTS (SELECT 1 FROM "Task" WHERE "tenantId" = $1 AND "shipmentId" = $2) AS "taskExists",
            s."tenantId", s."currency"::text AS "currency", s."rewardBase", s."rewardPerComplexity"
     FROM (SELECT 1) one LEFT JOIN "TenantSettings" s ON s."tenantId" = $1`,
    [tenantId, p.shipmentId],
  );
  if (!r || r.taskExists) return;
  if (!r.currency || !r.rewardBase || !r.rewardPerComplexity) {
    // The events carry no currency; without the tenant's settings there is no price. Acknowledge and say so.
    log.warn('workforce: no TenantSettings for tenant; delivery task not created', { tenantId, shipmentId: p.shipmentId });
    return;
  }
  const complexity = complexityFrom(p.complexity);
  const reward = taskReward({ base: r.rewardBase, perComplexity: r.rewardPerComplexity }, complexity, r.currency as CurrencyCode);
  const now = utc(new Date());
  await last(
    `INSERT INTO "Task" ("id", "tenantId", "kind", "status", "priority", "title", "complexity", "reward", "currency", "shipmentId", "orderId", "createdAt", "updatedAt")
     VALUES ($1, $2, 'DELIVERY'::"TaskKind", 'OPEN'::"TaskStatus", 'STANDARD'::"TaskPriority", $3, $4::int, $5::text::numeric, $6::text::"CurrencyCode", $7, $8, $9::text::timestamp, $9::text::timestamp)
     ON CONFLICT DO NOTHING`,
    [newId('tsk'), tenantId, `Deliver shipment ${p.shipmentId}`, complexity, reward.amount.toString(), r.currency, p.shipmentId, p.orderId ?? null, now],
  );
}

/**
 * A shipment.delivered handled before came again: logistics' reconciler re-sends it when our task.completed never
 * reached it, so that acknowledgement is re-sent (its outbox row, original id; at most once a minute).
 */
export async function resendTaskCredit(prisma: PrismaClient, e: DomainEvent): Promise<boolean> {
  const shipmentId = (e.payload as Partial<ShipmentDelivered>).shipmentId ?? e.aggregateId;
  const task = await prisma.task.findFirst({ where: { tenantId: e.tenantId, shipmentId, status: 'COMPLETED' }, select: { id: true } });
  if (!task) return false;
  return (await republishEvents(prisma as unknown as OutboxClient, { type: 'task.completed', aggregateIds: [task.id], publishedBefore: new Date(Date.now() - 60_000) })) > 0;
}

/** Applies one event to the delivery tasks, inside the consumer's transaction. Only ever touches the event's tenant. */
export async function applyTaskEvent(tx: Tx, e: DomainEvent): Promise<void> {
  switch (e.type) {
    case 'shipment.created':
      await ensureDeliveryTask(tx, e.tenantId, e.payload as unknown as ShipmentCreated);
      return;
    case 'shipment.dispatched':
      return onDispatched(tx, e.tenantId, e.payload as unknown as ShipmentDispatched);
    case 'shipment.delivered':
      return onDelivered(tx, e.tenantId, e.payload as unknown as ShipmentDelivered);
    case 'shipment.updated': {
      const p = e.payload as unknown as ShipmentUpdated;
      if (p.status === 'CANCELLED') await cancelTasks(tx, { tenantId: e.tenantId, shipmentId: p.shipmentId ?? e.aggregateId });
      return;
    }
    case 'order.cancelled': {
      const orderId = (e.payload as OrderCancelled).orderId ?? e.aggregateId;
      await cancelTasks(tx, { tenantId: e.tenantId, orderId });
      return;
    }
  }
}

/**
 * The delivery task of a shipment, created OPEN if missing (shipment.created normally creates it; a later event
 * that arrives first creates it too, with complexity 1 unless it carries one). Null for a tenant without settings.
 */
async function ensureDeliveryTask(tx: Tx, tenantId: string, p: { shipmentId: string; orderId?: string; complexity?: unknown }): Promise<Task | null> {
  if (!p.shipmentId) throw new Error('shipment event without shipmentId');
  const where = { tenantId_shipmentId: { tenantId, shipmentId: p.shipmentId } };
  const existing = await tx.task.findUnique({ where });
  if (existing) return existing;
  const settings = await tx.tenantSettings.findUnique({ where: { tenantId } });
  if (!settings) {
    // The events carry no currency; without the tenant's settings there is no price. Acknowledge and say so.
    log.warn('workforce: no TenantSettings for tenant; delivery task not created', { tenantId, shipmentId: p.shipmentId });
    return null;
  }
  const complexity = complexityFrom(p.complexity);
  const reward = taskReward({ base: settings.rewardBase, perComplexity: settings.rewardPerComplexity }, complexity, settings.currency as CurrencyCode);
  await tx.task.createMany({
    data: [
      {
        id: newId('tsk'), tenantId, kind: 'DELIVERY', status: 'OPEN', priority: 'STANDARD', title: `Deliver shipment ${p.shipmentId}`,
        complexity, reward: reward.amount.toString(), currency: settings.currency, shipmentId: p.shipmentId, orderId: p.orderId ?? null,
      },
    ],
    skipDuplicates: true, // a concurrent consumer created it: use theirs
  });
  return tx.task.findUniqueOrThrow({ where });
}

/** The rider if they are a worker of the tenant; dispatch is logistics' decision, so an unknown rider is only logged. */
async function riderOf(tx: Tx, tenantId: string, riderId: string | null | undefined, shipmentId: string): Promise<string | null> {
  if (!riderId) return null;
  const w = await tx.worker.findFirst({ where: { id: riderId, tenantId }, select: { id: true, kycStatus: true } });
  if (!w) log.warn('workforce: rider is not a worker of the tenant', { tenantId, riderId, shipmentId });
  else if (w.kycStatus !== 'VERIFIED') log.warn('workforce: shipment dispatched with a rider who is not KYC-verified', { tenantId, riderId, shipmentId });
  return w?.id ?? null;
}

async function onDispatched(tx: Tx, tenantId: string, p: ShipmentDispatched): Promise<void> {
  const task = await ensureDeliveryTask(tx, tenantId, p);
  if (!task || (task.status !== 'OPEN' && task.status !== 'ASSIGNED')) return;
  const assigneeId = (await riderOf(tx, tenantId, p.riderId, p.shipmentId)) ?? task.assigneeId;
  await tx.task.update({ where: { id: task.id }, data: { status: 'ASSIGNED', assigneeId } });
  // Dispatch decides who delivers: bids still pending lose.
  await tx.bid.updateMany({ where: { taskId: task.id, status: 'PENDING', ...(assigneeId ? { workerId: { not: assigneeId } } : {}) }, data: { status: 'REJECTED' } });
}

async function onDelivered(tx: Tx, tenantId: string, p: ShipmentDelivered): Promise<void> {
  const task = await ensureDeliveryTask(tx, tenantId, p);
  if (!task) return;
  if (task.status === 'CANCELLED') {
    log.warn('workforce: delivered shipment had a cancelled task; left cancelled', { tenantId, taskId: task.id });
    return;
  }
  if (task.status === 'COMPLETED') return;
  const assigneeId = (await riderOf(tx, tenantId, p.riderId, p.shipmentId)) ?? task.assigneeId;
  const at = p.deliveredAt && !Number.isNaN(Date.parse(p.deliveredAt)) ? new Date(p.deliveredAt) : new Date();
  await completeTaskTx(tx, task, { complexity: task.complexity, assigneeId, from: ['OPEN', 'ASSIGNED'], at });
}

async function cancelTasks(tx: Tx, where: { tenantId: string; shipmentId?: string; orderId?: string }): Promise<void> {
  if (!where.shipmentId && !where.orderId) return;
  await tx.task.updateMany({ where: { ...where, status: { in: ['OPEN', 'ASSIGNED'] } }, data: { status: 'CANCELLED' } });
}
