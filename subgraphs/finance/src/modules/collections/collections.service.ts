import {
  UserErrorCode as E, authorize, dec, Decimal, fail, isCurrency, log, money, MINOR_UNITS, newId, ok, pageWindow, toConnection,
  type Connection, type ConnectionArgs, type CurrencyCode, type Money, type Result, type UserErrorCode, type Viewer,
} from '@omniroute/core';
import type { Notification, PaymentMethod, PrismaClient, PromiseStatus, PromiseToPay } from '../../generated/prisma/client.ts';
import { isUniqueViolation, TX_OPTIONS, type Tx } from '../../db.ts';
import { hasValidScale } from '../credit/credit.service.ts';
import type { CredentialVault } from '../payments/rails/credentials.ts';
import {
  AGING_BUCKETS, ageAmounts, CREDIT_HOLD_AFTER_DAYS, daysOverdue, dunningStage, needsCreditHold, promiseFollowUpText, promiseKept, reminderText,
  startOfDay, worklistPriority, type AgingBucket,
} from './collections.rules.ts';
import { AfricasTalkingSms, deliveryApplies, readDeliveryReport, verifyDeliveryReportToken, type SmsAccount } from './sms.ts';
import { collectionsPolicies } from './collections.policies.ts';

const OPEN_STATUSES = ['ISSUED', 'PARTIALLY_PAID', 'OVERDUE'] as const;
const SMS_PROVIDER = 'AFRICAS_TALKING';
const MAX_SMS_ATTEMPTS = 5;

export interface AgingLine { bucket: AgingBucket; amount: Money }
export interface AgingRow { buckets: AgingLine[]; total: Money }
export type CustomerAgingRow = AgingRow & { customerId: string; name: string | null; territoryId: string | null; maxDaysOverdue: number; onHold: boolean };
export interface CollectionsAgingView extends AgingRow {
  currencyCode: CurrencyCode;
  asOf: Date;
  customers: CustomerAgingRow[];
  territories: (AgingRow & { territoryId: string | null; customers: number })[];
}
export interface WorklistItem {
  invoiceId: string;
  customerId: string;
  customerName: string | null;
  phone: string | null;
  territoryId: string | null;
  amountDue: Money;
  daysOverdue: number;
  priority: Decimal;
  onHold: boolean;
  openPromise: PromiseToPay | null;
  lastReminderAt: Date | null;
}
export interface CollectionsCycle { reminders: number; followUps: number; promisesKept: number; promisesBroken: number; held: number; released: number; sent: number }

interface OpenInvoice { id: string; tenantId: string; number: string; customerId: string; currency: CurrencyCode; due: Decimal; dueDate: Date | null }

/**
 * Collections: what customers owe by age (aging per customer and territory), who to call first (worklists), the
 * dunning schedule through the notification outbox and the tenant's SMS provider, promises to pay with their
 * follow-up, and the automatic credit hold beyond 60 days overdue, released once the customer pays.
 */
