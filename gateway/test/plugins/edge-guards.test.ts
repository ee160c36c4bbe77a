// CSRF prevention, the introspection guard, the metrics registry and client-error answers: the small edge plugins.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createClientErrorPlugin } from '../../src/plugins/client-errors.ts';
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
  it('renders Prometheus text with escaped labels and bounded series', async () => {
    const m = createMetricsPlugin({ maxSeries: 2, defaultMetrics: false });
    const c = m.counter('things_total', 'Things.', ['app']);
    c.inc({ app: 'a"b\\c' });
    c.inc({ app: 'x' }, 2);
    c.inc({ app: 'y' }); // over maxSeries: dropped
    expect(await m.render()).toContain('# HELP omniroute_gateway_things_total Things.\n# TYPE omniroute_gateway_things_total counter\n'
      + 'omniroute_gateway_things_total{app="a\\"b\\\\c"} 1\nomniroute_gateway_things_total{app="x"} 2\n');
    expect(c.get({ app: 'x' })).toBe(2);
  });
});

describe('client error plugin', () => {
  it('answers oversized URLs and malformed HTTP with a GraphQL-shaped JSON error', async () => {
    const server = http.createServer((_req, res) => res.end('ok'));
    server.on('clientError', createClientErrorPlugin().onClientError);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const big = await fetch(`${base}/graphql?query=${'x'.repeat(20_000)}`);
      expect(big.status).toBe(431);
      expect(await big.json()).toEqual({ errors: [{ message: 'Request header fields (or URL) too large', extensions: { code: 'BAD_REQUEST' } }] });
      const { createConnection } = await import('node:net');
      const text = await new Promise<string>((resolve) => {
        const sock = createConnection((server.address() as AddressInfo).port, '127.0.0.1', () => sock.write('NOT HTTP\r\n\r\n'));
        let buf = '';
        sock.on('data', (d) => (buf += d));
        sock.on('close', () => resolve(buf));
      });
      expect(text).toMatch(/^HTTP\/1\.1 400 Bad Request/);
      expect(text).toContain('"code":"BAD_REQUEST"');
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
