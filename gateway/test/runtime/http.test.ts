// GraphQL over HTTP behaviour of the runtime's node:http handler.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { QueryPlanner } from '@apollo/query-planner';
import { GraphQLError } from 'graphql';
import { createGatewayRuntime, type GatewayRuntime } from '../../src/runtime/index.ts';
import { startSubgraphs, type RunningSubgraphs } from './fixtures/harness.ts';
import { catalogSubgraphs } from './fixtures/catalog.ts';

interface Ctx { user?: string }

let sg: RunningSubgraphs;
let rt: GatewayRuntime<Ctx>;
let base: string;

beforeAll(async () => {
  sg = await startSubgraphs(catalogSubgraphs());
  rt = createGatewayRuntime<Ctx>({
    supergraphSdl: sg.supergraphSdl,
    maxBodyBytes: 4096,
    hooks: {
      context(req) {
        if (req.headers.authorization === 'Bearer bad') throw new GraphQLError('Invalid token', { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
        if (req.headers.authorization === 'Bearer boom') throw new Error('database password is hunter2');
        return { user: typeof req.headers['x-user'] === 'string' ? req.headers['x-user'] : undefined };
      },
      subgraphHeaders: (name, ctx) => (ctx.user ? { 'x-internal-user': `${name}:${ctx.user}` } : {}),
      checkDocument(doc) {
        const text = JSON.stringify(doc);
        return text.includes('"tooDeep"') ? [new GraphQLError('Query is too deep', { extensions: { code: 'DEPTH_LIMIT' } })] : undefined;
      },
      routes: {
        '/health': (_req, res) => { res.end('OK'); },
      },
    },
  });
  const port = await rt.listen(0);
  base = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  await rt?.close();
  await sg?.close();
});

const post = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
const GQL = 'application/graphql-response+json';

describe('GraphQL over HTTP', () => {
  it('POST application/json', async () => {
    const r = await post({ query: 'query Q($n: Int) { topProducts(first: $n) { name } }', variables: { n: 1 }, operationName: 'Q' });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await r.json()).toEqual({ data: { topProducts: [{ name: 'Table' }] } });
  });

  it('GET queries with query parameters; mutations over GET are 405', async () => {
    const q = encodeURIComponent('query($u: String!) { product(upc: $u) { name } }');
    const r = await fetch(`${base}/graphql?query=${q}&variables=${encodeURIComponent('{"u":"p2"}')}`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ data: { product: { name: 'Couch' } } });
    const m = await fetch(`${base}/graphql?query=${encodeURIComponent('mutation { addReview(upc: "p1", body: "x") { id } }')}`);
    expect(m.status).toBe(405);
    expect(m.headers.get('allow')).toBe('POST');
    const put = await fetch(`${base}/graphql`, { method: 'PUT' });
    expect(put.status).toBe(405);
  });

  it('application/graphql-response+json: 400 for parse and validation errors, 200 for execution', async () => {
    const p = await post({ query: '{ topProducts { ' }, { accept: GQL });
    expect(p.status).toBe(400);
    expect(p.headers.get('content-type')).toMatch(/^application\/graphql-response\+json/);
    expect((await p.json()).errors[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    const v = await post({ query: '{ nope }' }, { accept: GQL });
    expect(v.status).toBe(400);
    expect((await v.json()).errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const bad = await post({ query: 'query($n: Int!) { topProducts(first: $n) { upc } }', variables: { n: 'x' } }, { accept: GQL });
    expect(bad.status).toBe(400);
    expect((await bad.json()).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    const ok = await post({ query: '{ me { secret } }' }, { accept: GQL });
    expect(ok.status).toBe(200);
    // Legacy application/json: request errors are 200 with errors (GraphQL over HTTP spec).
    const legacy = await post({ query: '{ nope }' });
    expect(legacy.status).toBe(200);
    expect((await legacy.json()).errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('malformed requests are 400; unsupported media types 415', async () => {
    expect((await post('{not json')).status).toBe(400);
    expect((await post({ variables: {} })).status).toBe(400);
    expect((await post([{ query: '{ me { id } }' }])).status).toBe(400);
    const r = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{ me { id } }' });
    expect(r.status).toBe(415);
  });

  it('oversized bodies get 413 PAYLOAD_TOO_LARGE', async () => {
    const r = await post({ query: `{ me { id } } # ${'x'.repeat(5000)}` });
    expect(r.status).toBe(413);
    expect((await r.json()).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('context hook errors: GraphQLError keeps code and status, anything else is masked', async () => {
    const a = await post({ query: '{ me { id } }' }, { authorization: 'Bearer bad' });
    expect(a.status).toBe(401);
    expect((await a.json()).errors[0]).toEqual({ message: 'Invalid token', extensions: { code: 'UNAUTHENTICATED' } });
    const b = await post({ query: '{ me { id } }' }, { authorization: 'Bearer boom' });
    expect(b.status).toBe(500);
    const body = await b.text();
    expect(body).not.toContain('hunter2');
    expect(JSON.parse(body).errors[0]).toEqual({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  });

  it('checkDocument refuses documents before they are planned', async () => {
    const spy = vi.spyOn(QueryPlanner.prototype, 'buildQueryPlan');
    try {
      const r = await post({ query: '{ tooDeep: me { id } }' });
      expect((await r.json()).errors[0].extensions.code).toBe('DEPTH_LIMIT');
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });

  it('subgraphHeaders are sent on every subgraph fetch', async () => {
    sg.reset();
    const r = await post({ query: '{ reviews { author { name } } }' }, { 'x-user': 'kim' });
    expect((await r.json()).data.reviews).toHaveLength(4);
    expect(sg.counts.accounts).toBe(1);
    expect(sg.headers.accounts[0]['x-internal-user']).toBe('accounts:kim');
    expect(sg.headers.reviews[0]['x-internal-user']).toBe('reviews:kim');
  });

  it('custom routes and 404', async () => {
    expect(await (await fetch(`${base}/health`)).text()).toBe('OK');
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });

  it('reuses keep-alive connections', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const ports = new Set<number>();
    for (let i = 0; i < 3; i++) {
      await new Promise<void>((resolve, reject) => {
        const req = http.request(`${base}/graphql`, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
          ports.add(res.socket.localPort!);
          res.resume();
          res.on('end', resolve);
        });
        req.on('error', reject);
        req.end(JSON.stringify({ query: '{ me { id } }' }));
      });
    }
    agent.destroy();
    expect(ports.size).toBe(1);
  });

  it('unreachable subgraphs give SUBGRAPH_UNAVAILABLE without internal URLs', async () => {
    const down = await startSubgraphs(catalogSubgraphs());
    const rt2 = createGatewayRuntime({ supergraphSdl: down.supergraphSdl, subgraphTimeoutMs: 2000 });
    await down.stop('inventory');
    const r = await rt2.execute({ query: '{ topProducts { name inStock } }', ctx: undefined });
    await rt2.close();
    await down.close();
    expect((r.data as any).topProducts[0]).toEqual({ name: 'Table', inStock: null });
    expect(r.errors![0].extensions.code).toBe('SUBGRAPH_UNAVAILABLE');
    expect(JSON.stringify(r.errors)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|http:/);
  });
});

describe('inbound deduplication (opt-in)', () => {
  it('answers identical concurrent queries with one execution, never mutations', async () => {
    const dsg = await startSubgraphs(catalogSubgraphs());
    const rt3 = createGatewayRuntime({ supergraphSdl: dsg.supergraphSdl, dedupInbound: true });
    const port = await rt3.listen(0);
    try {
      dsg.delay.reviews = 30;
      const q = { query: '{ reviews { body author { name } } }' };
      const send = (b: unknown) => fetch(`http://127.0.0.1:${port}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(b) });
      const rs = await Promise.all(Array.from({ length: 8 }, () => send(q)));
      const bodies = await Promise.all(rs.map((r) => r.text()));
      expect(new Set(bodies).size).toBe(1);
      expect(dsg.counts.reviews).toBe(1);
      expect(dsg.counts.accounts).toBe(1);
      dsg.reset();
      await Promise.all([send({ query: 'mutation { addReview(upc: "p1", body: "a") { id } }' }), send({ query: 'mutation { addReview(upc: "p1", body: "a") { id } }' })]);
      expect(dsg.counts.reviews).toBe(2);
    } finally {
      await rt3.close();
      await dsg.close();
    }
  });
});

describe('resolveParams (persisted queries)', () => {
  it('resolves documentId / extensions.persistedQuery and refuses unknown ids', async () => {
    const psg = await startSubgraphs(catalogSubgraphs());
    const manifest: Record<string, string> = { abc: 'query Top($n: Int) { topProducts(first: $n) { name } }' };
    const rt4 = createGatewayRuntime({
      supergraphSdl: psg.supergraphSdl,
      hooks: {
        resolveParams(params) {
          const id = params.documentId ?? (params.extensions?.persistedQuery as { sha256Hash?: string } | undefined)?.sha256Hash;
          if (!id) throw new GraphQLError('Only persisted operations are allowed', { extensions: { code: 'PERSISTED_QUERY_REQUIRED', http: { status: 403 } } });
          const query = manifest[id];
          if (!query) throw new GraphQLError('PersistedQueryNotFound', { extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } });
          return { query, operationName: params.operationName, variables: params.variables };
        },
      },
    });
    const port = await rt4.listen(0);
    const url = `http://127.0.0.1:${port}/graphql`;
    try {
      const a = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ documentId: 'abc', variables: { n: 1 } }) });
      expect(await a.json()).toEqual({ data: { topProducts: [{ name: 'Table' }] } });
      const ext = encodeURIComponent(JSON.stringify({ persistedQuery: { version: 1, sha256Hash: 'abc' } }));
      const b = await fetch(`${url}?extensions=${ext}&variables=${encodeURIComponent('{"n":2}')}`);
      expect((await b.json()).data.topProducts).toHaveLength(2);
      const c = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ me { id } }' }) });
      expect(c.status).toBe(403);
      expect((await c.json()).errors[0].extensions.code).toBe('PERSISTED_QUERY_REQUIRED');
      const d = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: GQL }, body: JSON.stringify({ documentId: 'nope' }) });
      expect(d.status).toBe(400);
      expect((await d.json()).errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    } finally {
      await rt4.close();
      await psg.close();
    }
  });
});
