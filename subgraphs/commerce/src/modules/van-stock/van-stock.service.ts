import type { RequestScope } from '../../context.ts';
import {
  UserErrorCode as C, authorize, badUserInput, fail, forbidden, newId, Refused, objectRuleOf, ok, pageWindow, toConnection, userError,
  type Connection, type ConnectionArgs, type Policy, type Result, type UserError, type Viewer,
} from '@omniroute/core';
import { enqueue } from '@omniroute/events';
import type { Location, PrismaClient, StockMovement, VanReconciliation } from '../../generated/prisma/client.ts';
import { MAX_STRING, normaliseLines, type LineInput } from '../orders/order-input.ts';
import { postOrThrow, ShortStock } from '../stock-movements/stock-ledger.ts';
import { actorOf, locationError, locationsById, shortError, TX, variantsForLines } from '../stock-movements/stock-lookups.ts';
import type { StockMovementService } from '../stock-movements/stock-movements.service.ts';
import { withNote, normaliseCountLines, sumByKey, type CountLineInput } from '../stock-movements/stock-movements.rules.ts';
import { vanStockPolicies as P } from './van-stock.policies.ts';
import { reconcileVan } from './van-stock.rules.ts';

export const VAN_VARIANCE_EVENT = 'van.reconciliation_variance';
const SOURCE = 'commerce';

const badId = (s: unknown) => typeof s !== 'string' || s.length === 0 || s.length > MAX_STRING;

/**
 * Van stock: loading a van from a warehouse and bringing stock back (transfers), customer returns, and the
 * end-of-day reconciliation (opening + loaded = sold + returned + remaining) that books variances and announces
 * them. Sales from a van are orders placed with the van as their location (OrderService): reserved on placing,
 * consumed (SALE movements) on dispatch or delivery. A sales rep works only the van they operate (OWN_VAN).
 */
