import { buildSchema, Kind, parse, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createOperationLimitsPlugin, DEFAULT_USER_LIMITS } from '../../src/plugins/operation-limits.ts';

const schema = buildSchema(`
  type Query { orders(first: Int, last: Int): OrderConnection! order(id: ID!): Order tags: [String!]! customers: [Customer!]! }
  type Mutation { placeOrder(sku: String!): Order }
  type OrderConnection { edges: [OrderEdge!]! }
  type OrderEdge { node: Order! }
  type Order { id: ID! number: String! customer: Customer! lines(first: Int): [Line!]! }
  type Customer { id: ID! name: String! orders(first: Int): OrderConnection! }
  type Line { sku: String! quantity: Int! }
`);

function op(query: string) {
  const doc = parse(query);
  const operation = doc.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
  const fragments = Object.fromEntries(doc.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]));
  return { operation, fragments };
}

describe('operation limits plugin', () => {
  const plugin = createOperationLimitsPlugin({ schema: () => schema });
  const measure = (q: string, v: Record<string, unknown> = {}) => { const o = op(q); return plugin.measure(o.operation, o.fragments, v); };

  it('measures depth, aliases and root fields through fragments', () => {
    const m = measure(`query { a: order(id: 1) { ...O } b: order(id: 2) { id } tags }
      fragment O on Order { customer { orders(first: 2) { edges { node { id } } } } }`);
    expect(m).toMatchObject({ depth: 6, aliases: 2, rootFields: 3 });
    expect(measure('{ __typename ...R } fragment R on Query { tags order(id: 1) { id } }').rootFields).toBe(2);
  });

  it('multiplies list sizes from first/last down the tree, connections included', () => {
    // orders 1 + edges 100 + node 100 + customer 100 (scalars free)
    expect(measure('{ orders(first: 100) { edges { node { id customer { name } } } } }').cost).toBe(301);
    // lines default to 10 without first; with first: 3
    expect(measure('{ order(id: 1) { lines { sku } } }').cost).toBe(11);
    expect(measure('{ order(id: 1) { lines(first: 3) { sku } } }').cost).toBe(4);
    // variables size lists too (and are not cached across values)
    const q = 'query($n: Int) { orders(first: $n) { edges { node { id } } } }';
    expect(measure(q, { n: 5 }).cost).toBe(11);
    expect(measure(q, { n: 50 }).cost).toBe(101);
    // nested connections multiply
    expect(measure('{ orders(first: 10) { edges { node { customer { orders(first: 10) { edges { node { id } } } } } } } }').cost)
      .toBe(1 + 10 + 10 + 10 + 10 * (1 + 10 + 10));
  });

  it('weights fields and types, and charges mutations', () => {
    const weighted = createOperationLimitsPlugin({ schema: () => schema, weights: { 'Query.order': 50, Customer: 5 } });
    const o = op('{ order(id: 1) { customer { name } } }');
    expect(weighted.measure(o.operation, o.fragments, {}).cost).toBe(55);
    expect(measure('mutation { placeOrder(sku: "x") { id } }').cost).toBe(11);
  });

  it('reports each exceeded limit with its code', () => {
    const o = op(`{ ${Array.from({ length: 60 }, (_, i) => `a${i}: orders(first: 100) { edges { node { customer { orders(first: 100) { edges { node { customer { orders(first: 5) { edges { node { id } } } } } } } } } } }`).join(' ')} }`);
    const codes = plugin.check(o.operation, o.fragments, {}, DEFAULT_USER_LIMITS).map((e) => e.extensions.code);
    expect(codes).toEqual(['TOO_MANY_ALIASES', 'TOO_MANY_ROOT_FIELDS', 'QUERY_TOO_COMPLEX']);
    const deep = op('{ order(id: 1) { customer { orders { edges { node { customer { orders { edges { node { customer { orders { edges { node { id } } } } } } } } } } } } } }');
    const errs = plugin.check(deep.operation, deep.fragments, {}, { ...DEFAULT_USER_LIMITS, maxDepth: 5 });
    expect(errs.map((e) => [e.extensions.code, e.extensions.depth])).toEqual([['QUERY_TOO_DEEP', 14]]);
    expect(errs[0]!.extensions.http).toEqual({ status: 400 });
  });

  it('stops measuring fragment bombs early and calls them too complex', () => {
    const frags = Array.from({ length: 30 }, (_, i) => `fragment F${i} on Query { a: tags b: tags ...F${i + 1} ...F${i + 1} }`).join('\n');
    const o = op(`{ ...F0 } ${frags} fragment F30 on Query { tags }`);
    const t0 = Date.now();
    const errs = plugin.check(o.operation, o.fragments, {}, { ...DEFAULT_USER_LIMITS, maxAliases: 1e9 });
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(errs.map((e) => e.extensions.code)).toContain('QUERY_TOO_COMPLEX');
  });

  it('ignores introspection fields (they have their own rule)', () => {
    expect(measure('{ __schema { types { fields { type { ofType { ofType { name } } } } } } }')).toEqual({ depth: 0, aliases: 0, rootFields: 1, cost: 0, overCap: [] });
  });

  it('caps sensitive root fields per request, aliases and fragments included (issue 12: 20 aliased logins)', () => {
    const capped = createOperationLimitsPlugin({ schema: () => schema, perRequestCaps: { 'Mutation.placeOrder': 1 } });
    const check = (q: string) => { const o = op(q); return capped.check(o.operation, o.fragments, {}, DEFAULT_USER_LIMITS); };
    expect(check('mutation { placeOrder(sku: "a") { id } }')).toEqual([]);
    const errors = check('mutation { a: placeOrder(sku: "a") { id } ...F } fragment F on Mutation { b: placeOrder(sku: "b") { id } c: placeOrder(sku: "c") { id } }');
    expect(errors.map((e) => e.extensions)).toEqual([{ code: 'TOO_MANY_SENSITIVE_FIELDS', field: 'Mutation.placeOrder', count: 3, limit: 1, http: { status: 400 } }]);
    expect(check('{ a: order(id: 1) { id } b: order(id: 2) { id } }')).toEqual([]); // only the capped coordinates
    // the default caps `Mutation.login` once
    const login = buildSchema('type Query { me: String } type Mutation { login(p: String): String }');
    const plain = createOperationLimitsPlugin({ schema: () => login });
    const o = op('mutation { a: login(p: "1") b: login(p: "2") }');
    expect(plain.check(o.operation, o.fragments, {}, DEFAULT_USER_LIMITS)[0]?.extensions.code).toBe('TOO_MANY_SENSITIVE_FIELDS');
  });
});
