import { authorize, dec, Decimal, money, newId, pageWindow, toConnection, type Connection, type ConnectionArgs, type CurrencyCode, type Money } from '@omniroute/core';
import type { RequestScope } from '../../context.ts';
import type { LedgerEntry, PrismaClient } from '../../generated/prisma/client.ts';
import type { Tx } from '../../db.ts';
import { assertBalanced, type LedgerAccount, type LedgerPostingKind, type PostingDraft } from './ledger.rules.ts';
import { ledgerPolicies } from './ledger.policies.ts';

/** A statement line: an entry with the account's balance after it. */
export interface StatementLine {
  id: string;
  entry: LedgerEntry;
  balance: Money;
}

export interface Statement {
  account: LedgerAccount;
  currencyCode: CurrencyCode;
  customerId: string | null;
  openingBalance: Money;
  closingBalance: Money;
  edges: Connection<StatementLine>['edges'];
  pageInfo: Connection<StatementLine>['pageInfo'];
}

export interface CurrencyBalance {
  currencyCode: CurrencyCode;
  debits: Money;
  credits: Money;
  net: Money;
  balanced: boolean;
  accounts: { account: LedgerAccount; balance: Money }[];
}

/** The rows of one balanced posting at `at`: the posting and its entries (ids time-sorted from `at`). */
export interface PostingRows {
  posting: {
    id: string; tenantId: string; kind: LedgerPostingKind; currency: CurrencyCode; description: string; invoiceId: string | null; paymentId: string | null;
    customerId: string | null; walletId: string | null; workerId: string | null; postedAt: Date;
  };
  entries: {
    id: string; tenantId: string; postingId: string; account: LedgerAccount; currency: CurrencyCode; amount: Decimal;
    customerId: string | null; walletId: string | null; workerId: string | null; createdAt: Date;
  }[];
}

/**
 * What a posting writes, checked first (assertBalanced; throws UnbalancedPostingError): the one source of the rows
 * for LedgerService.post (Prisma) and the driver-path writers (order-placed.sql.ts).
 */
export function postingRows(draft: PostingDraft, at: Date): PostingRows {
  const p = assertBalanced(draft);
  const postingId = newId('lgp', at.getTime());
  return {
    posting: {
      id: postingId, tenantId: p.tenantId, kind: p.kind, currency: p.currency, description: p.description,
      invoiceId: p.invoiceId ?? null, paymentId: p.paymentId ?? null, customerId: p.customerId ?? null, walletId: p.walletId ?? null, workerId: p.workerId ?? null, postedAt: at,
    },
    entries: p.lines.map((l) => ({
      id: newId('lge', at.getTime()), tenantId: p.tenantId, postingId, account: l.account, currency: p.currency, amount: l.amount,
      customerId: p.customerId ?? null, walletId: l.account === 'WALLET' ? p.walletId! : null,
      workerId: l.account === 'WORKER_PAYABLE' ? p.workerId! : null, createdAt: at,
    })),
  };
}

/** Ledger: writes balanced postings inside the caller's transaction and reports balances and entries. */
export class LedgerService {
  constructor(private readonly prisma: PrismaClient) {}

  /** Writes one balanced posting (its entries sum to zero) in `tx`; throws UnbalancedPostingError otherwise. */
  async post(tx: Tx, draft: PostingDraft, at = new Date()): Promise<void> {
    const { posting, entries } = postingRows(draft, at);
    await tx.ledgerPosting.create({ data: { ...posting, entries: { createMany: { data: entries.map(({ postingId: _, ...e }) => e) } } } });
  }

  /** Trial balance per currency: debits, credits and per-account balances; `net` is zero when the ledger is sound. */
  async balance({ viewer }: RequestScope): Promise<CurrencyBalance[]> {
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

  /** Trial balance of one currency; all zero (and balanced) when nothing was posted in it. */
  async trialBalance(scope: RequestScope, currency: CurrencyCode): Promise<CurrencyBalance> {
    const found = (await this.balance(scope)).find((b) => b.currencyCode === currency);
    const zero = money(0, currency);
    return found ?? { currencyCode: currency, debits: zero, credits: zero, net: zero, balanced: true, accounts: [] };
  }

  /**
   * One account's entries in one currency (optionally one customer's sub-ledger), oldest first, with the running
   * balance: the page's opening balance is the sum of every entry up to the cursor, so any page is exact.
   */
  async statement({ viewer }: RequestScope, args: ConnectionArgs & { account: LedgerAccount; currencyCode: CurrencyCode; customerId?: string | null }): Promise<Statement> {
    const v = authorize(ledgerPolicies['Query.ledgerStatement'], viewer);
    const { first, afterId } = pageWindow(args);
    const where = { tenantId: v.tenantId, account: args.account, currency: args.currencyCode, ...(args.customerId ? { customerId: args.customerId } : {}) };
    const [before, rows] = await Promise.all([
      afterId ? this.prisma.ledgerEntry.aggregate({ where: { ...where, id: { lte: afterId } }, _sum: { amount: true } }) : null,
      this.prisma.ledgerEntry.findMany({ where: { ...where, ...(afterId ? { id: { gt: afterId } } : {}) }, orderBy: { id: 'asc' }, take: first + 1 }),
    ]);
    const opening = dec(before?._sum.amount ?? 0);
    let running = opening;
    const lines: StatementLine[] = rows.map((entry) => {
      running = running.plus(dec(entry.amount));
      return { id: entry.id, entry, balance: money(running, args.currencyCode) };
    });
    const page = toConnection(lines, first, afterId);
    const closing = page.edges.at(-1)?.node.balance ?? money(opening, args.currencyCode);
    return {
      account: args.account, currencyCode: args.currencyCode, customerId: args.customerId ?? null,
      openingBalance: money(opening, args.currencyCode), closingBalance: closing, ...page,
    };
  }

  /** One entry of the caller's tenant; null when unknown. */
  async entry({ viewer }: RequestScope, id: string): Promise<LedgerEntry | null> {
    // reached through node(id): the ledger's own readers only
    const v = authorize(ledgerPolicies['Query.ledgerEntries'], viewer);
    return this.prisma.ledgerEntry.findFirst({ where: { id, tenantId: v.tenantId } });
  }

  /** The tenant's entries, oldest first (ids are time-sortable). */
  async entries({ viewer }: RequestScope, args: ConnectionArgs): Promise<Connection<LedgerEntry>> {
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
