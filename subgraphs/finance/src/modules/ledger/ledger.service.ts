import { authorize, dec, Decimal, money, newId, pageWindow, toConnection, type Connection, type ConnectionArgs, type CurrencyCode, type Money, type Viewer } from '@omniroute/core';
import type { LedgerEntry, PrismaClient } from '../../generated/prisma/client.ts';
import type { Tx } from '../../db.ts';
import { assertBalanced, type LedgerAccount, type PostingDraft } from './ledger.rules.ts';
import { ledgerPolicies } from './ledger.policies.ts';

export interface CurrencyBalance {
  currencyCode: CurrencyCode;
  debits: Money;
  credits: Money;
  net: Money;
  balanced: boolean;
  accounts: { account: LedgerAccount; balance: Money }[];
}

/** Ledger: writes balanced postings inside the caller's transaction and reports balances and entries. */
export class LedgerService {
  constructor(private readonly prisma: PrismaClient) {}

  /** Writes one balanced posting (its entries sum to zero) in `tx`; throws UnbalancedPostingError otherwise. */
  async post(tx: Tx, draft: PostingDraft, at = new Date()): Promise<void> {
    const p = assertBalanced(draft);
    const postingId = newId('lgp', at.getTime());
    await tx.ledgerPosting.create({
      data: {
        id: postingId, tenantId: p.tenantId, kind: p.kind, currency: p.currency, description: p.description,
        invoiceId: p.invoiceId ?? null, paymentId: p.paymentId ?? null, customerId: p.customerId ?? null, postedAt: at,
        entries: {
          createMany: {
            data: p.lines.map((l) => ({
              id: newId('lge', at.getTime()), tenantId: p.tenantId, account: l.account, currency: p.currency, amount: l.amount,
              customerId: p.customerId ?? null, createdAt: at,
            })),
          },
        },
      },
    });
  }

  /** Trial balance per currency: debits, credits and per-account balances; `net` is zero when the ledger is sound. */
  async balance(viewer: Viewer | null): Promise<CurrencyBalance[]> {
    const v = authorize(ledgerPolicies['Query.ledgerBalance'], viewer);
    // One pass: debit and credit sums per (currency, account); the account balance is their difference.
    const rows = await this.prisma.$queryRaw<{ currency: CurrencyCode; account: LedgerAccount; debits: unknown; credits: unknown }[]>`
      SELECT "currency"::text AS currency, "account"::text AS account,
             COALESCE(SUM("amount") FILTER (WHERE "amount" > 0), 0)::text AS debits,
             COALESCE(-SUM("amount") FILTER (WHERE "amount" < 0), 0)::text AS credits
      FROM "LedgerEntry" WHERE "tenantId" = ${v.tenantId}
      GROUP BY "currency", "account" ORDER BY 1, 2`;
    const byCurrency = new Map<CurrencyCode, typeof rows>();
    for (const r of rows) byCurrency.set(r.currency, [...(byCurrency.get(r.currency) ?? []), r]);
    return [...byCurrency].map(([currency, accounts]) => {
      const debits = accounts.reduce((s, r) => s.plus(dec(String(r.debits))), new Decimal(0));
      const credits = accounts.reduce((s, r) => s.plus(dec(String(r.credits))), new Decimal(0));
      const net = debits.minus(credits);
      return {
        currencyCode: currency,
        debits: money(debits, currency),
        credits: money(credits, currency),
        net: money(net, currency),
        balanced: net.isZero(),
        accounts: accounts.map((r) => ({ account: r.account, balance: money(dec(String(r.debits)).minus(dec(String(r.credits))), currency) })),
      };
    });
  }

  /** The tenant's entries, oldest first (ids are time-sortable). */
  async entries(viewer: Viewer | null, args: ConnectionArgs): Promise<Connection<LedgerEntry>> {
    const v = authorize(ledgerPolicies['Query.ledgerEntries'], viewer);
    const { first, afterId } = pageWindow(args);
    const rows = await this.prisma.ledgerEntry.findMany({
      where: { tenantId: v.tenantId, ...(afterId ? { id: { gt: afterId } } : {}) },
      orderBy: { id: 'asc' },
      take: first + 1,
    });
    return toConnection(rows, first, afterId);
  }
}
