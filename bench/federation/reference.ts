// The expected response of the scenario's query, computed once without any gateway: one plain graphql-js schema
// over the same data, whose resolvers state each field's owner the way the federated subgraphs answer it. Every
// gateway's response must equal this (deep equality, any key order), before and after load.
import { readFileSync } from 'node:fs';
import { buildSchema, execute, parse } from 'graphql';
import * as data from './data.ts';

export const QUERY = readFileSync(new URL('./query.graphql', import.meta.url), 'utf8');
export const BODY = JSON.stringify({ query: QUERY });

const API_SDL = `
  type Query { me: User  user(id: ID!): User  users: [User]  topProducts(first: Int = 5): [Product] }
  type User { id: ID!  name: String  username: String  birthday: Int  reviews: [Review] }
  type Product { upc: String!  weight: Int  price: Int  inStock: Boolean  shippingEstimate: Int  name: String  reviews: [Review] }
  type Review { id: ID!  body: String  product: Product  author: User }`;

type UserRef = { id: string; username?: string };
const account = (id: string) => data.users.find((u) => u.id === id);
const product = (upc: string) => data.products.find((p) => p.upc === upc);

const rootValue = {
  me: () => data.users[0],
  user: ({ id }: { id: string }) => account(id),
  users: () => data.users,
  topProducts: ({ first }: { first?: number }) => data.products.slice(0, first ?? 5).map((p) => ({ upc: p.upc })),
};

/** Default-resolver objects with getters: each field reads from the subgraph that owns it. */
function userView(ref: UserRef) {
  return {
    id: ref.id,
    name: () => account(ref.id)?.name ?? null, // accounts
    username: () => ref.username ?? account(ref.id)?.username ?? null, // accounts, or reviews' @provides
    birthday: () => account(ref.id)?.birthday ?? null,
    reviews: () => data.reviewsOfAnyUser().map(reviewView), // reviews
  };
}
function productView(ref: { upc: string }) {
  return {
    upc: ref.upc,
    name: () => product(ref.upc)?.name ?? null, // products
    price: () => product(ref.upc)?.price ?? null,
    weight: () => product(ref.upc)?.weight ?? null,
    inStock: () => data.stock.find((s) => s.upc === ref.upc)?.inStock ?? null, // inventory
    shippingEstimate: () => null, // inventory ignores the @requires fields (data.ts)
    reviews: () => data.reviews.filter((r) => r.product.upc === ref.upc).map(reviewView), // reviews
  };
}
function reviewView(r: data.Review) {
  return { id: r.id, body: r.body, product: () => productView(r.product), author: () => userView(data.reviewAuthor()) };
}

let cached: { data: unknown } | undefined;

/** `{ data }` the query must return. */
export function expectedResult(): { data: unknown } {
  if (cached) return cached;
  const schema = buildSchema(API_SDL);
  const root = {
    ...rootValue,
    users: () => data.users.map((u) => userView(u)),
    me: () => userView(data.users[0]!),
    user: ({ id }: { id: string }) => (account(id) ? userView({ id }) : null),
    topProducts: (a: { first?: number }) => rootValue.topProducts(a).map(productView),
  };
  const r = execute({ schema, document: parse(QUERY), rootValue: root });
  if ('then' in r || r.errors) throw new Error(`reference execution failed: ${JSON.stringify((r as { errors?: unknown }).errors)}`);
  cached = { data: JSON.parse(JSON.stringify(r.data)) };
  return cached;
}
