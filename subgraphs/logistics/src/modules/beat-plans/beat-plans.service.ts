import { UserErrorCode as C, authorize, badUserInput, fail, forbidden, newId, objectRuleOf, ok, type Result, type Viewer } from '@omniroute/core';
import type { DomainEvent } from '@omniroute/events';
import type { SqlRunner } from '@omniroute/db';
import type { LogisticsDeps, RequestScope } from '../../context.ts';
import type { BeatPlan, Prisma, Visit } from '../../generated/prisma/client.ts';
import { cleanString } from '@omniroute/core/kit';
import { pointOf } from '../../lib/geo.ts';
import { beatPlanPolicies } from './beat-plans.policies.ts';
import { duringVisit, scheduleBeat, strikeRate, visitDistance, VISIT_RADIUS_M, weekStartProblem } from './beat-plan.rules.ts';


export type BeatPlanView = BeatPlan & { visits: Visit[] };
export const MAX_PERIOD_DAYS = 366;

export interface StrikeRow {
  id: string;
  visits: number;
  visitsWithOrder: number;
  strikeRate: number | null;
}

const validPoint = (lat: unknown, lng: unknown) =>
  typeof lat === 'number' && typeof lng === 'number' && Number.isFinite(lat) && Number.isFinite(lng) && Math.abs(lat) <= 90 && Math.abs(lng) <= 180;

/** The rep a call is about: a sales rep (OWN_VISITS) only ever themselves; others name one or mean themselves. */
function repOf(rule: string | null, v: Viewer, repId: string | null | undefined): string {
  const self = v.userId ?? null;
  if (repId != null && !cleanString(repId)) throw badUserInput('repId must be 1–200 characters', ['repId']);
  const rep = repId ?? self;
  if (!rep) throw forbidden('This account is not a user');
  if (rule === 'OWN_VISITS' && rep !== self) throw forbidden("Sales reps see and plan only their own beat");
  return rep;
}

/** Beat plans and visits: a rep's week from the customers of their territories, GPS check-in/out, strike rates. */
export class BeatPlanService {
  constructor(private readonly deps: Pick<LogisticsDeps, 'prisma' | 'now'>) {}

  async get({ viewer }: RequestScope, args: { repId?: string | null; weekStart: string }): Promise<BeatPlanView | null> {
    const policy = beatPlanPolicies['Query.beatPlan'];
    const v = authorize(policy, viewer);
    const rep = repOf(objectRuleOf(policy, v), v, args.repId);
    const problem = weekStartProblem(args.weekStart);
    if (problem) throw badUserInput(problem, ['weekStart']);
    return this.deps.prisma.beatPlan.findFirst({
      where: { tenantId: v.tenantId, repUserId: rep, weekStart: args.weekStart },
      include: { visits: { orderBy: [{ plannedDate: 'asc' }, { customerId: 'asc' }] } },
    });
  }

