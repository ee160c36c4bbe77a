import type { RequestScope } from '../../context.ts';
import { createHash } from 'node:crypto';
import {
  UserErrorCode as C, authorize, badUserInput, fail, newId, Refused, ok, pageById, pageWindow, toConnection, userError,
  type Connection, type ConnectionArgs, type Result, type UserError,
} from '@omniroute/core';
import { Prisma, type GoodsReceipt, type PrismaClient, type PurchaseOrder, type PurchaseOrderStatus, type Supplier } from '../../generated/prisma/client.ts';
import { MAX_IDEMPOTENCY_KEY, MAX_STRING, normaliseLines, type LineInput } from '../orders/order-input.ts';
import { postOrThrow } from './stock-ledger.ts';
import { actorOf, locationError, locationsById, TX, variantsForLines } from './stock-lookups.ts';
import { withNote, planReceipt } from './stock-movements.rules.ts';
import { stockMovementPolicies as P } from './stock-movements.policies.ts';
import { isUniqueViolation } from '@omniroute/core/kit';

export interface ReceiveGoodsRequest {
  purchaseOrderId: string;
  lines: LineInput[];
  note?: string | null;
  idempotencyKey?: string | null;
}

const badString = (s: unknown, max = MAX_STRING) => typeof s !== 'string' || s.trim().length === 0 || s.length > max;

/** Purchasing: suppliers, purchase orders for a warehouse, and goods receipts against them (RECEIPT movements). */
export class PurchasingService {
  constructor(private readonly prisma: PrismaClient) {}

  async suppliers({ viewer }: RequestScope, args: ConnectionArgs): Promise<Connection<Supplier>> {
    const v = authorize(P['Query.suppliers'], viewer);
    return pageById(args, ({ take, after }) => this.prisma.supplier.findMany({ where: { tenantId: v.tenantId, ...after }, orderBy: { id: 'asc' }, take }));
  }

  async createSupplier({ viewer }: RequestScope, input: { name: string; phone?: string | null }): Promise<Result<Supplier>> {
    const v = authorize(P['Mutation.createSupplier'], viewer);
    const errors: UserError[] = [];
    if (badString(input.name)) errors.push(userError(C.INVALID_INPUT, `name must be 1 to ${MAX_STRING} characters`, ['input', 'name']));
    if (input.phone != null && badString(input.phone, 30)) errors.push(userError(C.INVALID_INPUT, 'phone must be 1 to 30 characters', ['input', 'phone']));
    if (errors.length) return { ok: false, errors };
    try {
      return ok(await this.prisma.supplier.create({ data: { id: newId('sup'), tenantId: v.tenantId, name: input.name.trim(), phone: input.phone?.trim() ?? null } }));
    } catch (e) {
      if (isUniqueViolation(e)) return fail(C.SUPPLIER_EXISTS, 'A supplier with this name exists already', ['input', 'name']);
      throw e;
    }
  }

  async purchaseOrders({ viewer }: RequestScope, args: ConnectionArgs & { filter?: { status?: PurchaseOrderStatus | null; locationId?: string | null } | null }): Promise<Connection<PurchaseOrder>> {
    const v = authorize(P['Query.purchaseOrders'], viewer);
    const { first, afterId } = pageWindow(args);
    const f = args.filter ?? {};
    if ((f.locationId?.length ?? 0) > MAX_STRING) throw badUserInput('filter.locationId is too long', ['filter', 'locationId']);
    const rows = await this.prisma.purchaseOrder.findMany({
      where: { tenantId: v.tenantId, ...(f.status ? { status: f.status } : {}), ...(f.locationId ? { locationId: f.locationId } : {}), ...(afterId ? { id: { gt: afterId } } : {}) },
      orderBy: { id: 'asc' },
      take: first + 1,
    });
    return toConnection(rows, first, afterId);
  }

