// Issue 6 fuzz: a few thousand generated malformed documents, variables, bodies and headers (fixed seed) against
// the real gateway. Every answer must be a GraphQL error response with an exposed code (never a 500 or a stack),
// the gateway must stay up, and nothing may reject unhandled.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rng as demoRng } from '@omniroute/demo';
import { gql } from '@omniroute/testkit';
import { adminApi, raw, startPartnerStack, type PartnerStack } from './plugins/fixtures/partner-stack.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 0x6f6d6e69); // "omni"
const CASES = Number(process.env.FUZZ_CASES ?? 3000);

/** The demo data's PRNG (mulberry32), with int(n) drawing from 0..n-1. */
function rng(seed: number) {
  const r = demoRng(seed);
  return { next: r.next, pick: r.pick, int: (n: number) => r.int(0, n - 1) };
}

const TOKENS = ['{', '}', '(', ')', '[', ']', ':', '$', '!', '@', '...', '=', ',', '|', '&', '"', '"""', '#', 'query', 'mutation', 'subscription',
  'fragment', 'on', 'orders', 'order', 'customer', 'viewerEcho', 'id', 'number', 'edges', 'node', 'first', 'after', 'invoice', 'creditLine',
  '__schema', '__type', '__typename', 'true', 'null', '100', '-1', '1e309', '99999999999999999999', '"ord_1"', '"\\u0000"', '"🚚"', '\u2028',
  '\\', '$id', 'ID!', 'Int', '@skip(if: true)', '@include(if: $x)', '@requiresScopes', 'placeOrder', 'input', 'login', 'a:', 'b:'];
const VALID = [
  '{ orders(first: 2) { edges { node { id number } } } }',
  'query Order($id: ID!) { order(id: $id) { number customer { name creditLine { limit { amount } } } invoice { status } } }',
  'mutation Place($i: PlaceOrderInput!) { placeOrder(input: $i) { order { number } userErrors } }',
  '{ viewerEcho { tenantId roles } }',
  'query($n: Int) { orders(first: $n) { edges { node { customer { orders(first: $n) { edges { node { id } } } } } } } }',
];
const ALLOWED_STATUS = new Set([200, 400, 401, 403, 405, 413, 415, 429, 431]);

