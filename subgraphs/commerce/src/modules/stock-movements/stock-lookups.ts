import { UserErrorCode as C, userError, type UserError, type Viewer } from '@omniroute/core';
import type { Location, PrismaClient, ProductVariant } from '../../generated/prisma/client.ts';
import type { Actor } from './stock-ledger.ts';

// PGlite runs one transaction at a time, so under load a transaction may queue for a while before it starts.
export const TX = { maxWait: 15_000, timeout: 30_000 };

export const actorOf = (v: Viewer): Actor => ({ userId: v.userId ?? null, partnerId: v.partnerId ?? null });

/** The tenant's locations by id (another tenant's id: absent). */
export async function locationsById(prisma: PrismaClient, tenantId: string, ids: string[]): Promise<Map<string, Location>> {
  const rows = await prisma.location.findMany({ where: { tenantId, id: { in: [...new Set(ids)] } } });
  return new Map(rows.map((l) => [l.id, l]));
}

/** The tenant's variants by SKU, and an UNKNOWN_SKU error per line whose SKU is not among them. */
export async function variantsForLines(
  prisma: PrismaClient,
  tenantId: string,
  lines: readonly { sku: string }[],
  at: string[],
): Promise<{ bySku: Map<string, ProductVariant>; errors: UserError[] }> {
  const rows = await prisma.productVariant.findMany({ where: { tenantId, sku: { in: [...new Set(lines.map((l) => l.sku))] } } });
  const bySku = new Map(rows.map((v) => [v.sku, v]));
  const errors = lines.flatMap((l, i) => (bySku.has(l.sku) ? [] : [userError(C.UNKNOWN_SKU, `Unknown SKU ${l.sku.slice(0, 50)}`, [...at, String(i), 'sku'])]));
  return { bySku, errors };
}

/** LOCATION_NOT_FOUND on `field` unless the location is known. */
export function locationError(l: Location | undefined, field: string): UserError[] {
  return l ? [] : [userError(C.LOCATION_NOT_FOUND, 'No such location', ['input', field])];
}

/** The INSUFFICIENT_STOCK error for drafts that were short, naming SKUs and the location. */
export function shortError(short: readonly { variantId: string; locationId: string }[], skuOf: Map<string, string>, locations: Map<string, Location>, field = 'lines'): UserError {
  const what = [...new Set(short.map((s) => skuOf.get(s.variantId) ?? s.variantId))].join(', ');
  const where = [...new Set(short.map((s) => locations.get(s.locationId)?.name ?? s.locationId))].join(', ');
  return userError(C.INSUFFICIENT_STOCK, `Not enough unreserved stock at ${where} for: ${what}`, ['input', field]);
}

/** A seq-keyed cursor (the ledger's order is its commit order, not its ids'). */
export const seqCursor = (seq: number) => Buffer.from(`c:${seq}`).toString('base64url');
