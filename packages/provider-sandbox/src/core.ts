import type { IncomingMessage, ServerResponse } from 'node:http';
import { finalDeliveries, pays, scenarioFor, type Scenario } from './scenarios.ts';

/** Who sends: a payment rail, or Africa's Talking (SMS delivery reports). */
export type Rail = 'MPESA' | 'MTN_MOMO' | 'PAYSTACK' | 'AFRICAS_TALKING';

/** One payment request as the sandbox's provider holds it. */
export interface SandboxTransaction {
  rail: Rail;
  /** The provider's id: CheckoutRequestID, X-Reference-Id or the Paystack reference. */
  reference: string;
  /** The account (consumer key, API user, secret key) that asked for it. */
  account: string;
  /** Exactly as the client sent it, as a decimal string in major units. */
  amount: string;
  currency: string;
  phone: string;
  scenario: Scenario;
  status: 'PENDING' | 'SUCCEEDED' | 'FAILED';
  reason: string | null;
  receipt: string | null;
  createdAt: Date;
  settledAt: Date | null;
  /** Rail-specific fields echoed in status answers and callbacks. */
  meta: Record<string, unknown>;
}

/** One attempt to deliver a callback. */
export interface Delivery {
  rail: Rail;
  reference: string;
  url: string;
  method: string;
  body: string;
  attempt: number;
  /** HTTP status, or null when the request did not get an answer. */
  status: number | null;
  at: Date;
}

export interface SandboxTiming {
  /** How long the pretend customer takes to answer the prompt (default 500 ms). */
  approveMs: number;
  /** How long an EXPIRED prompt waits before the provider gives up (default 3 × approveMs). */
  expireMs: number;
  /** How long a SLOW_RESPONSE scenario holds the initiating request's answer (default 15 s). */
  slowResponseMs: number;
  /** Pause between repeated deliveries of one callback (default 100 ms). */
  repeatMs: number;
}

