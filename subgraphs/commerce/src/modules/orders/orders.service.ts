import {
  UserErrorCode as C, authorize,
  badUserInput,
  combinedRange,
  decodeCursor,
  fail,
  forbidden,
  newId,
  objectRuleOf,
  ok,
  pageWindow,
  rangeOf,
  requireBoundCustomer,
  userError,
  wireMoney,
  type Connection,
  type ConnectionArgs,
  type CurrencyCode,
  type Result,
} from '@omniroute/core';
import { isSqlUniqueViolation, sqlBatchFor, sqlFor, sqlTransactionFor, type SqlRunner } from '@omniroute/db';
import { enqueue, type DomainEvent, type NewEvent, type WrittenOutboxRow } from '@omniroute/events';
import { Prisma, type Channel, type Order, type OrderStatus, type PaymentTerms, type PrismaClient } from '../../generated/prisma/client.ts';
import { consumeReservedStock, releaseStock, type StockLine } from '../inventory/stock.ts';
import { priceOrder } from '../pricing/pricing-engine.ts';
import { insertPlacedOrder, readForPlaceOrder } from './place-order.sql.ts';
import { lockOrderForDecision, markShipmentCreated, writeDecision } from './order-lifecycle.sql.ts';
import type { RequestScope } from '../../context.ts';
import { MAX_NOTE, MAX_STRING, validatePlaceOrder, type PlaceOrderRequest } from './order-input.ts';
import { orderPolicies } from './orders.policies.ts';
import { repCustomerWhere, repReachesCustomer, requireRepReaches } from '../territories/rep-territories.ts';

export const SOURCE = 'commerce';
/** Statuses an order can still be cancelled in: anything before it leaves the location. */
export const CANCELLABLE: OrderStatus[] = ['PENDING', 'CONFIRMED', 'PACKED'];
// PGlite runs one transaction at a time, so under load a transaction may queue for a while before it starts.
const TX = { maxWait: 15_000, timeout: 30_000 };

type Tx = Prisma.TransactionClient;

export interface OrderFilter {
  status?: OrderStatus | null;
  customerId?: string | null;
  channel?: Channel | null;
}

// Orders are listed newest first, so the cursor is (placedAt, id), not the id alone.
const encodeCursor = (o: Pick<Order, 'placedAt' | 'id'>) => Buffer.from(`c:${o.placedAt.toISOString()}|${o.id}`).toString('base64url');
/** One page of a tenant's orders, newest first (the statement of `orders` without a territory rule). */
function orderPage(
  sql: SqlRunner,
  q: { tenantId: string; customerIds: (string | null)[]; status?: OrderStatus | null; channel?: Channel | null; after: { placedAt: Date; id: string } | null; take: number },
): Promise<Order[]> {
  const params: unknown[] = [q.tenantId];
  const where = ['"tenantId" = $1'];
  const param = (v: unknown) => `$${params.push(v)}`;
  for (const c of q.customerIds) if (c) where.push(`"customerId" = ${param(c)}`);
  if (q.status) where.push(`"status" = ${param(q.status)}`);
  if (q.channel) where.push(`"channel" = ${param(q.channel)}`);
  if (q.after) {
    // timestamp(3) holds UTC: the cursor's instant as zone-less text, whatever the process's time zone
    const at = param(q.after.placedAt.toISOString().slice(0, -1));
    where.push(`("placedAt" < ${at} OR ("placedAt" = ${at} AND "id" < ${param(q.after.id)}))`);
  }
  return sql<Order>(`SELECT * FROM "Order" WHERE ${where.join(' AND ')} ORDER BY "placedAt" DESC, "id" DESC LIMIT ${param(q.take)}`, params);
}

function decodeOrderCursor(cursor: string): { placedAt: Date; id: string } {
  const raw = decodeCursor(cursor);
  const bar = raw.indexOf('|');
  const placedAt = new Date(raw.slice(0, bar));
  if (bar < 0 || Number.isNaN(placedAt.getTime())) throw badUserInput('Invalid cursor', ['after']);
  return { placedAt, id: raw.slice(bar + 1) };
}

