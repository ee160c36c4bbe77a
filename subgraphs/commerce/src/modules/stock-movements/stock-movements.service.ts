import type { RequestScope } from '../../context.ts';
import {
  UserErrorCode as C, authorize, badUserInput, decodeCursor, fail, newId, ok, pageWindow, requireViewer, userError,
  type Connection, type ConnectionArgs, type Result, type UserError,
} from '@omniroute/core';
import type { Location, PrismaClient, StockLevel, StockMovement, StockMovementType } from '../../generated/prisma/client.ts';
import { MAX_STRING, normaliseLines, type LineInput } from '../orders/order-input.ts';
import { postOrThrow, ShortStock, type MovementDraft } from './stock-ledger.ts';
import { actorOf, locationError, locationsById, seqCursor, shortError, TX, variantsForLines } from './stock-lookups.ts';
import { checkAdjustment, noteOf, withNote, type AdjustmentReason } from './stock-movements.rules.ts';
import { stockMovementPolicies } from './stock-movements.policies.ts';

export interface StockMovementFilter {
  locationId?: string | null;
  sku?: string | null;
  type?: StockMovementType | null;
}

export interface AdjustStockRequest {
  locationId: string;
  sku: string;
  quantity: number;
  reason: AdjustmentReason;
  note?: string | null;
}

export interface TransferRequest {
  fromLocationId: string;
  toLocationId: string;
  lines: LineInput[];
  note?: string | null;
}

/** A transfer's legs: one TRANSFER_OUT at `from` and one TRANSFER_IN at `to` per line, sharing one transfer id. */
export function transferDrafts(fromId: string, toId: string, lines: readonly { variantId: string; quantity: number }[], note: string | null, reference: string): MovementDraft[] {
  const transferId = newId('trf');
  return lines.flatMap((l) => [
    { type: 'TRANSFER_OUT' as const, locationId: fromId, variantId: l.variantId, quantity: -l.quantity, transferId, note, reference },
    { type: 'TRANSFER_IN' as const, locationId: toId, variantId: l.variantId, quantity: l.quantity, transferId, note, reference },
  ]);
}

/** The stock ledger: listing movements, manual adjustments and transfers between locations (each one transaction). */
export class StockMovementService {
  constructor(private readonly prisma: PrismaClient) {}