export class CollectionsService {
  private readonly sms = new AfricasTalkingSms();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly vault: CredentialVault | null,
  ) {}

  /** Open invoices of a tenant in one currency with what is still due. */
  private async openInvoices(tenantId: string, currency: CurrencyCode, where: { customerId?: string } = {}): Promise<OpenInvoice[]> {
    const rows = await this.prisma.invoice.findMany({
      where: { tenantId, currency, status: { in: [...OPEN_STATUSES] }, ...where },
      select: { id: true, tenantId: true, number: true, customerId: true, currency: true, total: true, amountPaid: true, dueDate: true },
    });
    return rows
      .map((r) => ({ id: r.id, tenantId: r.tenantId, number: r.number, customerId: r.customerId, currency: r.currency as CurrencyCode, due: dec(r.total).minus(dec(r.amountPaid)), dueDate: r.dueDate }))
      .filter((r) => r.due.gt(0));
  }

  private async contacts(tenantId: string, customerIds: string[]) {
    const rows = await this.prisma.collectionContact.findMany({ where: { tenantId, customerId: { in: customerIds } } });
    return new Map(rows.map((c) => [c.customerId, c]));
  }

  private async heldCustomers(tenantId: string): Promise<Set<string>> {
    return new Set((await this.prisma.creditLine.findMany({ where: { tenantId, heldAt: { not: null } }, select: { customerId: true } })).map((l) => l.customerId));
  }

  /** Aging of open receivables in one currency: the tenant's totals, each customer's and each territory's, largest first. */
  async aging(viewer: Viewer | null, currencyCode: CurrencyCode, asOf = new Date()): Promise<CollectionsAgingView> {
    const v = authorize(collectionsPolicies['Query.collectionsAging'], viewer);
    const invoices = await this.openInvoices(v.tenantId, currencyCode);
    const contacts = await this.contacts(v.tenantId, [...new Set(invoices.map((i) => i.customerId))]);
    const held = await this.heldCustomers(v.tenantId);
    const row = (items: OpenInvoice[]): AgingRow => {
      const a = ageAmounts(items.map((i) => ({ amount: i.due, days: daysOverdue(i.dueDate, asOf) })));
      return { buckets: AGING_BUCKETS.map((b) => ({ bucket: b, amount: money(a[b], currencyCode) })), total: money(a.total, currencyCode) };
    };
    const byCustomer = groupBy(invoices, (i) => i.customerId);
    const byTerritory = groupBy(invoices, (i) => contacts.get(i.customerId)?.territoryId ?? null);
    return {
      currencyCode, asOf, ...row(invoices),
      customers: [...byCustomer].map(([customerId, items]) => ({
        customerId, name: contacts.get(customerId)?.name ?? null, territoryId: contacts.get(customerId)?.territoryId ?? null, onHold: held.has(customerId),
        maxDaysOverdue: Math.max(...items.map((i) => daysOverdue(i.dueDate, asOf))), ...row(items),
      })).sort((a, b) => b.total.amount.comparedTo(a.total.amount)),
      territories: [...byTerritory].map(([territoryId, items]) => ({ territoryId, customers: new Set(items.map((i) => i.customerId)).size, ...row(items) }))
        .sort((a, b) => b.total.amount.comparedTo(a.total.amount)),
    };
  }

  /** A collector's list: overdue invoices (of a territory), amount due × days overdue, highest first. */
  async worklist(viewer: Viewer | null, args: { territoryId?: string | null; currencyCode: CurrencyCode; first?: number | null }, asOf = new Date()): Promise<WorklistItem[]> {
    const v = authorize(collectionsPolicies['Query.collectionsWorklist'], viewer);
    const first = Math.min(100, Math.max(0, args.first ?? 20));
    let invoices = (await this.openInvoices(v.tenantId, args.currencyCode)).filter((i) => daysOverdue(i.dueDate, asOf) > 0);
    const contacts = await this.contacts(v.tenantId, [...new Set(invoices.map((i) => i.customerId))]);
    if (args.territoryId) invoices = invoices.filter((i) => contacts.get(i.customerId)?.territoryId === args.territoryId);
    const ranked = invoices
      .map((i) => ({ i, days: daysOverdue(i.dueDate, asOf), priority: worklistPriority(i.due, daysOverdue(i.dueDate, asOf)) }))
      .sort((a, b) => b.priority.comparedTo(a.priority) || a.i.id.localeCompare(b.i.id))
      .slice(0, first);
    const ids = ranked.map((r) => r.i.id);
    const customerIds = [...new Set(ranked.map((r) => r.i.customerId))];
    const [promises, reminders, held] = await Promise.all([
      this.prisma.promiseToPay.findMany({ where: { tenantId: v.tenantId, status: 'OPEN', customerId: { in: customerIds } }, orderBy: { promisedFor: 'asc' } }),
      this.prisma.notification.groupBy({ by: ['invoiceId'], where: { tenantId: v.tenantId, invoiceId: { in: ids }, status: 'SENT' }, _max: { sentAt: true } }),
      this.heldCustomers(v.tenantId),
    ]);
    const lastSent = new Map(reminders.map((r) => [r.invoiceId, r._max.sentAt]));
    return ranked.map(({ i, days, priority }) => ({
      invoiceId: i.id, customerId: i.customerId, customerName: contacts.get(i.customerId)?.name ?? null, phone: contacts.get(i.customerId)?.phone ?? null,
      territoryId: contacts.get(i.customerId)?.territoryId ?? null, amountDue: money(i.due, i.currency), daysOverdue: days, priority, onHold: held.has(i.customerId),
      openPromise: promises.find((p) => p.customerId === i.customerId && (!p.invoiceId || p.invoiceId === i.id)) ?? null, lastReminderAt: lastSent.get(i.id) ?? null,
    }));
  }

  /** Money collected today (UTC) in one currency: every SUCCEEDED invoice payment received since midnight. */
  async today(viewer: Viewer | null, currencyCode: CurrencyCode, now = new Date()): Promise<{ currencyCode: CurrencyCode; since: Date; collected: Money; payments: number; byMethod: { method: PaymentMethod; amount: Money; payments: number }[] }> {
    const v = authorize(collectionsPolicies['Query.collectionsToday'], viewer);
    const since = startOfDay(now);
    const rows = await this.prisma.payment.groupBy({
      by: ['method'],
      where: { tenantId: v.tenantId, currency: currencyCode, status: 'SUCCEEDED', invoiceId: { not: null }, receivedAt: { gte: since } },
      _sum: { amount: true }, _count: { _all: true },
    });
    const total = rows.reduce((s, r) => s.plus(dec(r._sum.amount ?? 0)), new Decimal(0));
    return {
      currencyCode, since, collected: money(total, currencyCode), payments: rows.reduce((s, r) => s + r._count._all, 0),
      byMethod: rows.map((r) => ({ method: r.method, amount: money(dec(r._sum.amount ?? 0), currencyCode), payments: r._count._all })).sort((a, b) => b.amount.amount.comparedTo(a.amount.amount)),
    };
  }

  /** Records a customer's promise to pay an amount by a day; the cycle follows it up when the day passes unpaid. */
  async recordPromise(viewer: Viewer | null, input: { customerId: string; invoiceId?: string | null; amount: Decimal; currencyCode: string; promisedFor: Date; note?: string | null; idempotencyKey: string }, now = new Date()): Promise<Result<PromiseToPay>> {
    const v = authorize(collectionsPolicies['Mutation.recordPromiseToPay'], viewer);
    const bad = (code: UserErrorCode, message: string, field: string) => fail<PromiseToPay>(code, message, ['input', field]);
    const key = input.idempotencyKey.trim();
    if (!key || key.length > 200) return bad(E.INVALID_INPUT, 'idempotencyKey must be 1–200 characters', 'idempotencyKey');
    if (!input.customerId || input.customerId.length > 200) return bad(E.INVALID_INPUT, 'customerId must be 1–200 characters', 'customerId');
    if (!isCurrency(input.currencyCode)) return bad(E.INVALID_INPUT, 'Unknown currency', 'currencyCode');
    const amount = dec(input.amount);
    if (amount.lte(0) || !hasValidScale(amount, input.currencyCode)) return bad(E.INVALID_AMOUNT, `amount must be greater than zero with at most ${MINOR_UNITS[input.currencyCode]} decimals`, 'amount');
    if (input.note && input.note.length > 1000) return bad(E.INVALID_INPUT, 'note is at most 1000 characters', 'note');
    const promisedFor = startOfDay(input.promisedFor);
    if (promisedFor < startOfDay(now) || promisedFor.getTime() > now.getTime() + 90 * 86_400_000) return bad(E.INVALID_INPUT, 'promisedFor must be between today and 90 days from now', 'promisedFor');
    const earlier = await this.prisma.promiseToPay.findUnique({ where: { tenantId_idempotencyKey: { tenantId: v.tenantId, idempotencyKey: key } } });
    if (earlier) return this.samePromise(earlier, input, amount);
    const open = await this.prisma.invoice.count({ where: { tenantId: v.tenantId, customerId: input.customerId, currency: input.currencyCode, status: { in: [...OPEN_STATUSES] }, ...(input.invoiceId ? { id: input.invoiceId } : {}) } });
    if (open === 0) return bad(E.INVOICE_NOT_FOUND, input.invoiceId ? 'No such open invoice of the customer' : 'The customer has no open invoice in this currency', input.invoiceId ? 'invoiceId' : 'customerId');
    try {
      return ok(await this.prisma.promiseToPay.create({
        data: {
          id: newId('ptp'), tenantId: v.tenantId, customerId: input.customerId, invoiceId: input.invoiceId ?? null, currency: input.currencyCode, amount, promisedFor,
          note: input.note ?? null, idempotencyKey: key, createdBy: v.userId ?? v.partnerId ?? null,
        },
      }));
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      return this.samePromise((await this.prisma.promiseToPay.findUnique({ where: { tenantId_idempotencyKey: { tenantId: v.tenantId, idempotencyKey: key } } }))!, input, amount);
    }
  }

  private samePromise(p: PromiseToPay, input: { customerId: string; invoiceId?: string | null }, amount: Decimal): Result<PromiseToPay> {
    return p.customerId === input.customerId && (p.invoiceId ?? null) === (input.invoiceId ?? null) && dec(p.amount).eq(amount)
      ? ok(p) : fail(E.IDEMPOTENCY_KEY_REUSED, 'This idempotencyKey was used for a different promise', ['input', 'idempotencyKey']);
  }

  async promises(viewer: Viewer | null, filter: { customerId?: string | null; status?: PromiseStatus | null }, args: ConnectionArgs): Promise<Connection<PromiseToPay>> {
    const v = authorize(collectionsPolicies['Query.promisesToPay'], viewer);
    const { first, afterId } = pageWindow(args);
    const rows = await this.prisma.promiseToPay.findMany({
      where: { tenantId: v.tenantId, ...(filter.customerId ? { customerId: filter.customerId } : {}), ...(filter.status ? { status: filter.status } : {}), ...(afterId ? { id: { gt: afterId } } : {}) },
      orderBy: { id: 'asc' }, take: first + 1,
    });
    return toConnection(rows, first, afterId);
  }

  async promise(viewer: Viewer | null, id: string): Promise<PromiseToPay | null> {
    const v = authorize(collectionsPolicies['Query.promisesToPay'], viewer);
    return this.prisma.promiseToPay.findFirst({ where: { id, tenantId: v.tenantId } });
  }

  async notifications(viewer: Viewer | null, filter: { customerId?: string | null }, args: ConnectionArgs): Promise<Connection<Notification>> {
    const v = authorize(collectionsPolicies['Query.collectionNotifications'], viewer);
    const { first, afterId } = pageWindow(args);
    const rows = await this.prisma.notification.findMany({
      where: { tenantId: v.tenantId, ...(filter.customerId ? { customerId: filter.customerId } : {}), ...(afterId ? { id: { gt: afterId } } : {}) },
      orderBy: { id: 'asc' }, take: first + 1,
    });
    return toConnection(rows, first, afterId);
  }

  /** `runCollections` (FINANCE, ADMIN): the caller's tenant's cycle now, then the outbox sent. */
  async runNow(viewer: Viewer | null, now = new Date(), customerId?: string | null): Promise<Result<CollectionsCycle>> {
    const v = authorize(collectionsPolicies['Mutation.runCollections'], viewer);
    if (customerId) {
      const known = await this.prisma.creditLine.count({ where: { tenantId: v.tenantId, customerId } }) + await this.prisma.collectionContact.count({ where: { tenantId: v.tenantId, customerId } });
      if (!known) return fail('CUSTOMER_NOT_FOUND', 'No such customer', ['input', 'customerId']);
    }
    const cycle = await this.cycle(v.tenantId, now, customerId ?? undefined);
    return ok({ ...cycle, sent: await this.dispatch(now, v.tenantId) });
  }

  /** The daily job over every tenant with open invoices: dunning, promises, holds; then the outbox is sent. */
  async runAll(now = new Date()): Promise<CollectionsCycle> {
    const tenants = await this.prisma.invoice.findMany({ where: { status: { in: [...OPEN_STATUSES] } }, distinct: ['tenantId'], select: { tenantId: true } });
    const total: CollectionsCycle = { reminders: 0, followUps: 0, promisesKept: 0, promisesBroken: 0, held: 0, released: 0, sent: 0 };
    for (const { tenantId } of tenants) {
      const c = await this.cycle(tenantId, now);
      for (const k of Object.keys(c) as (keyof CollectionsCycle)[]) total[k] += c[k];
    }
    total.sent = await this.dispatch(now);
    return total;
  }

  /**
   * One tenant's cycle at `now`, idempotent (a second run the same day changes nothing): promises whose day passed
   * are KEPT or BROKEN (broken: a follow-up SMS); each open invoice gets the dunning step it reached unless an open
   * promise covers it; lines with an invoice more than 60 days overdue are held, held lines without one released.
   */
  async cycle(tenantId: string, now = new Date(), customerId?: string): Promise<CollectionsCycle> {
    const out: CollectionsCycle = { reminders: 0, followUps: 0, promisesKept: 0, promisesBroken: 0, held: 0, released: 0, sent: 0 };
    const today = startOfDay(now);
    const only = customerId ? { customerId } : {};
    // promises whose day has ended
    const due = await this.prisma.promiseToPay.findMany({ where: { tenantId, status: 'OPEN', promisedFor: { lt: today }, ...only } });
    for (const p of due) {
      const paid = await this.prisma.payment.aggregate({
        where: { tenantId, status: 'SUCCEEDED', currency: p.currency, receivedAt: { gte: p.createdAt }, invoice: { customerId: p.customerId, ...(p.invoiceId ? { id: p.invoiceId } : {}) } },
        _sum: { amount: true },
      });
      const kept = promiseKept(dec(p.amount), dec(paid._sum.amount ?? 0));
      await this.prisma.$transaction(async (tx) => {
        const { count } = await tx.promiseToPay.updateMany({ where: { id: p.id, status: 'OPEN' }, data: { status: kept ? 'KEPT' : 'BROKEN', resolvedAt: now } });
        if (count === 0 || kept) return;
        const contact = await tx.collectionContact.findUnique({ where: { tenantId_customerId: { tenantId, customerId: p.customerId } } });
        if (contact && (await this.queue(tx, { tenantId, kind: 'PROMISE_FOLLOW_UP', customerId: p.customerId, invoiceId: p.invoiceId, promiseId: p.id, to: contact.phone, dedupeKey: `promise:${p.id}`, body: promiseFollowUpText({ customerName: contact.name, amount: dec(p.amount), currency: p.currency as CurrencyCode, promisedFor: p.promisedFor }) }, now))) out.followUps++;
      }, TX_OPTIONS);
      if (kept) out.promisesKept++;
      else out.promisesBroken++;
    }

    const invoices = await this.prisma.invoice.findMany({ where: { tenantId, status: { in: [...OPEN_STATUSES] }, dueDate: { not: null }, ...only } });
    const open = invoices.filter((i) => dec(i.total).gt(dec(i.amountPaid)));
    const contacts = await this.contacts(tenantId, [...new Set(open.map((i) => i.customerId))]);
    const promised = await this.prisma.promiseToPay.findMany({ where: { tenantId, status: 'OPEN', promisedFor: { gte: today }, ...only } });
    for (const inv of open) {
      const days = daysOverdue(inv.dueDate, now);
      const stage = dunningStage(days, startOfDay(inv.dueDate!).getTime() === today.getTime());
      const contact = contacts.get(inv.customerId);
      if (!stage || !contact) continue;
      if (promised.some((p) => p.customerId === inv.customerId && (!p.invoiceId || p.invoiceId === inv.id))) continue;
      const currency = inv.currency as CurrencyCode;
      const body = reminderText(stage, { customerName: contact.name, invoiceNumber: inv.number, amountDue: dec(inv.total).minus(dec(inv.amountPaid)), currency, days });
      if (await this.queue(this.prisma, { tenantId, kind: 'DUNNING_REMINDER', customerId: inv.customerId, invoiceId: inv.id, stage, to: contact.phone, dedupeKey: `dunning:${inv.id}:${stage}`, body }, now)) out.reminders++;
    }

    // credit holds: by each customer's oldest overdue invoice
    const maxDays = new Map<string, { days: number; number: string }>();
    for (const inv of open) {
      const days = daysOverdue(inv.dueDate, now);
      if (days > (maxDays.get(inv.customerId)?.days ?? -1)) maxDays.set(inv.customerId, { days, number: inv.number });
    }
    for (const [customerId, m] of maxDays) {
      if (!needsCreditHold(m.days)) continue;
      const { count } = await this.prisma.creditLine.updateMany({ where: { tenantId, customerId, heldAt: null }, data: { heldAt: now, holdReason: `invoice ${m.number} is ${m.days} days overdue (more than ${CREDIT_HOLD_AFTER_DAYS})` } });
      out.held += count;
    }
    const heldLines = await this.prisma.creditLine.findMany({ where: { tenantId, heldAt: { not: null }, ...only }, select: { customerId: true } });
    for (const l of heldLines) if (!needsCreditHold(maxDays.get(l.customerId)?.days ?? 0)) out.released += await this.releaseHold(this.prisma, tenantId, l.customerId, now);
    return out;
  }

  /** Releases a customer's hold when no invoice is more than 60 days overdue any more (after a payment). Returns 1 when released. */
  async releaseHold(tx: Tx | PrismaClient, tenantId: string, customerId: string, now = new Date()): Promise<number> {
    const line = await tx.creditLine.findUnique({ where: { tenantId_customerId: { tenantId, customerId } }, select: { heldAt: true } });
    if (!line?.heldAt) return 0;
    const open = await tx.invoice.findMany({ where: { tenantId, customerId, status: { in: [...OPEN_STATUSES] } }, select: { total: true, amountPaid: true, dueDate: true } });
    if (open.some((i) => dec(i.total).gt(dec(i.amountPaid)) && needsCreditHold(daysOverdue(i.dueDate, now)))) return 0;
    // a defaulted financing agreement keeps the hold until it is repaid (financing.service.ts lifts it then)
    if (await tx.financingAgreement.count({ where: { tenantId, customerId, status: 'DEFAULTED' } })) return 0;
    const { count } = await tx.creditLine.updateMany({ where: { tenantId, customerId, heldAt: { not: null } }, data: { heldAt: null, holdReason: null } });
    if (count) log.info('finance: credit hold released', { tenantId, customerId });
    return count;
  }

  /** Writes a notification to the outbox once per dedupe key; returns whether it is new. */
  private async queue(tx: Tx | PrismaClient, n: { tenantId: string; kind: 'DUNNING_REMINDER' | 'PROMISE_FOLLOW_UP'; customerId: string; invoiceId?: string | null; promiseId?: string | null; stage?: string; to: string; body: string; dedupeKey: string }, now: Date): Promise<boolean> {
    const { count } = await tx.notification.createMany({
      data: [{ id: newId('ntf'), tenantId: n.tenantId, kind: n.kind, customerId: n.customerId, invoiceId: n.invoiceId ?? null, promiseId: n.promiseId ?? null, stage: n.stage ?? null, to: n.to, body: n.body, dedupeKey: n.dedupeKey, nextAttemptAt: now }],
      skipDuplicates: true,
    });
    return count === 1;
  }

  /**
   * Sends queued notifications through each tenant's SMS provider: claimed one at a time (safe on several replicas),
   * SENT when the provider accepts, FAILED when it refuses for good or after 5 attempts, else retried with back-off.
   */
  async dispatch(now = new Date(), tenantId?: string, limit = 200): Promise<number> {
    const due = await this.prisma.notification.findMany({ where: { status: 'QUEUED', nextAttemptAt: { lte: now }, ...(tenantId ? { tenantId } : {}) }, orderBy: { id: 'asc' }, take: limit });
    const accounts = new Map<string, SmsAccount | null>();
    let sent = 0;
    for (const n of due) {
      const backoff = 60_000 * 2 ** n.attempts;
      const { count } = await this.prisma.notification.updateMany({ where: { id: n.id, status: 'QUEUED', attempts: n.attempts }, data: { attempts: { increment: 1 }, nextAttemptAt: new Date(now.getTime() + backoff) } });
      if (count === 0) continue;
      if (!accounts.has(n.tenantId)) accounts.set(n.tenantId, await this.smsAccount(n.tenantId));
      const account = accounts.get(n.tenantId);
      const r = account ? await this.sms.send(account, n.to, n.body) : { status: 'RETRY' as const, reason: 'no SMS provider configured' };
      if (r.status === 'SENT') {
        await this.prisma.notification.update({ where: { id: n.id }, data: { status: 'SENT', sentAt: new Date(), provider: SMS_PROVIDER, providerMessageId: r.messageId, nextAttemptAt: null, failureReason: null } });
        sent++;
      } else if (r.status === 'FAILED' || n.attempts + 1 >= MAX_SMS_ATTEMPTS) {
        await this.prisma.notification.update({ where: { id: n.id }, data: { status: 'FAILED', failureReason: r.reason.slice(0, 500), nextAttemptAt: null, provider: account ? SMS_PROVIDER : null } });
      } else {
        await this.prisma.notification.update({ where: { id: n.id }, data: { failureReason: r.reason.slice(0, 500) } });
      }
    }
    return sent;
  }

  private async smsAccount(tenantId: string): Promise<SmsAccount | null> {
    if (!this.vault) return null;
    const row = await this.prisma.smsProviderConfig.findUnique({ where: { tenantId } });
    if (!row?.enabled) return null;
    try {
      const s = this.vault.open(tenantId, row.provider, row.credentials);
      return { tenantId, provider: SMS_PROVIDER, baseUrl: row.baseUrl.replace(/\/$/, ''), username: s.username ?? '', apiKey: s.apiKey ?? '', senderId: row.senderId };
    } catch {
      log.error('finance: SMS provider credentials do not open with PAYMENT_CREDENTIALS_KEY', { tenantId });
      return null;
    }
  }

  /**
   * An Africa's Talking delivery report (POST form to `/webhooks/payments/africastalking/<tenant>?token=…`): 404 when
   * the tenant has no SMS account, 401 when the token is not the account's (nothing stored), 400 unreadable, else 200 —
   * also for a message we do not know, so the provider stops retrying. The notification keeps the latest word unless
   * it already has a final one (reports come repeated and out of order).
   */
  async handleDeliveryReport(tenantId: string, cb: { raw: Buffer; query: URLSearchParams }, now = new Date()): Promise<{ status: number; body: unknown }> {
    const account = tenantId.length <= 100 ? await this.smsAccount(tenantId) : null;
    if (!account) return { status: 404, body: { error: 'unknown webhook' } };
    if (!verifyDeliveryReportToken(tenantId, account.apiKey, cb.query.get('token'))) {
      log.warn('finance: refused an SMS delivery report that is not authentic', { tenantId });
      return { status: 401, body: { error: 'invalid token' } };
    }
    const report = readDeliveryReport(new URLSearchParams(cb.raw.toString('utf8')));
    if (!report) return { status: 400, body: { error: 'not a delivery report' } };
    const applied = await this.prisma.$transaction(async (tx) => {
      const rows = await tx.$queryRaw<{ id: string; deliveryStatus: string | null }[]>`
        SELECT "id", "deliveryStatus" FROM "Notification" WHERE "tenantId" = ${tenantId} AND "providerMessageId" = ${report.messageId} FOR UPDATE`;
      const n = rows[0];
      if (!n || !deliveryApplies(n.deliveryStatus, report.status)) return false;
      await tx.notification.update({
        where: { id: n.id },
        data: {
          deliveryStatus: report.status, deliveryFailureReason: report.failureReason, deliveryReportedAt: now,
          ...(report.status === 'SUCCESS' ? { deliveredAt: now } : {}),
        },
      });
      return true;
    });
    if (!applied) log.info('finance: SMS delivery report changed nothing', { tenantId, messageId: report.messageId, status: report.status });
    return { status: 200, body: { received: true, applied } };
  }

  /** Creates or replaces a tenant's SMS account (credentials sealed like payment providers'). */
  async configureSms(tenantId: string, cfg: { baseUrl: string; username: string; apiKey: string; senderId?: string | null }): Promise<void> {
    if (!this.vault) throw new Error('PAYMENT_CREDENTIALS_KEY is not set: SMS credentials cannot be stored');
    const data = { provider: SMS_PROVIDER, baseUrl: cfg.baseUrl, credentials: this.vault.seal(tenantId, SMS_PROVIDER, { username: cfg.username, apiKey: cfg.apiKey }), senderId: cfg.senderId ?? null, enabled: true };
    await this.prisma.smsProviderConfig.upsert({ where: { tenantId }, create: { tenantId, ...data }, update: data });
  }
}

function groupBy<T, K>(items: readonly T[], key: (t: T) => K): Map<K, T[]> {
  const m = new Map<K, T[]>();
  for (const i of items) m.set(key(i), [...(m.get(key(i)) ?? []), i]);
  return m;
}
