// CSRF prevention, the introspection guard and the metrics registry: the small edge plugins.
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createCsrfPlugin } from '../../src/plugins/csrf.ts';
import { createIntrospectionGuardPlugin, usesIntrospection } from '../../src/plugins/introspection-guard.ts';
import { createMetricsPlugin } from '../../src/plugins/metrics.ts';

describe('CSRF prevention plugin', () => {
  const csrf = createCsrfPlugin();
  it('lets through what a browser must preflight, refuses simple requests', () => {
    expect(csrf.check({ headers: { 'content-type': 'application/json' } })).toBeNull();
    expect(csrf.check({ headers: { 'content-type': 'application/graphql-response+json; charset=utf-8' } })).toBeNull();
    expect(csrf.check({ headers: { 'apollo-require-preflight': 'true' } })).toBeNull();
    expect(csrf.check({ headers: { 'x-apollo-operation-name': 'Orders' } })).toBeNull();
    for (const headers of [{}, { 'content-type': 'text/plain' }, { 'content-type': 'application/x-www-form-urlencoded' }, { 'content-type': 'multipart/form-data; boundary=x' }, { 'x-apollo-operation-name': ' ' }]) {
      const e = csrf.check({ headers });
      expect(e?.extensions, JSON.stringify(headers)).toMatchObject({ code: 'BAD_REQUEST', http: { status: 400 } });
      expect(e?.message).toMatch(/Cross-Site Request Forgery/);
    }
  });
});

describe('introspection guard plugin', () => {
  const op = (q: string) => {
    const doc = parse(q);
    const frags = Object.fromEntries(doc.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION).map((d: any) => [d.name.value, d]));
    return [doc.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode, frags] as const;
  };
  it('finds __schema/__type through fragments; __typename is fine', () => {
    expect(usesIntrospection(...op('{ __typename orders { id } }'))).toBe(false);
    expect(usesIntrospection(...op('{ ...F } fragment F on Query { ... on Query { __type(name: "Order") { name } } }'))).toBe(true);
  });
  it('refuses partners only, and only when told (production)', () => {
    let production = false;
    const guard = createIntrospectionGuardPlugin({ refuseForPartners: () => production });
    const [o, f] = op('{ __schema { queryType { name } } }');
    expect(guard.check(o, f, true)).toBeNull();
    production = true;
    expect(guard.check(o, f, false)).toBeNull();
    expect(guard.check(o, f, true)?.extensions).toMatchObject({ code: 'INTROSPECTION_DISABLED' });
  });
});

describe('metrics plugin', () => {
  it('renders Prometheus text with escaped labels and bounded series', () => {
    const m = createMetricsPlugin({ maxSeries: 2 });
    const c = m.counter('things_total', 'Things.');
    c.inc({ app: 'a"b\\c' });
    c.inc({ app: 'x' }, 2);
    c.inc({ app: 'y' }); // over maxSeries: dropped
    expect(m.render()).toBe('# HELP omniroute_gateway_things_total Things.\n# TYPE omniroute_gateway_things_total counter\n'
      + 'omniroute_gateway_things_total{app="a\\"b\\\\c"} 1\nomniroute_gateway_things_total{app="x"} 2\n');
  });
});
