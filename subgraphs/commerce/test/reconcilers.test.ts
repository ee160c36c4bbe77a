// Issue 14: an order whose order.placed never reached finance (lost to a crash, or to a Redis restarted
// without persistence) used to stay PENDING forever with its stock reserved. The reconciler re-sends it.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Viewer } from '@omniroute/core';
import { demoPlan } from '@omniroute/demo';
import { createEventBus, newEventId, reconcilerStats, type DomainEvent, type EventBus } from '@omniroute/events';
import { callSubgraph, eventually } from '@omniroute/testkit';
import { create } from '../src/server.ts';

const SECRET = 'commerce-reconcile-secret';
const [LAGOS] = demoPlan();
const ADMIN: Viewer = { tenantId: LAGOS!.id, userId: LAGOS!.users[0]!.id, roles: ['ADMIN'], scopes: [] };
const customer = LAGOS!.customers.find((c) => c.type === 'RETAILER')!;
const location = LAGOS!.locations[1]!;
const variant = LAGOS!.products.flatMap((p) => p.variants)[3]!;

let bus: EventBus;
let sg: Awaited<ReturnType<typeof create>>;
let url: string;
let stop: () => Promise<void>;
const published: DomainEvent[] = [];

beforeAll(async () => {
  bus = createEventBus({ onError: () => undefined });
  bus.listen((e) => void published.push(e), { types: ['order.placed'] });
  // reconcilers run only when the test says (reconcileIntervalMs: 0): a periodic run inside the waits below would re-send early
  sg = await create({ secret: SECRET, bus, relayIntervalMs: 50, reconcileAfterMs: 300, reconcileIntervalMs: 0 });
  await sg.seed();
  const running = await sg.listen(0);
  url = running.url;
  stop = running.stop;
});
afterAll(async () => {
  await stop?.();
  await sg?.close();
  await bus?.close();
});

it('an order left PENDING because finance never got order.placed: the event is re-sent with its id, once per period', async () => {
  const r = await callSubgraph({ url, name: 'commerce' }, SECRET, ADMIN, `mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id status } userErrors { code } } }`, {
    i: { customerId: customer.id, channel: 'PORTAL', locationId: location.id, lines: [{ sku: variant.sku, quantity: 1 }] },
  });
  const order = r.data.placeOrder.order as { id: string; status: string };
  expect(order.status).toBe('PENDING');
  await eventually(() => published.some((e) => e.aggregateId === order.id));
  const original = published.find((e) => e.aggregateId === order.id)!;

  // Finance comes up after the event went by: it is not delivered to it again by the bus.
  const finance: DomainEvent[] = [];
  await bus.consume('finance.order-to-cash', async (e) => void finance.push(e), { types: ['order.placed'], from: 'new' });
  await new Promise((r) => setTimeout(r, 400)); // past reconcileAfterMs
  expect(finance).toEqual([]);

  const [pending] = sg.reconcilers;
  const stats = await pending!.runNow();
  expect(stats.name).toBe('commerce.orders-without-credit-decision');
  expect(stats.foundTotal).toBeGreaterThanOrEqual(1);
  expect(stats.repairedTotal).toBeGreaterThanOrEqual(1);
  await eventually(() => finance.some((e) => e.aggregateId === order.id));
  expect(finance.find((e) => e.aggregateId === order.id)).toEqual(original); // same id: handleOnce dedups

  // Re-sent just now: the next run does not send it again (at most once per reconcileAfterMs).
  const before = finance.length;
  await pending!.runNow();
  await new Promise((r) => setTimeout(r, 200));
  expect(finance.filter((e) => e.aggregateId === order.id)).toHaveLength(1);
  expect(finance.length).toBe(before);
  // on commerce's /metrics, for each of its reconcilers
  const text = await (await fetch(url.replace(/\/graphql$/, '/metrics'))).text();
  expect(text).toMatch(/^omniroute_reconciler_runs_total\{subgraph="commerce",reconciler="commerce.orders-without-credit-decision"\} 2$/m);
  expect(text).toMatch(/^omniroute_reconciler_repaired_total\{subgraph="commerce",reconciler="commerce.orders-without-credit-decision"\} [1-9]/m);
  expect(text).toMatch(/^omniroute_reconciler_found_total\{subgraph="commerce",reconciler="commerce.confirmed-orders-not-dispatched"\} 0$/m);
  expect(reconcilerStats().map((s) => s.name)).toEqual(
    expect.arrayContaining(['commerce.orders-without-credit-decision', 'commerce.confirmed-orders-not-dispatched']),
  );
});

it('a confirmed order whose shipment logistics made is not re-sent (it waits for dispatch); one without a shipment is', async () => {
  const place = async () => {
    const r = await callSubgraph({ url, name: 'commerce' }, SECRET, ADMIN, `mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id } } }`, {
      i: { customerId: customer.id, channel: 'PORTAL', locationId: location.id, lines: [{ sku: variant.sku, quantity: 1 }] },
    });
    return r.data.placeOrder.order.id as string;
  };
  const [shipped, lost] = [await place(), await place()];
  const event = (type: string, orderId: string, payload: Record<string, unknown> = {}): DomainEvent => ({
    id: newEventId(), type, tenantId: LAGOS!.id, aggregateId: orderId, payload: { orderId, customerId: customer.id, ...payload }, occurredAt: new Date().toISOString(), source: 'test',
  });
  await bus.publish([event('credit.approved', shipped), event('credit.approved', lost)]);
  await eventually(async () => (await sg.prisma.order.count({ where: { id: { in: [shipped, lost] }, status: 'CONFIRMED' } })) === 2);
  await bus.publish([event('shipment.created', shipped, { shipmentId: 'shp_TEST1' })]);
  await eventually(async () => (await sg.prisma.order.findUniqueOrThrow({ where: { id: shipped } })).shipmentCreatedAt !== null);
  await eventually(async () => (await sg.prisma.outboxEvent.count({ where: { type: 'order.confirmed', aggregateId: { in: [shipped, lost] }, publishedAt: null } })) === 0);

  const logistics: DomainEvent[] = [];
  await bus.consume('logistics.shipments', async (e) => void logistics.push(e), { types: ['order.confirmed'], from: 'new' });
  await new Promise((r) => setTimeout(r, 400)); // past reconcileAfterMs
  const stats = await sg.reconcilers[1]!.runNow();
  expect(stats.name).toBe('commerce.confirmed-orders-not-dispatched');
  await eventually(async () => logistics.some((e) => e.aggregateId === lost));
  expect(logistics.map((e) => e.aggregateId)).not.toContain(shipped);
});
