// The chaos suite's clients: steady placeOrder (a retry reuses the idempotency key until the answer is definite),
// payments (recordPayment, retried with the same key), dispatches and deliveries of the orders it placed, a few
// cancellations — all through the two gateway replicas, as a client with a load balancer in front would (a replica
// that does not answer is skipped for the next attempt). Every response body is searched for stack traces.
import { randomUUID } from 'node:crypto';
import { sleep } from '../bench/lib/proc.ts';

export interface TenantLoad {
  tenantId: string;
  email: string;
  token: string;
  customers: string[];
  locationId: string;
  skus: string[];
  vehicles: { id: string; coldChain: boolean }[];
  riders: string[];
}

export interface PlacedOrder {
  tenant: string;
  key: string;
  id: string;
  /** Order ids returned across the retries of this key (must be one). */
  ids: Set<string>;
  lines: { sku: string; quantity: number }[];
  status: string;
  shipmentId?: string;
  vehicleId?: string;
  paidKey?: string;
  cancelled?: boolean;
  delivered?: boolean;
}

export interface LoadStats {
  requests: number;
  transportErrors: number;
  http5xx: number;
  /** GraphQL error codes seen by clients (SUBGRAPH_UNAVAILABLE while a subgraph is down, …). */
  errorCodes: Record<string, number>;
  /** A few errors of each code other than SUBGRAPH_UNAVAILABLE, with the operation they answered. */
  errorSamples: Record<string, string[]>;
  ordersAttempted: number;
  ordersAccepted: number;
  ordersRefused: Record<string, number>;
  orderRetries: number;
  /** Keys whose retries never got a definite answer (checked against the database afterwards). */
  ordersUnknown: string[];
  paymentsAttempted: number;
  paymentsSucceeded: number;
  paymentsRefused: Record<string, number>;
  paymentRetries: number;
  /** Payment keys answered with two different payment ids. */
  paymentKeyConflicts: string[];
  dispatched: number;
  delivered: number;
  cancelled: number;
  /** Responses that carried a stack trace, internals or a file path (samples). */
  stackTraces: string[];
}

const STACK = /\n\s*at\s+[^\n]*:\d+:\d+|"stacktrace"|node_modules\/|\/src\/[\w/.-]+\.ts|\.ts:\d+:\d+|Prisma|ECONNREFUSED|invalid input syntax|duplicate key value/i;

const PLACE = 'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id status } userErrors { code message } } }';
const ORDER = 'query($id: ID!) { order(id: $id) { id status shipment { id status vehicle { id } } invoice { id status amountDue { amount currencyCode } } } }';
const PAY = 'mutation($i: RecordPaymentInput!) { recordPayment(input: $i) { payment { id status } userErrors { code message } } }';
const DISPATCH = 'mutation($i: DispatchShipmentInput!) { dispatchShipment(input: $i) { shipment { id status } userErrors { code message } } }';
const CONFIRM = 'mutation($i: ConfirmDeliveryInput!) { confirmDelivery(input: $i) { shipment { id status } userErrors { code message } } }';
const CANCEL = 'mutation($i: CancelOrderInput!) { cancelOrder(input: $i) { order { id status } userErrors { code message } } }';

type Gql = { data?: any; errors?: { message: string; extensions?: { code?: string } }[] };

export class ChaosClient {
  readonly stats: LoadStats = {
    requests: 0, transportErrors: 0, http5xx: 0, errorCodes: {}, errorSamples: {}, ordersAttempted: 0, ordersAccepted: 0, ordersRefused: {}, orderRetries: 0,
    ordersUnknown: [], paymentsAttempted: 0, paymentsSucceeded: 0, paymentsRefused: {}, paymentRetries: 0, paymentKeyConflicts: [],
    dispatched: 0, delivered: 0, cancelled: 0, stackTraces: [],
  };
  private next = 0;
  private readonly down = new Map<string, number>();

  constructor(private readonly gateways: string[]) {}

