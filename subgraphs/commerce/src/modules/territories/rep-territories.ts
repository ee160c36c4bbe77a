// The sales rep's territories, as commerce sees them (issue 15): logistics owns territories, customers' territory
// (point-in-polygon or a manual override) and which reps work which territories; it announces changes as events and
// commerce keeps a replica (RepTerritory rows, Customer.territoryId). Commerce applies the object rule OWN_TERRITORY
// from the replica, in its own database, so a sales rep's reads and orders never wait on logistics.
import { forbidden, log, type Viewer } from '@omniroute/core';
import { handleOnce, type DomainEvent, type EventBus } from '@omniroute/events';
import type { Prisma, PrismaClient } from '../../generated/prisma/client.ts';

type Tx = Prisma.TransactionClient;

/** Consumer group of commerce's replica of logistics' territory assignments. */
export const TERRITORY_REPLICA_GROUP = 'commerce.territory-replica';
export const TERRITORY_EVENTS = ['territory.reps_changed', 'customer.territory_changed'];

/** The territories a sales rep works (empty for a rep with none: they see no customers). */
export async function repTerritoryIds(prisma: PrismaClient | Tx, viewer: Viewer): Promise<string[]> {
  if (!viewer.userId) throw forbidden('This account is not a sales rep user');
  const rows = await prisma.repTerritory.findMany({ where: { tenantId: viewer.tenantId, userId: viewer.userId }, select: { territoryId: true } });
  return rows.map((r) => r.territoryId);
}

/** Prisma filter on Customer for a sales rep: customers of their territories only. */
export async function repCustomerWhere(prisma: PrismaClient, viewer: Viewer): Promise<Prisma.CustomerWhereInput> {
  return { territoryId: { in: await repTerritoryIds(prisma, viewer) } };
}

/** Whether the rep reaches the customer; null when the customer does not exist in the tenant. */
export async function repReachesCustomer(prisma: PrismaClient, viewer: Viewer, customerId: string): Promise<boolean | null> {
  const [customer, territories] = await Promise.all([
    prisma.customer.findFirst({ where: { id: customerId, tenantId: viewer.tenantId }, select: { territoryId: true } }),
    repTerritoryIds(prisma, viewer),
  ]);
  if (!customer) return null;
  return customer.territoryId != null && territories.includes(customer.territoryId);
}

/** Refuses (FORBIDDEN) a sales rep acting on a customer outside their territories; unknown customers pass (the caller answers NOT_FOUND). */
export async function requireRepReaches(prisma: PrismaClient, viewer: Viewer, customerId: string): Promise<void> {
  if ((await repReachesCustomer(prisma, viewer, customerId)) === false) throw forbidden('Sales reps act only for customers in their territories');
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 && v.length <= 200 ? v : null);

/**
 * Applies one logistics event to the replica. `territory.reps_changed` carries a rep's whole set of territories
 * (so a redelivery or a reordering cannot leave a partial set) and when it was made: an older set never replaces a
 * newer one. `customer.territory_changed` moves one customer.
 */
export async function applyTerritoryEvent(tx: Tx, e: DomainEvent): Promise<boolean> {
  const p = (e.payload ?? {}) as Record<string, unknown>;
  const at = typeof p.at === 'string' && !Number.isNaN(Date.parse(p.at)) ? new Date(p.at) : new Date(e.occurredAt);
  if (e.type === 'territory.reps_changed') {
    const userId = str(p.userId);
    const ids = Array.isArray(p.territoryIds) ? p.territoryIds.map(str).filter((x): x is string => !!x) : null;
    if (!userId || !ids) {
      log.warn('territory.reps_changed without userId/territoryIds ignored', { eventId: e.id });
      return false;
    }
    const newer = await tx.repTerritory.findFirst({ where: { tenantId: e.tenantId, userId, assignedAt: { gt: at } }, select: { territoryId: true } });
    if (newer) return false;
    await tx.repTerritory.deleteMany({ where: { tenantId: e.tenantId, userId } });
    if (ids.length) await tx.repTerritory.createMany({ data: [...new Set(ids)].map((territoryId) => ({ tenantId: e.tenantId, userId, territoryId, assignedAt: at })) });
    return true;
  }
  if (e.type === 'customer.territory_changed') {
    const customerId = str(p.customerId);
    if (!customerId) return false;
    const { count } = await tx.customer.updateMany({ where: { id: customerId, tenantId: e.tenantId }, data: { territoryId: str(p.territoryId) } });
    return count > 0;
  }
  return false;
}

/** The replica of logistics' territory assignments (sales reps' object rule OWN_TERRITORY). */
export const territoryReplicaConsumer = ({ bus, deps }: { bus: EventBus | null; deps: { prisma: PrismaClient } }) =>
  bus!.consume(TERRITORY_REPLICA_GROUP, (e) => handleOnce(deps.prisma, TERRITORY_REPLICA_GROUP, e, (tx) => applyTerritoryEvent(tx, e)).then(() => undefined), {
    types: TERRITORY_EVENTS,
  });
