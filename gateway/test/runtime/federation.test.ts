// Federation correctness: our runtime against real subgraphs, compared with stock @apollo/gateway's data and
// with hand-checked error paths.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayRuntime, type GatewayRuntime } from '../../src/runtime/index.ts';
import { startSubgraphs, type RunningSubgraphs } from './fixtures/harness.ts';
import { catalogSubgraphs } from './fixtures/catalog.ts';
import { startOracle, type Oracle } from './fixtures/oracle.ts';

let sg: RunningSubgraphs;
let rt: GatewayRuntime<undefined>;
let oracle: Oracle;

beforeAll(async () => {
  sg = await startSubgraphs(catalogSubgraphs());
  rt = createGatewayRuntime<undefined>({ supergraphSdl: sg.supergraphSdl });
  oracle = await startOracle(sg.supergraphSdl);
});
afterAll(async () => {
  await rt?.close();
  await oracle?.stop();
  await sg?.close();
});

const run = (query: string, variables?: Record<string, unknown>) => rt.execute({ query, variables, ctx: undefined });
const json = (x: unknown) => JSON.parse(JSON.stringify(x));

async function sameAsApollo(query: string, variables?: Record<string, unknown>) {
  const [ours, ref] = await Promise.all([run(query, variables), oracle.run(query, variables)]);
  expect(ref.errors).toBeUndefined();
  expect(ours.errors).toBeUndefined();
  expect(json(ours.data)).toEqual(json(ref.data));
  // Field order follows the query, as in Apollo.
  expect(JSON.stringify(ours.data)).toBe(JSON.stringify(ref.data));
  return ours.data as any;
}

describe('federated queries (same data as @apollo/gateway)', () => {
  it('entity chains across four subgraphs', async () => {
    const data = await sameAsApollo(`{
      users { id name reviews { body product { name inStock reviews { author { name username } } } } }
    }`);
    expect(data.users[0].reviews[0].product.name).toBe('Table');
  });

  it('@requires feeds representations with fields from another subgraph', async () => {
    const data = await sameAsApollo('{ topProducts { upc shippingEstimate } }');
    expect(data.topProducts.map((p: any) => p.shippingEstimate)).toEqual([50, 0, 10, 50]);
  });

  it('@provides: author.username comes from reviews without an accounts fetch', async () => {
    sg.reset();
    const data = await sameAsApollo('{ reviews { author { username } } }');
    expect(data.reviews[0].author.username).toBe('ada');
    const ours = await run('{ reviews { author { username } } }');
    expect(ours.data).toEqual(data);
    expect(sg.counts.accounts).toBe(0);
  });

  it('interfaces with type conditions and __typename', async () => {
    const data = await sameAsApollo(`{
      media { __typename id title ... on Book { pages reviews { rating } } ... on Movie { minutes } }
      reviews { media { id title ... on Movie { minutes } } }
    }`);
    expect(data.media[0]).toEqual({ __typename: 'Book', id: 'b1', title: 'Dune', pages: 412, reviews: [{ rating: 5 }, { rating: 2 }] });
  });

  it('unions with fragments spread on members', async () => {
    const data = await sameAsApollo(`query { search(term: "e") { __typename ...B ... on Movie { title } ... on Product { name shippingEstimate } } }
      fragment B on Book { title pages }`);
    expect(data.search.map((x: any) => x.__typename)).toContain('Product');
  });

  it('aliases, repeated fields with different arguments, nested fragments', async () => {
    await sameAsApollo(`{
      first: topProducts(first: 1) { id: upc label: name }
      two: topProducts(first: 2) { ...P }
      me { ...U }
    }
    fragment P on Product { upc ...Q }
    fragment Q on Product { name price r: reviews { b: body } }
    fragment U on User { n: name username }`);
  });

  it('variables, defaults and @skip/@include', async () => {
    const q = `query Q($upc: String!, $withReviews: Boolean!, $skipName: Boolean = false, $n: Int) {
      product(upc: $upc) { upc name @skip(if: $skipName) reviews @include(if: $withReviews) { body } }
      topProducts(first: $n) { upc }
    }`;
    const a = await sameAsApollo(q, { upc: 'p1', withReviews: true, n: 2 });
    expect(a.product).toEqual({ upc: 'p1', name: 'Table', reviews: [{ body: 'Sturdy' }, { body: 'Wobbly' }] });
    const b = await sameAsApollo(q, { upc: 'p2', withReviews: false, skipName: true });
    expect(b.product).toEqual({ upc: 'p2' });
    expect(b.topProducts).toHaveLength(4);
  });

  it('__typename at the root and on value types', async () => {
    const data = await sameAsApollo('{ __typename topProducts { __typename warehouse { __typename city } } }');
    expect(data.__typename).toBe('Query');
  });

  it('mutations run their plan in order', async () => {
    const r = await run('mutation { a: addReview(upc: "p1", body: "x") { body product { name } } b: addReview(upc: "p2", body: "y") { body author { name } } }');
    expect(r.errors).toBeUndefined();
    expect(r.data).toEqual({ a: { body: 'x', product: { name: 'Table' } }, b: { body: 'y', author: { name: 'Ada' } } });
  });

  it('introspection of the API schema', async () => {
    const r = await run('{ __schema { queryType { name } types { name } } __type(name: "Product") { fields { name } } }');
    expect(r.errors).toBeUndefined();
    const d = r.data as any;
    expect(d.__schema.queryType.name).toBe('Query');
    const names = d.__schema.types.map((t: any) => t.name);
    expect(names).toContain('Review');
    expect(names.some((n: string) => n.startsWith('join__') || n === '_Entity' || n === '_Any')).toBe(false);
    expect(d.__type.fields.map((f: any) => f.name).sort()).toEqual(['inStock', 'name', 'price', 'reviews', 'shippingEstimate', 'upc', 'warehouse', 'weight']);
    await sameAsApollo('{ __schema { types { name kind fields { name type { name kind ofType { name } } } } } }');
    const mixed = await run('{ __type(name: "User") { name } me { name } }');
    expect(mixed.data).toEqual({ __type: { name: 'User' }, me: { name: 'Ada' } });
  });
});

