// In-process transport between the gateway and the subgraphs of one process (issue 17). In the embedded single
// process (`npm start`, startStack) the gateway's subgraph fetches used to cross loopback HTTP to servers in the
// same process: undici request, socket writes both ways, node:http parsing — per fetch, a handful per operation.
// Here a fetch is handed to the subgraph's GraphQL handler directly, with the same JSON body and the same signed
// headers: the subgraph verifies the HMAC context exactly as over HTTP (tenant scoping, audience, expiry), so
// nothing the gateway may skip. Distributed mode (gateway in its own process) has no handler to hand to and stays on
// HTTP; so does any URL the stack does not know (a proxy in front of a subgraph, a remote one).
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import type { LeanExecutor, LeanResult } from './lean-executor.ts';

/**
 * Answers one subgraph request: the raw JSON body and the (lower-cased) headers the gateway would have sent. An
 * answer of data alone comes as objects too (`payload`, lean-executor.ts): the gateway takes them instead of parsing
 * the text, which is then never printed (issue 17: JSON out and back in was a tenth of a page of orders' garbage).
 */
export type InProcessHandler = (body: string, headers: Record<string, string>) => Promise<LeanResult>;

/** The handler of one Apollo subgraph, its context built from the headers (signature verified there); `lean` first, as over HTTP. */
export function inProcessHandler<Ctx extends BaseContext>(apollo: ApolloServer<Ctx>, context: (headers: HeaderMap) => Promise<Ctx>, lean?: LeanExecutor): InProcessHandler {
  return async (body, headers) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return { status: 400, text: JSON.stringify({ errors: [{ message: 'Request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }] }) };
    }
    // the gateway's requests: the same lean path as over HTTP (headers are lower-cased by the gateway's client)
    const quick = lean?.(parsed, { get: (name) => headers[name] });
    if (quick) return quick;
    const map = new HeaderMap();
    for (const k in headers) map.set(k, headers[k]!);
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: 'POST', headers: map, search: '', body: parsed },
      context: () => context(map),
    });
    if (result.body.kind === 'complete') return { status: result.status ?? 200, text: result.body.string };
    let text = '';
    for await (const chunk of result.body.asyncIterator) text += chunk;
    return { status: result.status ?? 200, text };
  };
}
