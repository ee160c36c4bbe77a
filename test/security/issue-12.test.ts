// Regression tests named after issue 12: the first three probes of its table and the object rules of its "Also
// seen", each through the real gateway and subgraphs. Before the fix: a scope-less partner key listed invoices and
// paid one; a rider delivered another rider's shipment (invoice issued, stock consumed, the other rider paid); riders
// and keys reported positions for any vehicle; retailers and keys cancelled any order and ordered for any customer;
// every role listed every customer with phones.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPlan } from '@omniroute/demo';
import { gql, login, nodes } from '@omniroute/testkit';
import { bootGraph, fresh, must, type Graph } from './graph.ts';

const [LAGOS] = demoPlan();

describe('issue 12: trust inside a tenant', () => {
  let g: Graph;
  let url: string;
  let admin: string;
  const asAdmin = <T = any>(query: string, variables: Record<string, unknown> = {}) => must<T>(url, admin, query, variables);

  beforeAll(async () => {
    g = await bootGraph();
    url = g.url;
    admin = g.admin.lagos;
  });
  afterAll(async () => {
    await g?.close();
  });

  describe('the probes of the table', () => {
    it('row 1: a partner key with roles [] and scopes [] cannot list invoices', async () => {
      const key = g.callers.KEY_NO_SCOPES.token;
      const r = await gql(url, '{ invoices(first: 5) { edges { node { id number amountDue { amount } } } } }', {}, key);
      expect(r.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      expect(r.data?.invoices ?? null).toBeNull();
      // ADMIN still can: the refusal is the key's, not a broken field
      expect(nodes((await asAdmin('{ invoices(first: 5) { edges { node { id } } } }')).invoices)).toHaveLength(5);
    });

    it('row 2: the same key cannot pay an invoice: no payment, invoice and credit unchanged', async () => {
      const key = g.callers.KEY_NO_SCOPES.token;
      const READ = `query($id: ID!) { invoice(id: $id) { status amountPaid { amount } amountDue { amount } payments { id }
        customer { creditLine { utilized { amount } available { amount } } } } }`;
      const before = (await asAdmin(READ, { id: g.lagos.openInvoiceId })).invoice;
      expect(Number(before.amountDue.amount)).toBeGreaterThan(0);
      const r = await gql(url, `mutation($i: RecordPaymentInput!) { recordPayment(input: $i) { payment { id status } invoice { status } userErrors { code } } }`,
        { i: { invoiceId: g.lagos.openInvoiceId, amount: before.amountDue.amount, method: 'CASH', idempotencyKey: fresh('probe-2') } }, key);
      expect(r.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      expect(r.data).toBeNull();
      expect((await asAdmin(READ, { id: g.lagos.openInvoiceId })).invoice).toEqual(before);
    });

    it("row 3: rider1 cannot confirm another rider's shipment in transit: not delivered, no invoice issued, nothing paid", async () => {
      const rider = LAGOS!.riders[0]!;
      const list = await asAdmin('{ shipments(first: 100, filter: { status: IN_TRANSIT }) { edges { node { id rider { id } order { id } } } } }');
      const theirs = nodes<any>(list.shipments).find((s) => s.rider && s.rider.id !== rider.id)!;
      expect(theirs).toBeTruthy();
      const READ = `query($s: ID!, $o: ID!, $w: ID!) { shipment(id: $s) { status proofOfDelivery { recipientName } }
        order(id: $o) { status invoice { status } } worker(id: $w) { balance { amount } xp } }`;
      const vars = { s: theirs.id, o: theirs.order.id, w: theirs.rider.id };
      const before = await asAdmin(READ, vars);
      const token = await login(url, rider.email);
      const r = await gql(url, `mutation($i: ConfirmDeliveryInput!) { confirmDelivery(input: $i) { shipment { status } userErrors { code } } }`,
        { i: { shipmentId: theirs.id, recipientName: 'Not me', photoRef: 'photos/x.jpg', lat: 6.5, lng: 3.4 } }, token);
      expect(r.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      expect(r.data).toBeNull();
      // the delivery would have reached finance (invoice issued), commerce (stock consumed) and workforce (paid) by
      // events: give them the time they would have taken, then nothing may have moved
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await asAdmin(READ, vars)).toEqual(before);
      expect(before.shipment.status).toBe('IN_TRANSIT');
    });

    it('row 3, the other side: a rider confirms a shipment assigned to them', async () => {
      const list = await asAdmin('{ shipments(first: 100, filter: { status: IN_TRANSIT }) { edges { node { id rider { id } } } } }');
      const mine = nodes<any>(list.shipments).find((s) => s.rider && s.rider.id !== g.callers.RIDER.viewer.workerId && s.id !== g.lagos.inTransitShipmentId)!;
      const owner = LAGOS!.riders.find((x) => x.id === mine.rider.id)!;
      const token = await login(url, owner.email);
      const r = await gql(url, `mutation($i: ConfirmDeliveryInput!) { confirmDelivery(input: $i) { shipment { status } userErrors { code } } }`,
        { i: { shipmentId: mine.id, recipientName: 'Ada', photoRef: 'photos/y.jpg', lat: 6.5, lng: 3.4 } }, token);
      expect(r.errors).toBeUndefined();
      expect(r.data.confirmDelivery).toEqual({ shipment: { status: 'DELIVERED' }, userErrors: [] });
      // and it sees that shipment, not the others
      const seen = await gql(url, '{ shipments(first: 100) { edges { node { id rider { id } } } } }', {}, token);
      const ids = nodes<any>(seen.data.shipments);
      expect(ids.length).toBeGreaterThan(0);
      expect(ids.every((s) => s.rider?.id === owner.id)).toBe(true);
    });
  });

  describe('also seen: object rules', () => {
    const REPORT = 'mutation($i: ReportVehiclePositionInput!) { reportVehiclePosition(input: $i) { vehicle { id } userErrors { code } } }';

    it('a rider reports positions only for the vehicle of a shipment assigned to them', async () => {
      const list = await asAdmin(`{ a: shipments(first: 100, filter: { status: IN_TRANSIT }) { edges { node { rider { id } vehicle { id } } } }
        b: shipments(first: 100, filter: { status: ASSIGNED }) { edges { node { rider { id } vehicle { id } } } } }`);
      const rows = [...nodes<any>(list.a), ...nodes<any>(list.b)].filter((s) => s.rider && s.vehicle);
      const mine = rows[0]!;
      const other = rows.find((s) => s.vehicle.id !== mine.vehicle.id && !rows.some((x) => x.rider.id === mine.rider.id && x.vehicle.id === s.vehicle.id))!;
      const token = await login(url, LAGOS!.riders.find((x) => x.id === mine.rider.id)!.email);
      const lastOf = async (id: string) => (await asAdmin('query($id: ID!) { vehicle(id: $id) { lastPosition { recordedAt } } }', { id })).vehicle.lastPosition;
      const before = await lastOf(other.vehicle.id);
      const refused = await gql(url, REPORT, { i: { vehicleId: other.vehicle.id, lat: 6.45, lng: 3.39, temperatureC: 4 } }, token);
      expect(refused.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      expect(await lastOf(other.vehicle.id)).toEqual(before);
      const ok = await gql(url, REPORT, { i: { vehicleId: mine.vehicle.id, lat: 6.45, lng: 3.39, temperatureC: 4 } }, token);
      expect(ok.errors).toBeUndefined();
      expect(ok.data.reportVehiclePosition).toEqual({ vehicle: { id: mine.vehicle.id }, userErrors: [] });
    });

    it('a partner key reports positions only with telemetry:write', async () => {
      const i = { vehicleId: g.lagos.vehicleId, lat: 6.46, lng: 3.38, temperatureC: 4 };
      const refused = await gql(url, REPORT, { i }, g.callers.KEY_NO_SCOPES.token);
      expect(refused.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      const ok = await gql(url, REPORT, { i }, g.callers.KEY_SCOPED.token);
      expect(ok.data.reportVehiclePosition.userErrors).toEqual([]);
    });

    const PLACE = 'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id customer { id } } userErrors { code } } }';
    const CANCEL = 'mutation($i: CancelOrderInput!) { cancelOrder(input: $i) { order { status } userErrors { code } } }';
    const line = () => ({ channel: 'MOBILE_APP', locationId: g.lagos.locationId, lines: [{ sku: g.lagos.sku, quantity: 1 }], idempotencyKey: fresh('order') });

    it('a retailer orders and cancels only for its own customer', async () => {
      const retailer = g.callers.RETAILER;
      const own = retailer.viewer.customerId!;
      const other = LAGOS!.customers.find((c) => c.id !== own)!.id;
      const newest = async () => nodes((await asAdmin('{ orders(first: 1) { edges { node { id } } } }')).orders)[0];
      const top = await newest();
      const forOther = await gql(url, PLACE, { i: { ...line(), customerId: other } }, retailer.token);
      expect(forOther.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      expect(await newest()).toEqual(top);
      const cancelOther = await gql(url, CANCEL, { i: { orderId: g.lagos.cancellableOrderId } }, retailer.token);
      expect(cancelOther.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      expect((await asAdmin('query($id: ID!) { order(id: $id) { status } }', { id: g.lagos.cancellableOrderId })).order.status).not.toBe('CANCELLED');
      // its own: placed, seen, cancelled
      const placed = await gql(url, PLACE, { i: { ...line(), customerId: own } }, retailer.token);
      expect(placed.errors).toBeUndefined();
      expect(placed.data.placeOrder).toMatchObject({ order: { customer: { id: own } }, userErrors: [] });
      const cancelled = await gql(url, CANCEL, { i: { orderId: placed.data.placeOrder.order.id } }, retailer.token);
      expect(cancelled.data.cancelOrder).toEqual({ order: { status: 'CANCELLED' }, userErrors: [] });
    });

    it('a retailer sees only its own customer, its orders and credit; another order is null', async () => {
      const retailer = g.callers.RETAILER;
      const own = retailer.viewer.customerId!;
      const r = await gql(url, '{ customers(first: 100) { edges { node { id phone creditLine { limit { amount } } } } } orders(first: 100) { edges { node { customer { id } } } } }', {}, retailer.token);
      expect(r.errors).toBeUndefined();
      expect(nodes<any>(r.data.customers).map((c) => c.id)).toEqual([own]);
      expect(nodes<any>(r.data.customers)[0].creditLine.limit.amount).toBeTruthy();
      const orders = nodes<any>(r.data.orders);
      expect(orders.length).toBeGreaterThan(0);
      expect(orders.every((o) => o.customer.id === own)).toBe(true);
      const foreign = LAGOS!.orders.find((o) => o.customerId !== own)!;
      const peek = await gql(url, 'query($id: ID!, $c: ID!) { order(id: $id) { id } customer(id: $c) { id } }', { id: foreign.id, c: foreign.customerId }, retailer.token);
      expect(peek.errors).toBeUndefined();
      expect(peek.data).toEqual({ order: null, customer: null });
    });

    it('a partner key orders only with orders:write and cancels only the orders its own app placed', async () => {
      const i = { ...line(), customerId: g.lagos.customerId, channel: 'PARTNER_API' };
      const refused = await gql(url, PLACE, { i }, g.callers.KEY_NO_SCOPES.token);
      expect(refused.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      const key = g.callers.KEY_SCOPED.token;
      const before = (await asAdmin('query($id: ID!) { order(id: $id) { status } }', { id: g.lagos.cancellableOrderId })).order;
      const notOurs = await gql(url, CANCEL, { i: { orderId: g.lagos.cancellableOrderId } }, key);
      expect(notOurs.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      expect((await asAdmin('query($id: ID!) { order(id: $id) { status } }', { id: g.lagos.cancellableOrderId })).order).toEqual(before);
      const placed = await gql(url, PLACE, { i }, key);
      expect(placed.data.placeOrder.userErrors).toEqual([]);
      const ours = await gql(url, CANCEL, { i: { orderId: placed.data.placeOrder.order.id } }, key);
      expect(ours.data.cancelOrder).toEqual({ order: { status: 'CANCELLED' }, userErrors: [] });
    });

    it('customers with phones: staff list them, riders do not, keys need customers:read (also for a phone on an order)', async () => {
      const LIST = '{ customers(first: 3) { edges { node { id phone } } } }';
      const sales = nodes<any>((await gql(url, LIST, {}, g.callers.SALES_REP.token)).data.customers);
      expect(sales).toHaveLength(3);
      expect(sales.every((c) => c.phone)).toBe(true);
      for (const c of [g.callers.RIDER, g.callers.KEY_NO_SCOPES]) {
        const r = await gql(url, LIST, {}, c.token);
        expect(r.errors?.map((e) => e.extensions?.code), c.name).toEqual(['FORBIDDEN']);
      }
      // a key that may read orders but not customers sees the order's customer without its phone
      const orderOnly = await must(url, admin, 'mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret } }', { i: { name: fresh('orders only'), scopes: ['orders:read'] } });
      const r = await gql(url, 'query($id: ID!) { order(id: $id) { number customer { name phone } } }', { id: g.lagos.cancellableOrderId }, orderOnly.createApiKey.secret);
      expect(r.data.order.customer).toMatchObject({ name: expect.any(String), phone: null });
      expect(r.errors?.map((e) => [e.path?.join('.'), e.extensions?.code])).toEqual([['order.customer.phone', 'FORBIDDEN']]);
    });
  });
});
