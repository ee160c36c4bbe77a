// Issue 6 on the real graph (all five subgraphs, seeded): the acceptance scenario, OrderDetail for a partner key
// without finance:read, examples/partner end to end, and `npm run persisted -- extract`.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, ROOT, type Stack } from '@omniroute/platform';
import { gql, login, nodes } from '@omniroute/testkit';
import { runPartnerExample } from '../../examples/partner/partner.ts';
import { parseManifest } from '../src/plugins/persisted-queries.ts';
import { adminApi, sha256 } from './plugins/fixtures/partner-stack.ts';

const run = promisify(execFile);
const ORDER_DETAIL = readFileSync(join(ROOT, 'schema/operations/OrderDetail.graphql'), 'utf8');

let stack: Stack;
let admin: string;
beforeAll(async () => {
  stack = await startStack({ seed: true });
  admin = await login(stack.gatewayUrl, 'ops@lagos.demo');
});
afterAll(async () => {
  await stack?.close();
});

describe('issue 6 on the OmniRoute graph', () => {
  it('passes the acceptance scenario: APQ miss/register/hit, alias bomb refused, clean parse errors', async () => {
    const q = 'query PartnerOrders { orders(first: 3) { edges { node { id number status } } } }';
    const pq = { extensions: { persistedQuery: { version: 1, sha256Hash: sha256(q) } } };
    const post = async (body: object) => (await fetch(stack.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body: JSON.stringify(body) })).json() as Promise<any>;
    expect((await post({ ...pq })).errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect((await post({ query: q, ...pq })).data.orders.edges).toHaveLength(3);
    expect((await post({ ...pq })).data.orders.edges).toHaveLength(3);
    const bomb = `{ ${Array.from({ length: 2000 }, (_, i) => `a${i}: orders(first: 100) { edges { node { id } } }`).join(' ')} }`;
    const b = await post({ query: bomb });
    expect(b.data?.a0).toBeUndefined();
    expect(b.errors.length).toBeGreaterThan(0);
    const bad = JSON.stringify(await post({ query: '{ orders(first: ) }' }));
    expect(bad).toContain('GRAPHQL_PARSE_FAILED');
    expect(bad).not.toMatch(/\bat .*\.(js|ts):\d+|stacktrace/i);
  });

  it('answers OrderDetail to a partner key without finance:read with creditLine and invoice null + FORBIDDEN', async () => {
    const api = adminApi(stack.gatewayUrl, admin);
    const app = await api.createApp({ name: 'Detail checker' });
    const plain = await api.createKey({ name: 'no finance', partnerAppId: app.id, roles: ['SALES_REP'], scopes: ['orders:read'] });
    const finance = await api.createKey({ name: 'finance', partnerAppId: app.id, scopes: ['orders:read', 'finance:read'] });
    const id = nodes<{ id: string }>((await gql(stack.gatewayUrl, '{ orders(first: 5, filter: { status: DELIVERED }) { edges { node { id } } } }', {}, admin)).data.orders)[0]!.id;

    const r = await gql(stack.gatewayUrl, ORDER_DETAIL, { id }, plain.secret);
    expect(r.data.order.customer.creditLine).toBeNull();
    expect(r.data.order.invoice).toBeNull();
    expect(r.data.order.customer.name).toBeTruthy();
    expect(r.data.order.lines[0].variant.product.name).toBeTruthy();
    expect(r.data.order.shipment.vehicle.plate).toMatch(/^LAG-/);
    expect(r.data.order.shipment.rider.level.name).toBeTruthy();
    expect(r.errors!.map((e) => [e.path!.join('.'), e.extensions!.code]).sort()).toEqual([
      ['order.customer.creditLine', 'FORBIDDEN'],
      ['order.invoice', 'FORBIDDEN'],
    ]);

    const full = await gql(stack.gatewayUrl, ORDER_DETAIL, { id }, finance.secret);
    expect(full.errors).toBeUndefined();
    expect(full.data.order.customer.creditLine.limit.currencyCode).toBe('NGN');
    expect(full.data.order.invoice.status).toBeTruthy();
  });

  it('runs examples/partner: admin setup, manifest registration, lookups and placeOrder by id with an API key', async () => {
    const lines: string[] = [];
    const out = await runPartnerExample({ gatewayUrl: stack.gatewayUrl, log: (l) => lines.push(l) });
    expect(out.manifest.operations.map((o) => o.name)).toEqual(['OrderLookup', 'PartnerCatalog', 'PlaceOrder', 'RecentOrders']);
    expect(out.lookup.number).toMatch(/^LAG-/);
    expect(out.placed.number).toMatch(/^LAG-/);
    expect(['PENDING', 'CONFIRMED']).toContain(out.placed.status);
    expect(out.refusedCode).toBe('PERSISTED_QUERY_ID_REQUIRED');
    expect(lines).toHaveLength(7);
    // the order was placed as the partner, through the PARTNER_API channel
    const placed = await gql(stack.gatewayUrl, 'query($id: ID!) { order(id: $id) { channel } }', { id: out.placed.id }, admin);
    expect(placed.data.order.channel).toBe('PARTNER_API');
  });
});

