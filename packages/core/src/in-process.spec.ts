// The in-process transport (in-process.ts) is the subgraph's own endpoint without HTTP: same answers, and the same
// refusal of anything the gateway did not sign for this subgraph.
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInternalContext, type Viewer } from './context.ts';
import { createSubgraph, type RunningSubgraph } from './subgraph-server.ts';

const viewer: Viewer = { tenantId: 'tnt_A', userId: 'usr_1', roles: ['OPERATIONS'], scopes: [] };

describe('in-process subgraph handler', () => {
  let running: RunningSubgraph;
  beforeAll(async () => {
    const sg = createSubgraph({
      name: 'probe',
      typeDefs: parse('type Query { tenant: String }'),
      resolvers: { Query: { tenant: (_p: unknown, _a: unknown, ctx: { tenant: string }) => ctx.tenant } },
      createContext: (internal) => ({ viewer: internal.viewer, tenant: internal.viewer?.tenantId ?? 'none' }),
      secret: 'in-process-secret',
      // open to anyone: a refusal below can only come from the signed-context check
      policies: { 'Query.tenant': { access: 'anyone' } },
    });
    running = await sg.listen(0);
  });
  afterAll(() => running?.stop(1000));

  const body = JSON.stringify({ query: '{ tenant }' });
  const signed = (secret: string, audience: string) => signInternalContext({ requestId: 'r1', viewer }, { secret, audience });

  it('answers as the HTTP endpoint does, with the signed viewer', async () => {
    const local = await running.execute(body, { 'content-type': 'application/json', ...signed('in-process-secret', 'probe') });
    const http = await fetch(running.url, { method: 'POST', headers: { 'content-type': 'application/json', ...signed('in-process-secret', 'probe') }, body });
    expect(JSON.parse(local.text)).toEqual({ data: { tenant: 'tnt_A' } });
    expect(JSON.parse(local.text)).toEqual(await http.json());
  });

  it('refuses unsigned, badly signed and other-audience contexts like HTTP does', async () => {
    for (const headers of [{}, signed('another-secret', 'probe'), signed('in-process-secret', 'commerce')]) {
      const r = JSON.parse((await running.execute(body, { 'content-type': 'application/json', ...headers })).text);
      expect(r.data ?? null).toBeNull();
      expect(r.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
  });
});
