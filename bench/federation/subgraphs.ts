// The four subgraphs of the federation scenario — accounts, inventory, products, reviews — built with
// @apollo/subgraph and served by one node:http process on /accounts, /inventory, /products and /reviews, like the
// original benchmark's single subgraph server. Documents are parsed and validated once per query text (as any
// production GraphQL server caches them), so the subgraph tier costs what a real one does.
//
//   node --import tsx bench/federation/subgraphs.ts   → prints "READY <port>" (listens on a free port, 127.0.0.1)
// GET /health → OK; GET /stats → { <subgraph>: requests } since the last GET /stats?reset.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { composeServices } from '@apollo/composition';
import { execute, parse, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import * as data from './data.ts';

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])';

export const SUBGRAPH_SDL: Record<string, string> = {
  accounts: `${LINK}
    type Query { me: User  user(id: ID!): User  users: [User] }
    type User @key(fields: "id") { id: ID!  name: String  username: String @shareable  birthday: Int }`,
  inventory: `${LINK}
    type Product @key(fields: "upc") {
      upc: String!
      weight: Int @external
      price: Int @external
      inStock: Boolean
      shippingEstimate: Int @requires(fields: "price weight")
    }`,
  products: `${LINK}
    type Query { topProducts(first: Int = 5): [Product] }
    type Product @key(fields: "upc") { upc: String!  name: String  price: Int  weight: Int }`,
  reviews: `${LINK}
    type Review @key(fields: "id") { id: ID!  body: String  product: Product  author: User @provides(fields: "username") }
    type User @key(fields: "id") { id: ID!  username: String @external  reviews: [Review] }
    type Product @key(fields: "upc") { upc: String!  reviews: [Review] }`,
};

const byKey = <T, K extends keyof T>(rows: T[], key: K) => new Map(rows.map((r) => [r[key], r]));
const usersById = byKey(data.users, 'id');
const productsByUpc = byKey(data.products, 'upc');
const stockByUpc = byKey(data.stock, 'upc');
const reviewsById = byKey(data.reviews, 'id');

const RESOLVERS: Record<string, object> = {
  accounts: {
    Query: { me: () => data.users[0], user: (_: unknown, a: { id: string }) => usersById.get(a.id), users: () => data.users },
    User: { __resolveReference: (ref: { id: string }) => usersById.get(ref.id) },
  },
  inventory: {
    Product: {
      __resolveReference: (ref: { upc: string }) => stockByUpc.get(ref.upc),
      // the stock row has no price or weight (see data.ts): always null, as in the original
      shippingEstimate: (p: { price?: number | null; weight?: number | null }) =>
        p.price == null ? null : p.price > 1000 ? 0 : p.weight == null ? null : Math.floor(p.weight / 2),
    },
  },
  products: {
    Query: { topProducts: (_: unknown, a: { first?: number }) => data.products.slice(0, a.first ?? 5) },
    Product: { __resolveReference: (ref: { upc: string }) => productsByUpc.get(ref.upc) },
  },
  reviews: {
    Review: { __resolveReference: (ref: { id: string }) => reviewsById.get(ref.id), author: () => data.reviewAuthor() },
    User: { __resolveReference: (ref: { id: string }) => ({ id: ref.id, username: 'user', reviews: data.reviewsOfAnyUser() }) },
    Product: {
      __resolveReference: (ref: { upc: string }) => ({ upc: ref.upc }),
      reviews: (p: { upc: string }) => data.reviews.filter((r) => r.product.upc === p.upc),
    },
  },
};

export const SUBGRAPH_NAMES = Object.keys(SUBGRAPH_SDL);

export function subgraphSchema(name: string): GraphQLSchema {
  return buildSubgraphSchema([{ typeDefs: parse(SUBGRAPH_SDL[name]!), resolvers: RESOLVERS[name] as never }]);
}

/** The supergraph SDL for subgraphs served at `<baseUrl>/<name>`. */
export function composeSupergraph(baseUrl: string): string {
  const r = composeServices(SUBGRAPH_NAMES.map((name) => ({ name, url: `${baseUrl}/${name}`, typeDefs: parse(SUBGRAPH_SDL[name]!) })));
  if (r.errors) throw new Error(r.errors.map((e) => e.message).join('\n'));
  return r.supergraphSdl;
}

function send(res: ServerResponse, status: number, body: unknown) {
  const s = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(s) });
  res.end(s);
}

function graphqlHandler(schema: GraphQLSchema) {
  const documents = new Map<string, DocumentNode>();
  return (raw: string, res: ServerResponse) => {
    let body: { query?: string; variables?: Record<string, unknown>; operationName?: string };
    try {
      body = JSON.parse(raw);
    } catch {
      return send(res, 400, { errors: [{ message: 'malformed JSON body' }] });
    }
    if (typeof body.query !== 'string') return send(res, 400, { errors: [{ message: 'missing query' }] });
    let document = documents.get(body.query);
    if (!document) {
      try {
        document = parse(body.query);
      } catch (e) {
        return send(res, 400, { errors: [{ message: (e as Error).message }] });
      }
      const errors = validate(schema, document);
      if (errors.length) return send(res, 400, { errors: errors.map((e) => ({ message: e.message })) });
      if (documents.size >= 1000) documents.clear();
      documents.set(body.query, document);
    }
    const result = execute({ schema, document, variableValues: body.variables, operationName: body.operationName });
    if (result instanceof Promise) result.then((r) => send(res, 200, r), (e) => send(res, 500, { errors: [{ message: String(e) }] }));
    else send(res, 200, result);
  };
}

export function createSubgraphsServer() {
  const handlers = new Map(SUBGRAPH_NAMES.map((n) => [n, graphqlHandler(subgraphSchema(n))]));
  const stats: Record<string, number> = {};
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (req.method === 'GET' && path === '/health') return void res.end('OK');
    if (req.method === 'GET' && path === '/stats') {
      send(res, 200, stats);
      if (req.url!.includes('reset')) for (const k of Object.keys(stats)) delete stats[k];
      return;
    }
    const name = path.slice(1);
    const handle = handlers.get(name);
    if (!handle || req.method !== 'POST') return void res.writeHead(404).end();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      stats[name] = (stats[name] ?? 0) + 1;
      handle(Buffer.concat(chunks).toString(), res);
    });
  });
  server.keepAliveTimeout = 65_000;
  return server;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const server = createSubgraphsServer();
  server.listen(0, '127.0.0.1', () => process.stdout.write(`READY ${(server.address() as AddressInfo).port}\n`));
  process.on('SIGTERM', () => process.exit(0));
}
