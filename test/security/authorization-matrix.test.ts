// Issue 12 item 2: the authorization matrix, enforced end to end. Every Query, Mutation and Subscription field (the
// last over graphql-ws) of the composed API schema runs under every kind of caller — ADMIN, FINANCE, SALES_REP, OPERATIONS, RIDER and RETAILER users, a
// partner key without scopes and one with every scope — through the real gateway and subgraphs, and must behave as
// its policy (docs/authorization.md) says: allowed → no FORBIDDEN/UNAUTHENTICATED; refused → FORBIDDEN, the field
// null, and (mutations) nothing changed. A field without a policy or a sample call fails here.
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { eventually, gql } from '@omniroute/testkit';
import {
  ALL_POLICIES, API_SCHEMA, bootGraph, CALLER_NAMES, codesOf, expected, limited, must, MUTATIONS, operationFor, QUERY_ARGS, rootFields, variablesFor,
  type Caller, type Graph,
} from './graph.ts';

describe('authorization matrix (issue 12)', () => {
  let g: Graph;
  beforeAll(async () => {
    g = await bootGraph();
  });
  afterAll(async () => {
    await g?.close();
  });

  it('has a policy and a sample call for every Query and Mutation field of the composed schema', () => {
    const queries = rootFields('Query');
    const mutations = rootFields('Mutation');
    expect(queries.length).toBeGreaterThan(20);
    expect(mutations.length).toBeGreaterThan(15);
    const problems: string[] = [];
    for (const c of [...queries, ...mutations]) {
      if (!ALL_POLICIES[c]) problems.push(`${c}: no policy`);
      if (c.startsWith('Mutation.') && !MUTATIONS[c]) problems.push(`${c}: no sample in MUTATIONS`);
      const field = API_SCHEMA.getQueryType()!.getFields()[c.slice('Query.'.length)];
      if (c.startsWith('Query.') && field?.args.some((a) => String(a.type).endsWith('!')) && !QUERY_ARGS[c]) problems.push(`${c}: no sample in QUERY_ARGS`);
    }
    // samples of fields that are gone would hide nothing, but they rot: keep the tables exact
    for (const c of [...Object.keys(MUTATIONS), ...Object.keys(QUERY_ARGS)]) if (![...queries, ...mutations].includes(c)) problems.push(`${c}: sample of a field not in the schema`);
    expect(problems).toEqual([]);
  });

  it('answers every Query field as its policy says, for every caller', async () => {
    const calls = rootFields('Query').flatMap((c) => CALLER_NAMES.map((n) => ({ coordinate: c, caller: g.callers[n] })));
    const mismatches = (await limited(calls, 6, async ({ coordinate, caller }) => check(coordinate, caller))).filter((m): m is string => !!m);
    expect(mismatches).toEqual([]);
    expect(calls.length).toBe(rootFields('Query').length * CALLER_NAMES.length);
  });

  it('answers every Mutation field as its policy says, for every caller; a refused call changes nothing', async () => {
    const mismatches: string[] = [];
    let refused = 0;
    for (const coordinate of rootFields('Mutation')) {
      const sample = MUTATIONS[coordinate]!;
      const fp = sample.fingerprint(g.lagos);
      const before = await must(g.url, g.admin.lagos, fp.query, fp.variables);
      const results = await limited([...CALLER_NAMES], 4, (n) => check(coordinate, g.callers[n]));
      mismatches.push(...results.filter((m): m is string => !!m));
      refused += CALLER_NAMES.filter((n) => expected(coordinate, g.callers[n]) !== 'allowed').length;
      const after = await must(g.url, g.admin.lagos, fp.query, fp.variables);
      if (JSON.stringify(after) !== JSON.stringify(before)) mismatches.push(`${coordinate}: data changed: ${JSON.stringify(before)} → ${JSON.stringify(after)}`);
    }
    expect(mismatches).toEqual([]);
    // the matrix refuses something on most mutations; a run where it refused nothing would prove nothing
    expect(refused).toBeGreaterThan(50);
  });

  it('answers every Subscription field over graphql-ws as its policy says, for every caller', async () => {
    const fields = rootFields('Subscription');
    expect(fields.length).toBeGreaterThan(3);
    expect(fields.filter((c) => !ALL_POLICIES[c]).map((c) => `${c}: no policy`)).toEqual([]);
    const mismatches: string[] = [];
    let refused = 0;
    for (const n of CALLER_NAMES) {
      const caller = g.callers[n];
      const ws = new WebSocket(g.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
      const msgs: any[] = [];
      ws.on('message', (d) => msgs.push(JSON.parse(d.toString())));
      try {
        await once(ws, 'open');
        ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${caller.token}` } }));
        await eventually(async () => msgs.some((m) => m.type === 'connection_ack'));
        for (const c of fields) ws.send(JSON.stringify({ id: c, type: 'subscribe', payload: { query: operationFor(c) } }));
        // a refusal is an `error` message (the gateway refused the subscribe) or, from the owning subgraph's policy,
        // a `next` with errors and no data followed by `complete` (graphql-ws answers a subscribe that fails before
        // it streams that way)
        const errorOf = (c: string) =>
          (msgs.find((m) => m.id === c && m.type === 'error')?.payload ?? msgs.find((m) => m.id === c && m.type === 'next' && m.payload?.data == null && m.payload?.errors)?.payload.errors) as any[] | undefined;
        const ended = (c: string) => msgs.some((m) => m.id === c && (m.type === 'error' || m.type === 'complete'));
        const want = new Map(fields.map((c) => [c, expected(c, caller)]));
        const toRefuse = fields.filter((c) => want.get(c) !== 'allowed');
        refused += toRefuse.length;
        // refusals come from the gateway (field authorization) or from the owning subgraph's policy at subscribe
        await eventually(async () => toRefuse.every((c) => errorOf(c) && ended(c)), { timeoutMs: 10_000 }).catch(() => undefined);
        // the allowed ones went through the same checks at the same time: they had as long to be refused
        await new Promise((r) => setTimeout(r, 300));
        for (const c of fields) {
          const codes = (errorOf(c) ?? []).map((e) => e.extensions?.code);
          const w = want.get(c)!;
          if (w === 'allowed' && codes.length) mismatches.push(`${c} as ${n}: expected allowed, got ${JSON.stringify(errorOf(c))}`);
          if (w !== 'allowed' && !codes.includes(w)) mismatches.push(`${c} as ${n}: expected ${w}, got ${JSON.stringify(errorOf(c) ?? 'no error')}`);
          if (w !== 'allowed' && !ended(c)) mismatches.push(`${c} as ${n}: refused but still open`);
          if (w !== 'allowed' && msgs.some((m) => m.id === c && m.type === 'next' && m.payload?.data != null)) mismatches.push(`${c} as ${n}: streamed data`);
          if (w === 'allowed' && ended(c)) mismatches.push(`${c} as ${n}: allowed but ended`);
        }
      } finally {
        ws.terminate();
      }
    }
    expect(mismatches).toEqual([]);
    expect(refused).toBeGreaterThan(5);
  });

  /** One call; returns what is wrong with its outcome, or null. */
  async function check(coordinate: string, caller: Caller): Promise<string | null> {
    const want = expected(coordinate, caller);
    const isMutation = coordinate.startsWith('Mutation.');
    const name = coordinate.split('.')[1]!;
    // callers the policy admits send a harmless variant; refused ones send the call that would change data
    const variables = variablesFor(coordinate, { f: g.lagos, caller }, want === 'allowed' ? 'harmless' : 'effective');
    const r = await gql(g.url, operationFor(coordinate), variables, caller.token);
    const { errors, userErrors } = codesOf(r, name);
    const where = `${coordinate} as ${caller.name}`;
    if (want === 'allowed') {
      if (errors.length) return `${where}: expected allowed, got errors ${JSON.stringify(r.errors)}`;
      // a harmless mutation must have reached the service (and been turned down there), not have done something
      if (isMutation && !userErrors.length) return `${where}: harmless sample got no userErrors: ${JSON.stringify(r.data)}`;
      return null;
    }
    if (!errors.includes(want)) return `${where}: expected ${want}, got ${JSON.stringify(r.errors ?? r.data)}`;
    if (r.data && r.data[name] != null) return `${where}: refused but data ${JSON.stringify(r.data[name])}`;
    return null;
  }
});
