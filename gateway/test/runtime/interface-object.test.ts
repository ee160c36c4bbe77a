// @interfaceObject: representations sent with the interface name (input rewrites) and concrete __typename
// recovered from the interface's owner; compared with stock @apollo/gateway.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createGatewayRuntime, type GatewayRuntime } from '../../src/runtime/index.ts';
import { startSubgraphs, type RunningSubgraphs } from './fixtures/harness.ts';
import { startOracle, type Oracle } from './fixtures/oracle.ts';

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@interfaceObject"])';
const MEDIA = [
  { __typename: 'Book', id: 'b1', title: 'Dune', pages: 412 },
  { __typename: 'Movie', id: 'm1', title: 'Alien', minutes: 117 },
];
const RATINGS: Record<string, number> = { b1: 5, m1: 4 };

let sg: RunningSubgraphs;
let rt: GatewayRuntime<undefined>;
let oracle: Oracle;

beforeAll(async () => {
  sg = await startSubgraphs([
    {
      name: 'catalog',
      typeDefs: `${LINK}
        type Query { media: [Media!]! }
        interface Media @key(fields: "id") { id: ID! title: String! }
        type Book implements Media @key(fields: "id") { id: ID! title: String! pages: Int }
        type Movie implements Media @key(fields: "id") { id: ID! title: String! minutes: Int }`,
      resolvers: {
        Query: { media: () => MEDIA },
        Media: { __resolveType: (m: { __typename: string }) => m.__typename, __resolveReference: (r: { id: string }) => MEDIA.find((m) => m.id === r.id) },
        Book: { __resolveReference: (r: { id: string }) => MEDIA.find((m) => m.id === r.id) },
        Movie: { __resolveReference: (r: { id: string }) => MEDIA.find((m) => m.id === r.id) },
      },
    },
    {
      name: 'ratings',
      typeDefs: `${LINK}
        type Query { topRated: [Media!]! }
        type Media @key(fields: "id") @interfaceObject { id: ID! rating: Int }`,
      resolvers: {
        Query: { topRated: () => [{ id: 'm1' }, { id: 'b1' }] },
        Media: { __resolveReference: (r: { id: string }) => ({ id: r.id }), rating: (m: { id: string }) => RATINGS[m.id] },
      },
    },
  ]);
  rt = createGatewayRuntime<undefined>({ supergraphSdl: sg.supergraphSdl });
  oracle = await startOracle(sg.supergraphSdl);
});
afterAll(async () => {
  await rt?.close();
  await oracle?.stop();
  await sg?.close();
});

it.each([
  '{ media { id title rating } }',
  '{ topRated { __typename id rating title ... on Book { pages } ... on Movie { minutes } } }',
  '{ topRated { id rating } }',
])('%s', async (query) => {
  const [ours, ref] = await Promise.all([rt.execute({ query, ctx: undefined }), oracle.run(query)]);
  expect(ref.errors).toBeUndefined();
  expect(ours.errors).toBeUndefined();
  expect(JSON.stringify(ours.data)).toBe(JSON.stringify(ref.data));
});
