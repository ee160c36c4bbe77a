import { UserErrorCode as C, authorize, badUserInput, fail, newId, ok, pageWindow, toConnection, type ConnectionArgs, type GeoJsonPolygon, type Result } from '@omniroute/core';
import { enqueue, type NewEvent } from '@omniroute/events';
import type { LogisticsDeps, RequestScope, Tx } from '../../context.ts';
import type { CustomerSite, Prisma, Territory, TerritoryKind } from '../../generated/prisma/client.ts';
import { cleanString } from '@omniroute/core/kit';
import { SOURCE } from '../shipments/shipment-events.ts';
import { territoryPolicies } from './territories.policies.ts';
import { boundaryOf, hierarchyProblem, polygonProblem, territoryOf } from './territory.rules.ts';
import { polygonCentre } from '@omniroute/core';


export const MAX_REP_TERRITORIES = 50;

export interface CreateTerritoryInput {
  name: string;
  kind: TerritoryKind;
  parentId?: string | null;
  boundary: { type: string; coordinates: number[][][] };
}

/** The `customer.territory_changed` event commerce's replica applies (and anyone else may). */
export function customerMoved(tenantId: string, customerId: string, territoryId: string | null, at: Date): NewEvent {
  return { type: 'customer.territory_changed', tenantId, aggregateId: customerId, payload: { customerId, territoryId, at: at.toISOString() } };
}

/** Territories: the tenant's region → area → territory polygons, customers' places in them, and sales reps' territories. */
export class TerritoryService {
  constructor(private readonly deps: Pick<LogisticsDeps, 'prisma' | 'now' | 'outboxWritten'>) {}

  async list({ viewer }: RequestScope, args: ConnectionArgs & { kind?: TerritoryKind | null; parentId?: string | null }) {
    const v = authorize(territoryPolicies['Query.territories'], viewer);
    const { first, afterId } = pageWindow(args);
    if (args.parentId != null && !cleanString(args.parentId)) throw badUserInput('parentId must be 1–200 characters', ['parentId']);
    const rows = await this.deps.prisma.territory.findMany({
      where: {
        tenantId: v.tenantId,
        kind: args.kind ?? 'TERRITORY',
        ...(args.parentId != null ? { parentId: args.parentId } : {}),
        ...(afterId ? { id: { gt: afterId } } : {}),
      },
      orderBy: { id: 'asc' },
      take: first + 1,
    });
    return toConnection(rows, first, afterId);
  }

  /** `territory(id)`: a zone of the caller's tenant, or null. */
  get({ viewer, loaders }: RequestScope, id: string): Promise<Territory | null> {
    authorize(territoryPolicies['Query.territory'], viewer);
    return loaders.territoryById.load(id);
  }

  /** A new zone; a new TERRITORY takes the customers its polygon now contains (overrides stay). One transaction. */
  async create({ viewer }: RequestScope, input: CreateTerritoryInput): Promise<Result<{ territory: Territory; reassignedCustomers: number }>> {
    const v = authorize(territoryPolicies['Mutation.createTerritory'], viewer);
    const name = cleanString(input.name);
    if (!name) return fail(C.INVALID_INPUT, 'name must be 1–200 characters', ['input', 'name']);
    const problem = polygonProblem(input.boundary);
    if (problem) return fail(C.INVALID_BOUNDARY, problem, ['input', 'boundary']);
    const boundary = input.boundary as GeoJsonPolygon;
    const parentId = input.parentId == null ? null : cleanString(input.parentId);
    if (input.parentId != null && !parentId) return fail(C.INVALID_INPUT, 'parentId must be 1–200 characters', ['input', 'parentId']);
    const now = this.deps.now();
    const result = await this.deps.prisma.$transaction(async (tx): Promise<Result<{ territory: Territory; reassignedCustomers: number }>> => {
      const parent = parentId ? await tx.territory.findFirst({ where: { id: parentId, tenantId: v.tenantId } }) : null;
      if (parentId && !parent) return fail(C.PARENT_NOT_FOUND, 'No such parent zone', ['input', 'parentId']);
      const wrong = hierarchyProblem(input.kind, parent?.kind ?? null);
      if (wrong) return fail(C.INVALID_HIERARCHY, wrong, ['input', parent ? 'parentId' : 'kind']);
      const centre = polygonCentre(boundary);
      const territory = await tx.territory.create({
        data: {
          id: newId('ter', now.getTime()), tenantId: v.tenantId, name, kind: input.kind, parentId, boundary: boundary as unknown as Prisma.InputJsonValue,
          centerLat: centre.lat, centerLng: centre.lng, radiusKm: 0, createdAt: now,
        },
      });
      const reassignedCustomers = input.kind === 'TERRITORY' ? await this.reassign(tx, v.tenantId, now) : 0;
      return ok({ territory, reassignedCustomers });
    });
    if (result.ok && result.value.reassignedCustomers) this.deps.outboxWritten();
    return result;
  }

