import { composeServices } from '@apollo/composition';
import { Kind, parse, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { Viewer } from '@omniroute/core';
import { createGatewayRuntime } from '../../src/runtime/index.ts';
import { accessRules, createFieldAuthPlugin, supergraphForRuntime } from '../../src/plugins/field-auth.ts';

const SDL = `
extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@authenticated", "@requiresScopes"])
type Query { order(id: ID!): Order orders: [Order!]! customer: Customer me: String @authenticated search: [SearchResult!]! }
union SearchResult = Order | Customer
type Order @key(fields: "id") { id: ID! number: String! invoice: Invoice @requiresScopes(scopes: [["finance:read"]]) customer: Customer! }
type Customer @key(fields: "id") { id: ID! name: String! riskNote: String! @requiresScopes(scopes: [["finance:read", "risk:read"], ["auditor"]]) }
type Invoice @requiresScopes(scopes: [["invoices:read"], ["finance:read"]]) { id: ID! status: String! }
`;
const composed = composeServices([{ name: 'shop', url: 'http://127.0.0.1:1/graphql', typeDefs: parse(SDL) }]);
if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
const supergraph = composed.supergraphSdl;
const runtime = createGatewayRuntime({ supergraphSdl: supergraphForRuntime(supergraph) });
const plugin = createFieldAuthPlugin({ supergraphSdl: supergraph, schema: () => runtime.schema });

const partner = (scopes: string[]): Viewer => ({ tenantId: 't', partnerId: 'papp_1', roles: ['PARTNER'], scopes });
const user = (roles: Viewer['roles']): Viewer => ({ tenantId: 't', userId: 'u', roles, scopes: [] });

function denials(query: string, viewer: Viewer | null) {
  const doc = parse(query);
  const op = doc.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
  const frags = Object.fromEntries(doc.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]));
  return plugin.denials(op, frags, viewer);
}
const paths = (ds: ReturnType<typeof denials>) => ds.map((d) => d.segments.map((s) => s.key).join('.'));

describe('field authorization plugin', () => {
  it('reads @authenticated and @requiresScopes (fields and types) from the composed supergraph', () => {
    const rules = accessRules(supergraph);
    expect(rules.fields.get('Order.invoice')).toEqual({ authenticated: false, scopes: [[['finance:read']]] });
    expect(rules.fields.get('Customer.riskNote')?.scopes).toEqual([[['finance:read', 'risk:read'], ['auditor']]]);
    expect(rules.fields.get('Query.me')).toEqual({ authenticated: true, scopes: [] });
    expect(rules.types.get('Invoice')?.scopes).toEqual([[['invoices:read'], ['finance:read']]]);
  });

  it('lets the runtime load a supergraph with these router-only features', () => {
    // the runtime loads these links itself now (it can enforce them: runtime/authorization.ts); the gateway still
    // hands it supergraphForRuntime's copy and enforces them in this plugin (authorizationDirectives: 'ignore')
    expect(() => createGatewayRuntime({ supergraphSdl: supergraph }).close()).not.toThrow();
    expect(runtime.schema.getType('Invoice')).toBeTruthy();
  });

  it('denies per viewer: granted scopes for keys, role-implied scopes for users, OR of ANDs', () => {
    const q = '{ order(id: 1) { number invoice { status } customer { name riskNote } } }';
    expect(paths(denials(q, partner([])))).toEqual(['order.invoice', 'order.customer.riskNote']);
    expect(paths(denials(q, partner(['finance:read'])))).toEqual(['order.customer.riskNote']);
    expect(paths(denials(q, partner(['finance:read', 'risk:read'])))).toEqual([]);
    expect(paths(denials(q, partner(['auditor'])))).toEqual(['order.invoice']); // riskNote by its second alternative
    expect(paths(denials(q, partner(['invoices:read', 'auditor'])))).toEqual(['order.invoice']); // the type rule passes, the field rule not
    expect(paths(denials(q, partner(['finance:read', 'auditor'])))).toEqual([]);
    expect(paths(denials(q, user(['ADMIN'])))).toEqual([]);
    expect(paths(denials(q, user(['FINANCE'])))).toEqual(['order.customer.riskNote']);
    expect(paths(denials(q, user(['RIDER'])))).toEqual(['order.invoice', 'order.customer.riskNote']);
    // a key is not granted scopes through roles it holds
    expect(paths(denials(q, { ...partner([]), roles: ['PARTNER', 'FINANCE'] }))).toEqual(['order.invoice', 'order.customer.riskNote']);
    const anon = denials('{ me order(id: 1) { number } }', null);
    expect(anon.map((d) => [d.coordinate, d.code])).toEqual([['Query.me', 'UNAUTHENTICATED']]);
  });

  it('follows aliases, fragments and abstract types', () => {
    const q = `{ a: order(id: 1) { ...F } search { ... on Order { i2: invoice { id } } ... on Customer { riskNote } } }
      fragment F on Order { inv: invoice { id } }`;
    expect(paths(denials(q, partner([])))).toEqual(['a.inv', 'search.i2', 'search.riskNote']);
  });

  it('nulls denied fields, propagating through non-null positions, and keeps the rest', () => {
    const ds = denials('{ orders { number invoice { status } customer { name riskNote } } customer { name riskNote } order(id: 1) { number } }', partner(['finance:read']));
    const result = {
      data: {
        orders: [
          { number: '1', invoice: { status: 'OPEN' }, customer: { name: 'A', riskNote: 'x' } },
          { number: '2', invoice: null, customer: { name: 'B', riskNote: 'y' } },
        ],
        customer: { name: 'C', riskNote: 'z' },
        order: { number: '3' },
      },
    };
    const out = plugin.redact(structuredClone(result), ds);
    // riskNote is String! inside Customer! inside [Order!]! (non-null all the way to the root field): orders can
    // only become null — and it is non-null itself, so the whole data would be null; here `orders` is the list
    // of non-null orders in a non-null list, so data becomes null as GraphQL execution would make it.
    expect(out.data).toBeNull();
    expect(out.errors!.map((e) => e.path)).toEqual([['orders', 0, 'customer', 'riskNote']]);

    const ds2 = denials('{ customer { name riskNote } order(id: 1) { number invoice { status } } }', partner([]));
    const out2 = plugin.redact({ data: { customer: { name: 'C', riskNote: 'z' }, order: { number: '3', invoice: { status: 'OPEN' } } } }, ds2);
    expect(out2.data).toEqual({ customer: null, order: { number: '3', invoice: null } });
    expect(out2.errors!.map((e) => [e.path, e.extensions!.code])).toEqual([
      [['customer', 'riskNote'], 'FORBIDDEN'],
      [['order', 'invoice'], 'FORBIDDEN'],
    ]);
    // existing errors are kept, absent branches (null parents) produce no error
    const out3 = plugin.redact({ data: { customer: null, order: null }, errors: [{ message: 'x' }] }, ds2);
    expect(out3).toEqual({ errors: [{ message: 'x' }], data: { customer: null, order: null } });
  });

  it('refuses whole operations where fields cannot be nulled (subscriptions, in-process)', () => {
    const e = plugin.refusal(denials('{ order(id: 1) { invoice { id } } }', partner([])));
    expect(e.extensions).toMatchObject({ code: 'FORBIDDEN', http: { status: 403 } });
  });
});