function generator(seed: number, keys: { partner: string; admin: string }) {
  const r = rng(seed);
  const soup = () => Array.from({ length: r.int(60) }, () => r.pick(TOKENS)).join(r.pick([' ', '', '\n', ' ']));
  const mutate = (s: string) => {
    const chars = [...s];
    for (let i = 0, n = 1 + r.int(6); i < n; i++) {
      const at = r.int(chars.length + 1);
      const op = r.int(3);
      if (op === 0) chars.splice(at, 1);
      else if (op === 1) chars.splice(at, 0, r.pick(TOKENS));
      else chars.splice(at, 0, String.fromCharCode(r.int(0x3000)));
    }
    return chars.join('');
  };
  const deep = () => { const n = 1 + r.int(3000); return '{ order(id: "ord_1") '.repeat(0) + '{a'.repeat(n) + '}'.repeat(r.next() < 0.5 ? n : r.int(n)); };
  const wide = () => `{ ${Array.from({ length: 1 + r.int(400) }, (_, i) => `x${i}: orders(first: ${r.int(1000)}) { edges { node { id } } }`).join(' ')} }`;
  const fragBomb = () => `{ ...F0 } ${Array.from({ length: 1 + r.int(25) }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} __typename }`).join(' ')} fragment F${26} on Query { __typename }`;
  const value = (depth = 0): unknown => {
    switch (r.int(depth > 3 ? 6 : 9)) {
      case 0: return null;
      case 1: return r.int(2) === 0;
      case 2: return r.pick([0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308, Number.MAX_SAFE_INTEGER]);
      case 3: return r.pick(['', 'ord_1', 'x'.repeat(r.int(5000)), '\u0000', '{"a":1}', '🚚']);
      case 4: return 'ord_' + r.int(100);
      case 5: return r.pick(['cus_1', 'SKU-1', 'sha256:abc']);
      case 6: return Array.from({ length: r.int(5) }, () => value(depth + 1));
      default: return Object.fromEntries(Array.from({ length: r.int(5) }, () => [r.pick(['id', 'i', 'n', 'customerId', 'sku', 'quantity', 'idempotencyKey', '__proto__', 'constructor']), value(depth + 1)]));
    }
  };
  const query = () => {
    switch (r.int(7)) {
      case 0: return soup();
      case 1: return mutate(r.pick(VALID));
      case 2: return deep();
      case 3: return wide();
      case 4: return fragBomb();
      case 5: return r.pick(VALID);
      default: return r.pick(['', ' ', '#', '{', '}', 'query', '{ __schema { types { name } } }', '{ _gatewayApiKey(secretHash: "x") { id } }']);
    }
  };
  const auth = (): Record<string, string> => {
    switch (r.int(10)) {
      case 0: return {};
      case 1: return { authorization: `Bearer ${keys.admin}` };
      case 2: return { authorization: `Bearer ${keys.partner}` };
      case 3: return { 'x-api-key': keys.partner };
      case 4: return { authorization: `Bearer omr_live_${'a'.repeat(12)}_${'Z'.repeat(40)}` };
      case 5: return { authorization: r.pick(['Bearer', 'Basic Zm9vOmJhcg==', 'Bearer a.b.c', 'Bearer ' + 'x'.repeat(9000), 'bearer  \t ', 'Bearer eyJhbGciOiJub25lIn0.eyJ0aWQiOiJ0bnRfTEFHT1MifQ.']) };
      case 6: return { 'x-api-key': r.pick(['', 'omr_', 'omr_live__', 'omr_live_abc_def', '\u00ff'.repeat(50)]) };
      case 7: return { authorization: `Bearer ${keys.partner.slice(0, -2)}` };
      default: return { authorization: `Bearer ${keys.admin}`, 'x-request-id': r.pick(['', 'ok-id', 'x'.repeat(300), '../../etc', '\u00e9']) };
    }
  };
  return (): { method: string; headers: Record<string, string>; body?: string; search?: string } => {
    const headers: Record<string, string> = { ...auth() };
    const kind = r.int(10);
    if (kind === 0) {
      // GET with a random query string (and sometimes the preflight header)
      const params = new URLSearchParams();
      if (r.next() < 0.8) params.set('query', query());
      if (r.next() < 0.3) params.set('variables', r.next() < 0.5 ? JSON.stringify(value()) : soup());
      if (r.next() < 0.3) params.set('extensions', r.next() < 0.5 ? JSON.stringify({ persistedQuery: value() }) : '{"persistedQuery":{"version":1,"sha256Hash":"' + 'a'.repeat(r.int(70)) + '"}}');
      if (r.next() < 0.2) params.set('documentId', String(value()));
      if (r.next() < 0.7) headers['apollo-require-preflight'] = 'true';
      return { method: 'GET', headers, search: `?${params}` };
    }
    if (kind === 1) {
      // raw, often invalid bodies and content types
      headers['content-type'] = r.pick(['application/json', 'application/json; charset=utf-8', 'text/plain', 'application/graphql', 'multipart/form-data', '']);
      const body = r.pick([soup(), '[]', '[{"query":"{ __typename }"}]', '123', 'null', '"str"', '{"query":', '{"query": 5}', '{"variables": []}', '{"extensions": "x"}', '{"operationName": {}}', '\u0000', '']);
      return { method: r.pick(['POST', 'POST', 'PUT', 'DELETE', 'PATCH']), headers, body };
    }
    headers['content-type'] = 'application/json';
    const body: Record<string, unknown> = {};
    if (kind !== 2) body.query = r.next() < 0.95 ? query() : value();
    if (r.next() < 0.5) body.variables = r.next() < 0.8 ? { id: value(), i: value(), n: value(), x: value() } : value();
    if (r.next() < 0.25) body.operationName = r.pick([null, 'Order', 'Nope', '', 5, ['x']]);
    if (r.next() < 0.25) body.extensions = r.pick([{ persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } }, { persistedQuery: { version: r.pick([0, 2, '1', null]), sha256Hash: value() } }, { persistedQuery: value() }, value()]);
    if (r.next() < 0.1) body.documentId = value();
    return { method: 'POST', headers, body: JSON.stringify(body) };
  };
}

let ps: PartnerStack;
let partnerKey: string;
const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => unhandled.push(e);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  ps = await startPartnerStack({ partners: { rateLimits: false } });
  const api = adminApi(ps.url, ps.admin);
  const app = await api.createApp({ name: 'Fuzzer', persistedQueryMode: 'LOG_UNKNOWN' });
  partnerKey = (await api.createKey({ name: 'fuzz', partnerAppId: app.id, scopes: ['orders:read'] })).secret;
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await ps?.close();
});

describe('issue 6: fuzzing the partner edge', () => {
  it(`answers ${CASES} malformed requests (seed ${SEED.toString(16)}) with GraphQL errors only and stays up`, async () => {
    const next = generator(SEED, { partner: partnerKey, admin: ps.admin });
    const requests = Array.from({ length: CASES }, next);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let i = 0;
    const worker = async () => {
      while (i < requests.length) {
        const req = requests[i++]!;
        const res = await raw(ps.url, req);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const where = `${req.method} ${(req.search ?? req.body ?? '').slice(0, 120)} → ${res.status} ${res.text.slice(0, 200)}`;
        if (!ALLOWED_STATUS.has(res.status)) failures.push(`status: ${where}`);
        else if (!res.json || typeof res.json !== 'object' || (!('data' in res.json) && !Array.isArray(res.json.errors))) failures.push(`not a GraphQL response: ${where}`);
        else if (res.json.errors && !res.json.errors.every((e: any) => typeof e.message === 'string' && typeof e.extensions?.code === 'string')) failures.push(`error without message/code: ${where}`);
        else if (res.json.errors?.some((e: any) => e.extensions.code === 'INTERNAL_SERVER_ERROR')) failures.push(`internal error: ${where}`);
        else if (/\bat [\w.<>]+ \(|node_modules|\.ts:\d+|stacktrace/i.test(res.text)) failures.push(`leaks a stack: ${where}`);
      }
    };
    await Promise.all(Array.from({ length: 12 }, worker));
    console.log('fuzz statuses', JSON.stringify(Object.fromEntries(statuses)));
    expect(failures.slice(0, 10)).toEqual([]);
    expect([...statuses.keys()].sort()).toEqual(expect.arrayContaining([200, 400]));
    // still up and correct afterwards, nothing rejected unhandled
    expect((await raw(ps.url.replace('/graphql', '/health'), { method: 'GET' })).status).toBe(200);
    expect((await gql(ps.url, '{ orders(first: 1) { edges { node { number } } } }', {}, ps.admin)).data.orders.edges).toHaveLength(1);
    expect(unhandled).toEqual([]);
  }, 300_000);
});