describe('npm run persisted -- extract', () => {
  const cli = (...args: string[]) => run(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/persisted.ts'), ...args], { cwd: ROOT }).then(
    (r) => ({ code: 0, ...r }),
    (e) => ({ code: e.code as number, stdout: e.stdout as string, stderr: e.stderr as string }),
  );

  it('writes a manifest the gateway accepts (ids are the sha256 of the bodies)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'manifest-')), 'manifest.json');
    const r = await cli('extract', 'examples/partner/operations', '--out', file);
    expect(r.code).toBe(0);
    const ops = parseManifest(readFileSync(file, 'utf8'));
    expect(ops.map((o) => o.name)).toEqual(['OrderLookup', 'PartnerCatalog', 'PlaceOrder', 'RecentOrders']);
    expect(ops.find((o) => o.name === 'OrderLookup')!.body).toContain('fragment Amount on Money');
    const stdout = await cli('extract', 'examples/partner/operations');
    expect(JSON.parse(stdout.stdout).operations).toHaveLength(4);
  });

  it('fails with the errors of invalid operations and writes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ops-'));
    writeFileSync(join(dir, 'Good.graphql'), 'query Good { orders(first: 1) { edges { node { id } } } }');
    writeFileSync(join(dir, 'Bad.graphql'), 'query Bad { orders(first: 1) { edges { node { nope } } } }');
    writeFileSync(join(dir, 'Anonymous.graphql'), '{ tenant { name } }');
    writeFileSync(join(dir, 'Missing.graphql'), 'query Missing { tenant { ...Nowhere } }');
    writeFileSync(join(dir, 'Broken.graphql'), 'query Broken { tenant { ');
    const file = join(dir, 'out.json');
    const r = await cli('extract', dir, '--out', file);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Bad\.graphql Bad: Cannot query field "nope" on type "Order"/);
    expect(r.stderr).toMatch(/Anonymous\.graphql: operations need a name/);
    expect(r.stderr).toMatch(/Missing\.graphql Missing: unknown fragment\(s\): Nowhere/);
    expect(r.stderr).toMatch(/Broken\.graphql: Syntax Error/);
    expect(existsSync(file)).toBe(false);
  });
});

describe('issue 18: the typed frontend example (examples/frontend, graphql-codegen client preset)', () => {
  it('its generated code and manifest are current (codegen --check)', async () => {
    const r = await run('node', ['--import', 'tsx', 'examples/frontend/codegen.ts', '--check'], { cwd: ROOT });
    expect(r.stdout).toMatch(/generated code and manifest current \(2 operations\)/);
  });

  it('its persisted documents are a partner safelist: registered, then called by id only with typed results', async () => {
    const api = adminApi(stack.gatewayUrl, admin);
    const app = await api.createApp({ name: `Storefront ${Date.now()}`, persistedQueryMode: 'REQUIRE_ID' });
    const key = await api.createKey({ name: 'storefront', partnerAppId: app.id, scopes: ['customers:read', 'orders:read', 'catalog:read'] });
    const manifest = readFileSync(join(ROOT, 'examples/frontend/persisted-manifest.json'), 'utf8');
    expect(parseManifest(manifest).map((o) => o.name)).toEqual(['StorefrontCatalog', 'StorefrontOrder']);
    expect(await api.register(app.id, manifest)).toBe(2);
    const { customerNames, orderSummary } = await import('../../examples/frontend/src/storefront.ts');
    const names = await customerNames(stack.gatewayUrl, key.secret, 3);
    expect(names).toHaveLength(3);
    const orderId = nodes<{ id: string }>((await gql(stack.gatewayUrl, '{ orders(first: 1) { edges { node { id } } } }', {}, admin)).data.orders)[0]!.id;
    expect(await orderSummary(stack.gatewayUrl, key.secret, orderId)).toMatch(/^order [A-Z]{3}-\d+ \([A-Z_]+\): \d+\.\d{2} NGN\n\d+ × /);
    // the same key may not send text: the safelist is all it can run
    const text = await gql(stack.gatewayUrl, '{ tenant { name } }', {}, undefined, { 'x-api-key': key.secret });
    expect(text.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_ID_REQUIRED');
  });
});