/**
 * Orders: placing (price, reserve, record, announce — one transaction), cancelling, listing, and moving orders
 * through their life cycle when finance and logistics report back (credit decisions, dispatch, delivery).
 */
export class OrderService {
  constructor(
    private readonly prisma: PrismaClient,
    /** Called after a commit that wrote outbox events, with them when known (the relay publishes them right away). */
    private readonly onEventsCommitted: (written?: readonly WrittenOutboxRow[]) => void = () => undefined,
  ) {}

  /** An order by id in the viewer's tenant, or null (retailers: only their customer's orders). */
  async order(scope: RequestScope, id: string): Promise<Order | null> {
    const policy = orderPolicies['Query.order'];
    const v = authorize(policy, scope.viewer);
    const order = await scope.loaders.orderById.load(id);
    const rule = order ? objectRuleOf(policy, v) : null;
    if (order && rule === 'OWN_CUSTOMER' && order.customerId !== requireBoundCustomer(v)) return null;
    if (order && rule === 'OWN_TERRITORY' && !(await repReachesCustomer(this.prisma, v, order.customerId))) return null;
    return order;
  }

  async orders({ viewer }: RequestScope, args: ConnectionArgs & { filter?: OrderFilter | null }): Promise<Connection<Order>> {
    const policy = orderPolicies['Query.orders'];
    const v = authorize(policy, viewer);
    const rule = objectRuleOf(policy, v);
    const own = rule === 'OWN_CUSTOMER' ? requireBoundCustomer(v) : null;
    // a sales rep's list is the orders of their territories' customers
    const territory = rule === 'OWN_TERRITORY' ? { customer: await repCustomerWhere(this.prisma, v) } : null;
    const { first } = pageWindow({ first: args.first });
    const after = args.after ? decodeOrderCursor(args.after) : null;
    const f = args.filter ?? {};
    if (f.customerId && f.customerId.length > MAX_STRING) throw badUserInput('filter.customerId is too long', ['filter', 'customerId']);
    // A sales rep's list filters through a relation (Prisma); every other list is one plain statement on the driver
    // (packages/db fast-sql.ts): the same rows, without Prisma's per-query cost on the busiest list of the graph.
    const rows = territory
      ? await this.prisma.order.findMany({
          where: {
            tenantId: v.tenantId,
            // a retailer's list is its own customer's orders, whatever the filter asks for
            ...(own ? { AND: [{ customerId: own }] } : territory ? { AND: [territory] } : {}),
            ...(f.status ? { status: f.status } : {}),
            ...(f.customerId ? { customerId: f.customerId } : {}),
            ...(f.channel ? { channel: f.channel } : {}),
            ...(after ? { OR: [{ placedAt: { lt: after.placedAt } }, { placedAt: after.placedAt, id: { lt: after.id } }] } : {}),
          },
          orderBy: [{ placedAt: 'desc' }, { id: 'desc' }],
          take: first + 1,
        })
      : await orderPage(sqlFor(this.prisma), { tenantId: v.tenantId, customerIds: [own, f.customerId ?? null], status: f.status, channel: f.channel, after, take: first + 1 });
    const edges = rows.slice(0, first).map((node) => ({ cursor: encodeCursor(node), node }));
    return {
      edges,
      pageInfo: {
        hasNextPage: rows.length > first,
        hasPreviousPage: after !== null,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
    };
  }

  /**
   * Validates, prices and places an order: in ONE transaction the order row, the stock reservation (all lines or
   * none) and the `order.placed` + `order.status_changed` outbox events. With an idempotency key, a retry — also a
   * concurrent one — gets the first order back (the unique (tenantId, idempotencyKey) index decides the race).
   */
  async placeOrder(scope: RequestScope, input: PlaceOrderRequest): Promise<Result<Order>> {
    const policy = orderPolicies['Mutation.placeOrder'];
    const v = authorize(policy, scope.viewer);
    if (objectRuleOf(policy, v) === 'OWN_CUSTOMER' && input.customerId !== requireBoundCustomer(v)) {
      throw forbidden('Retailers order only for their own customer');
    }
    if (objectRuleOf(policy, v) === 'OWN_TERRITORY' && typeof input.customerId === 'string') await requireRepReaches(this.prisma, v, input.customerId);
    const parsed = validatePlaceOrder(input);
    if (!parsed.ok) return parsed;
    const req = parsed.value;
    const tenantId = v.tenantId;

    // On the driver (place-order.sql.ts, issue 17): one wave of reads, then one statement that is its own transaction.
    const sql = sqlFor(this.prisma);
    const skus = req.lines.map((l) => l.sku);
    const read = await readForPlaceOrder(sqlBatchFor(this.prisma), { tenantId, customerId: req.customerId, locationId: req.locationId, skus, idempotencyKey: req.idempotencyKey });
    if (read.prior) return this.replay(read.prior, req.requestHash);
    const { customer, settings, variants } = read;
    if (!settings || !read.rules) throw new Error(`commerce settings missing for tenant ${tenantId}`);
    const errors = [];
    if (!customer) errors.push(userError(C.CUSTOMER_NOT_FOUND, 'No such customer', ['input', 'customerId']));
    if (!settings.locationId) errors.push(userError(C.LOCATION_NOT_FOUND, 'No such location', ['input', 'locationId']));
    const bySku = new Map(variants.map((x) => [x.sku, x]));
    for (const l of req.lines) {
      if (bySku.has(l.sku)) continue;
      const at = input.lines.findIndex((x) => x.sku === l.sku);
      errors.push(userError(C.UNKNOWN_SKU, `Unknown SKU ${l.sku.slice(0, 50)}`, ['input', 'lines', String(at), 'sku']));
    }
    if (errors.length || !customer || !settings.locationId) return { ok: false, errors };

    const lines = req.lines.map((l) => ({ variant: bySku.get(l.sku)!, quantity: l.quantity }));
    const priced = priceOrder(
      customer.type,
      lines.map((l) => ({ variantId: l.variant.id, sku: l.variant.sku, basePrice: l.variant.basePrice, quantity: l.quantity })),
      read.rules,
    );
    const paymentTerms: PaymentTerms = (req.paymentTerms as PaymentTerms | null) ?? (customer.onCredit ? 'NET_14' : 'CASH_ON_DELIVERY');
    const id = newId('ord');
    const placedAt = new Date();
    const seq = settings.nextSeq;
    const number = `${settings.orderPrefix}-${20000 + seq}`;
    const total = priced.total.amount.toString();
    // what the events say about the order (as the row will read: status PENDING, updatedAt = placedAt)
    const placed = { id, tenantId, customerId: customer.id, status: 'PENDING' as OrderStatus, updatedAt: placedAt } as Order;

    try {
      const written = await insertPlacedOrder(sqlTransactionFor(this.prisma), {
        id, tenantId, seq, number, customerId: customer.id, locationId: settings.locationId, channel: req.channel, paymentTerms,
        currency: priced.currency, subtotal: priced.subtotal.amount.toString(), discountTotal: priced.discountTotal.amount.toString(), total,
        placedAt, idempotencyKey: req.idempotencyKey, requestHash: req.requestHash, placedByUserId: v.userId ?? null, placedByPartnerId: v.partnerId ?? null,
        lines: priced.lines.map((l) => ({
          id: newId('oln'), variantId: l.variantId, sku: l.sku, quantity: l.quantity,
          basePrice: l.basePrice.amount.toString(), unitPrice: l.unitPrice.amount.toString(), total: l.total.amount.toString(), pricingRule: l.pricingRule,
        })),
        events: [
          this.event('order.placed', placed, {
            orderId: id, number, customerId: customer.id, paymentTerms, total: wireMoney(total, priced.currency as CurrencyCode),
            lines: priced.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })), placedAt: placedAt.toISOString(),
          }),
          this.statusChanged(placed, null),
        ],
      });
      if ('short' in written) {
        const short = lines.filter((l) => written.short.includes(l.variant.id)).map((l) => l.variant.sku);
        return fail(C.INSUFFICIENT_STOCK, `Not enough stock at ${settings.locationName} for: ${short.join(', ')}`, ['input', 'lines']);
      }
      this.onEventsCommitted(written.written);
      return ok(written.order);
    } catch (error) {
      if (req.idempotencyKey && isSqlUniqueViolation(error)) {
        const [prior] = await sql<Order>('SELECT * FROM "Order" WHERE "tenantId" = $1 AND "idempotencyKey" = $2', [tenantId, req.idempotencyKey]);
        if (prior) return this.replay(prior, req.requestHash);
      }
      throw error;
    }
  }

  /** Cancels an order that has not left the location, releases its stock and announces `order.cancelled`. */
  async cancelOrder({ viewer }: RequestScope, input: { orderId: string; reason?: string | null }): Promise<Result<Order>> {
    const policy = orderPolicies['Mutation.cancelOrder'];
    const v = authorize(policy, viewer);
    if (typeof input.orderId !== 'string' || input.orderId.length > MAX_STRING) return fail(C.INVALID_INPUT, 'orderId is too long', ['input', 'orderId']);
    const reason = input.reason?.trim() || null;
    if (reason && reason.length > MAX_NOTE) return fail(C.INVALID_INPUT, `reason is at most ${MAX_NOTE} characters`, ['input', 'reason']);
    const rule = objectRuleOf(policy, v);
    if (rule) {
      // Who an order belongs to never changes, so it is checked before the transaction that locks it.
      const target = await this.prisma.order.findFirst({ where: { id: input.orderId, tenantId: v.tenantId }, select: { customerId: true, placedByPartnerId: true } });
      if (!target) return fail(C.ORDER_NOT_FOUND, 'No such order', ['input', 'orderId']);
      if (rule === 'OWN_CUSTOMER' && target.customerId !== requireBoundCustomer(v)) throw forbidden("Retailers cancel only their own customer's orders");
      if (rule === 'OWN_TERRITORY') await requireRepReaches(this.prisma, v, target.customerId);
      if (rule === 'OWN_APP_ORDERS' && (!v.partnerId || target.placedByPartnerId !== v.partnerId)) throw forbidden('API keys cancel only orders their partner app placed');
    }
    const result = await this.prisma.$transaction(async (tx): Promise<Result<Order>> => {
      const before = await this.lockOrder(tx, v.tenantId, input.orderId);
      if (!before) return fail(C.ORDER_NOT_FOUND, 'No such order', ['input', 'orderId']);
      if (!CANCELLABLE.includes(before.status)) {
        return fail(C.ORDER_NOT_CANCELLABLE, `An order that is ${before.status} can no longer be cancelled`, ['input', 'orderId']);
      }
      const after = await tx.order.update({ where: { id: before.id }, data: { status: 'CANCELLED', cancellationReason: reason } });
      await releaseStock(tx, after.tenantId, after.locationId, await this.stockLines(tx, after));
      await enqueue(tx, SOURCE, [
        this.event('order.cancelled', after, { orderId: after.id, customerId: after.customerId, total: wireMoney(after.total, after.currency as CurrencyCode), reason }),
        this.statusChanged(after, before.status),
      ]);
      return ok(after);
    }, TX);
    if (result.ok) this.onEventsCommitted();
    return result;
  }

  // ---- life cycle driven by other subgraphs' events (run inside the consumer's transaction; tenant from the event) ----

  /**
   * Applies a credit decision or shipment.created (LIFECYCLE_SQL_EVENTS), on the driver path (order-lifecycle.sql.ts);
   * returns true when it changed an order, the outbox rows it wrote added to `written`. Unknown orders and stale
   * events are ignored. Its write is the transaction's final statement, run with `last` (the commit goes with it).
   */
  async applyEventSql(sql: SqlRunner, e: DomainEvent, last: SqlRunner, written: WrittenOutboxRow[] = []): Promise<boolean> {
    const p = e.payload as Record<string, unknown>;
    if (typeof p.orderId !== 'string') return false;
    switch (e.type) {
      case 'credit.approved':
        return this.confirm(sql, last, e.tenantId, p.orderId, written);
      case 'credit.rejected':
        return this.reject(sql, last, e.tenantId, p.orderId, typeof p.reason === 'string' ? p.reason : 'Credit check failed', written);
      case 'shipment.created':
        // logistics has the order: the confirmed-orders reconciler stops re-sending order.confirmed (no status change)
        await markShipmentCreated(last, e.tenantId, p.orderId, new Date(e.occurredAt), new Date());
        return false;
      default:
        return false;
    }
  }

  /** Applies one of the other consumed events (dispatch, delivery) through Prisma; true when it changed an order. */
  async applyEvent(tx: Tx, e: DomainEvent): Promise<boolean> {
    const p = e.payload as Record<string, unknown>;
    if (typeof p.orderId !== 'string') return false;
    switch (e.type) {
      case 'shipment.dispatched':
        return this.dispatch(tx, e.tenantId, p.orderId, typeof p.shipmentId === 'string' ? p.shipmentId : undefined);
      case 'shipment.delivered':
        return this.deliver(tx, e.tenantId, p.orderId);
      default:
        return false;
    }
  }

  private async confirm(sql: SqlRunner, last: SqlRunner, tenantId: string, orderId: string, written: WrittenOutboxRow[]): Promise<boolean> {
    const locked = await lockOrderForDecision(sql, tenantId, orderId);
    const before = locked?.order;
    if (before?.status !== 'PENDING') return false;
    const after: Order = { ...before, status: 'CONFIRMED', updatedAt: new Date() };
    const { customer, lines } = locked!;
    const weightKg = lines.reduce((s, l) => s.plus(l.variant.weightKg.times(l.quantity)), new Prisma.Decimal(0));
    // the goods' volume where the catalogue knows it (issue 15: planning checks vehicles' m³ too); null when it knows none
    const sized = lines.filter((l) => l.variant.volumeL != null);
    const volumeM3 = sized.length ? sized.reduce((s, l) => s.plus(l.variant.volumeL!.times(l.quantity)), new Prisma.Decimal(0)).div(1000).toNumber() : null;
    // chilled goods: logistics plans and dispatches the order on refrigerated vehicles only
    const temperature = combinedRange(lines.map((l) => rangeOf(l.variant.product)));
    written.push(...await writeDecision(last, {
      tenantId, orderId, status: after.status, updatedAt: after.updatedAt, rejectionReason: null, release: null,
      events: [
        this.statusChanged(after, before.status),
        this.event('order.confirmed', after, {
          orderId, number: after.number, customerId: after.customerId, customerName: customer?.name ?? null, locationId: after.locationId,
          territoryId: customer?.territoryId ?? null,
          destination: customer?.lat != null && customer.lng != null ? { lat: customer.lat, lng: customer.lng } : null,
          total: wireMoney(after.total, after.currency as CurrencyCode), weightKg: weightKg.toNumber(), volumeM3, temperature,
        }),
      ],
    }));
    return true;
  }

  private async reject(sql: SqlRunner, last: SqlRunner, tenantId: string, orderId: string, reason: string, written: WrittenOutboxRow[]): Promise<boolean> {
    const locked = await lockOrderForDecision(sql, tenantId, orderId);
    const before = locked?.order;
    if (before?.status !== 'PENDING') return false;
    const rejectionReason = reason.slice(0, MAX_NOTE);
    const after: Order = { ...before, status: 'REJECTED', rejectionReason, updatedAt: new Date() };
    written.push(...await writeDecision(last, {
      tenantId, orderId, status: after.status, updatedAt: after.updatedAt, rejectionReason,
      release: { locationId: after.locationId, lines: locked!.lines.map((l) => ({ variantId: l.variantId, quantity: l.quantity })) },
      events: [
        this.statusChanged(after, before.status),
        this.event('order.rejected', after, { orderId, customerId: after.customerId, reason: rejectionReason }),
      ],
    }));
    return true;
  }

  private async dispatch(tx: Tx, tenantId: string, orderId: string, shipmentId?: string): Promise<boolean> {
    const before = await this.lockOrder(tx, tenantId, orderId);
    if (!before || !['CONFIRMED', 'PACKED'].includes(before.status)) return false;
    const after = await tx.order.update({ where: { id: orderId }, data: { status: 'DISPATCHED' } });
    await consumeReservedStock(tx, tenantId, after.locationId, await this.stockLines(tx, after), { orderId, reference: after.number });
    // The acknowledgement logistics waits for before it accepts a delivery: from here on the order cannot be
    // cancelled, so a delivery can no longer cross a cancellation. A cancelled order never sends it (the
    // order.cancelled it sent recalls the shipment instead).
    await enqueue(tx, SOURCE, [
      this.statusChanged(after, before.status),
      this.event('order.dispatched', after, { orderId, shipmentId: shipmentId ?? null, at: after.updatedAt.toISOString() }),
    ]);
    return true;
  }

  private async deliver(tx: Tx, tenantId: string, orderId: string): Promise<boolean> {
    const before = await this.lockOrder(tx, tenantId, orderId);
    if (!before || !['CONFIRMED', 'PACKED', 'DISPATCHED'].includes(before.status)) return false;
    const after = await tx.order.update({ where: { id: orderId }, data: { status: 'DELIVERED' } });
    // Delivered without a dispatch event seen (events of two streams may arrive out of order): the stock left too.
    if (before.status !== 'DISPATCHED') await consumeReservedStock(tx, tenantId, after.locationId, await this.stockLines(tx, after), { orderId, reference: after.number });
    await enqueue(tx, SOURCE, [this.statusChanged(after, before.status)]);
    return true;
  }

  // ---- helpers ----

  private replay(prior: Order, requestHash: string): Result<Order> {
    if (prior.requestHash && prior.requestHash !== requestHash) {
      return fail(C.IDEMPOTENCY_KEY_REUSED, 'This idempotency key was used for a different order', ['input', 'idempotencyKey']);
    }
    return ok(prior);
  }

  /** Reads the order with its row locked until the transaction ends, so status changes never race each other. */
  private async lockOrder(tx: Tx, tenantId: string, orderId: string): Promise<Order | null> {
    const locked = await tx.$queryRaw<{ id: string }[]>`SELECT "id" FROM "Order" WHERE "id" = ${orderId} AND "tenantId" = ${tenantId} FOR UPDATE`;
    if (locked.length === 0) return null;
    return tx.order.findFirst({ where: { id: orderId, tenantId } });
  }

  private async stockLines(tx: Tx, order: Order): Promise<StockLine[]> {
    const lines = await tx.orderLine.findMany({ where: { orderId: order.id, tenantId: order.tenantId }, select: { variantId: true, quantity: true } });
    return lines;
  }

  private event(type: string, order: Order, payload: object): NewEvent {
    return { type, tenantId: order.tenantId, aggregateId: order.id, payload };
  }

  private statusChanged(order: Order, previousStatus: OrderStatus | null): NewEvent {
    return this.event('order.status_changed', order, {
      orderId: order.id, customerId: order.customerId, previousStatus, status: order.status, at: order.updatedAt.toISOString(),
    });
  }
}