  /** Plans the week from the rep's territories' customers by tier; the existing plan when the week has one. */
  async plan({ viewer }: RequestScope, input: { repId?: string | null; weekStart: string }): Promise<Result<BeatPlanView>> {
    const policy = beatPlanPolicies['Mutation.planBeat'];
    const v = authorize(policy, viewer);
    if (input.repId != null && !cleanString(input.repId)) return fail(C.INVALID_INPUT, 'repId must be 1–200 characters', ['input', 'repId']);
    const rep = repOf(objectRuleOf(policy, v), v, input.repId);
    const weekStart = typeof input.weekStart === 'string' ? input.weekStart.trim() : '';
    const problem = weekStartProblem(weekStart);
    if (problem) return fail(C.INVALID_INPUT, problem, ['input', 'weekStart']);
    const { prisma } = this.deps;
    const include = { visits: { orderBy: [{ plannedDate: 'asc' as const }, { customerId: 'asc' as const }] } };
    const existing = await prisma.beatPlan.findFirst({ where: { tenantId: v.tenantId, repUserId: rep, weekStart }, include });
    if (existing) return ok(existing);
    const territories = (await prisma.repTerritory.findMany({ where: { tenantId: v.tenantId, userId: rep }, select: { territoryId: true } })).map((r) => r.territoryId);
    if (!territories.length) return fail(C.NO_TERRITORIES, 'The rep works no territory (assignSalesRepTerritories)', ['input', 'repId']);
    const sites = await prisma.customerSite.findMany({ where: { tenantId: v.tenantId, territoryId: { in: territories } }, select: { customerId: true, tier: true, territoryId: true } });
    const territoryOf = new Map(sites.map((s) => [s.customerId, s.territoryId]));
    const schedule = scheduleBeat(sites.map((s) => ({ id: s.customerId, tier: s.tier })), weekStart);
    const now = this.deps.now();
    const id = newId('bpl', now.getTime());
    try {
      const plan = await prisma.$transaction(async (tx) => {
        await tx.beatPlan.create({ data: { id, tenantId: v.tenantId, repUserId: rep, weekStart, createdAt: now } });
        await tx.visit.createMany({
          data: schedule.map((s) => ({
            id: newId('vis'), tenantId: v.tenantId, planId: id, repUserId: rep, customerId: s.customerId, territoryId: territoryOf.get(s.customerId) ?? null,
            plannedDate: s.date, status: 'PLANNED' as const, createdAt: now,
          })),
        });
        return tx.beatPlan.findFirstOrThrow({ where: { id, tenantId: v.tenantId }, include });
      });
      return ok(plan);
    } catch (error) {
      // a concurrent planBeat of the same rep and week won the unique index: return its plan
      const won = await prisma.beatPlan.findFirst({ where: { tenantId: v.tenantId, repUserId: rep, weekStart }, include });
      if (won) return ok(won);
      throw error;
    }
  }

  /** Checks the caller in at a planned visit, or at a customer of their territories (unplanned); within 200 m. */
  async checkIn({ viewer }: RequestScope, input: { visitId?: string | null; customerId?: string | null; lat: number; lng: number }): Promise<Result<Visit>> {
    const policy = beatPlanPolicies['Mutation.checkInVisit'];
    const v = authorize(policy, viewer);
    const own = objectRuleOf(policy, v) === 'OWN_VISITS';
    const rep = repOf(null, v, null);
    const visitId = input.visitId == null ? null : cleanString(input.visitId);
    const customerId = input.customerId == null ? null : cleanString(input.customerId);
    if ((visitId ? 1 : 0) + (customerId ? 1 : 0) !== 1) return fail(C.INVALID_INPUT, 'give either visitId or customerId', ['input', 'visitId']);
    if (!validPoint(input.lat, input.lng)) return fail(C.INVALID_INPUT, 'lat must be −90…90 and lng −180…180', ['input', 'lat']);
    const { prisma } = this.deps;
    const now = this.deps.now();
    let visit: Visit | null = null;
    if (visitId) {
      visit = await prisma.visit.findFirst({ where: { id: visitId, tenantId: v.tenantId } });
      if (!visit) return fail(C.VISIT_NOT_FOUND, 'No such visit', ['input', 'visitId']);
      if (own && visit.repUserId !== rep) throw forbidden("Sales reps check in only to their own visits");
      if (visit.status !== 'PLANNED') return fail(C.VISIT_NOT_PLANNED, `The visit is ${visit.status} already`, ['input', 'visitId']);
    }
    const site = await prisma.customerSite.findUnique({ where: { tenantId_customerId: { tenantId: v.tenantId, customerId: visit?.customerId ?? customerId! } } });
    if (!site) return fail(C.CUSTOMER_NOT_FOUND, 'No such customer', ['input', 'customerId']);
    if (own && !visit) {
      const works = await prisma.repTerritory.findFirst({ where: { tenantId: v.tenantId, userId: rep, territoryId: site.territoryId ?? '' }, select: { userId: true } });
      if (!works) throw forbidden('Sales reps visit only customers in their territories');
    }
    const at = pointOf(site.lat, site.lng);
    if (!at) return fail(C.CUSTOMER_LOCATION_UNKNOWN, "The customer's location is unknown", ['input', 'customerId']);
    const { distanceM, withinRadius } = visitDistance(at, { lat: input.lat, lng: input.lng });
    if (!withinRadius) return fail(C.TOO_FAR_FROM_CUSTOMER, `You are ${Math.round(distanceM)} m from the customer; check in within ${VISIT_RADIUS_M} m`, ['input', 'lat']);
    const checkedIn = { status: 'CHECKED_IN' as const, checkInAt: now, checkInLat: input.lat, checkInLng: input.lng, checkInDistanceM: distanceM };
    return prisma.$transaction(async (tx): Promise<Result<Visit>> => {
      // one visit at a time: the rep's open visit (if any) is locked by the check below and the conditional update
      const open = await tx.visit.findFirst({ where: { tenantId: v.tenantId, repUserId: visit?.repUserId ?? rep, status: 'CHECKED_IN' }, select: { id: true } });
      if (open) return fail(C.VISIT_IN_PROGRESS, `Check out of visit ${open.id} first`, ['input', visitId ? 'visitId' : 'customerId']);
      if (visit) {
        const { count } = await tx.visit.updateMany({ where: { id: visit.id, tenantId: v.tenantId, status: 'PLANNED' }, data: checkedIn });
        if (count !== 1) return fail(C.VISIT_NOT_PLANNED, 'The visit is no longer planned', ['input', 'visitId']);
        return ok({ ...visit, ...checkedIn });
      }
      return ok(
        await tx.visit.create({
          data: { id: newId('vis', now.getTime()), tenantId: v.tenantId, repUserId: rep, customerId: site.customerId, territoryId: site.territoryId, plannedDate: null, createdAt: now, ...checkedIn },
        }),
      );
    });
  }