  async purchaseOrder({ viewer }: RequestScope, id: string): Promise<PurchaseOrder | null> {
    const v = authorize(P['Query.purchaseOrder'], viewer);
    if (id.length > MAX_STRING) return null;
    return this.prisma.purchaseOrder.findFirst({ where: { id, tenantId: v.tenantId } });
  }

  /** Creates an OPEN purchase order for a warehouse; stock moves only when goods are received. */
  async createPurchaseOrder({ viewer }: RequestScope, input: { supplierId: string; locationId: string; lines: LineInput[] }): Promise<Result<PurchaseOrder>> {
    const v = authorize(P['Mutation.createPurchaseOrder'], viewer);
    const errors: UserError[] = [];
    if (badString(input.supplierId)) errors.push(userError(C.INVALID_INPUT, 'supplierId must be 1 to 200 characters', ['input', 'supplierId']));
    if (badString(input.locationId)) errors.push(userError(C.INVALID_INPUT, 'locationId must be 1 to 200 characters', ['input', 'locationId']));
    const lines = normaliseLines(input.lines, ['input', 'lines']);
    if (!lines.ok) errors.push(...lines.errors);
    if (errors.length || !lines.ok) return { ok: false, errors };
    const [supplier, locations, variants] = await Promise.all([
      this.prisma.supplier.findFirst({ where: { id: input.supplierId, tenantId: v.tenantId } }),
      locationsById(this.prisma, v.tenantId, [input.locationId]),
      variantsForLines(this.prisma, v.tenantId, lines.value, ['input', 'lines']),
    ]);
    const location = locations.get(input.locationId);
    if (!supplier) errors.push(userError(C.SUPPLIER_NOT_FOUND, 'No such supplier', ['input', 'supplierId']));
    errors.push(...locationError(location, 'locationId'), ...variants.errors);
    if (errors.length || !location) return { ok: false, errors };
    if (location.kind !== 'WAREHOUSE') return fail(C.NOT_A_WAREHOUSE, 'Suppliers deliver to warehouses; load vans from them', ['input', 'locationId']);
    // PO numbers count per tenant; two creations racing for a number: the unique index refuses one, which retries
    for (let attempt = 0; ; attempt++) {
      try {
        return ok(
          await this.prisma.$transaction(async (tx) => {
            const n = await tx.purchaseOrder.count({ where: { tenantId: v.tenantId } });
            const id = newId('po');
            const po = await tx.purchaseOrder.create({
              data: { id, tenantId: v.tenantId, number: `PO-${20001 + n}`, supplierId: supplier!.id, locationId: location.id, status: 'OPEN', createdByUserId: v.userId ?? null },
            });
            await tx.purchaseOrderLine.createMany({
              data: lines.value.map((l, position) => ({
                id: newId('pol'), tenantId: v.tenantId, purchaseOrderId: id, position, variantId: variants.bySku.get(l.sku)!.id, sku: l.sku, orderedQuantity: l.quantity,
              })),
            });
            return po;
          }, TX),
        );
      } catch (e) {
        if (isUniqueViolation(e) && attempt < 5) continue;
        throw e;
      }
    }
  }

