import { randomUUID } from 'node:crypto';
import type { CurrencyCode, Decimal } from '@omniroute/core';

export type PaymentMethod = 'CASH' | 'BANK_TRANSFER' | 'MOBILE_MONEY' | 'CARD';

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

export interface SimulatedProviderOptions {
  name: string;
  methods: PaymentMethod[];
  currencies?: CurrencyCode[];
  /** Probability 0–1 that a charge is declined. */
  failureRate?: number;
  /** Simulated network latency per charge, ms. */
  latencyMs?: number;
  /** Random source (tests inject a fixed sequence). */
  random?: () => number;
}

/**
 * A local stand-in for a real provider: declines a share of charges and takes time, so orchestration (fallback,
 * timeouts, idempotency) is exercised without a network. Remembers outcomes by idempotency key like real ones do.
 */
export class SimulatedProvider implements PaymentProvider {
  readonly name: string;
  /** Charges actually taken (one per idempotency key), for tests and the demo. */
  readonly charges = new Map<string, ChargeResult>();
  private readonly inflight = new Map<string, Promise<ChargeResult>>();

  constructor(private readonly opts: SimulatedProviderOptions) {
    this.name = opts.name;
  }

  supports(method: PaymentMethod, currency: CurrencyCode): boolean {
    return this.opts.methods.includes(method) && (!this.opts.currencies || this.opts.currencies.includes(currency));
  }

  charge(req: ChargeRequest): Promise<ChargeResult> {
    const known = this.charges.get(req.idempotencyKey);
    if (known) return Promise.resolve(known);
    let p = this.inflight.get(req.idempotencyKey);
    if (!p) {
      p = (async () => {
        if (this.opts.latencyMs) await new Promise((r) => setTimeout(r, this.opts.latencyMs));
        const declined = (this.opts.random ?? Math.random)() < (this.opts.failureRate ?? 0);
        const result: ChargeResult = declined
          ? { ok: false, reason: `${this.name}: declined` }
          : { ok: true, reference: `${this.name.toUpperCase()}-${randomUUID().slice(0, 13).toUpperCase()}` };
        this.charges.set(req.idempotencyKey, result);
        if (this.charges.size > 10_000) this.charges.delete(this.charges.keys().next().value!);
        return result;
      })().finally(() => this.inflight.delete(req.idempotencyKey));
      this.inflight.set(req.idempotencyKey, p);
    }
    return p;
  }

  async lookup(idempotencyKey: string): Promise<ChargeResult | null> {
    return (await this.inflight.get(idempotencyKey)) ?? this.charges.get(idempotencyKey) ?? null;
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

/**
 * The default providers: cash counted at the desk (or by the rider), and two simulated gateways for electronic
 * payments, the second a fallback for the first. FINANCE_PROVIDER_FAILURE_RATE (default 0.1) and
 * FINANCE_PROVIDER_LATENCY_MS (default 25) tune the primary; the fallback declines a tenth as often.
 */
export function defaultProviders(env: NodeJS.ProcessEnv = process.env): PaymentProvider[] {
  const failureRate = clamp01(Number(env.FINANCE_PROVIDER_FAILURE_RATE ?? 0.1));
  const latencyMs = Math.max(0, Number(env.FINANCE_PROVIDER_LATENCY_MS ?? 25)) || 0;
  const electronic: PaymentMethod[] = ['CARD', 'MOBILE_MONEY', 'BANK_TRANSFER'];
  return [
    new SimulatedProvider({ name: 'cash-desk', methods: ['CASH'] }),
    new SimulatedProvider({ name: 'paylink', methods: electronic, failureRate, latencyMs }),
    new SimulatedProvider({ name: 'mobicash', methods: electronic, failureRate: failureRate / 10, latencyMs: latencyMs * 2 }),
  ];
}

const clamp01 = (n: number) => (Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : 0);