export class VanStockService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly ledger: StockMovementService,
    private readonly onEventsCommitted: () => void = () => undefined,
  ) {}

  /** FORBIDDEN unless the caller may work this van (ops staff: any; a sales rep: the van they operate). */
  private checkOwnVan(policy: Policy, v: Viewer, location: Location): void {
    if (objectRuleOf(policy, v) !== 'OWN_VAN') return;
    if (location.kind !== 'VAN' || !v.userId || location.operatorUserId !== v.userId) throw forbidden('Sales reps work only the van they operate');
  }

  async loadVan(scope: RequestScope, input: { vanId: string; fromLocationId: string; lines: LineInput[]; note?: string | null }): Promise<Result<StockMovement[]>> {
    const policy = P['Mutation.loadVan'];
    const v = authorize(policy, scope.viewer);
    const t = await this.ledger.checkTransfer(scope, { fromLocationId: input.fromLocationId, toLocationId: input.vanId, lines: input.lines, note: input.note }, { from: 'fromLocationId', to: 'vanId' });
    if (!t.ok) return t;
    if (t.value.to.kind !== 'VAN') return fail(C.NOT_A_VAN, `${t.value.to.name} is not a van`, ['input', 'vanId']);
    if (t.value.from.kind !== 'WAREHOUSE') return fail(C.NOT_A_WAREHOUSE, 'Vans are loaded from a warehouse', ['input', 'fromLocationId']);
    this.checkOwnVan(policy, v, t.value.to);
    return this.ledger.runTransfer(scope, t.value, `load ${t.value.to.name}`);
  }

  async returnVanStock(scope: RequestScope, input: { vanId: string; toLocationId: string; lines: LineInput[]; note?: string | null }): Promise<Result<StockMovement[]>> {
    const policy = P['Mutation.returnVanStock'];
    const v = authorize(policy, scope.viewer);
    const t = await this.ledger.checkTransfer(scope, { fromLocationId: input.vanId, toLocationId: input.toLocationId, lines: input.lines, note: input.note }, { from: 'vanId', to: 'toLocationId' });
    if (!t.ok) return t;
    if (t.value.from.kind !== 'VAN') return fail(C.NOT_A_VAN, `${t.value.from.name} is not a van`, ['input', 'vanId']);
    if (t.value.to.kind !== 'WAREHOUSE') return fail(C.NOT_A_WAREHOUSE, 'Van stock goes back to a warehouse', ['input', 'toLocationId']);
    this.checkOwnVan(policy, v, t.value.from);
    return this.ledger.runTransfer(scope, t.value, `return from ${t.value.from.name}`);
  }

  /**
   * Takes goods of a delivered order back (CUSTOMER_RETURN, raising on hand where they are taken): only SKUs the order
   * delivered, at most what it delivered minus earlier returns (the order row is locked, so two returns never both
   * pass that check).
   */
  async recordCustomerReturn({ viewer }: RequestScope, input: { orderId: string; locationId: string; lines: LineInput[]; note?: string | null }): Promise<Result<StockMovement[]>> {
    const policy = P['Mutation.recordCustomerReturn'];
    const v = authorize(policy, viewer);
    const errors: UserError[] = [];
    if (badId(input.orderId)) errors.push(userError(C.INVALID_INPUT, 'orderId must be 1 to 200 characters', ['input', 'orderId']));
    if (badId(input.locationId)) errors.push(userError(C.INVALID_INPUT, 'locationId must be 1 to 200 characters', ['input', 'locationId']));
    const checked = withNote(normaliseLines(input.lines, ['input', 'lines']), input.note, errors);
    if (!checked.ok) return { ok: false, errors: checked.errors };
    const { lines, note } = checked.value;
    const tenantId = v.tenantId;
    const [order, locations, variants] = await Promise.all([
      this.prisma.order.findFirst({ where: { id: input.orderId, tenantId } }),
      locationsById(this.prisma, tenantId, [input.locationId]),
      variantsForLines(this.prisma, tenantId, lines, ['input', 'lines']),
    ]);
    const location = locations.get(input.locationId);
    if (!order) errors.push(userError(C.ORDER_NOT_FOUND, 'No such order', ['input', 'orderId']));
    errors.push(...locationError(location, 'locationId'), ...variants.errors);
    if (errors.length || !order || !location) return { ok: false, errors };
    if (order.status !== 'DELIVERED') return fail(C.ORDER_NOT_DELIVERED, `Order ${order.number} is ${order.status}: only delivered goods come back`, ['input', 'orderId']);
    this.checkOwnVan(policy, v, location);
    try {
      const movements = await this.prisma.$transaction(async (tx) => {
        await tx.$queryRaw`SELECT "id" FROM "Order" WHERE "id" = ${order.id} AND "tenantId" = ${tenantId} FOR UPDATE`;
        const [ordered, returned] = await Promise.all([
          tx.orderLine.findMany({ where: { orderId: order.id, tenantId } }),
          tx.stockMovement.findMany({ where: { tenantId, orderId: order.id, type: 'CUSTOMER_RETURN' } }),
        ]);
        const delivered = sumByKey(ordered, (l) => l.variantId, (l) => l.quantity);
        const back = sumByKey(returned, (m) => m.variantId, (m) => m.quantity);
        const refused: UserError[] = [];
        lines.forEach((l, i) => {
          const id = variants.bySku.get(l.sku)!.id;
          const left = (delivered.get(id) ?? 0) - (back.get(id) ?? 0);
          if (l.quantity > left) refused.push(userError(C.RETURN_EXCEEDS_SOLD, `${l.sku}: ${l.quantity} returned but only ${left} delivered and not yet returned`, ['input', 'lines', String(i), 'quantity']));
        });
        if (refused.length) throw new Refused(refused);
        return postOrThrow(tx, tenantId, actorOf(v), lines.map((l) => ({
          type: 'CUSTOMER_RETURN' as const, locationId: location.id, variantId: variants.bySku.get(l.sku)!.id, quantity: l.quantity, orderId: order.id, reference: order.number, note,
        })));
      }, TX);
      return ok(movements);
    } catch (e) {
      if (e instanceof Refused) return { ok: false, errors: e.errors };
      throw e;
    }
  }

  /**
   * Closes a van's day, in one transaction with the van's stock rows locked: the movements since the previous
   * reconciliation are balanced per SKU against the count, each variance is booked (VAN_VARIANCE, so the book
   * equals the count and the next day opens with it), the record is kept, and `van.reconciliation_variance` goes
   * to the outbox when anything differed.
   */
  async reconcileVan({ viewer }: RequestScope, input: { vanId: string; counts: CountLineInput[]; note?: string | null }): Promise<Result<VanReconciliation>> {
    const policy = P['Mutation.reconcileVan'];
    const v = authorize(policy, viewer);
    const errors: UserError[] = [];
    if (badId(input.vanId)) errors.push(userError(C.INVALID_INPUT, 'vanId must be 1 to 200 characters', ['input', 'vanId']));
    const checked = withNote(normaliseCountLines(input.counts, ['input', 'counts']), input.note, errors);
    if (!checked.ok) return { ok: false, errors: checked.errors };
    const { lines: counts, note } = checked.value;
    const tenantId = v.tenantId;
    const [locations, variants] = await Promise.all([
      locationsById(this.prisma, tenantId, [input.vanId]),
      variantsForLines(this.prisma, tenantId, counts, ['input', 'counts']),
    ]);
    const van = locations.get(input.vanId);
    errors.push(...locationError(van, 'vanId'), ...variants.errors);
    if (errors.length || !van) return { ok: false, errors };
    if (van.kind !== 'VAN') return fail(C.NOT_A_VAN, `${van.name} is not a van`, ['input', 'vanId']);
    this.checkOwnVan(policy, v, van);
    const counted = new Map(counts.map((c) => [variants.bySku.get(c.sku)!.id, c.countedQuantity]));
    const skus = new Map([...variants.bySku.values()].map((x) => [x.id, x.sku]));
    try {
      const { reconciliation, announced } = await this.prisma.$transaction(async (tx) => {
        await tx.$queryRaw`SELECT "id" FROM "StockLevel" WHERE "tenantId" = ${tenantId} AND "locationId" = ${van.id} ORDER BY "variantId" FOR UPDATE`;
        const previous = await tx.vanReconciliation.findFirst({ where: { tenantId, vanId: van.id }, orderBy: { toSeq: 'desc' } });
        const fromSeq = previous?.toSeq ?? 0;
        const [openingRows, period] = await Promise.all([
          tx.stockMovement.groupBy({ by: ['variantId'], where: { tenantId, locationId: van.id, seq: { lte: fromSeq } }, _sum: { quantity: true } }),
          tx.stockMovement.findMany({ where: { tenantId, locationId: van.id, seq: { gt: fromSeq } }, orderBy: { seq: 'asc' } }),
        ]);
        const opening = new Map(openingRows.map((r) => [r.variantId, r._sum.quantity ?? 0]));
        const unknown = [...new Set([...opening.keys(), ...period.map((m) => m.variantId)])].filter((id) => !skus.has(id));
        if (unknown.length) for (const x of await tx.productVariant.findMany({ where: { tenantId, id: { in: unknown } } })) skus.set(x.id, x.sku);
        const balanced = reconcileVan(opening, period, counted, (id) => skus.get(id) ?? id);
        if (!balanced.ok) throw new Refused(balanced.errors);
        const lines = balanced.value;
        const totalVariance = lines.reduce((s, l) => s + l.variance, 0);
        const absoluteVariance = lines.reduce((s, l) => s + Math.abs(l.variance), 0);
        const id = newId('vrc');
        const reconciledAt = new Date();
        await tx.vanReconciliation.create({
          data: { id, tenantId, vanId: van.id, fromSeq, toSeq: fromSeq, totalVariance, absoluteVariance, note, reconciledByUserId: v.userId ?? null, reconciledAt },
        });
        await tx.vanReconciliationLine.createMany({ data: lines.map((l) => ({ id: newId('vrl'), tenantId, reconciliationId: id, ...l })) });
        await postOrThrow(tx, tenantId, actorOf(v), lines.filter((l) => l.variance !== 0).map((l) => ({
          type: 'VAN_VARIANCE' as const, locationId: van.id, variantId: l.variantId, quantity: l.variance, vanReconciliationId: id, reference: `reconciliation ${id}`, note,
        })));
        const last = await tx.stockMovement.aggregate({ where: { tenantId, locationId: van.id }, _max: { seq: true } });
        const reconciliation = await tx.vanReconciliation.update({ where: { id }, data: { toSeq: last._max.seq ?? fromSeq } });
        if (absoluteVariance > 0) {
          await enqueue(tx, SOURCE, [{
            type: VAN_VARIANCE_EVENT, tenantId, aggregateId: van.id,
            payload: {
              reconciliationId: id, vanId: van.id, vanName: van.name, operatorUserId: van.operatorUserId, reconciledByUserId: v.userId ?? null,
              totalVariance, absoluteVariance, reconciledAt: reconciledAt.toISOString(),
              lines: lines.filter((l) => l.variance !== 0).map((l) => ({ sku: l.sku, expected: l.expected, counted: l.counted, variance: l.variance })),
            },
          }]);
        }
        return { reconciliation, announced: absoluteVariance > 0 };
      }, TX);
      if (announced) this.onEventsCommitted();
      return ok(reconciliation);
    } catch (e) {
      if (e instanceof Refused) return { ok: false, errors: e.errors };
      if (e instanceof ShortStock) return { ok: false, errors: [shortError(e.short, skus, new Map([[van.id, van]]), 'counts')] };
      throw e;
    }
  }

  /** Reconciliations, newest first; a sales rep's list is their own van's. */
  async reconciliations({ viewer }: RequestScope, args: ConnectionArgs & { filter?: { vanId?: string | null; hasVariance?: boolean | null } | null }): Promise<Connection<VanReconciliation>> {
    const policy = P['Query.vanReconciliations'];
    const v = authorize(policy, viewer);
    const { first, afterId } = pageWindow(args);
    const f = args.filter ?? {};
    if ((f.vanId?.length ?? 0) > MAX_STRING) throw badUserInput('filter.vanId is too long', ['filter', 'vanId']);
    const own = objectRuleOf(policy, v) === 'OWN_VAN' ? await this.ownVanIds(v) : null;
    const rows = await this.prisma.vanReconciliation.findMany({
      where: {
        tenantId: v.tenantId,
        ...(own ? { AND: [{ vanId: { in: own } }] } : {}),
        ...(f.vanId ? { vanId: f.vanId } : {}),
        ...(f.hasVariance === true ? { absoluteVariance: { gt: 0 } } : f.hasVariance === false ? { absoluteVariance: 0 } : {}),
        ...(afterId ? { id: { lt: afterId } } : {}),
      },
      orderBy: { id: 'desc' },
      take: first + 1,
    });
    return toConnection(rows, first, afterId);
  }

  async reconciliation({ viewer }: RequestScope, id: string): Promise<VanReconciliation | null> {
    const policy = P['Query.vanReconciliation'];
    const v = authorize(policy, viewer);
    if (id.length > MAX_STRING) return null;
    const row = await this.prisma.vanReconciliation.findFirst({ where: { id, tenantId: v.tenantId } });
    if (row && objectRuleOf(policy, v) === 'OWN_VAN' && !(await this.ownVanIds(v)).includes(row.vanId)) return null;
    return row;
  }

  private async ownVanIds(v: Viewer): Promise<string[]> {
    if (!v.userId) return [];
    return (await this.prisma.location.findMany({ where: { tenantId: v.tenantId, kind: 'VAN', operatorUserId: v.userId }, select: { id: true } })).map((l) => l.id);
  }
}
