import {
  authorize, dec, formatAmount, isCurrency, log, newId, pageWindow, toConnection, type Connection, type ConnectionArgs, type CurrencyCode, type Decimal,
} from '@omniroute/core';
import { enqueue } from '@omniroute/events';
import type { RequestScope } from '../../context.ts';
import type { Payout, PayoutStatus, Prisma, PrismaClient } from '../../generated/prisma/client.ts';
import { SOURCE, TX_OPTIONS, type Tx } from '../../db.ts';
import type { LedgerService } from '../ledger/ledger.service.ts';
import { payoutFailed, payoutRequested, payoutSucceeded, workerEarning } from '../ledger/ledger.rules.ts';
import { normalizePhone } from '../payments/payment.rules.ts';
import type { ProviderAccountService } from '../payments/provider-accounts.service.ts';
import { RAILS, RAIL_SLUGS, readWebhook, type CallbackReply, type IncomingCallback, type RailAccount, type RailName, type RailOutcome } from '../payments/rails/rail.ts';
import { callbackRow, type CallbackRecord } from '../payments/payments.service.ts';
import type { PayoutConnector } from './rails/index.ts';
import { payoutPollDelay, payoutRailFor } from './payouts.rules.ts';
import { payoutPolicies } from './payouts.policies.ts';

export interface PayoutTiming {
  /** First status query after a transfer was sent (default 5 s; the result callback usually comes first). */
  firstPollMs: number;
  maxPollMs: number;
  /** A transfer the provider still does not know this long after it was sent never reached it: FAILED (default 2 min). */
  notFoundAfterMs: number;
}
export const DEFAULT_PAYOUT_TIMING: PayoutTiming = { firstPollMs: 5_000, maxPollMs: 300_000, notFoundAfterMs: 2 * 60_000 };

interface Settlement {
  status: 'SUCCEEDED' | 'FAILED';
  reference?: string | null;
  receipt?: string | null;
  reason?: string;
}

/** A withdrawal as workforce's `worker.withdrawal.requested` event carries it. */
export interface WithdrawalRequested {
  withdrawalId: string;
  workerId: string;
  phone: string;
  amount: Decimal;
  currency: CurrencyCode;
}

/**
 * Payouts: pays workers' withdrawals to their mobile money through the rails' payout APIs, exactly once per
 * withdrawal, and keeps the ledger's WORKER_PAYABLE sub-ledger of each worker equal to their workforce balance.
 *
 * The withdrawal arrives as an event (workforce has already taken it off the balance, never below zero); its payout
 * is opened in the consumer's transaction (PAYOUT_REQUESTED: payable → in transit), sent by the dispatcher, and
 * settled by the rail's result callback or status query, once under the payout's row lock: SUCCEEDED (in transit →
 * cash) or FAILED (in transit → payable, and `payout.failed` so workforce credits the balance back). A payout only
 * FAILS on a definite answer: a transfer whose request got no clear reply may have paid, so it stays PENDING until
 * the rail or the settlement report says.
 */