  /** Checks the caller out of their visit in progress; within 200 m of the customer. */
  async checkOut({ viewer }: RequestScope, input: { visitId: string; lat: number; lng: number }): Promise<Result<Visit>> {
    const policy = beatPlanPolicies['Mutation.checkOutVisit'];
    const v = authorize(policy, viewer);
    const own = objectRuleOf(policy, v) === 'OWN_VISITS';
    const visitId = cleanString(input.visitId);
    if (!visitId) return fail(C.INVALID_INPUT, 'visitId must be 1–200 characters', ['input', 'visitId']);
    if (!validPoint(input.lat, input.lng)) return fail(C.INVALID_INPUT, 'lat must be −90…90 and lng −180…180', ['input', 'lat']);
    const { prisma } = this.deps;
    const visit = await prisma.visit.findFirst({ where: { id: visitId, tenantId: v.tenantId } });
    if (!visit) return fail(C.VISIT_NOT_FOUND, 'No such visit', ['input', 'visitId']);
    if (own && visit.repUserId !== v.userId) throw forbidden('Sales reps check out only of their own visits');
    if (visit.status !== 'CHECKED_IN') return fail(C.VISIT_NOT_IN_PROGRESS, `The visit is ${visit.status}`, ['input', 'visitId']);
    const site = await prisma.customerSite.findUnique({ where: { tenantId_customerId: { tenantId: v.tenantId, customerId: visit.customerId } } });
    const at = pointOf(site?.lat, site?.lng);
    if (!at) return fail(C.CUSTOMER_LOCATION_UNKNOWN, "The customer's location is unknown", ['input', 'visitId']);
    const { distanceM, withinRadius } = visitDistance(at, { lat: input.lat, lng: input.lng });
    if (!withinRadius) return fail(C.TOO_FAR_FROM_CUSTOMER, `You are ${Math.round(distanceM)} m from the customer; check out within ${VISIT_RADIUS_M} m`, ['input', 'lat']);
    const now = this.deps.now();
    const data = { status: 'COMPLETED' as const, checkOutAt: now, checkOutLat: input.lat, checkOutLng: input.lng };
    const { count } = await prisma.visit.updateMany({ where: { id: visit.id, tenantId: v.tenantId, status: 'CHECKED_IN' }, data });
    if (count !== 1) return fail(C.VISIT_NOT_IN_PROGRESS, 'The visit is no longer in progress', ['input', 'visitId']);
    return ok({ ...visit, ...data });
  }

