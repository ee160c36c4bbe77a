// Issue 14: a cancellation racing a delivery, through the real gateway, in both orders of arrival at commerce.
// Before: commerce accepted cancelOrder until it heard of the dispatch, and logistics accepted a delivery before the
// cancellation reached it, so the order could end CANCELLED with its shipment DELIVERED. Now commerce decides
// between dispatch and cancellation (its order row lock) and logistics confirms a delivery only after commerce's
// order.dispatched: the outcome is one or the other, on both sides. The lag of a consumer group is real here: the
// stack's in-memory bus holds chosen events of chosen groups until the test releases them.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '@omniroute/platform';
import { createEventBus, type EventBus } from '@omniroute/events';
import { eventually, gql, login, nodes, testSecrets } from '@omniroute/testkit';

/** The in-memory bus, whose consumer groups can be made to lag: an event held for a group waits until released. */
function laggingBus() {
  const inner = createEventBus({ startPaused: true });
  const holds: { group: string; type: string; orderId: string; released: Promise<void>; reached: boolean }[] = [];
  const bus: EventBus = {
    ...inner,
    consume: (group, handler, opts) =>
      inner.consume(group, async (e) => {
        const h = holds.find((x) => x.group === group && x.type === e.type && (e.payload as { orderId?: string }).orderId === x.orderId);
        if (h) {
          h.reached = true;
          await h.released;
        }
        return handler(e);
      }, opts),
  };
  /** Holds `type` events of the order for `group`; returns { release, reached() }. */
  const hold = (group: string, type: string, orderId: string) => {
    let release!: () => void;
    const h = { group, type, orderId, released: new Promise<void>((r) => (release = r)), reached: false };
    holds.push(h);
    return { release, reached: () => h.reached };
  };
  return { bus, hold };
}

const ORDER = 'query($id: ID!) { order(id: $id) { id status shipment { id status } invoice { status } } }';
const DISPATCH = 'mutation($i: DispatchShipmentInput!) { dispatchShipment(input: $i) { shipment { status } userErrors { code message } } }';
const CONFIRM = 'mutation($i: ConfirmDeliveryInput!) { confirmDelivery(input: $i) { shipment { status } userErrors { code message } } }';
const CANCEL = 'mutation($i: CancelOrderInput!) { cancelOrder(input: $i) { order { status } userErrors { code message } } }';

