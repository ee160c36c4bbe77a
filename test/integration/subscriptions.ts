// Federated subscriptions on the real platform: OrderFeed and LiveFleet through the gateway over graphql-ws, with
// fields from other subgraphs, tenant isolation, and two gateway replicas on Postgres + Redis both delivering.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { createGateway } from '@omniroute/gateway';
import { startStack, type Stack } from '@omniroute/platform';
import { createTestDatabase, eventually, gql, login, nodes, testSecrets, TEST_REDIS_URL } from '@omniroute/testkit';

const op = (name: string) => readFileSync(new URL(`../../schema/operations/${name}.graphql`, import.meta.url), 'utf8');
const ORDER_FEED = op('OrderFeed');
const LIVE_FLEET = op('LiveFleet');

function wsClient(gatewayUrl: string, token: string): Client {
  return createClient({ url: gatewayUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0 });
}
function collect(c: Client, query: string, variables: Record<string, unknown> = {}) {
  const got: any[] = [];
  const un = c.subscribe({ query, variables }, { next: (v) => void got.push(v), error: (e) => got.push({ error: e }), complete: () => undefined });
  return { got, un };
}

const modes = {
  embedded: { name: 'embedded', db: async () => ({ url: undefined as string | undefined, drop: async () => {} }), redis: undefined as string | undefined },
  postgres: { name: 'Postgres + Redis, two gateway replicas', db: () => createTestDatabase('omniroute_subs'), redis: TEST_REDIS_URL as string | undefined },
};

/** The suite on one backend; each backend has its own test file (`subscriptions.<mode>.test.ts`), so the two stacks boot in parallel on two workers. */
export const federatedSubscriptions = (mode: keyof typeof modes) => describe.each([modes[mode]])('subscriptions on $name', ({ db, redis }) => {
  let stack: Stack;
  let dropDb: () => Promise<void>;
  let second: ReturnType<typeof createGateway> | undefined;
  let gateways: string[];
  let lagos: string;
  let accra: string;
  const clients: Client[] = [];

  beforeAll(async () => {
    const d = await db();
    dropDb = d.drop;
    stack = await startStack({ secrets: testSecrets(), databaseUrl: d.url, redisUrl: redis, busPrefix: redis ? `subs-${randomUUID().slice(0, 8)}` : undefined, seed: true, relayIntervalMs: 200 });
    gateways = [stack.gatewayUrl];
    if (redis) {
      // a second gateway replica over the same subgraphs
      second = createGateway({
        supergraphSdl: readFileSync(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8'),
        secret: stack.secret,
        auth: { secret: stack.jwtSecret },
        subgraphUrl: (name, url) => stack.subgraphs[name]?.running.url ?? url,
      });
      gateways.push(`http://127.0.0.1:${await second.listen(0, '127.0.0.1')}/graphql`);
    }
    [lagos, accra] = await Promise.all([login(stack.gatewayUrl, 'ops@lagos.demo'), login(stack.gatewayUrl, 'ops@accra.demo')]);
  });
  afterAll(async () => {
    for (const c of clients) await c.dispose();
    await second?.close();
    await stack?.close();
    await dropDb?.();
  });

  it('OrderFeed: every replica delivers a placed order moving to CONFIRMED, with shipment and invoice from other subgraphs; other tenants see nothing', async () => {
    const feeds = gateways.map((g) => {
      const c = wsClient(g, lagos);
      clients.push(c);
      return collect(c, ORDER_FEED);
    });
    const accraClient = wsClient(gateways[0]!, accra);
    clients.push(accraClient);
    const accraFeed = collect(accraClient, ORDER_FEED);
    await new Promise((r) => setTimeout(r, 500)); // sockets up, upstream subscriptions established

    const q = async (query: string, variables = {}) => (await gql(stack.gatewayUrl, query, variables, lagos)).data;
    const customer = nodes<{ id: string }>((await q('{ customers(first: 1, filter: { type: DISTRIBUTOR }) { edges { node { id } } } }')).customers)[0]!.id;
    const location = nodes<{ id: string }>((await q('{ locations(first: 1) { edges { node { id } } } }')).locations)[0]!.id;
    const sku = nodes<any>((await q('{ products(first: 1) { edges { node { variants { sku } } } } }')).products)[0].variants[0].sku;
    const placed = await q(`mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { number } userErrors { code } } }`, {
      i: { customerId: customer, channel: 'PORTAL', locationId: location, lines: [{ sku, quantity: 1 }], paymentTerms: 'NET_7', idempotencyKey: randomUUID() },
    });
    const number = placed.placeOrder.order.number;
    for (const feed of feeds) {
      const confirmed = await eventually(async () => feed.got.find((g) => g.data?.orderUpdated?.order?.number === number && g.data.orderUpdated.status === 'CONFIRMED'), { timeoutMs: 20_000 });
      expect(confirmed.data.orderUpdated.previousStatus).toBe('PENDING');
      expect(confirmed.data.orderUpdated.order.total.currencyCode).toBe('NGN');
      expect(confirmed.data.orderUpdated.order.invoice?.status, JSON.stringify(confirmed)).toBeTruthy();
      expect(feed.got.some((g) => g.data?.orderUpdated?.order?.number === number && g.data.orderUpdated.status === 'PENDING')).toBe(true);
    }
    expect(accraFeed.got.filter((g) => g.data?.orderUpdated?.order?.number === number)).toEqual([]);
  });

  it('LiveFleet: positions reported through the API reach subscribers with shipment, customer and rider from other subgraphs', async () => {
    const q = async (query: string, variables = {}) => (await gql(stack.gatewayUrl, query, variables, lagos)).data;
    const vehicle = nodes<any>((await q('{ vehicles(first: 50) { edges { node { id plate currentShipment { status } } } } }')).vehicles).find((v) => v.currentShipment?.status === 'IN_TRANSIT');
    expect(vehicle).toBeTruthy();
    const fleets = gateways.map((g) => {
      const c = wsClient(g, lagos);
      clients.push(c);
      return collect(c, LIVE_FLEET);
    });
    const accraClient = wsClient(gateways[0]!, accra);
    clients.push(accraClient);
    const accraFleet = collect(accraClient, LIVE_FLEET);
    await new Promise((r) => setTimeout(r, 500));
    for (let i = 0; i < 3; i++) {
      const r = await q(`mutation($i: ReportVehiclePositionInput!) { reportVehiclePosition(input: $i) { userErrors { code message } } }`, {
        i: { vehicleId: vehicle.id, lat: 6.5 + i * 0.001, lng: 3.38, speedKph: 30, heading: 90, recordedAt: new Date().toISOString() },
      });
      expect(r.reportVehiclePosition.userErrors).toEqual([]);
    }
    for (const fleet of fleets) {
      const ev = await eventually(async () => fleet.got.find((g) => g.data?.vehiclePositionUpdated?.vehicle?.plate === vehicle.plate), { timeoutMs: 20_000 });
      const s = ev.data.vehiclePositionUpdated.shipment;
      expect(s.status).toBe('IN_TRANSIT');
      expect(s.order.customer.name).toBeTruthy();
      expect(s.rider.level.name).toBeTruthy();
    }
    expect(accraFleet.got.filter((g) => g.data?.vehiclePositionUpdated?.vehicle?.plate === vehicle.plate)).toEqual([]);
  });
});
