import type { ChargeRequest, ChargeResult, PaymentMethod, PaymentProvider } from '../src/modules/payments/providers.ts';

/**
 * A provider for orchestration tests (fallback, timeouts, idempotency) that declines or accepts as it is told —
 * never by chance — and remembers outcomes by idempotency key like real providers do.
 */
export class ScriptedProvider implements PaymentProvider {
  readonly name: string;
  readonly charges = new Map<string, ChargeResult>();
  private readonly inflight = new Map<string, Promise<ChargeResult>>();

  constructor(private readonly opts: { name: string; methods: PaymentMethod[]; declines?: boolean; latencyMs?: number }) {
    this.name = opts.name;
  }

  supports(method: PaymentMethod): boolean {
    return this.opts.methods.includes(method);
  }

  charge(req: ChargeRequest): Promise<ChargeResult> {
    const known = this.charges.get(req.idempotencyKey);
    if (known) return Promise.resolve(known);
    let p = this.inflight.get(req.idempotencyKey);
    if (!p) {
      p = (async () => {
        if (this.opts.latencyMs) await new Promise((r) => setTimeout(r, this.opts.latencyMs));
        const result: ChargeResult = this.opts.declines
          ? { ok: false, reason: `${this.name}: declined` }
          : { ok: true, reference: `${this.name.toUpperCase()}-${req.paymentId}` };
        this.charges.set(req.idempotencyKey, result);
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
