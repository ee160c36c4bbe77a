// A typed GraphQL client for persisted documents: sends only the document's id (`documentId: "sha256:<hex>"`, as
// the client preset embeds it),
// never its text, as a partner app in REQUIRE_ID mode must; result and variables are typed by the document.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';

export interface GraphQLResponse<T> { data?: T; errors?: { message: string; extensions?: { code?: string } }[] }

export function createClient(opts: { url: string; apiKey?: string; fetch?: typeof fetch }) {
  const doFetch = opts.fetch ?? fetch;
  return async function execute<TResult, TVariables>(
    document: TypedDocumentNode<TResult, TVariables>,
    ...[variables]: TVariables extends Record<string, never> ? [] : [TVariables]
  ): Promise<GraphQLResponse<TResult>> {
    const hash = (document as { __meta__?: { hash?: string } }).__meta__?.hash;
    if (!hash) throw new Error('not a persisted document (run the example\'s codegen)');
    const res = await doFetch(opts.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(opts.apiKey ? { 'x-api-key': opts.apiKey } : {}) },
      body: JSON.stringify({ documentId: hash, variables: variables ?? {} }),
    });
    return (await res.json()) as GraphQLResponse<TResult>;
  };
}