describe('issue 14: cancelOrder racing a delivery (embedded stack, real gateway)', () => {
  let stack: Stack;
  let lag: ReturnType<typeof laggingBus>;
  let q: <T = any>(query: string, variables?: Record<string, unknown>) => Promise<T>;
  let location: string;
  let sku: string;
  let customer: string;
  let riders: string[];

  beforeAll(async () => {
    lag = laggingBus();
    stack = await startStack({ secrets: testSecrets(), bus: lag.bus, seed: true, relayIntervalMs: 100 });
    const token = await login(stack.gatewayUrl, 'ops@lagos.demo');
    q = async (query, variables = {}) => {
      const r = await gql(stack.gatewayUrl, query, variables, token);
      if (r.errors) throw new Error(JSON.stringify(r.errors));
      return r.data;
    };
    location = nodes<{ id: string }>((await q('{ locations(first: 1) { edges { node { id } } } }')).locations)[0]!.id;
    sku = nodes<{ variants: { sku: string }[] }>((await q('{ products(first: 1) { edges { node { variants { sku } } } } }')).products)[0]!.variants[0]!.sku;
    customer = nodes<{ id: string; type: string }>((await q('{ customers(first: 100) { edges { node { id type } } } }')).customers).find((c) => c.type === 'DISTRIBUTOR')!.id;
    riders = nodes<{ id: string }>((await q('{ workers(first: 50, filter: { kycStatus: VERIFIED }) { edges { node { id } } } }')).workers).map((w) => w.id);
  }, 300_000);
  afterAll(async () => {
    await stack?.close();
  });

  const order = async (id: string) => (await q(ORDER, { id })).order;
  const available = async () => (await q('query($s: String!, $l: ID!) { availableToPromise(sku: $s, locationId: $l) { available } }', { s: sku, l: location })).availableToPromise.available as number;
  /** A confirmed order with its PENDING shipment. */
  const confirmedOrder = async () => {
    const placed = await q('mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id } userErrors { code message } } }', {
      i: { customerId: customer, channel: 'SALES_REP', locationId: location, lines: [{ sku, quantity: 1 }], paymentTerms: 'NET_14', idempotencyKey: randomUUID() },
    });
    expect(placed.placeOrder.userErrors).toEqual([]);
    return eventually(async () => {
      const o = await order(placed.placeOrder.order.id);
      return o.status === 'CONFIRMED' && o.shipment?.status === 'PENDING' ? (o as { id: string; shipment: { id: string } }) : null;
    }, { timeoutMs: 30_000 });
  };
  const freeVehicle = async () =>
    nodes<{ id: string; currentShipment: unknown }>((await q('{ vehicles(first: 50) { edges { node { id currentShipment { id } } } } }')).vehicles).find((v) => !v.currentShipment)!.id;
  const dispatch = async (shipmentId: string) => q(DISPATCH, { i: { shipmentId, vehicleId: await freeVehicle(), riderId: riders[0] } });
  const deliver = (shipmentId: string) => q(CONFIRM, { i: { shipmentId, recipientName: 'Mama Nkechi', signatureRef: `sig-${randomUUID()}`, lat: 6.5, lng: 3.4 } });
  const cancel = (orderId: string) => q(CANCEL, { i: { orderId, reason: 'changed mind' } });

  it('cancellation first at commerce, delivery confirmed before the cancellation reaches logistics: CANCELLED on both sides', async () => {
    const o = await confirmedOrder();
    const stockBefore = await available();
    // commerce has not heard of the dispatch, logistics not of the cancellation
    const dispatchedToCommerce = lag.hold('commerce.order-lifecycle', 'shipment.dispatched', o.id);
    const cancelledToLogistics = lag.hold('logistics.shipments', 'order.cancelled', o.id);
    expect((await dispatch(o.shipment.id)).dispatchShipment).toEqual({ shipment: { status: 'IN_TRANSIT' }, userErrors: [] });
    expect((await cancel(o.id)).cancelOrder).toEqual({ order: { status: 'CANCELLED' }, userErrors: [] });
    await eventually(async () => dispatchedToCommerce.reached() && cancelledToLogistics.reached());

    // the rider hands the goods over: refused, commerce never confirmed the dispatch (it took the cancellation)
    const early = (await deliver(o.shipment.id)).confirmDelivery;
    expect(early.shipment).toBeNull();
    expect(early.userErrors.map((e: { code: string }) => e.code)).toEqual(['DISPATCH_NOT_ACKNOWLEDGED']);

    dispatchedToCommerce.release();
    cancelledToLogistics.release();
    const settled = await eventually(async () => {
      const x = await order(o.id);
      return x.shipment?.status !== 'IN_TRANSIT' && x.invoice?.status === 'VOID' ? x : null;
    }, { timeoutMs: 30_000 });
    expect({ order: settled.status, shipment: settled.shipment.status }).toEqual({ order: 'CANCELLED', shipment: 'CANCELLED' });
    // a later try says why; the stock is back
    expect((await deliver(o.shipment.id)).confirmDelivery.userErrors.map((e: { code: string }) => e.code)).toEqual(['ORDER_CANCELLED']);
    await eventually(async () => (await available()) === stockBefore + 1);
  }, 120_000);

  it('dispatch first at commerce, cancellation after it: refused, and the delivery goes through once acknowledged', async () => {
    const o = await confirmedOrder();
    // commerce has the dispatch; logistics has not yet heard commerce's acknowledgement
    const ackToLogistics = lag.hold('logistics.delivery-acks', 'order.dispatched', o.id);
    expect((await dispatch(o.shipment.id)).dispatchShipment).toEqual({ shipment: { status: 'IN_TRANSIT' }, userErrors: [] });
    await eventually(async () => (await order(o.id)).status === 'DISPATCHED', { timeoutMs: 30_000 });
    const refused = (await cancel(o.id)).cancelOrder;
    expect(refused.order).toBeNull();
    expect(refused.userErrors.map((e: { code: string }) => e.code)).toEqual(['ORDER_NOT_CANCELLABLE']);

    await eventually(async () => ackToLogistics.reached());
    expect((await deliver(o.shipment.id)).confirmDelivery.userErrors.map((e: { code: string }) => e.code)).toEqual(['DISPATCH_NOT_ACKNOWLEDGED']);
    ackToLogistics.release();
    const done = await eventually(async () => {
      const r = (await deliver(o.shipment.id)).confirmDelivery;
      return r.userErrors.length === 0 ? r : null;
    }, { timeoutMs: 30_000 });
    expect(done.shipment.status).toBe('DELIVERED');
    const settled = await eventually(async () => {
      const x = await order(o.id);
      return x.status === 'DELIVERED' && x.invoice?.status === 'ISSUED' ? x : null;
    }, { timeoutMs: 30_000 });
    expect(settled.shipment.status).toBe('DELIVERED');
  }, 120_000);
});