/** Shared state of a running sandbox: transactions, deliveries and the timers to stop on close. */
export class SandboxState {
  readonly transactions = new Map<string, SandboxTransaction>();
  readonly deliveries: Delivery[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private counter = 0;
  closed = false;

  constructor(readonly timing: SandboxTiming) {}

  /** A short increasing number for receipts and ids, so they read in order in logs. */
  next(): number {
    return ++this.counter;
  }

  add(t: Omit<SandboxTransaction, 'scenario' | 'status' | 'reason' | 'receipt' | 'createdAt' | 'settledAt'>): SandboxTransaction {
    const txn: SandboxTransaction = { ...t, scenario: scenarioFor(t.phone), status: 'PENDING', reason: null, receipt: null, createdAt: new Date(), settledAt: null };
    this.transactions.set(`${t.rail}:${t.reference}`, txn);
    return txn;
  }

  get(rail: Rail, reference: string): SandboxTransaction | undefined {
    return this.transactions.get(`${rail}:${reference}`);
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed) return resolve();
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  /** Runs `fn` later unless the sandbox closes first. */
  later(ms: number, fn: () => Promise<void>): void {
    void this.sleep(ms).then(() => (this.closed ? undefined : fn().catch(() => undefined)));
  }

  /**
   * POSTs a callback like providers do: retried on no answer or a 5xx (three attempts), never on a 4xx, which
   * means the receiver refused it for good.
   */
  async deliver(rail: Rail, reference: string, url: string, body: string, headers: Record<string, string> = {}, method = 'POST'): Promise<number | null> {
    let status: number | null = null;
    for (let attempt = 1; attempt <= 3 && !this.closed; attempt++) {
      try {
        const res = await fetch(url, { method, headers: { 'content-type': 'application/json', ...headers }, body, signal: AbortSignal.timeout(10_000) });
        await res.arrayBuffer();
        status = res.status;
      } catch {
        status = null;
      }
      this.deliveries.push({ rail, reference, url, method, body, attempt, status, at: new Date() });
      if (status !== null && status < 500) break;
      await this.sleep(200 * attempt);
    }
    return status;
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

export interface Outcomes {
  /** The provider's wording of a failure scenario. */
  reason(s: Scenario): string;
  receipt(txn: SandboxTransaction): string;
}

export interface Callbacks {
  /** Sends the final callback (success or failure) once; absent when the rail sends none for this outcome. */
  final?: () => Promise<unknown>;
  /** A stale "still pending" notification, sent after the final one in OUT_OF_ORDER. */
  stale?: () => Promise<unknown>;
}

export function settle(txn: SandboxTransaction, outcomes: Outcomes): void {
  if (txn.status !== 'PENDING') return;
  txn.settledAt = new Date();
  if (pays(txn.scenario)) {
    txn.status = 'SUCCEEDED';
    txn.receipt = outcomes.receipt(txn);
  } else {
    txn.status = 'FAILED';
    txn.reason = outcomes.reason(txn.scenario);
  }
}

/**
 * The pretend customer's side of a new transaction, by scenario. Resolves when the initiating request may be
 * answered: at once, after the first callback (OUT_OF_ORDER: the provider's callback overtakes its own answer),
 * or after slowResponseMs (SLOW_RESPONSE: the answer comes after the client stopped waiting).
 */
export async function proceed(state: SandboxState, txn: SandboxTransaction, outcomes: Outcomes, callbacks: (t: SandboxTransaction) => Callbacks): Promise<void> {
  const { approveMs, expireMs, slowResponseMs, repeatMs } = state.timing;
  const finalTimes = async (n: number) => {
    for (let i = 0; i < n && !state.closed; i++) {
      if (i > 0) await state.sleep(repeatMs);
      await callbacks(txn).final?.();
    }
  };
  switch (txn.scenario) {
    case 'OUT_OF_ORDER':
      settle(txn, outcomes);
      await callbacks(txn).final?.();
      state.later(repeatMs, async () => {
        await callbacks(txn).stale?.();
        await finalTimes(finalDeliveries(txn.scenario) - 1);
      });
      return;
    case 'SLOW_RESPONSE':
      state.later(approveMs, async () => {
        settle(txn, outcomes);
        await finalTimes(1);
      });
      await state.sleep(slowResponseMs);
      return;
    default:
      state.later(txn.scenario === 'EXPIRED' ? expireMs : approveMs, async () => {
        settle(txn, outcomes);
        await finalTimes(finalDeliveries(txn.scenario));
      });
  }
}

export class HttpReply extends Error {
  constructor(readonly status: number, readonly body: unknown, readonly headers: Record<string, string> = {}) {
    super(`HTTP ${status}`);
  }
}

export function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

export async function readJson(req: IncomingMessage): Promise<any> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 64 * 1024) throw new HttpReply(413, { message: 'body too large' });
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpReply(400, { message: 'body is not JSON' });
  }
}

/** The Basic credentials of a request, or null. */
export function basicAuth(req: IncomingMessage): [string, string] | null {
  const h = req.headers.authorization ?? '';
  if (!h.startsWith('Basic ')) return null;
  const text = Buffer.from(h.slice(6), 'base64').toString('utf8');
  const i = text.indexOf(':');
  return i < 0 ? null : [text.slice(0, i), text.slice(i + 1)];
}

export function bearer(req: IncomingMessage): string | null {
  const h = req.headers.authorization ?? '';
  return h.startsWith('Bearer ') ? h.slice(7) : null;
}

/** A positive decimal amount with at most `decimals` places, as sent (string or JSON number), or null. */
export function amountText(v: unknown, decimals: number): string | null {
  const text = typeof v === 'number' && Number.isFinite(v) ? String(v) : typeof v === 'string' ? v : '';
  const re = decimals > 0 ? new RegExp(`^\\d{1,15}(\\.\\d{1,${decimals}})?$`) : /^\d{1,15}$/;
  if (!re.test(text) || /^0+(\.0+)?$/.test(text)) return null;
  return text;
}