  /** One request to one replica (round robin, skipping one that just failed); null on a transport error or 5xx. */
  async request(query: string, variables: Record<string, unknown>, token?: string): Promise<Gql | null> {
    const now = Date.now();
    let url = this.gateways[this.next++ % this.gateways.length]!;
    if ((this.down.get(url) ?? 0) > now) url = this.gateways.find((g) => (this.down.get(g) ?? 0) <= now) ?? url;
    this.stats.requests++;
    let text: string;
    let status: number;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), 'x-request-id': `chaos-${randomUUID()}` },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(15_000),
      });
      status = res.status;
      text = await res.text();
    } catch {
      this.stats.transportErrors++;
      this.down.set(url, Date.now() + 1_000);
      return null;
    }
    if (STACK.test(text) && this.stats.stackTraces.length < 20) this.stats.stackTraces.push(text.slice(0, 600));
    else if (STACK.test(text)) this.stats.stackTraces.push('(more)');
    if (status >= 500 && status !== 503) this.stats.http5xx++;
    let body: Gql;
    try {
      body = JSON.parse(text) as Gql;
    } catch {
      if (status >= 500) this.down.set(url, Date.now() + 1_000);
      return null;
    }
    for (const e of body.errors ?? []) {
      const code = e.extensions?.code ?? 'NONE';
      this.stats.errorCodes[code] = (this.stats.errorCodes[code] ?? 0) + 1;
      const samples = (this.stats.errorSamples[code] ??= []);
      if (code !== 'SUBGRAPH_UNAVAILABLE' && samples.length < 5) samples.push(`${new Date().toISOString()} ${query.slice(0, 40)}… → ${JSON.stringify(e).slice(0, 300)}`);
    }
    return body;
  }

  /** Retries until `definite(body)` or the deadline; the same variables (and so the same idempotency key) each time. */
  async untilDefinite<T>(query: string, variables: Record<string, unknown>, token: string, pick: (b: Gql) => T | null | undefined, deadline: number, onRetry?: () => void): Promise<T | null> {
    for (let attempt = 0; Date.now() < deadline; attempt++) {
      if (attempt > 0) {
        onRetry?.();
        await sleep(Math.min(2_000, 150 * 2 ** Math.min(attempt, 4)) * (0.5 + Math.random()));
      }
      const body = await this.request(query, variables, token);
      const v = body ? pick(body) : null;
      if (v !== null && v !== undefined) return v;
    }
    return null;
  }
}

export interface LoadOptions {
  client: ChaosClient;
  tenants: TenantLoad[];
  runId: string;
  /** Load stops being generated once this returns true (the run's time is up and every fault was injected). */
  done: () => boolean;
  /** Order placers per tenant. */
  placers: number;
  /** Pause between one placer's orders (ms). */
  orderEveryMs: number;
  /** How long a client keeps retrying one request (ms). */
  retryGraceMs: number;
  log: (line: string) => void;
}