export class PayoutService {
  private readonly timing: PayoutTiming;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly ledger: LedgerService,
    private readonly accounts: ProviderAccountService,
    private readonly connectors: Record<RailName, PayoutConnector>,
    private readonly callbackBaseUrl: () => string,
    private readonly onCommitted: () => void = () => {},
    timing: Partial<PayoutTiming> = {},
  ) {
    this.timing = { ...DEFAULT_PAYOUT_TIMING, ...timing };
  }

  /** Earnings workforce credited (a completed task, a seeded opening balance): WORKER_EARNING into the worker's payable. */
  async recordEarning(tx: Tx, tenantId: string, e: { workerId: string; amount: Decimal; currency: CurrencyCode; ref: string }): Promise<void> {
    if (e.amount.lte(0)) return;
    await this.ledger.post(tx, workerEarning({ tenantId, currency: e.currency, workerId: e.workerId }, e.amount, e.ref));
  }

  /**
   * Opens the payout of a withdrawal in the consumer's transaction (one per withdrawal: a redelivered event finds it).
   * Without a rail able to pay it (no account in the currency, a number no rail takes) it FAILS at once and goes back
   * to the worker.
   */
  async open(tx: Tx, tenantId: string, w: WithdrawalRequested): Promise<Payout> {
    const existing = await tx.payout.findUnique({ where: { tenantId_withdrawalId: { tenantId, withdrawalId: w.withdrawalId } } });
    if (existing) return existing;
    const phone = normalizePhone(w.phone);
    const ready = await this.readyAccounts(tenantId);
    const rail = phone ? payoutRailFor(phone, w.currency, ready) : null;
    const connector = rail ? this.connectors[rail] : null;
    const why = !phone ? `no mobile-money number: ${w.phone.slice(0, 30)}` : !rail ? `no payment rail of the tenant pays out ${w.currency}` : connector!.check({ amount: w.amount, currency: w.currency });
    const id = newId('pyo');
    const payout = await tx.payout.create({
      data: {
        id, tenantId, workerId: w.workerId, withdrawalId: w.withdrawalId, rail: rail ?? 'MPESA', phone: phone ?? w.phone.slice(0, 30), currency: w.currency, amount: w.amount,
        status: 'PENDING', reference: connector?.newReference(id) ?? null,
      },
    });
    await this.ledger.post(tx, payoutRequested({ tenantId, currency: w.currency, workerId: w.workerId }, w.amount, id));
    if (why) return this.settleIn(tx, payout, { status: 'FAILED', reason: why });
    return payout;
  }

  /** The tenant's rail accounts that can pay out (enabled, credentials open, payout credentials present). */
  private async readyAccounts(tenantId: string): Promise<RailAccount[]> {
    const accounts = await Promise.all(RAILS.map((r) => this.accounts.account(tenantId, r)));
    return accounts.filter((a): a is RailAccount => !!a && this.connectors[a.rail].missing(a).length === 0);
  }

  /** Sends the payouts not sent yet (every process; a payout is claimed before its request, so it is sent at most once). */
  async dispatch(limit = 20): Promise<number> {
    const due = await this.prisma.payout.findMany({ where: { status: 'PENDING', submittedAt: null }, orderBy: { createdAt: 'asc' }, take: limit });
    let sent = 0;
    for (const p of due) {
      const now = new Date();
      const { count } = await this.prisma.payout.updateMany({ where: { id: p.id, submittedAt: null }, data: { submittedAt: now, nextPollAt: new Date(now.getTime() + this.timing.firstPollMs) } });
      if (count === 0) continue; // another replica took it
      sent++;
      const account = await this.accounts.account(p.tenantId, p.rail);
      if (!account) {
        await this.settle(p.tenantId, p.id, { status: 'FAILED', reason: `the tenant's ${p.rail} account is gone` });
        continue;
      }
      const connector = this.connectors[p.rail];
      const endpoint = `${this.callbackBaseUrl().replace(/\/$/, '')}/webhooks/payments/${RAIL_SLUGS[p.rail]}/${p.tenantId}`;
      const r = await connector.send(account, {
        payoutId: p.id, reference: p.reference, amount: dec(p.amount), currency: p.currency as CurrencyCode, phone: p.phone,
        name: `OmniRoute worker ${p.workerId}`, callbackUrl: connector.callbackUrl(account, endpoint, p.id), description: `Earnings withdrawal ${p.id}`,
      });
      if (r.status === 'FAILED') await this.settle(p.tenantId, p.id, { status: 'FAILED', reason: r.reason });
      else if (r.status === 'PENDING') await this.prisma.payout.updateMany({ where: { id: p.id, reference: null }, data: { reference: r.reference } });
      else log.warn('finance: no clear answer to a payout request; it stays PENDING until the rail says', { payoutId: p.id, rail: p.rail, reason: r.reason });
    }
    return sent;
  }

  /** Status queries of sent payouts whose next poll is due; safe on several replicas (settling is idempotent). */
  async poll(now = new Date()): Promise<number> {
    const due = await this.prisma.payout.findMany({ where: { status: 'PENDING', submittedAt: { not: null }, nextPollAt: { lte: now } }, orderBy: { nextPollAt: 'asc' }, take: 50 });
    let settled = 0;
    for (const p of due) {
      let outcome: RailOutcome = { status: 'PENDING' };
      try {
        const account = await this.accounts.account(p.tenantId, p.rail);
        const endpoint = `${this.callbackBaseUrl().replace(/\/$/, '')}/webhooks/payments/${RAIL_SLUGS[p.rail]}/${p.tenantId}`;
        if (account) outcome = await this.connectors[p.rail].status(account, { id: p.id, reference: p.reference, callbackUrl: this.connectors[p.rail].callbackUrl(account, endpoint, p.id) });
      } catch (error) {
        log.warn('finance: payout status query failed', { payoutId: p.id, error: String(error) });
      }
      const age = now.getTime() - p.submittedAt!.getTime();
      const s: Settlement | null =
        outcome.status === 'SUCCEEDED' ? { status: 'SUCCEEDED', receipt: outcome.receipt }
          : outcome.status === 'FAILED' ? { status: 'FAILED', reason: outcome.reason }
            : outcome.status === 'NOT_FOUND' && age >= this.timing.notFoundAfterMs ? { status: 'FAILED', reason: `${p.rail} has no record of the transfer` }
              : null;
      if (s) {
        if ((await this.settle(p.tenantId, p.id, s)).applied) settled++;
      } else {
        await this.prisma.payout.updateMany({ where: { id: p.id, status: 'PENDING' }, data: { polls: { increment: 1 }, nextPollAt: new Date(now.getTime() + payoutPollDelay(p.polls + 1, this.timing.firstPollMs, this.timing.maxPollMs)) } });
      }
    }
    return settled;
  }

  /** Settles a payout once: only a PENDING payout changes; later words are stored and change nothing. */
  async settle(tenantId: string, payoutId: string, s: Settlement, callback?: CallbackRecord): Promise<{ payout: Payout; applied: boolean }> {
    const r = await this.prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT "id" FROM "Payout" WHERE "id" = ${payoutId} AND "tenantId" = ${tenantId} FOR UPDATE`;
      const before = (await tx.payout.findUnique({ where: { id: payoutId } }))!;
      const applied = before.status === 'PENDING';
      const payout = applied
        ? await this.settleIn(tx, before, s)
        : s.receipt && !before.receipt && s.status === before.status ? await tx.payout.update({ where: { id: payoutId }, data: { receipt: s.receipt } }) : before;
      if (!applied && callback && callback.outcome !== before.status) log.warn('finance: payout callback disagrees with the settled payout; not applied', { payoutId, status: before.status, callback: callback.outcome });
      if (callback) {
        // Payout callbacks are kept beside payment callbacks (paymentId names the payout) for reconciliation.
        await tx.paymentCallback.create({ data: callbackRow(tenantId, payoutId, { ...callback, reference: callback.reference ?? before.reference }, applied) });
      }
      return { payout, applied };
    }, TX_OPTIONS);
    if (r.applied) this.onCommitted();
    return r;
  }

  /** The settlement of a PENDING payout inside `tx`: status, the ledger and the event workforce acts on. */
  private async settleIn(tx: Tx, p: Payout, s: Settlement): Promise<Payout> {
    const currency = p.currency as CurrencyCode;
    const payout = await tx.payout.update({
      where: { id: p.id },
      data: {
        status: s.status, settledAt: new Date(), nextPollAt: null,
        ...(s.reference && !p.reference ? { reference: s.reference } : {}),
        ...(s.receipt ? { receipt: s.receipt } : {}),
        ...(s.status === 'FAILED' ? { failureReason: (s.reason ?? 'failed').slice(0, 500) } : {}),
      },
    });
    const base = { tenantId: p.tenantId, currency, workerId: p.workerId };
    await this.ledger.post(tx, s.status === 'SUCCEEDED' ? payoutSucceeded(base, p.amount, p.id) : payoutFailed(base, p.amount, p.id));
    await enqueue(tx, SOURCE, [{
      type: s.status === 'SUCCEEDED' ? 'payout.succeeded' : 'payout.failed', tenantId: p.tenantId, aggregateId: p.id,
      payload: {
        payoutId: p.id, withdrawalId: p.withdrawalId, workerId: p.workerId, rail: p.rail, status: s.status, reason: payout.failureReason,
        amount: { amount: formatAmount(p.amount, currency), currencyCode: currency }, at: new Date().toISOString(),
      },
    }]);
    return payout;
  }

  /** Whether a callback at /webhooks/payments/<rail>/<tenant> is a payout's: a payout result URL, or a Paystack transfer event. */
  static claims(railSlug: string, query: URLSearchParams, raw: Buffer): boolean {
    if (query.has('payout')) return true;
    return railSlug === RAIL_SLUGS.PAYSTACK && /"event"\s*:\s*"transfer\./.test(raw.subarray(0, 200).toString('utf8'));
  }

  /** A payout's result callback: 404 unknown rail/account, 401 not authentic (nothing stored), 400 unreadable, else 200. */
  async handleCallback(railSlug: string, tenantId: string, cb: IncomingCallback): Promise<CallbackReply> {
    const read = await readWebhook('payout callback', railSlug, tenantId, (t, r) => this.accounts.account(t, r), (r, account) => this.connectors[r].readCallback(account, cb));
    if ('reply' in read) return read.reply;
    const { rail, parsed } = read;
    const payout = parsed.payoutId
      ? await this.prisma.payout.findFirst({ where: { id: parsed.payoutId, tenantId, rail } })
      : parsed.reference ? await this.prisma.payout.findFirst({ where: { tenantId, rail, reference: parsed.reference } }) : null;
    const record: CallbackRecord = { rail, reference: parsed.reference ?? payout?.reference ?? null, outcome: parsed.outcome.status, payload: parsed.payload };
    if (!payout || parsed.outcome.status === 'PENDING') {
      if (!payout) log.warn('finance: payout callback for no known payout; kept for reconciliation', { rail, tenantId, reference: parsed.reference });
      await this.prisma.paymentCallback.create({ data: callbackRow(tenantId, payout?.id ?? null, record, false) });
      return { status: 200, body: { received: true, applied: false } };
    }
    const o = parsed.outcome;
    const { applied } = await this.settle(tenantId, payout.id, o.status === 'SUCCEEDED' ? { status: 'SUCCEEDED', reference: parsed.reference, receipt: o.receipt } : { status: 'FAILED', reference: parsed.reference, reason: o.reason }, record);
    return { status: 200, body: { received: true, applied } };
  }

  async get({ viewer }: RequestScope, id: string): Promise<Payout | null> {
    const v = authorize(payoutPolicies['Query.payout'], viewer);
    return this.prisma.payout.findFirst({ where: { id, tenantId: v.tenantId } });
  }

  /** The tenant's payouts, newest first, optionally one worker's or one status. */
  async list({ viewer }: RequestScope, filter: { workerId?: string | null; status?: PayoutStatus | null }, args: ConnectionArgs, policy: 'Query.payouts' | 'Worker.payouts' = 'Query.payouts'): Promise<Connection<Payout>> {
    const v = authorize(payoutPolicies[policy], viewer);
    const { first, afterId } = pageWindow(args);
    const where: Prisma.PayoutWhereInput = { tenantId: v.tenantId, ...(filter.workerId ? { workerId: filter.workerId } : {}), ...(filter.status ? { status: filter.status } : {}) };
    const rows = await this.prisma.payout.findMany({ where: { ...where, ...(afterId ? { id: { lt: afterId } } : {}) }, orderBy: { id: 'desc' }, take: first + 1 });
    return toConnection(rows, first, afterId);
  }
}

/** The withdrawal of a `worker.withdrawal.requested` payload, or null when malformed. */
export function withdrawalOf(p: Record<string, unknown>): WithdrawalRequested | null {
  const amount = p.amount as { amount?: unknown; currencyCode?: unknown } | undefined;
  const str = (k: string) => (typeof p[k] === 'string' && (p[k] as string).length > 0 && (p[k] as string).length <= 200 ? (p[k] as string) : null);
  const withdrawalId = str('withdrawalId');
  const workerId = str('workerId');
  const phone = str('phone');
  if (!withdrawalId || !workerId || !phone || !amount || typeof amount.amount !== 'string' || !/^\d{1,15}(\.\d{1,4})?$/.test(amount.amount) || !isCurrency(amount.currencyCode)) return null;
  const value = dec(amount.amount);
  return value.gt(0) ? { withdrawalId, workerId, phone, amount: value, currency: amount.currencyCode } : null;
}
