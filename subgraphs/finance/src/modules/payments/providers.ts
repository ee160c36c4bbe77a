import type { CurrencyCode, Decimal } from '@omniroute/core';

export type PaymentMethod = 'CASH' | 'BANK_TRANSFER' | 'MOBILE_MONEY' | 'CARD' | 'WALLET' | 'FINANCING';

export interface ChargeRequest {
  tenantId: string;
  paymentId: string;
  amount: Decimal;
  currencyCode: CurrencyCode;
  method: PaymentMethod;
  /** Sent to every provider: a provider that sees the key again returns the first outcome, never charges twice. */
  idempotencyKey: string;
}

export type ChargeResult = { ok: true; reference: string } | { ok: false; reason: string };

/** A payment provider (card acquirer, mobile money operator, bank gateway, cash desk). */
export interface PaymentProvider {
  readonly name: string;
  supports(method: PaymentMethod, currency: CurrencyCode): boolean;
  charge(req: ChargeRequest): Promise<ChargeResult>;
  /**
   * What the provider did with an idempotency key, or null when it never saw it (the charge did not reach it).
   * Without this method, a payment interrupted mid-charge cannot be settled without the client retrying.
   */
  lookup?(idempotencyKey: string): Promise<ChargeResult | null>;
}

/**
 * Money received outside the payment rails and recorded by a person: cash counted at the desk or by the rider, a
 * transfer seen on the bank statement, a card slip from the shop's own terminal. Nothing is asked of anyone, so
 * the charge always succeeds; the reference names the payment. (Rails that move money themselves — M-Pesa, MTN
 * MoMo, Paystack — go through initiatePayment and the connectors in ./rails.)
 */
export class RecordedProvider implements PaymentProvider {
  constructor(
    readonly name: string,
    private readonly methods: readonly PaymentMethod[],
  ) {}

  supports(method: PaymentMethod): boolean {
    return this.methods.includes(method);
  }

  async charge(req: ChargeRequest): Promise<ChargeResult> {
    return { ok: true, reference: `${this.name.toUpperCase()}-${req.paymentId}` };
  }

  /**
   * A record exists only once settled, so a payment interrupted before that was never recorded: the reconciler
   * fails it (releasing what it held on the invoice) and the clerk records the money again.
   */
  async lookup(): Promise<ChargeResult | null> {
    return null;
  }
}

export interface ChargeAttempt {
  provider: string;
  ok: boolean;
  reason?: string;
  ms: number;
}
export type OrchestratedCharge =
  | { ok: true; provider: string; reference: string; attempts: ChargeAttempt[] }
  | { ok: false; provider: string | null; reason: string; attempts: ChargeAttempt[] };

/**
 * Payment orchestration: tries the providers that support the method and currency in order and falls back to
 * the next one when a provider declines, throws or times out. The first success wins.
 */
export class PaymentOrchestrator {
  constructor(
    readonly providers: PaymentProvider[],
    private readonly opts: { timeoutMs?: number } = {},
  ) {}

  async charge(req: ChargeRequest): Promise<OrchestratedCharge> {
    const eligible = this.providers.filter((p) => p.supports(req.method, req.currencyCode));
    const attempts: ChargeAttempt[] = [];
    if (eligible.length === 0) return { ok: false, provider: null, reason: `No provider takes ${req.method} in ${req.currencyCode}`, attempts };
    for (const provider of eligible) {
      const t0 = Date.now();
      let result: ChargeResult;
      try {
        result = await withTimeout(provider.charge(req), this.opts.timeoutMs ?? 10_000, 'timed out');
      } catch (error) {
        result = { ok: false, reason: `${provider.name}: ${(error as Error)?.message ?? 'error'}` };
      }
      attempts.push({ provider: provider.name, ok: result.ok, ...(result.ok ? {} : { reason: result.reason }), ms: Date.now() - t0 });
      if (result.ok) return { ok: true, provider: provider.name, reference: result.reference, attempts };
    }
    const last = attempts.at(-1)!;
    return { ok: false, provider: last.provider, reason: last.reason ?? 'declined', attempts };
  }
}

/** What the providers know of a charge: its outcome, `null` when none has a record, `unknown` when one cannot say. */
export type LookedUpCharge = OrchestratedCharge | null | 'unknown';

export async function lookupCharge(orchestrator: PaymentOrchestrator, req: ChargeRequest, timeoutMs = 10_000): Promise<LookedUpCharge> {
  const attempts: ChargeAttempt[] = [];
  let declined: { provider: string; reason: string } | null = null;
  for (const provider of orchestrator.providers.filter((p) => p.supports(req.method, req.currencyCode))) {
    if (!provider.lookup) return 'unknown';
    const t0 = Date.now();
    let known: ChargeResult | null;
    try {
      known = await withTimeout(provider.lookup(req.idempotencyKey), timeoutMs, 'timed out');
    } catch {
      return 'unknown'; // it may have charged: settle nothing until it can answer
    }
    if (!known) continue;
    attempts.push({ provider: provider.name, ok: known.ok, ...(known.ok ? {} : { reason: known.reason }), ms: Date.now() - t0 });
    if (known.ok) return { ok: true, provider: provider.name, reference: known.reference, attempts };
    declined = { provider: provider.name, reason: known.reason };
  }
  return declined ? { ok: false, ...declined, attempts } : null;
}

async function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** What recordPayment uses by default: the cash desk for cash, a manual record for everything else. */
export function defaultProviders(): PaymentProvider[] {
  return [new RecordedProvider('cash-desk', ['CASH']), new RecordedProvider('manual', ['BANK_TRANSFER', 'MOBILE_MONEY', 'CARD'])];
}
