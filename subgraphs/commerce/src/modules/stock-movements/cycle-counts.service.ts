import type { RequestScope } from '../../context.ts';
import {
  UserErrorCode as C, authorize, badUserInput, newId, Refused, ok, pageWindow, toConnection, userError,
  type Connection, type ConnectionArgs, type Result, type UserError,
} from '@omniroute/core';
import { Prisma, type CycleCount, type CycleCountStatus, type PrismaClient } from '../../generated/prisma/client.ts';
import { MAX_STRING } from '../orders/order-input.ts';
import { postOrThrow, ShortStock } from './stock-ledger.ts';
import { actorOf, locationError, locationsById, shortError, TX, variantsForLines } from './stock-lookups.ts';
import { countVariances, noteOf, withNote, normaliseCountLines, type CountLineInput } from './stock-movements.rules.ts';
import { stockMovementPolicies as P } from './stock-movements.policies.ts';

const badId = (s: unknown) => typeof s !== 'string' || s.length === 0 || s.length > MAX_STRING;

/**
 * Cycle counts: a physical count against the book, its variances waiting for an approver (FINANCE or ADMIN, never
 * the user who counted), and on approval the COUNT_VARIANCE movements that bring the book to what was counted.
 */
export class CycleCountService {
  constructor(private readonly prisma: PrismaClient) {}

  async cycleCounts({ viewer }: RequestScope, args: ConnectionArgs & { filter?: { status?: CycleCountStatus | null; locationId?: string | null } | null }): Promise<Connection<CycleCount>> {
    const v = authorize(P['Query.cycleCounts'], viewer);
    const { first, afterId } = pageWindow(args);
    const f = args.filter ?? {};
    if ((f.locationId?.length ?? 0) > MAX_STRING) throw badUserInput('filter.locationId is too long', ['filter', 'locationId']);
    const rows = await this.prisma.cycleCount.findMany({
      where: { tenantId: v.tenantId, ...(f.status ? { status: f.status } : {}), ...(f.locationId ? { locationId: f.locationId } : {}), ...(afterId ? { id: { gt: afterId } } : {}) },
      orderBy: { id: 'asc' },
      take: first + 1,
    });
    return toConnection(rows, first, afterId);
  }

  async cycleCount({ viewer }: RequestScope, id: string): Promise<CycleCount | null> {
    const v = authorize(P['Query.cycleCount'], viewer);
    if (id.length > MAX_STRING) return null;
    return this.prisma.cycleCount.findFirst({ where: { id, tenantId: v.tenantId } });
  }

  /** Records a count against the book as it stands (rows locked while read); no variance: approved at once. */
  async recordCycleCount({ viewer }: RequestScope, input: { locationId: string; lines: CountLineInput[]; note?: string | null }): Promise<Result<CycleCount>> {
    const v = authorize(P['Mutation.recordCycleCount'], viewer);
    const errors: UserError[] = [];
    if (badId(input.locationId)) errors.push(userError(C.INVALID_INPUT, 'locationId must be 1 to 200 characters', ['input', 'locationId']));
    const checked = withNote(normaliseCountLines(input.lines, ['input', 'lines']), input.note, errors);
    if (!checked.ok) return { ok: false, errors: checked.errors };
    const { lines, note } = checked.value;
    const [locations, variants] = await Promise.all([
      locationsById(this.prisma, v.tenantId, [input.locationId]),
      variantsForLines(this.prisma, v.tenantId, lines, ['input', 'lines']),
    ]);
    const location = locations.get(input.locationId);
    errors.push(...locationError(location, 'locationId'), ...variants.errors);
    if (errors.length || !location) return { ok: false, errors };
    const tenantId = v.tenantId;
    const ids = lines.map((l) => variants.bySku.get(l.sku)!.id);
    return ok(
      await this.prisma.$transaction(async (tx) => {
        const book = await tx.$queryRaw<{ variantId: string; onHand: number }[]>`
          SELECT "variantId", "onHand" FROM "StockLevel"
          WHERE "tenantId" = ${tenantId} AND "locationId" = ${location.id} AND "variantId" IN (${Prisma.join(ids)})
          ORDER BY "variantId" FOR UPDATE`;
        const onHand = new Map(book.map((b) => [b.variantId, b.onHand]));
        const counted = countVariances(new Map(lines.map((l) => [l.sku, onHand.get(variants.bySku.get(l.sku)!.id) ?? 0])), lines);
        const anyVariance = counted.some((l) => l.variance !== 0);
        const id = newId('cnt');
        const now = new Date();
        const count = await tx.cycleCount.create({
          data: {
            id, tenantId, locationId: location.id, status: anyVariance ? 'PENDING_APPROVAL' : 'APPROVED', note,
            countedByUserId: v.userId ?? null, countedByPartnerId: v.partnerId ?? null, countedAt: now, decidedAt: anyVariance ? null : now,
          },
        });
        await tx.cycleCountLine.createMany({
          data: counted.map((l) => ({ id: newId('cnl'), tenantId, cycleCountId: id, variantId: variants.bySku.get(l.sku)!.id, ...l })),
        });
        return count;
      }, TX),
    );
  }

