import { authorize, dec, newId, pageWindow, toConnection, type Connection, type ConnectionArgs, type CurrencyCode, type Decimal } from '@omniroute/core';
import type { RequestScope } from '../../context.ts';
import type { PrismaClient, Wallet, WalletMovement, WalletMovementKind, WalletOwnerType } from '../../generated/prisma/client.ts';
import type { Tx } from '../../db.ts';
import { walletPolicies } from './wallets.policies.ts';

export interface WalletOwner {
  type: WalletOwnerType;
  id: string;
}

export interface Movement {
  amount: Decimal;
  kind: WalletMovementKind;
  description: string;
  paymentId?: string | null;
  invoiceId?: string | null;
  idempotencyKey?: string | null;
}

/**
 * Wallets: one per owner (customer or worker) and currency, created on first use. Every balance change is a
 * movement written under the wallet's row lock beside its ledger posting (the caller's), so the balance equals
 * minus the wallet's WALLET entries and never goes below zero.
 */
export class WalletService {
  constructor(private readonly prisma: PrismaClient) {}

  /** The owner's wallet in a currency, created empty if need be, locked until the transaction ends. */
  async lockOrCreate(tx: Tx, tenantId: string, owner: WalletOwner, currency: CurrencyCode): Promise<Wallet> {
    await tx.$executeRaw`
      INSERT INTO "Wallet" ("id", "tenantId", "ownerType", "ownerId", "currency", "balance", "updatedAt")
      VALUES (${newId('wal')}, ${tenantId}, ${owner.type}::"WalletOwnerType", ${owner.id}, ${currency}::"CurrencyCode", 0, now())
      ON CONFLICT ("tenantId", "ownerType", "ownerId", "currency") DO NOTHING`;
    const [row] = await tx.$queryRaw<{ id: string }[]>`
      SELECT "id" FROM "Wallet" WHERE "tenantId" = ${tenantId} AND "ownerType" = ${owner.type}::"WalletOwnerType"
        AND "ownerId" = ${owner.id} AND "currency" = ${currency}::"CurrencyCode" FOR UPDATE`;
    return (await tx.wallet.findUnique({ where: { id: row!.id } }))!;
  }

  /** A wallet by id, locked (null when it is not the tenant's). */
  async lock(tx: Tx, tenantId: string, id: string): Promise<Wallet | null> {
    const rows = await tx.$queryRaw<{ id: string }[]>`SELECT "id" FROM "Wallet" WHERE "tenantId" = ${tenantId} AND "id" = ${id} FOR UPDATE`;
    return rows.length ? tx.wallet.findUnique({ where: { id } }) : null;
  }

  /**
   * Moves a locked wallet's balance by `m.amount` (signed) and records the movement. Returns null, changing
   * nothing, when the balance would go below zero.
   */
  async move(tx: Tx, wallet: Wallet, m: Movement): Promise<{ wallet: Wallet; movement: WalletMovement } | null> {
    const balance = dec(wallet.balance).plus(m.amount);
    if (balance.isNegative()) return null;
    const updated = await tx.wallet.update({ where: { id: wallet.id }, data: { balance } });
    const movement = await tx.walletMovement.create({
      data: {
        id: newId('wmv'), tenantId: wallet.tenantId, walletId: wallet.id, kind: m.kind, currency: wallet.currency, amount: m.amount, balanceAfter: balance,
        paymentId: m.paymentId ?? null, invoiceId: m.invoiceId ?? null, description: m.description.slice(0, 200), idempotencyKey: m.idempotencyKey ?? null,
      },
    });
    return { wallet: updated, movement };
  }

  async get({ viewer }: RequestScope, id: string): Promise<Wallet | null> {
    const v = authorize(walletPolicies['Query.wallet'], viewer);
    return this.prisma.wallet.findFirst({ where: { id, tenantId: v.tenantId } });
  }

  /** The owner's wallet in a currency (the tenant's default when none is given: the first one created). */
  async of({ viewer }: RequestScope, owner: WalletOwner, currency?: CurrencyCode | null): Promise<Wallet | null> {
    const v = authorize(walletPolicies['Query.wallet'], viewer);
    return this.prisma.wallet.findFirst({
      where: { tenantId: v.tenantId, ownerType: owner.type, ownerId: owner.id, ...(currency ? { currency } : {}) },
      orderBy: { createdAt: 'asc' },
    });
  }

  /** The wallet's movements, oldest first; each carries the balance after it. */
  async movements({ viewer }: RequestScope, walletId: string, args: ConnectionArgs): Promise<Connection<WalletMovement>> {
    const v = authorize(walletPolicies['Query.wallet'], viewer);
    const { first, afterId } = pageWindow(args);
    const rows = await this.prisma.walletMovement.findMany({
      where: { tenantId: v.tenantId, walletId, ...(afterId ? { id: { gt: afterId } } : {}) },
      orderBy: { id: 'asc' },
      take: first + 1,
    });
    return toConnection(rows, first, afterId);
  }
}

/** A reference to a worker (owned by workforce). */
export type WalletOwnerRef = { id: string };
