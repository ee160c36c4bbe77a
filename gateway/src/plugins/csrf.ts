import type { IncomingHttpHeaders } from 'node:http';
import { GraphQLError } from 'graphql';
import type { GatewayPlugin, RequestEvent } from '../pipeline.ts';

export interface CsrfPluginOptions {
  /** Any of these headers, non-empty, makes a browser preflight the request. Default: Apollo's two. */
  requestHeaders?: string[];
}

// Content types a browser may send cross-origin without a CORS preflight ("simple requests").
const SIMPLE_TYPES = new Set(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']);

/**
 * CSRF prevention as in Apollo Server's `csrfPrevention`: a request is only served when a browser would have had
 * to preflight it — a Content-Type that is not a "simple" one (e.g. application/json), or a non-empty
 * `x-apollo-operation-name` / `apollo-require-preflight` header. That refuses GETs (and form POSTs) that a
 * malicious page can fire with the victim's cookies; API clients send JSON and are unaffected.
 */
export function createCsrfPlugin(opts: CsrfPluginOptions = {}) {
  const headers = (opts.requestHeaders ?? ['x-apollo-operation-name', 'apollo-require-preflight']).map((h) => h.toLowerCase());
  const plugin = {
    name: 'csrf',
    /** HTTP requests only: a WebSocket upgrade or an SSE stream carries its credential in a way no form can forge. */
    onRequest(e: RequestEvent) {
      const refused = e.transport === 'http' ? plugin.check(e.info) : null;
      if (refused) throw refused;
    },
    check(req: { headers: IncomingHttpHeaders | Record<string, string | string[] | undefined> }): GraphQLError | null {
      const ct = req.headers['content-type'];
      if (typeof ct === 'string' && ct.trim()) {
        const mime = ct.split(';')[0]!.trim().toLowerCase();
        if (!SIMPLE_TYPES.has(mime)) return null;
      }
      for (const h of headers) {
        const v = req.headers[h];
        if (typeof v === 'string' ? v.trim() !== '' : Array.isArray(v) && v.some((x) => x.trim() !== '')) return null;
      }
      return new GraphQLError(
        'This operation has been blocked as a potential Cross-Site Request Forgery (CSRF). Send `Content-Type: application/json`, '
          + 'or a non-empty `x-apollo-operation-name` or `apollo-require-preflight` header.',
        { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } },
      );
    },
  } satisfies GatewayPlugin & Record<string, unknown>;
  return plugin;
}