/** Runs the load until `until`; resolves with every order a client saw accepted. */
export async function runLoad(opts: LoadOptions): Promise<PlacedOrder[]> {
  const { client } = opts;
  const s = client.stats;
  const orders: PlacedOrder[] = [];
  let seq = 0;
  const retryDeadline = () => Date.now() + opts.retryGraceMs;

  async function placer(t: TenantLoad, n: number) {
    while (!opts.done()) {
      const key = `chaos-${opts.runId}-${t.tenantId}-${n}-${seq++}`;
      const lines = pickLines(t.skus);
      const input = { customerId: t.customers[Math.floor(Math.random() * t.customers.length)], channel: 'PORTAL', locationId: t.locationId, lines, idempotencyKey: key };
      s.ordersAttempted++;
      const ids = new Set<string>();
      const answer = await client.untilDefinite(PLACE, { i: input }, t.token, (b) => {
        const p = b.data?.placeOrder;
        if (!p) return null;
        if (p.order?.id) ids.add(p.order.id);
        return p;
      }, retryDeadline(), () => s.orderRetries++);
      if (!answer) s.ordersUnknown.push(key);
      else if (answer.order) {
        s.ordersAccepted++;
        orders.push({ tenant: t.tenantId, key, id: answer.order.id, ids, lines, status: answer.order.status });
      } else {
        const code = answer.userErrors?.[0]?.code ?? 'NONE';
        s.ordersRefused[code] = (s.ordersRefused[code] ?? 0) + 1;
      }
      await sleep(opts.orderEveryMs * (0.5 + Math.random()));
    }
  }

  /** Moves the orders on: dispatch, deliver, pay, now and then cancel. One request at a time per tenant. */
  async function operator(t: TenantLoad) {
    const free = new Set(t.vehicles.filter((v) => !v.coldChain).map((v) => v.id));
    let riderTurn = 0;
    let i = 0;
    while (!opts.done()) {
      const mine = orders.filter((o) => o.tenant === t.tenantId && !o.cancelled && !(o.delivered && o.paidKey));
      if (mine.length === 0) {
        await sleep(300);
        continue;
      }
      const o = mine[i++ % mine.length]!;
      const view = (await client.request(ORDER, { id: o.id }, t.token))?.data?.order;
      if (!view) {
        await sleep(200);
        continue;
      }
      o.status = view.status;
      const sh = view.shipment;
      if (sh?.vehicle?.id && sh.status === 'IN_TRANSIT') free.delete(sh.vehicle.id);
      // now and then a customer cancels before dispatch
      if ((view.status === 'PENDING' || view.status === 'CONFIRMED') && !o.paidKey && Math.random() < 0.04) {
        const r = await client.untilDefinite(CANCEL, { i: { orderId: o.id, reason: 'chaos: customer changed their mind' } }, t.token, (b) => b.data?.cancelOrder, retryDeadline());
        if (r?.order?.status === 'CANCELLED') {
          s.cancelled++;
          o.cancelled = true;
          // dispatched meanwhile (commerce had not heard yet): logistics recalls the shipment and the vehicle is free
          // again (a dispatch before the recall lands answers VEHICLE_BUSY, and the vehicle is dropped until seen)
          if (o.vehicleId) free.add(o.vehicleId);
        }
        continue;
      }
      if (view.status === 'CONFIRMED' && sh?.status === 'PENDING' && free.size > 0 && t.riders.length > 0) {
        const vehicleId = [...free][0]!;
        const r = await client.request(DISPATCH, { i: { shipmentId: sh.id, vehicleId, riderId: t.riders[riderTurn++ % t.riders.length] } }, t.token);
        const p = r?.data?.dispatchShipment;
        if (p?.shipment) {
          s.dispatched++;
          free.delete(vehicleId);
          o.shipmentId = sh.id;
          o.vehicleId = vehicleId;
        } else if (p?.userErrors?.[0]?.code === 'VEHICLE_BUSY') free.delete(vehicleId);
      } else if (sh?.status === 'IN_TRANSIT') {
        const r = await client.request(CONFIRM, { i: { shipmentId: sh.id, recipientName: 'Chaos Shop', signatureRef: `sig-${o.key}`, lat: 6.6, lng: 3.35 } }, t.token);
        if (r?.data?.confirmDelivery?.shipment?.status === 'DELIVERED') {
          s.delivered++;
          o.delivered = true;
          if (sh.vehicle?.id) free.add(sh.vehicle.id);
        }
      } else if (sh?.status === 'DELIVERED') {
        o.delivered = true;
        if (sh.vehicle?.id) free.add(sh.vehicle.id);
      }
      // pay what is due (an invoice exists once credit was approved), with a key of our own, retried as is
      const inv = view.invoice;
      if (inv && !o.paidKey && inv.status !== 'VOID' && Number(inv.amountDue?.amount) > 0 && Math.random() < 0.5) {
        o.paidKey = `chaos-pay-${o.key}`;
        s.paymentsAttempted++;
        const ids = new Set<string>();
        const r = await client.untilDefinite(PAY, { i: { invoiceId: inv.id, amount: inv.amountDue.amount, currencyCode: inv.amountDue.currencyCode, method: 'CASH', idempotencyKey: o.paidKey } }, t.token, (b) => {
          const p = b.data?.recordPayment;
          if (p?.payment?.id) ids.add(p.payment.id);
          return p;
        }, retryDeadline(), () => s.paymentRetries++);
        if (ids.size > 1) s.paymentKeyConflicts.push(o.paidKey);
        if (r?.payment?.status === 'SUCCEEDED') s.paymentsSucceeded++;
        else {
          const code = r?.userErrors?.[0]?.code ?? (r ? r.payment?.status ?? 'NONE' : 'NO_ANSWER');
          s.paymentsRefused[code] = (s.paymentsRefused[code] ?? 0) + 1;
        }
      }
      await sleep(50);
    }
  }

  await Promise.all([
    ...opts.tenants.flatMap((t) => Array.from({ length: opts.placers }, (_, n) => placer(t, n))),
    ...opts.tenants.map((t) => operator(t)),
  ]);
  return orders;
}

function pickLines(skus: string[]): { sku: string; quantity: number }[] {
  const n = 1 + Math.floor(Math.random() * 3);
  const chosen = new Set<string>();
  while (chosen.size < n && chosen.size < skus.length) chosen.add(skus[Math.floor(Math.random() * skus.length)]!);
  return [...chosen].map((sku) => ({ sku, quantity: 1 + Math.floor(Math.random() * 3) }));
}
