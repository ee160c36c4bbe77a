// A partner integration from start to finish (see README.md next to this file):
//   node --import tsx examples/partner/partner.ts [--gateway http://localhost:4000/graphql]
// 1. an ADMIN of the tenant creates a partner app (safelist mode REQUIRE_ID) and an API key for it;
// 2. the partner's operations (operations/*.graphql) are extracted into an Apollo persisted-query manifest,
//    validated against schema/supergraph.graphql, and registered for the app;
// 3. the partner calls by id only, with its key: catalog, recent orders, one order's details, and placeOrder.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { apiSchemaOf, extractManifest, ROOT, type Manifest } from '../../scripts/persisted.ts';

const OPERATIONS_DIR = fileURLToPath(new URL('./operations', import.meta.url));

export interface PartnerExampleOptions {
  gatewayUrl: string;
  adminEmail?: string;
  adminPassword?: string;
  supergraphSdl?: string;
  log?: (line: string) => void;
}

type Response = { data?: any; errors?: { message: string; extensions?: { code?: string } }[] };

async function post(url: string, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Response> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return (await res.json()) as Response;
}

function dataOf(r: Response, what: string) {
  if (r.errors?.length) throw new Error(`${what}: ${r.errors.map((e) => `${e.extensions?.code}: ${e.message}`).join('; ')}`);
  return r.data;
}

export async function runPartnerExample(opts: PartnerExampleOptions) {
  const log = opts.log ?? console.log;
  const url = opts.gatewayUrl;

  // --- the tenant's ADMIN sets the partner up (normally once, e.g. in the OmniRoute console) ---
  const login = dataOf(await post(url, {
    query: 'mutation($i: LoginInput!) { login(input: $i) { accessToken userErrors { message } } }',
    variables: { i: { email: opts.adminEmail ?? 'ops@lagos.demo', password: opts.adminPassword ?? 'omniroute-demo' } },
  }), 'login').login;
  if (!login.accessToken) throw new Error(`login failed: ${JSON.stringify(login.userErrors)}`);
  const admin = { authorization: `Bearer ${login.accessToken}` };

  const app = dataOf(await post(url, {
    query: 'mutation($i: CreatePartnerAppInput!) { createPartnerApp(input: $i) { partnerApp { id slug persistedQueryMode } userErrors { code message } } }',
    variables: { i: { name: `Example Marketplace ${randomUUID().slice(0, 8)}`, persistedQueryMode: 'REQUIRE_ID' } },
  }, admin), 'createPartnerApp').createPartnerApp.partnerApp;
  log(`partner app ${app.slug} (${app.id}), mode ${app.persistedQueryMode}`);

  const created = dataOf(await post(url, {
    query: 'mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { apiKey { id prefix scopes } secret userErrors { code message } } }',
    variables: { i: { name: 'example integration', partnerAppId: app.id, scopes: ['catalog:read', 'customers:read', 'orders:read', 'orders:write'] } },
  }, admin), 'createApiKey').createApiKey;
  const apiKey: string = created.secret; // shown once: a real partner stores it in its secret manager now
  log(`API key ${created.apiKey.prefix}… (${created.apiKey.id}) with scopes ${created.apiKey.scopes.join(', ')}`);

  // --- the partner's build step: operations → manifest (npm run persisted -- extract examples/partner/operations) ---
  const supergraph = opts.supergraphSdl ?? readFileSync(`${ROOT}/schema/supergraph.graphql`, 'utf8');
  const { manifest, problems } = extractManifest(OPERATIONS_DIR, apiSchemaOf(supergraph));
  if (problems.length) throw new Error(`invalid operations: ${problems.map((p) => `${p.file} ${p.operation ?? ''}: ${p.message}`).join('; ')}`);
  const registered = dataOf(await post(url, {
    query: 'mutation($i: RegisterPersistedQueriesInput!) { registerPersistedQueries(input: $i) { registered userErrors { code message } } }',
    variables: { i: { partnerAppId: app.id, manifest: JSON.stringify(manifest) } },
  }, admin), 'registerPersistedQueries').registerPersistedQueries;
  log(`registered ${registered.registered} operations: ${manifest.operations.map((o) => o.name).join(', ')}`);

  // --- the partner at run time: operations by id, authenticated with the key ---
  const idOf = (m: Manifest, name: string) => m.operations.find((o) => o.name === name)!.id;
  const partner = { 'x-api-key': apiKey };
  const call = async (name: string, variables: Record<string, unknown> = {}) =>
    dataOf(await post(url, { documentId: `sha256:${idOf(manifest, name)}`, variables }, partner), name);

  const catalog = await call('PartnerCatalog');
  const customer = catalog.customers.edges[0].node;
  const stocked = catalog.locations.edges
    .map((e: any) => e.node)
    .filter((l: any) => l.kind === 'WAREHOUSE')
    .flatMap((l: any) => l.stockLevels.edges.map((s: any) => ({ location: l, ...s.node })))
    .find((s: any) => s.available >= 2);
  if (!stocked) throw new Error('no warehouse stock to order from');
  log(`catalog: ${catalog.customers.edges.length} customers, ordering ${stocked.variant.sku} from ${stocked.location.name}`);

  const recent = await call('RecentOrders');
  const first = recent.orders.edges[0].node;
  const lookup = (await call('OrderLookup', { id: first.id })).order;
  log(`order ${lookup.number}: ${lookup.status}, ${lookup.total.amount} ${lookup.total.currencyCode}, ${lookup.lines.length} lines, shipment ${lookup.shipment?.status ?? 'none'}`);

  const placed = (await call('PlaceOrder', {
    input: { customerId: customer.id, channel: 'PARTNER_API', locationId: stocked.location.id, lines: [{ sku: stocked.variant.sku, quantity: 1 }], idempotencyKey: randomUUID() },
  })).placeOrder;
  if (placed.userErrors.length) throw new Error(`placeOrder: ${JSON.stringify(placed.userErrors)}`);
  log(`placed order ${placed.order.number} (${placed.order.status}) for ${customer.name}: ${placed.order.total.amount} ${placed.order.total.currencyCode}`);

  // A query body is refused for this app: only registered operations, by id.
  const refused = await post(url, { query: '{ orders(first: 1) { edges { node { id } } } }' }, partner);
  log(`sending a query body instead of an id: ${refused.errors?.[0]?.extensions?.code}`);

  return { app, keyId: created.apiKey.id, manifest, lookup, placed: placed.order, refusedCode: refused.errors?.[0]?.extensions?.code };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--gateway');
  const gatewayUrl = i > 0 ? process.argv[i + 1]! : process.env.GATEWAY_URL ?? 'http://localhost:4000/graphql';
  runPartnerExample({ gatewayUrl }).catch((e) => {
    console.error(String(e instanceof Error ? e.message : e));
    process.exit(1);
  });
}