  /**
   * Receives goods against a purchase order in one transaction: the order row locked, the receipt checked against
   * what is still expected (OVER_RECEIPT refuses it whole), the lines' received quantities and the status updated,
   * and one RECEIPT movement per SKU raising on hand. With an idempotency key a retry returns the first receipt.
   */
  async receiveGoods({ viewer }: RequestScope, input: ReceiveGoodsRequest): Promise<Result<{ goodsReceipt: GoodsReceipt; purchaseOrder: PurchaseOrder }>> {
    const v = authorize(P['Mutation.receiveGoods'], viewer);
    const errors: UserError[] = [];
    if (badString(input.purchaseOrderId)) errors.push(userError(C.INVALID_INPUT, 'purchaseOrderId must be 1 to 200 characters', ['input', 'purchaseOrderId']));
    const key = input.idempotencyKey ?? null;
    if (key !== null && badString(key, MAX_IDEMPOTENCY_KEY)) errors.push(userError(C.INVALID_INPUT, `idempotencyKey must be 1 to ${MAX_IDEMPOTENCY_KEY} characters`, ['input', 'idempotencyKey']));
    const checked = withNote(normaliseLines(input.lines, ['input', 'lines']), input.note, errors);
    if (!checked.ok) return { ok: false, errors: checked.errors };
    const { lines, note } = checked.value;
    const tenantId = v.tenantId;
    const requestHash = createHash('sha256')
      .update(JSON.stringify([input.purchaseOrderId, [...lines].sort((a, b) => a.sku.localeCompare(b.sku)).map((l) => [l.sku, l.quantity])]))
      .digest('hex');
    const replay = async () => {
      const prior = key ? await this.prisma.goodsReceipt.findUnique({ where: { tenantId_idempotencyKey: { tenantId, idempotencyKey: key } } }) : null;
      if (!prior) return null;
      if (prior.requestHash !== requestHash) return fail<{ goodsReceipt: GoodsReceipt; purchaseOrder: PurchaseOrder }>(C.IDEMPOTENCY_KEY_REUSED, 'This idempotency key was used for a different receipt', ['input', 'idempotencyKey']);
      return ok({ goodsReceipt: prior, purchaseOrder: (await this.prisma.purchaseOrder.findFirst({ where: { id: prior.purchaseOrderId, tenantId } }))! });
    };
    const prior = await replay();
    if (prior) return prior;

    try {
      return ok(
        await this.prisma.$transaction(async (tx) => {
          const locked = await tx.$queryRaw<{ id: string }[]>`SELECT "id" FROM "PurchaseOrder" WHERE "id" = ${input.purchaseOrderId} AND "tenantId" = ${tenantId} FOR UPDATE`;
          if (!locked.length) throw new Refused([userError(C.PURCHASE_ORDER_NOT_FOUND, 'No such purchase order', ['input', 'purchaseOrderId'])]);
          const po = (await tx.purchaseOrder.findFirst({ where: { id: input.purchaseOrderId, tenantId }, include: { lines: { orderBy: { position: 'asc' } } } }))!;
          if (po.status === 'RECEIVED') throw new Refused([userError(C.PURCHASE_ORDER_CLOSED, `${po.number} has been received in full`, ['input', 'purchaseOrderId'])]);
          const plan = planReceipt(po.lines, lines);
          if (!plan.ok) throw new Refused(plan.errors);
          const receipt = await tx.goodsReceipt.create({
            data: { id: newId('grn'), tenantId, purchaseOrderId: po.id, note, idempotencyKey: key, requestHash, actorUserId: v.userId ?? null, actorPartnerId: v.partnerId ?? null },
          });
          const bySku = new Map(po.lines.map((l) => [l.sku, l]));
          for (const l of plan.value.lines) {
            const line = bySku.get(l.sku)!;
            if (l.receivedQuantity !== line.receivedQuantity) await tx.purchaseOrderLine.update({ where: { id: line.id }, data: { receivedQuantity: l.receivedQuantity } });
          }
          const updated = await tx.purchaseOrder.update({ where: { id: po.id }, data: { status: plan.value.status } });
          await postOrThrow(tx, tenantId, actorOf(v), lines.map((l) => ({
            type: 'RECEIPT' as const, locationId: po.locationId, variantId: bySku.get(l.sku)!.variantId, quantity: l.quantity, goodsReceiptId: receipt.id, reference: po.number, note,
          })));
          return { goodsReceipt: receipt, purchaseOrder: updated };
        }, TX),
      );
    } catch (e) {
      if (e instanceof Refused) return { ok: false, errors: e.errors };
      if (key && isUniqueViolation(e)) {
        const again = await replay();
        if (again) return again;
      }
      throw e;
    }
  }
}