  /** Visits checked in during [from, to) and those with an order, per rep and per territory; a sales rep's own only. */
  async strikeRates({ viewer }: RequestScope, args: { from: Date; to: Date }): Promise<{ from: Date; to: Date; byRep: StrikeRow[]; byTerritory: StrikeRow[] }> {
    const policy = beatPlanPolicies['Query.strikeRates'];
    const v = authorize(policy, viewer);
    const { from, to } = args;
    if (!(from < to) || to.getTime() - from.getTime() > MAX_PERIOD_DAYS * 86_400_000) throw badUserInput(`from must be before to, at most ${MAX_PERIOD_DAYS} days apart`, ['from']);
    const own = objectRuleOf(policy, v) === 'OWN_VISITS' ? repOf('OWN_VISITS', v, null) : null;
    const where: Prisma.VisitWhereInput = { tenantId: v.tenantId, checkInAt: { gte: from, lt: to }, ...(own ? { repUserId: own } : {}) };
    const [reps, territories] = await Promise.all([
      this.deps.prisma.visit.groupBy({ by: ['repUserId'], where, _count: { _all: true, orderId: true } }),
      this.deps.prisma.visit.groupBy({ by: ['territoryId'], where: { ...where, territoryId: { not: null } }, _count: { _all: true, orderId: true } }),
    ]);
    const row = (id: string, c: { _all: number; orderId: number }): StrikeRow => ({ id, visits: c._all, visitsWithOrder: c.orderId, strikeRate: strikeRate(c._all, c.orderId) });
    const byVisits = (a: StrikeRow, b: StrikeRow) => b.visits - a.visits || (a.id < b.id ? -1 : 1);
    return {
      from,
      to,
      byRep: reps.map((r) => row(r.repUserId, r._count)).sort(byVisits),
      byTerritory: territories.map((t) => row(t.territoryId!, t._count)).sort(byVisits),
    };
  }

  /**
   * `order.placed`: the order counts for the visit during which it was placed (same customer, between check-in and
   * out). On the driver path inside handleOnceSql's transaction (issue 17): the latest candidate visits in one
   * statement, duringVisit decides here, and one statement links the order to the visit found.
   */
  async linkOrder(sql: SqlRunner, event: DomainEvent): Promise<boolean> {
    const p = (event.payload ?? {}) as Record<string, unknown>;
    const orderId = typeof p.orderId === 'string' ? p.orderId : null;
    const customerId = typeof p.customerId === 'string' ? p.customerId : null;
    const placedAt = typeof p.placedAt === 'string' && !Number.isNaN(Date.parse(p.placedAt)) ? new Date(p.placedAt) : new Date(event.occurredAt);
    if (!orderId || !customerId) return false;
    const candidates = await sql<Pick<Visit, 'id' | 'checkInAt' | 'checkOutAt'>>(
      `SELECT "id", "checkInAt", "checkOutAt" FROM "Visit"
       WHERE "tenantId" = $1 AND "customerId" = $2 AND "orderId" IS NULL AND "status" IN ('CHECKED_IN', 'COMPLETED') AND "checkInAt" <= $3::text::timestamp
       ORDER BY "checkInAt" DESC LIMIT 5`,
      [event.tenantId, customerId, placedAt.toISOString().slice(0, -1)],
    );
    const visit = candidates.find((x) => duringVisit(x, placedAt));
    if (!visit) return false;
    const linked = await sql(`UPDATE "Visit" SET "orderId" = $1 WHERE "id" = $2 AND "tenantId" = $3 AND "orderId" IS NULL RETURNING "id"`, [orderId, visit.id, event.tenantId]);
    return linked.length === 1;
  }
}