  /** The tenant's movements in ledger order, narrowed by location, SKU or type. */
  async movements({ viewer }: RequestScope, args: ConnectionArgs & { filter?: StockMovementFilter | null }): Promise<Connection<StockMovement>> {
    const v = authorize(stockMovementPolicies['Query.stockMovements'], viewer);
    const { first } = pageWindow({ first: args.first });
    const afterSeq = args.after ? Number(decodeCursor(args.after)) : null;
    if (afterSeq !== null && !Number.isSafeInteger(afterSeq)) throw badUserInput('Invalid cursor', ['after']);
    const f = args.filter ?? {};
    if ((f.locationId?.length ?? 0) > MAX_STRING || (f.sku?.length ?? 0) > MAX_STRING) throw badUserInput('filter values are at most 200 characters', ['filter']);
    const rows = await this.prisma.stockMovement.findMany({
      where: {
        tenantId: v.tenantId,
        ...(f.locationId ? { locationId: f.locationId } : {}),
        ...(f.type ? { type: f.type } : {}),
        ...(f.sku ? { variantId: (await this.prisma.productVariant.findFirst({ where: { tenantId: v.tenantId, sku: f.sku }, select: { id: true } }))?.id ?? '-' } : {}),
        ...(afterSeq !== null ? { seq: { gt: afterSeq } } : {}),
      },
      orderBy: { seq: 'asc' },
      take: first + 1,
    });
    const edges = rows.slice(0, first).map((node) => ({ cursor: seqCursor(node.seq), node }));
    return {
      edges,
      pageInfo: { hasNextPage: rows.length > first, hasPreviousPage: afterSeq !== null, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
    };
  }

  /** Books one ADJUSTMENT with its reason; never takes stock below what open orders reserved. */
  async adjustStock({ viewer }: RequestScope, input: AdjustStockRequest): Promise<Result<{ movement: StockMovement; stockLevel: StockLevel }>> {
    const v = authorize(stockMovementPolicies['Mutation.adjustStock'], viewer);
    const errors: UserError[] = [];
    if (typeof input.locationId !== 'string' || input.locationId.length > MAX_STRING) errors.push(userError(C.INVALID_INPUT, 'locationId is too long', ['input', 'locationId']));
    if (typeof input.sku !== 'string' || input.sku.length === 0 || input.sku.length > MAX_STRING) errors.push(userError(C.INVALID_INPUT, `sku must be 1 to ${MAX_STRING} characters`, ['input', 'sku']));
    const bad = checkAdjustment(input.reason, input.quantity);
    if (bad) errors.push(bad);
    const note = noteOf(input.note, ['input', 'note']);
    if (!note.ok) errors.push(...note.errors);
    if (errors.length || !note.ok) return { ok: false, errors };

    const [locations, variants] = await Promise.all([
      locationsById(this.prisma, v.tenantId, [input.locationId]),
      this.prisma.productVariant.findFirst({ where: { tenantId: v.tenantId, sku: input.sku } }),
    ]);
    const location = locations.get(input.locationId);
    errors.push(...locationError(location, 'locationId'));
    if (!variants) errors.push(userError(C.UNKNOWN_SKU, `Unknown SKU ${input.sku.slice(0, 50)}`, ['input', 'sku']));
    if (errors.length || !location || !variants) return { ok: false, errors };
    try {
      return ok(
        await this.prisma.$transaction(async (tx) => {
          const [movement] = await postOrThrow(tx, v.tenantId, actorOf(v), [
            { type: 'ADJUSTMENT', locationId: location.id, variantId: variants.id, quantity: input.quantity, reasonCode: input.reason, note: note.value, reference: input.reason },
          ]);
          const stockLevel = await tx.stockLevel.findUniqueOrThrow({ where: { locationId_variantId: { locationId: location.id, variantId: variants.id } } });
          return { movement: movement!, stockLevel };
        }, TX),
      );
    } catch (e) {
      if (e instanceof ShortStock) return fail(C.INSUFFICIENT_STOCK, `Not enough unreserved stock of ${variants.sku} at ${location.name}`, ['input', 'quantity']);
      throw e;
    }
  }

  /** Moves stock between two of the tenant's locations: all lines or none, both legs in one transaction. */
  async transferStock(scope: RequestScope, input: TransferRequest): Promise<Result<StockMovement[]>> {
    authorize(stockMovementPolicies['Mutation.transferStock'], scope.viewer);
    const checked = await this.checkTransfer(scope, input, { from: 'fromLocationId', to: 'toLocationId' });
    if (!checked.ok) return checked;
    return this.runTransfer(scope, checked.value);
  }

  /**
   * Validates a transfer's input and finds its locations and variants (shared with the van's loads and returns):
   * malformed input first, then unknown ids, then the same location twice. The caller has checked its own policy.
   */
  async checkTransfer({ viewer }: RequestScope, input: TransferRequest, fields: { from: string; to: string }): Promise<Result<CheckedTransfer>> {
    const v = requireViewer(viewer);
    const errors: UserError[] = [];
    for (const [id, field] of [[input.fromLocationId, fields.from], [input.toLocationId, fields.to]] as const) {
      if (typeof id !== 'string' || id.length === 0 || id.length > MAX_STRING) errors.push(userError(C.INVALID_INPUT, `${field} must be 1 to ${MAX_STRING} characters`, ['input', field]));
    }
    const checked = withNote(normaliseLines(input.lines, ['input', 'lines']), input.note, errors);
    if (!checked.ok) return { ok: false, errors: checked.errors };
    const { lines, note } = checked.value;

    const [locations, variants] = await Promise.all([
      locationsById(this.prisma, v.tenantId, [input.fromLocationId, input.toLocationId]),
      variantsForLines(this.prisma, v.tenantId, lines, ['input', 'lines']),
    ]);
    const from = locations.get(input.fromLocationId);
    const to = locations.get(input.toLocationId);
    errors.push(...locationError(from, fields.from), ...locationError(to, fields.to), ...variants.errors);
    if (errors.length || !from || !to) return { ok: false, errors };
    if (from.id === to.id) return fail(C.SAME_LOCATION, 'A transfer needs two different locations', ['input', fields.to]);
    return ok({
      from, to, note,
      lines: lines.map((l) => ({ variantId: variants.bySku.get(l.sku)!.id, sku: l.sku, quantity: l.quantity })),
    });
  }

  /** Books a checked transfer; INSUFFICIENT_STOCK (nothing written) when the source cannot give every line. */
  async runTransfer({ viewer }: RequestScope, t: CheckedTransfer, reference = `${t.from.name} → ${t.to.name}`): Promise<Result<StockMovement[]>> {
    const v = requireViewer(viewer);
    try {
      return ok(await this.prisma.$transaction((tx) => postOrThrow(tx, v.tenantId, actorOf(v), transferDrafts(t.from.id, t.to.id, t.lines, t.note, reference.slice(0, MAX_STRING))), TX));
    } catch (e) {
      if (e instanceof ShortStock) return { ok: false, errors: [shortError(e.short, new Map(t.lines.map((l) => [l.variantId, l.sku])), new Map([[t.from.id, t.from], [t.to.id, t.to]]))] };
      throw e;
    }
  }
}

/** A transfer whose input was validated and whose locations and variants were found in the caller's tenant. */
export interface CheckedTransfer {
  from: Location;
  to: Location;
  lines: { variantId: string; sku: string; quantity: number }[];
  note: string | null;
}
