import { dec, Decimal, newId, type CurrencyCode } from '@omniroute/core';
import { demoPaymentAccounts, demoSmsAccounts, type DemoTenant } from '@omniroute/demo';
import type { CollectionsService } from './modules/collections/collections.service.ts';
import type { ProviderAccountService } from './modules/payments/provider-accounts.service.ts';
import type { Prisma, PrismaClient } from './generated/prisma/client.ts';
import { usesCredit } from './modules/credit/credit.rules.ts';
import { creditScore, utilizationOf } from './modules/credit/credit-score.ts';
import { overdueCutoff } from './modules/invoices/invoice.rules.ts';
import { collectionContacts } from './modules/collections/collections.seed.ts';
import { assertBalanced, creditReserved, invoiceIssued, paymentReceived, type PostingDraft } from './modules/ledger/ledger.rules.ts';

/**
 * Writes finance's part of the demo plan; idempotent (skips tenants that have credit lines). Per tenant, in one
 * transaction: a credit line for every customer (limit from the plan, utilized = what its open credit-term
 * invoices still owe), the plan's invoices as they are, one payment for each paid part, and the balanced ledger
 * postings that history would have written (credit reserved, invoice issued, payment received).
 */
export async function seedFinance(prisma: PrismaClient, plan: DemoTenant[], now = new Date()): Promise<void> {
  for (const t of plan) {
    if (await prisma.creditLine.findFirst({ where: { tenantId: t.id }, select: { id: true } })) continue;
    const currency = t.currency as CurrencyCode;
    const orders = new Map(t.orders.map((o) => [o.id, o]));
    const invoices: Prisma.InvoiceCreateManyInput[] = [];
    const payments: Prisma.PaymentCreateManyInput[] = [];
    const postings: Prisma.LedgerPostingCreateManyInput[] = [];
    const entries: Prisma.LedgerEntryCreateManyInput[] = [];
    const utilized = new Map<string, Decimal>();
    const history = new Map<string, { onTime: number; late: number; overdue: number }>();
    const hist = (c: string) => history.get(c) ?? (history.set(c, { onTime: 0, late: 0, overdue: 0 }), history.get(c)!);

    const post = (draft: PostingDraft, at: Date) => {
      const p = assertBalanced(draft);
      const id = newId('lgp', at.getTime());
      postings.push({ id, tenantId: t.id, kind: p.kind, currency, description: p.description, invoiceId: p.invoiceId, paymentId: p.paymentId, customerId: p.customerId, postedAt: at });
      for (const l of p.lines) entries.push({ id: newId('lge', at.getTime()), tenantId: t.id, postingId: id, account: l.account, currency, amount: l.amount, customerId: p.customerId, createdAt: at });
    };

    for (const inv of t.invoices) {
      const order = orders.get(inv.orderId)!;
      const onCredit = usesCredit(order.paymentTerms);
      const total = dec(inv.total);
      const paid = dec(inv.amountPaid);
      const base = { tenantId: t.id, currency, invoiceId: inv.id, customerId: inv.customerId };
      invoices.push({
        id: inv.id, tenantId: t.id, number: inv.number, orderId: inv.orderId, customerId: inv.customerId, status: inv.status,
        paymentTerms: order.paymentTerms, onCredit, currency, total, amountPaid: paid, issuedAt: inv.issuedAt, dueDate: inv.dueDate,
        paidAt: inv.status === 'PAID' ? inv.issuedAt : null, createdAt: order.placedAt,
      });
      if (onCredit) {
        post(creditReserved(base, total, order.number), order.placedAt);
        utilized.set(inv.customerId, (utilized.get(inv.customerId) ?? new Decimal(0)).plus(total.minus(paid)));
      }
      if (inv.issuedAt) post(invoiceIssued(base, total, inv.number), inv.issuedAt);
      if (paid.gt(0)) {
        const receivedAt = inv.issuedAt ?? order.placedAt;
        const paymentId = inv.id.replace(/^inv_/, 'pay_');
        const method = order.paymentTerms === 'CASH_ON_DELIVERY' ? 'CASH' : order.paymentTerms === 'PREPAID' || Number(inv.id.slice(-1)) % 2 ? 'BANK_TRANSFER' : 'MOBILE_MONEY';
        payments.push({
          id: paymentId, tenantId: t.id, invoiceId: inv.id, currency, amount: paid, method, status: 'SUCCEEDED',
          provider: method === 'CASH' ? 'cash-desk' : 'manual', reference: `SEED-${inv.number}`, idempotencyKey: `seed:${inv.id}`,
          receivedAt, createdAt: receivedAt, attempts: [],
        });
        post(paymentReceived({ ...base, paymentId }, paid, inv.number, onCredit), receivedAt);
        hist(inv.customerId).onTime++; // seeded payments arrive on the issue date, well before due
      }
      if (['ISSUED', 'PARTIALLY_PAID', 'OVERDUE'].includes(inv.status) && inv.dueDate && inv.dueDate < overdueCutoff(now)) {
        hist(inv.customerId).overdue++;
      }
    }

    const creditLines: Prisma.CreditLineCreateManyInput[] = t.customers.map((c, i) => {
      const used = utilized.get(c.id) ?? new Decimal(0);
      const h = history.get(c.id) ?? { onTime: 0, late: 0, overdue: 0 };
      return {
        id: `crl_${t.key.toUpperCase()}${String(i + 1).padStart(6, '0')}`, tenantId: t.id, customerId: c.id, currency,
        baseLimit: c.creditLimit, limit: c.creditLimit, utilized: used,
        score: creditScore({ ...h, utilization: utilizationOf(used, c.creditLimit) }), reviewedAt: now,
      };
    });
    const lastNumber = Math.max(20000, ...t.invoices.map((i) => Number(i.number.split('-').at(-1)) || 0));

    await prisma.$transaction([
      prisma.creditLine.createMany({ data: creditLines }),
      prisma.invoice.createMany({ data: invoices }),
      prisma.payment.createMany({ data: payments }),
      prisma.ledgerPosting.createMany({ data: postings }),
      prisma.ledgerEntry.createMany({ data: entries }),
      prisma.invoiceSequence.upsert({ where: { tenantId: t.id }, create: { tenantId: t.id, lastNumber }, update: {} }),
      // collections' contact book: who to remind and where they sit (commerce owns the customer)
      prisma.collectionContact.createMany({ data: collectionContacts(t), skipDuplicates: true }),
    ]);
  }
}

type DemoAccountServices = { providerAccounts: ProviderAccountService; collections: CollectionsService };

/** With a provider sandbox, the demo tenants' provider and SMS accounts on it. */
export async function seedDemoAccounts(services: DemoAccountServices, sandboxUrl?: string): Promise<void> {
  if (!sandboxUrl || !services.providerAccounts.configured) return;
  await services.providerAccounts.seedDemo(demoPaymentAccounts(), sandboxUrl);
  for (const a of demoSmsAccounts()) await services.collections.configureSms(a.tenantId, { baseUrl: sandboxUrl, username: a.username, apiKey: a.apiKey, senderId: a.senderId });
}