  /** Puts a customer in a territory by hand (territoryId) or back to its polygon (null); commerce hears of a change. */
  async assignCustomer({ viewer }: RequestScope, input: { customerId: string; territoryId?: string | null }): Promise<Result<CustomerSite>> {
    const v = authorize(territoryPolicies['Mutation.assignCustomerTerritory'], viewer);
    const customerId = cleanString(input.customerId);
    if (!customerId) return fail(C.INVALID_INPUT, 'customerId must be 1–200 characters', ['input', 'customerId']);
    const territoryId = input.territoryId == null ? null : cleanString(input.territoryId);
    if (input.territoryId != null && !territoryId) return fail(C.INVALID_INPUT, 'territoryId must be 1–200 characters', ['input', 'territoryId']);
    const now = this.deps.now();
    let changed = false;
    const result = await this.deps.prisma.$transaction(async (tx): Promise<Result<CustomerSite>> => {
      const site = await tx.customerSite.findUnique({ where: { tenantId_customerId: { tenantId: v.tenantId, customerId } } });
      if (!site) return fail(C.CUSTOMER_NOT_FOUND, 'No such customer (logistics knows the customers it delivers to or visits)', ['input', 'customerId']);
      let next: string | null;
      if (territoryId) {
        const t = await tx.territory.findFirst({ where: { id: territoryId, tenantId: v.tenantId, kind: 'TERRITORY' }, select: { id: true } });
        if (!t) return fail(C.TERRITORY_NOT_FOUND, 'No such territory (of kind TERRITORY)', ['input', 'territoryId']);
        next = t.id;
      } else {
        next = territoryOf({ ...site, territoryOverride: false }, await this.polygons(tx, v.tenantId));
      }
      const updated = await tx.customerSite.update({
        where: { tenantId_customerId: { tenantId: v.tenantId, customerId } },
        data: { territoryId: next, territoryOverride: !!territoryId, updatedAt: now },
      });
      if (next !== site.territoryId) {
        changed = true;
        await enqueue(tx, SOURCE, [customerMoved(v.tenantId, customerId, next, now)]);
      }
      return ok(updated);
    });
    if (changed) this.deps.outboxWritten();
    return result;
  }

  /** Replaces the set of territories a rep works; commerce's replica follows (territory.reps_changed). */
  async assignReps({ viewer }: RequestScope, input: { repId: string; territoryIds: string[] }): Promise<Result<{ id: string }>> {
    const v = authorize(territoryPolicies['Mutation.assignSalesRepTerritories'], viewer);
    const repId = cleanString(input.repId);
    if (!repId) return fail(C.INVALID_INPUT, 'repId must be 1–200 characters', ['input', 'repId']);
    const ids = (input.territoryIds ?? []).map((id) => cleanString(id));
    if (ids.length > MAX_REP_TERRITORIES) return fail(C.INVALID_INPUT, `at most ${MAX_REP_TERRITORIES} territories`, ['input', 'territoryIds']);
    const bad = ids.findIndex((id, i) => !id || ids.indexOf(id) !== i);
    if (bad >= 0) return fail(C.INVALID_INPUT, 'territoryIds must be distinct ids of 1–200 characters', ['input', 'territoryIds', String(bad)]);
    const now = this.deps.now();
    const result = await this.deps.prisma.$transaction(async (tx): Promise<Result<{ id: string }>> => {
      const found = new Set(
        (await tx.territory.findMany({ where: { tenantId: v.tenantId, kind: 'TERRITORY', id: { in: ids as string[] } }, select: { id: true } })).map((t) => t.id),
      );
      const missing = ids.findIndex((id) => !found.has(id!));
      if (missing >= 0) return fail(C.TERRITORY_NOT_FOUND, `No such territory (of kind TERRITORY): ${ids[missing]}`, ['input', 'territoryIds', String(missing)]);
      await tx.repTerritory.deleteMany({ where: { tenantId: v.tenantId, userId: repId } });
      if (ids.length) await tx.repTerritory.createMany({ data: ids.map((territoryId) => ({ tenantId: v.tenantId, userId: repId, territoryId: territoryId!, assignedAt: now })) });
      await enqueue(tx, SOURCE, [
        { type: 'territory.reps_changed', tenantId: v.tenantId, aggregateId: repId, payload: { userId: repId, territoryIds: ids, at: now.toISOString() } },
      ]);
      return ok({ id: repId });
    });
    if (result.ok) this.deps.outboxWritten();
    return result;
  }

  /** Recomputes every customer's territory after the polygons changed; announces the moves. Returns how many moved. */
  private async reassign(tx: Tx, tenantId: string, now: Date): Promise<number> {
    const polygons = await this.polygons(tx, tenantId);
    const sites = await tx.customerSite.findMany({ where: { tenantId, territoryOverride: false } });
    const moves = sites.map((s) => ({ s, to: territoryOf(s, polygons) })).filter((m) => m.to !== m.s.territoryId);
    for (const m of moves) {
      await tx.customerSite.update({ where: { tenantId_customerId: { tenantId, customerId: m.s.customerId } }, data: { territoryId: m.to, updatedAt: now } });
    }
    if (moves.length) await enqueue(tx, SOURCE, moves.map((m) => customerMoved(tenantId, m.s.customerId, m.to, now)));
    return moves.length;
  }

  private async polygons(tx: Tx, tenantId: string) {
    const rows = await tx.territory.findMany({ where: { tenantId, kind: 'TERRITORY' }, select: { id: true, boundary: true } });
    return rows.map((r) => ({ id: r.id, boundary: boundaryOf(r.boundary) }));
  }
}
