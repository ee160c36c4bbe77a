// Issue 14 ("Nothing lost"), at the HTTP edge: shutdown lets mutations in flight finish instead of cutting
// their connections (subgraph and gateway), and with one subgraph down a query still returns the others'
// fields, with errors at the paths that could not be resolved, while /ready names the subgraph that is down.
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'graphql';
import { composeServices } from '@apollo/composition';
import { createSubgraph, issueAccessToken, type InternalContext, type RunningSubgraph } from '@omniroute/core';
import { gql } from '@omniroute/testkit';
import { createGateway } from '../src/server.ts';

const SECRET = 'lost-test-secret';
const JWT = 'lost-test-jwt';

const ordersSdl = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Query { order(id: ID!): Order }
  type Mutation { placeOrder(ms: Int!): Order }
  type Order @key(fields: "id") { id: ID! number: String! }`;
const billingSdl = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Query { invoiceCount: Int }
  type Order @key(fields: "id") { id: ID! invoice: Invoice }
  type Invoice { status: String! }`;

type Ctx = { viewer: InternalContext['viewer'] };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startGraph() {
  const placed: string[] = [];
  let started = 0;
  const orders = createSubgraph<Ctx>({
    name: 'orders', secret: SECRET, typeDefs: parse(ordersSdl), createContext: (i) => ({ viewer: i.viewer }),
    policies: { 'Query.order': { access: 'signedIn' }, 'Mutation.placeOrder': { access: 'signedIn' } },
    resolvers: {
      Query: { order: (_: unknown, { id }: { id: string }) => ({ id, number: `SO-${id}` }) },
      // A mutation that takes a while (a transaction, a provider call): shutdown must not cut it.
      Mutation: {
        placeOrder: async (_: unknown, { ms }: { ms: number }) => {
          started++;
          await sleep(ms);
          const id = String(placed.length + 1);
          placed.push(id);
          return { id, number: `SO-${id}` };
        },
      },
      Order: { __resolveReference: (ref: { id: string }) => ({ id: ref.id, number: `SO-${ref.id}` }) },
    },
  });
  const billing = createSubgraph<Ctx>({
    name: 'billing', secret: SECRET, typeDefs: parse(billingSdl), createContext: (i) => ({ viewer: i.viewer }),
    policies: { 'Query.invoiceCount': { access: 'signedIn' } },
    resolvers: {
      Query: { invoiceCount: () => 1 },
      Order: { __resolveReference: (ref: { id: string }) => ({ id: ref.id }), invoice: () => ({ status: 'DRAFT' }) },
    },
  });
  const running: Record<string, RunningSubgraph> = { orders: await orders.listen(0), billing: await billing.listen(0) };
  const composed = composeServices([
    { name: 'orders', url: running.orders!.url, typeDefs: parse(ordersSdl) },
    { name: 'billing', url: running.billing!.url, typeDefs: parse(billingSdl) },
  ]);
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  const gateway = createGateway({ supergraphSdl: composed.supergraphSdl!, secret: SECRET, auth: { secret: JWT } });
  const port = await gateway.listen(0, '127.0.0.1');
  const token = (await issueAccessToken({ userId: 'u1', tenantId: 't1', roles: ['OPERATIONS'] }, JWT)).token;
  const stopped = new Set<string>();
  const graph = {
    url: `http://127.0.0.1:${port}`,
    token,
    placed,
    running,
    /** Resolves once `n` mutations are running in the subgraph (so shutdown starts with them in flight). */
    async inFlight(n: number) {
      for (let i = 0; started < n; i++) {
        if (i > 500) throw new Error('mutations did not start');
        await sleep(10);
      }
    },
    gateway,
    async stopSubgraph(name: string, drainMs?: number) {
      stopped.add(name);
      await running[name]!.stop(drainMs);
    },
    async close() {
      await gateway.close().catch(() => undefined);
      for (const [name, r] of Object.entries(running)) if (!stopped.has(name)) await r.stop().catch(() => undefined);
    },
  };
  graphs.push(graph);
  return graph;
}
const graphs: Awaited<ReturnType<typeof startGraph>>[] = [];
afterEach(async () => {
  for (const g of graphs.splice(0)) await g.close();
});

