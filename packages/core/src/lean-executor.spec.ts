// The lean path (lean-executor.ts) answers the gateway's requests in place of Apollo Server's pipeline: for every
// kind of request below — success, variables, each refusal, masked and exposed resolver errors, policies, entities,
// mutations, unsigned callers, and what it leaves to Apollo — the status and body must be Apollo Server's own, over
// HTTP and in process.
import { GraphQLError, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInternalContext, type Viewer } from './context.ts';
import { leanExecutor } from './lean-executor.ts';
import { createSubgraph, type RunningSubgraph } from './subgraph-server.ts';

const SECRET = 'lean-secret';
const viewer: Viewer = { tenantId: 'tnt_A', userId: 'usr_1', roles: ['OPERATIONS'], scopes: [] };
const signed = (v: Viewer | null = viewer, audience = 'probe') => signInternalContext({ requestId: 'r1', viewer: v }, { secret: SECRET, audience });
const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])';

const written: string[] = [];

describe.each(['jit', 'graphql-js'] as const)('lean subgraph executor (%s)', (executor) => {
  let running: RunningSubgraph;
  beforeAll(async () => {
    const sg = createSubgraph({
      name: 'probe',
      executor,
      typeDefs: parse(`${LINK}
        type Query { hello(name: String!): String, boom: String, refused: String, adminOnly: String, teapot: String, tenant: String, scratch: String, items(first: Int!): [Item!]!
          strict: String!, kind: Kind, badKind: Kind, count: Int, find(filter: Filter = { size: 2 }): [Item!] }
        type Mutation { write(text: String!): String }
        enum Kind { A B }
        input Filter { size: Int!, prefix: String = "p" }
        type Item @key(fields: "id") { id: ID!, label: String, rank: Int! }`),
      resolvers: {
        Query: {
          hello: (_: unknown, a: { name: string }) => `hello ${a.name}`,
          boom: () => {
            throw new Error('secret SQL detail');
          },
          refused: () => {
            throw new GraphQLError('no', { extensions: { code: 'BAD_USER_INPUT' } });
          },
          adminOnly: () => 'x',
          teapot: () => {
            throw new GraphQLError('slow down', { extensions: { code: 'RATE_LIMITED', http: { status: 429 } } });
          },
          tenant: (_: unknown, _a: unknown, ctx: { tenant: string }) => ctx.tenant,
          // the subgraph's context is frozen; each operation gets a copy it may write to (Apollo Server copies it)
          scratch: (_: unknown, _a: unknown, ctx: { scratch?: string; tenant: string }) => (ctx.scratch = `${ctx.tenant}:w`),
          items: (_: unknown, a: { first: number }) => Array.from({ length: a.first }, (_x, i) => ({ id: `i${i}`, label: `#${i}` })),
          strict: () => null,
          kind: () => 'B',
          badKind: () => 'C',
          count: () => 2.5,
          find: async (_: unknown, a: { filter: { size: number; prefix: string } }) => Array.from({ length: a.filter.size }, (_x, i) => ({ id: `${a.filter.prefix}${i}`, label: null })),
        },
        Mutation: {
          write: (_: unknown, a: { text: string }) => {
            written.push(a.text);
            return a.text.toUpperCase();
          },
        },
        Item: {
          // async like a loader; one item fails, another breaks its non-null rank
          label: async (i: { id: string; label: string | null }) => {
            if (i.id === 'i1') throw new Error('label store down');
            return i.label;
          },
          rank: (i: { id: string }) => (i.id === 'i2' ? null : Number(i.id.replace(/\D/g, '') || 0)),
          __resolveReference: (ref: { id: string }) => (ref.id === 'gone' ? null : { id: ref.id, label: `ref ${ref.id}` }) },
      },
      createContext: (internal) => ({ viewer: internal.viewer, tenant: internal.viewer?.tenantId ?? 'none' }),
      secret: SECRET,
      policies: {
        'Query.hello': { access: 'anyone' }, 'Query.boom': { access: 'anyone' }, 'Query.refused': { access: 'anyone' },
        'Query.adminOnly': { roles: [] }, 'Query.teapot': { access: 'anyone' }, 'Query.tenant': { access: 'signedIn' }, 'Query.scratch': { access: 'anyone' },
        'Query.items': { access: 'anyone' },
        'Query.strict': { access: 'anyone' }, 'Query.kind': { access: 'anyone' }, 'Query.badKind': { access: 'anyone' }, 'Query.count': { access: 'anyone' }, 'Query.find': { access: 'anyone' }, 'Mutation.write': { access: 'signedIn' },
      },
    });
    running = await sg.listen(0);
  });
  afterAll(() => running?.stop(1000));

  const cases: [name: string, body: unknown, headers?: Record<string, string>][] = [
    ['a query', { query: '{ hello(name: "x") tenant }' }],
    ['variables and an operation name', { query: 'query A { tenant } query B($n: String!) { hello(name: $n) }', variables: { n: 'v' }, operationName: 'B' }],
    ['null variables, extensions and operation name', { query: '{ tenant }', variables: null, operationName: null, extensions: null }],
    ['a missing variable', { query: 'query Q($n: String!) { hello(name: $n) }' }],
    ['a variable of the wrong type', { query: 'query Q($n: Int!) { items(first: $n) { id } }', variables: { n: 'many' } }],
    ['a syntax error', { query: '{ hello(' }],
    ['a validation error', { query: '{ nope }' }],
    ['several operations, none named', { query: 'query A { tenant } query B { tenant }' }],
    ['an unknown operation name', { query: 'query A { tenant }', operationName: 'Z' }],
    ['a resolver failing (masked)', { query: '{ boom hello(name: "still") }' }],
    ['a resolver refusing with a code', { query: '{ refused }' }],
    ['an error carrying an HTTP status', { query: '{ teapot }' }],
    ['a policy refusing', { query: '{ adminOnly tenant }' }],
    ['a resolver writing to its copy of the context', { query: '{ scratch }' }],
    ['a list', { query: '{ items(first: 2) { id label } }' }],
    ['a list with a failing field and a null in a non-null field', { query: '{ items(first: 4) { id label rank } }' }],
    ['a null in a non-null root field', { query: '{ strict hello(name: "x") }' }],
    ['enums, one not representable, and an Int that is not one', { query: '{ kind badKind count }' }],
    ['aliases named __proto__ and constructor', { query: '{ __proto__: hello(name: "p") constructor: tenant items(first: 1) { __proto__: id toString: label } }' }],
    ['aliases, fragments, __typename, @skip and @include', { query: 'query F($no: Boolean!) { a: hello(name: "1") b: hello(name: "2") @skip(if: $no) ...Q items(first: 1) { __typename ... on Item { id label @include(if: $no) } } } fragment Q on Query { tenant __typename }', variables: { no: true } }],
    ['input objects with defaults', { query: 'query D($f: Filter) { d: find { id } f: find(filter: $f) { id label } }', variables: { f: { size: 1, prefix: 'z' } } }],
    ['an input object missing a field', { query: 'query D($f: Filter) { find(filter: $f) { id } }', variables: { f: { prefix: 'z' } } }],
    ['entities', { query: 'query E($r: [_Any!]!) { _entities(representations: $r) { ... on Item { id label } } }', variables: { r: [{ __typename: 'Item', id: 'a' }, { __typename: 'Item', id: 'gone' }] } }],
    ['a mutation', { query: 'mutation M($t: String!) { write(text: $t) }', variables: { t: 'abc' } }],
    ['a signed call without a viewer', { query: '{ tenant hello(name: "anon") }' }, signed(null)],
    ['no signature', { query: '{ hello(name: "x") }' }, {}],
    ['a signature for another subgraph', { query: '{ hello(name: "x") }' }, signed(viewer, 'commerce')],
    ['variables as a string (Apollo answers)', { query: '{ tenant }', variables: '{}' }],
    ['a batch (Apollo answers)', [{ query: '{ tenant }' }]],
    ['an empty body (Apollo answers)', {}],
    ['a persisted query (Apollo answers)', { extensions: { persistedQuery: { version: 1, sha256Hash: 'abc' } } }],
  ];

  for (const [name, body, headers] of cases) {
    it(`answers ${name} as Apollo Server does, over HTTP and in process`, async () => {
      const text = JSON.stringify(body);
      const h = { 'content-type': 'application/json', ...(headers ?? signed()) };
      const apollo = await running.executeWithApollo(text, h);
      const lean = await running.execute(text, h);
      const http = await fetch(running.url, { method: 'POST', headers: h, body: text });
      expect({ status: lean.status, body: JSON.parse(lean.text) }).toEqual({ status: apollo.status, body: JSON.parse(apollo.text) });
      expect({ status: http.status, body: await http.json() }).toEqual({ status: apollo.status, body: JSON.parse(apollo.text) });
      expect(lean.text).toBe(apollo.text); // byte for byte, key order and trailing newline included
    });
  }

  it('hands data-only answers over as the objects JSON would give, and answers with errors or naming __proto__ as text alone', async () => {
    const h = { 'content-type': 'application/json', ...signed() };
    const answer = async (query: string) => {
      const text = JSON.stringify({ query });
      const [lean, apollo] = await Promise.all([running.execute(text, h), running.executeWithApollo(text, h)]);
      return { lean, apollo: JSON.parse(apollo.text) };
    };
    const data = await answer('{ hello(name: "x") items(first: 1) { id label __typename } find { id label } kind }');
    expect(data.lean.payload).toEqual(data.apollo);
    expect(JSON.parse(JSON.stringify(data.lean.payload))).toEqual(data.apollo); // JSON values only
    expect(data.lean.text).toBe(JSON.stringify(data.apollo) + '\n');
    for (const q of ['{ boom hello(name: "y") }', '{ items(first: 2) { id label } }', '{ __proto__: hello(name: "p") }']) {
      const r = await answer(q);
      expect(r.lean.payload).toBeUndefined();
      expect(JSON.parse(r.lean.text)).toEqual(r.apollo);
    }
  });

  it('serves only well-formed single operations and leaves the rest to Apollo Server', () => {
    const lean = leanExecutor({ schema: running.schema, context: async () => ({}), formatError: (f) => f, engine: executor });
    const none = { get: () => undefined };
    for (const body of [null, 'query', [], {}, { query: '' }, { query: 1 }, { query: '{ tenant }', variables: [] }, { query: '{ tenant }', operationName: 3 }, { query: '{ tenant }', extensions: { persistedQuery: {} } }]) {
      expect(lean(body, none)).toBeUndefined();
    }
    expect(lean({ query: '{ tenant }', extensions: { traceparent: 'x' } }, none)).toBeInstanceOf(Promise);
  });

  it('keeps answering right while its document cache evicts, and never keeps a text over its byte budget', async () => {
    let contexts = 0;
    const lean = leanExecutor({ schema: running.schema, context: async () => ({ n: ++contexts }), formatError: (f) => f, documentCache: { entries: 2 }, engine: executor });
    const none = { get: () => undefined };
    const a = '{ hello(name: "a") }';
    const r1 = await lean({ query: a }, none)!;
    const r2 = await lean({ query: a }, none)!;
    expect(r1).toEqual(r2);
    expect(JSON.parse(r1.text)).toEqual({ data: { hello: 'hello a' } });
    // more texts than entries: the oldest go, answers stay right
    for (const n of ['b', 'c', 'd', 'a']) expect(JSON.parse((await lean({ query: `{ hello(name: "${n}") }` }, none)!).text)).toEqual({ data: { hello: `hello ${n}` } });
    // a text over the byte budget is answered, never kept
    const tiny = leanExecutor({ schema: running.schema, context: async () => ({}), formatError: (f) => f, documentCache: { bytes: 10 }, engine: executor });
    expect(JSON.parse((await tiny({ query: a }, none)!).text)).toEqual({ data: { hello: 'hello a' } });
  });
});