describe('errors', () => {
  it('subgraph field errors keep their path (root and entity fetches)', async () => {
    const r = await run('{ me { name secret } reviews { id author { name secret } } }');
    const d = r.data as any;
    expect(d.me).toEqual({ name: 'Ada', secret: null });
    expect(d.reviews[1].author).toEqual({ name: 'Grace', secret: null });
    const paths = r.errors!.map((e) => e.path);
    expect(paths).toContainEqual(['me', 'secret']);
    expect(paths).toContainEqual(['reviews', 1, 'author', 'secret']);
    expect(r.errors!.find((e) => e.path?.[0] === 'me')!.extensions.code).toBe('FORBIDDEN');
  });

  it('a failed entity bubbles null to the nearest nullable field', async () => {
    // products cannot resolve p4: Product.name is non-null, Review.product is nullable.
    const r = await run('{ topProducts(first: 4) { upc } reviews { id product { upc name } } users { id reviews { product { name } } } }');
    const d = r.data as any;
    expect(d.reviews.map((x: any) => x.product?.name)).toEqual(['Table', 'Couch', 'Glass', 'Table']);
    expect(r.errors).toBeUndefined();
    const bad = await run('{ product(upc: "p4") { upc } topProducts(first: 4) { upc reviews { id } } }');
    expect(bad.errors).toBeUndefined();
    const viaEntity = await run('mutation { addReview(upc: "p4", body: "z") { id product { upc name } } }');
    expect((viaEntity.data as any).addReview.product).toBeNull();
    expect(viaEntity.errors!.map((e) => e.path)).toContainEqual(['addReview', 'product']);
  });

  it('null in a non-null field bubbles up through non-null lists', async () => {
    // User.nickname is String! and fails for u3; users is [User!]! so the whole users field nulls, then data.
    const r = await run('{ users { id nickname } }');
    expect(r.data).toBeNull();
    expect(r.errors!.map((e) => e.path)).toContainEqual(['users', 2, 'nickname']);
    const ref = await oracle.run('{ users { id nickname } }');
    expect(ref.data).toBeNull();
    // Entity path: reviews.author is nullable, so only that author becomes null.
    const e = await run('{ reviews { id author { id nickname } } }');
    expect((e.data as any).reviews.map((x: any) => x.author?.nickname ?? null)).toEqual(['ada', 'grace', 'ada', null]);
    expect(e.errors!.map((x) => x.path)).toContainEqual(['reviews', 3, 'author', 'nickname']);
  });

  it('parse, validation and variable errors carry codes', async () => {
    const p = await run('{ users { ');
    expect(p.errors![0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    const v = await run('{ users { nope } }');
    expect(v.errors![0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const b = await run('query($n: Int!) { topProducts(first: $n) { upc } }', { n: 'x' });
    expect(b.errors![0].extensions.code).toBe('BAD_USER_INPUT');
    const m = await run('query A { me { id } } query B { me { id } }');
    expect(m.errors![0].message).toMatch(/operation name/);
  });
});

describe('subgraph fetches', () => {
  const deep = `{
    users { reviews { product { name price reviews { author { name reviews { product { name inStock } } } } } } }
    topProducts { name reviews { author { name reviews { product { name inStock shippingEstimate } } } } }
  }`;

  it('entity fetches of one request are batched and deduplicated (fewer fetches than Apollo)', async () => {
    sg.reset();
    const ref = await oracle.run(deep);
    const apolloFetches = Object.values(sg.counts).reduce((a, b) => a + b, 0);
    sg.reset();
    const ours = await run(deep);
    const ourFetches = Object.values(sg.counts).reduce((a, b) => a + b, 0);
    expect(json(ours.data)).toEqual(json(ref.data));
    expect(ourFetches).toBeLessThan(apolloFetches);
    // No representation is sent twice for the same subgraph operation.
    for (const bodies of Object.values(sg.bodies)) {
      for (const b of bodies) {
        const reps = (b.variables?.representations ?? []) as unknown[];
        expect(new Set(reps.map((x) => JSON.stringify(x))).size).toBe(reps.length);
      }
    }
  });

  it('identical in-flight query fetches are merged across requests', async () => {
    sg.reset();
    sg.delay.products = 30;
    try {
      const results = await Promise.all(Array.from({ length: 10 }, () => run('{ topProducts { name } }')));
      for (const r of results) expect((r.data as any).topProducts).toHaveLength(4);
      expect(sg.counts.products).toBe(1);
    } finally {
      sg.delay.products = 0;
    }
  });

  it('mutations are never merged', async () => {
    sg.reset();
    sg.delay.reviews = 20;
    try {
      await Promise.all([run('mutation { addReview(upc: "p1", body: "same") { id } }'), run('mutation { addReview(upc: "p1", body: "same") { id } }')]);
      expect(sg.counts.reviews).toBe(2);
    } finally {
      sg.delay.reviews = 0;
    }
  });

  it('exposes the query plan and completes subscription events with the plan\'s `rest`', async () => {
    const plan = rt.planFor('{ reviews { id product { name } } }');
    expect(plan.node?.kind).toBe('Sequence');
    const q = 'subscription { reviewAdded { id body author { name } product { name shippingEstimate } } }';
    const prepared = rt.prepare({ query: q, ctx: undefined });
    if (!('ready' in prepared)) throw new Error('not ready');
    const node = prepared.ready.prepared.plan.node as any;
    expect(node.kind).toBe('Subscription');
    expect(node.primary.serviceName).toBe('reviews');
    // The subscription layer runs `primary` on the owning subgraph's event stream; here is one event's data.
    const event = { reviewAdded: { __typename: 'Review', id: 'r9', body: 'Nice', author: { __typename: 'User', id: 'u2' }, product: { __typename: 'Product', upc: 'p1' } } };
    sg.reset();
    const out = await rt.executeSubscriptionEvent(prepared.ready, event, undefined);
    expect(out).toEqual({ data: { reviewAdded: { id: 'r9', body: 'Nice', author: { name: 'Grace' }, product: { name: 'Table', shippingEstimate: 50 } } } });
    expect(sg.counts.reviews).toBe(0);
    // Over execute(), subscriptions are refused with a clear error.
    const r = await run(q);
    expect(r.errors![0].extensions.code).toBe('UNSUPPORTED_OPERATION');
  });
});