const PLACE = 'mutation($ms: Int!) { placeOrder(ms: $ms) { id number } }';

describe('graceful shutdown', () => {
  it('a subgraph stopping finishes the mutation in flight: the client gets its result, then the port is closed', async () => {
    const g = await startGraph();
    const inFlight = gql(`${g.url}/graphql`, PLACE, { ms: 400 }, g.token);
    await g.inFlight(1);
    const stopping = g.stopSubgraph('orders');
    const res = await inFlight;
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ placeOrder: { id: '1', number: 'SO-1' } });
    await stopping;
    await expect(fetch(g.running.orders!.url, { method: 'POST', body: '{}' })).rejects.toThrow(); // no longer accepting
  });

  it('the gateway closing finishes the requests in flight before closing their connections', async () => {
    const g = await startGraph();
    const inFlight = Promise.all([1, 2, 3].map(() => gql(`${g.url}/graphql`, PLACE, { ms: 400 }, g.token)));
    await g.inFlight(3);
    const closing = g.gateway.close();
    const results = await inFlight;
    expect(results.map((r) => r.errors)).toEqual([undefined, undefined, undefined]);
    expect(results.map((r) => r.data?.placeOrder.id).sort()).toEqual(['1', '2', '3']);
    await closing;
    await expect(fetch(`${g.url}/graphql`, { method: 'POST', body: '{}' })).rejects.toThrow();
  });

  it('the drain is bounded: a request slower than the drain timeout is cut when it expires', async () => {
    const g = await startGraph();
    const inFlight = gql(`${g.url}/graphql`, PLACE, { ms: 5_000 }, g.token);
    await g.inFlight(1);
    const t0 = Date.now();
    await g.stopSubgraph('orders', 300);
    expect(Date.now() - t0).toBeLessThan(2_000);
    const res = await inFlight;
    expect(res.data?.placeOrder ?? null).toBeNull();
    expect(res.errors?.[0]?.extensions?.code).toBeDefined();
  });
});

describe('one subgraph down', () => {
  it('a query returns the other subgraphs’ fields plus errors with the paths that failed', async () => {
    const g = await startGraph();
    const query = '{ order(id: "7") { id number invoice { status } } }';
    expect((await gql(`${g.url}/graphql`, query, {}, g.token)).data).toEqual({ order: { id: '7', number: 'SO-7', invoice: { status: 'DRAFT' } } });
    await g.stopSubgraph('billing');
    const res = await gql(`${g.url}/graphql`, query, {}, g.token);
    expect(res.status).toBe(200);
    expect(res.data).toEqual({ order: { id: '7', number: 'SO-7', invoice: null } });
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]).toMatchObject({ path: ['order', 'invoice'], extensions: { code: 'SUBGRAPH_UNAVAILABLE' } });
    expect(JSON.stringify(res.errors)).not.toMatch(/ECONNREFUSED|at .*\.ts:\d+/); // no internals, no stack
  });

  it('/ready answers 503 and names the subgraph that is down', async () => {
    const g = await startGraph();
    expect(await (await fetch(`${g.url}/ready`)).json()).toEqual({ status: 'ready', subgraphs: { orders: 'up', billing: 'up' } });
    await g.stopSubgraph('billing');
    const res = await fetch(`${g.url}/ready`);
    expect(res.status).toBe(503);
    // …and why: a stopped subgraph does not answer at all
    expect(await res.json()).toEqual({ status: 'unavailable', subgraphs: { orders: 'up', billing: 'down' }, down: { billing: 'unreachable' } });
  });
});