  /**
   * Approves a pending count: books each line's variance (found at count time) as a COUNT_VARIANCE movement, so
   * stock moved since the count is kept. Refused for the user who counted, and when the write-off would take stock
   * below what open orders reserved.
   */
  async approveCycleCount({ viewer }: RequestScope, input: { cycleCountId: string }): Promise<Result<CycleCount>> {
    const v = authorize(P['Mutation.approveCycleCount'], viewer);
    if (badId(input.cycleCountId)) return { ok: false, errors: [userError(C.INVALID_INPUT, 'cycleCountId must be 1 to 200 characters', ['input', 'cycleCountId'])] };
    const skus = new Map<string, string>();
    try {
      return ok(
        await this.prisma.$transaction(async (tx) => {
          const count = await this.lockPending(tx, v.tenantId, input.cycleCountId);
          if (count.countedByUserId && count.countedByUserId === v.userId) {
            throw new Refused([userError(C.SELF_APPROVAL, 'A count is approved by someone other than the person who counted it', ['input', 'cycleCountId'])]);
          }
          const lines = await tx.cycleCountLine.findMany({ where: { cycleCountId: count.id, tenantId: v.tenantId } });
          for (const l of lines) skus.set(l.variantId, l.sku);
          await postOrThrow(tx, v.tenantId, actorOf(v), lines.filter((l) => l.variance !== 0).map((l) => ({
            type: 'COUNT_VARIANCE' as const, locationId: count.locationId, variantId: l.variantId, quantity: l.variance, cycleCountId: count.id, reference: `cycle count ${count.id}`,
          })));
          return tx.cycleCount.update({ where: { id: count.id }, data: { status: 'APPROVED', decidedByUserId: v.userId ?? null, decidedAt: new Date() } });
        }, TX),
      );
    } catch (e) {
      if (e instanceof Refused) return { ok: false, errors: e.errors };
      if (e instanceof ShortStock) {
        const locations = await locationsById(this.prisma, v.tenantId, e.short.map((s) => s.locationId));
        return { ok: false, errors: [shortError(e.short, skus, locations, 'cycleCountId')] };
      }
      throw e;
    }
  }

  /** Rejects a pending count: nothing is booked. */
  async rejectCycleCount({ viewer }: RequestScope, input: { cycleCountId: string; reason?: string | null }): Promise<Result<CycleCount>> {
    const v = authorize(P['Mutation.rejectCycleCount'], viewer);
    const errors: UserError[] = [];
    if (badId(input.cycleCountId)) errors.push(userError(C.INVALID_INPUT, 'cycleCountId must be 1 to 200 characters', ['input', 'cycleCountId']));
    const reason = noteOf(input.reason, ['input', 'reason']);
    if (!reason.ok) errors.push(...reason.errors);
    if (errors.length || !reason.ok) return { ok: false, errors };
    try {
      return ok(
        await this.prisma.$transaction(async (tx) => {
          const count = await this.lockPending(tx, v.tenantId, input.cycleCountId);
          return tx.cycleCount.update({ where: { id: count.id }, data: { status: 'REJECTED', rejectionReason: reason.value, decidedByUserId: v.userId ?? null, decidedAt: new Date() } });
        }, TX),
      );
    } catch (e) {
      if (e instanceof Refused) return { ok: false, errors: e.errors };
      throw e;
    }
  }

  private async lockPending(tx: Prisma.TransactionClient, tenantId: string, id: string): Promise<CycleCount> {
    const locked = await tx.$queryRaw<{ id: string }[]>`SELECT "id" FROM "CycleCount" WHERE "id" = ${id} AND "tenantId" = ${tenantId} FOR UPDATE`;
    if (!locked.length) throw new Refused([userError(C.CYCLE_COUNT_NOT_FOUND, 'No such cycle count', ['input', 'cycleCountId'])]);
    const count = (await tx.cycleCount.findFirst({ where: { id, tenantId } }))!;
    if (count.status !== 'PENDING_APPROVAL') throw new Refused([userError(C.CYCLE_COUNT_DECIDED, `The count is ${count.status} already`, ['input', 'cycleCountId'])]);
    return count;
  }
}
