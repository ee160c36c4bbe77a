// Issue 12, table row 6: "300 distinct ~1 MiB unparsable documents: gateway RSS +356 MiB (parse failures are
// cached by full text, 2,000 entries)". Now documents over the size limit are refused before parsing, with
// QUERY_TOO_LARGE, and nothing of them is kept. (The memory itself: `npm run bench -- --only hostile`.)
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signingSecret } from '@omniroute/core';
import { createGateway } from '@omniroute/gateway';

const supergraphSdl = readFileSync(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8');
const gateways: ReturnType<typeof createGateway>[] = [];
let url: string;
let small: string;

async function start(opts: Partial<Parameters<typeof createGateway>[0]> = {}) {
  const gw = createGateway({ supergraphSdl, secret: signingSecret(), ...opts });
  gateways.push(gw);
  return { gw, url: `http://127.0.0.1:${await gw.listen(0, '127.0.0.1')}/graphql` };
}

beforeAll(async () => {
  url = (await start()).url;
  small = (await start({ documentLimits: { maxBytes: 2048, maxTokens: 50 } })).url;
});
afterAll(async () => {
  for (const g of gateways) await g.close();
});

async function post(target: string, body: string) {
  const res = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: res.status, body: (await res.json()) as { errors?: { message: string; extensions?: Record<string, unknown> }[]; data?: unknown } };
}

describe('issue 12 row 6: hostile documents', () => {
  it('refuses distinct ~1 MiB unparsable documents with QUERY_TOO_LARGE, parsing and keeping none of them', async () => {
    const gw = gateways[0]!;
    const before = gw.runtime.stats().operations;
    for (let i = 0; i < 40; i++) {
      const garbage = `{ ${randomBytes(390 * 1024).toString('base64')} !!! ${i}`; // ~1,040,000 bytes, under the 1 MiB body limit
      const r = await post(url, JSON.stringify({ query: garbage }));
      expect(r.status).toBe(413);
      expect(r.body).toEqual({ errors: [{ message: 'The GraphQL document exceeds the limit of 65536 bytes', extensions: { code: 'QUERY_TOO_LARGE', maxBytes: 65536 } }] });
    }
    const after = gw.runtime.stats().operations;
    expect(after.parsed).toBe(before.parsed);
    expect(after.documents).toEqual(before.documents);
    expect(after.failures).toEqual(before.failures);
  });

  it('decides while the body streams in, before the body is decoded or JSON-parsed', async () => {
    // The body is not even JSON: only a refusal made before JSON.parse can say QUERY_TOO_LARGE here.
    const r = await post(url, `{"query":"${'x'.repeat(200 * 1024)}", this is not JSON`);
    expect(r.status).toBe(413);
    expect(r.body.errors?.[0]?.extensions).toEqual({ code: 'QUERY_TOO_LARGE', maxBytes: 65536 });
    const small = await post(url, '{"query":"{ __typename }", this is not JSON');
    expect(small.body.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
  });

  it('still accepts a small document whose variables make the body large', async () => {
    const r = await post(url, JSON.stringify({ query: 'query($b: Boolean!) { __typename @include(if: $b) }', variables: { b: true, blob: 'x'.repeat(900_000) } }));
    expect(r.body).toEqual({ data: { __typename: 'Query' } });
  });

  it('refuses a document with more tokens than the limit with QUERY_TOO_LARGE, and answers small ones as before', async () => {
    const r = await post(url, JSON.stringify({ query: `{ me { ${'id '.repeat(5_500)}} }` }));
    expect(r.status).toBe(400);
    expect(r.body.errors).toEqual([{ message: 'The GraphQL document has more than 5000 tokens', extensions: { code: 'QUERY_TOO_LARGE', maxTokens: 5000 } }]);
    const syntax = await post(url, JSON.stringify({ query: '{ me { id }' }));
    expect(syntax.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    expect((await post(url, JSON.stringify({ query: '{ __typename }' }))).body).toEqual({ data: { __typename: 'Query' } });
  });

  it('takes its limits from the options (GATEWAY_MAX_DOCUMENT_BYTES / _TOKENS in the environment)', async () => {
    const big = await post(small, JSON.stringify({ query: `{ __typename } # ${'x'.repeat(3000)}` }));
    expect(big.status).toBe(413);
    expect(big.body.errors?.[0]?.extensions).toEqual({ code: 'QUERY_TOO_LARGE', maxBytes: 2048 });
    const tokens = await post(small, JSON.stringify({ query: `{ ${'__typename '.repeat(60)}}` }));
    expect(tokens.body.errors?.[0]?.extensions).toEqual({ code: 'QUERY_TOO_LARGE', maxTokens: 50 });
  });
});
