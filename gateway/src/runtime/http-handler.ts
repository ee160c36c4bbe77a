// GraphQL over HTTP (https://graphql.github.io/graphql-over-http/) on node:http: POST application/json, GET for
// queries, application/graphql-response+json or application/json responses, body limit, optional inbound dedup.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GraphQLError, type ExecutionResult, type GraphQLFormattedError } from 'graphql';
import { ErrorCode, gqlError, httpHeadersOf, httpStatusOf, toGraphQLError } from './errors.ts';
import { QuerySizeScanner } from './query-size-scanner.ts';
import type { RequestError } from './operation-store.ts';
import type { ExecuteArgs, GatewayHooks, GraphQLParams, ReadyOperation, RequestEndInfo, ResolvedParams } from './index.ts';

interface HandlerDeps<Ctx> {
  hooks: GatewayHooks<Ctx>;
  maxBodyBytes: number;
  /** Documents larger than this (UTF-8 bytes) are refused while the body streams in (QUERY_TOO_LARGE). */
  maxDocumentBytes: number;
  dedupInbound: boolean;
  prepare(args: ExecuteArgs<Ctx>): { ready: ReadyOperation } | { result: ExecutionResult; requestError?: RequestError };
  run(ready: ReadyOperation, ctx: Ctx, rawVariables?: Record<string, unknown>): Promise<ExecutionResult>;
  formatError(err: GraphQLError, ctx: Ctx | undefined): GraphQLFormattedError;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const GQL_TYPE = 'application/graphql-response+json; charset=utf-8';

interface Reply { status: number; body: Buffer; contentType: string; headers?: Record<string, string> }

class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly headers?: Record<string, string>, readonly extensions?: Record<string, unknown>) { super(message); }
}

/** The GraphQL endpoint alone (the router in front decides which requests reach it). */
export function createHttpHandler<Ctx>(deps: HandlerDeps<Ctx>): (req: IncomingMessage, res: ServerResponse) => void {
  const { hooks } = deps;
  const inflight = new Map<string, Promise<Reply>>();

  const send = (res: ServerResponse, r: Reply) => {
    const headers: Record<string, string | number> = { 'content-type': r.contentType, 'content-length': r.body.length, ...r.headers };
    res.writeHead(r.status, headers);
    res.end(r.body);
  };

  const errorReply = (status: number, errors: readonly GraphQLError[], ctx: Ctx | undefined, gqlMedia: boolean, headers?: Record<string, string>): Reply => ({
    status,
    body: Buffer.from(JSON.stringify({ errors: errors.map((e) => deps.formatError(e, ctx)) })),
    contentType: gqlMedia ? GQL_TYPE : JSON_TYPE,
    headers: { ...httpHeadersOf(errors), ...headers },
  });

  const resultReply = (result: ExecutionResult, ctx: Ctx | undefined, gqlMedia: boolean): Reply => {
    let status = 200;
    let body: string;
    if (result.errors?.length) {
      if (result.data === undefined) {
        const s = result.errors.map(httpStatusOf).find((x) => x !== undefined);
        if (s) status = s;
      }
      const errors = result.errors.map((e) => deps.formatError(e, ctx));
      body = result.data === undefined ? JSON.stringify({ errors }) : JSON.stringify({ errors, data: result.data });
    } else {
      body = '{"data":' + JSON.stringify(result.data) + '}';
    }
    return { status, body: Buffer.from(body), contentType: gqlMedia ? GQL_TYPE : JSON_TYPE };
  };

  async function handleGraphQL(req: IncomingMessage, res: ServerResponse, search: string, info: Partial<RequestEndInfo> & { ctx?: Ctx }): Promise<void> {
    const accept = req.headers.accept;
    // application/graphql-response+json when the client asks for it (and does not prefer application/json).
    const gqlMedia = typeof accept === 'string' && accept.includes('application/graphql-response+json')
      && !(accept.includes('application/json') && accept.indexOf('application/json') < accept.indexOf('application/graphql-response+json'));
    let ctx: Ctx | undefined;
    try {
      const method = req.method;
      if (method !== 'GET' && method !== 'POST') throw new HttpError(405, ErrorCode.METHOD_NOT_ALLOWED, `Method ${method} not allowed`, { allow: 'GET, POST' });
      const params = method === 'POST' ? await readPost(req, deps.maxBodyBytes, deps.maxDocumentBytes) : readGet(search);
      try {
        ctx = hooks.context
          ? await hooks.context({ method, url: req.url ?? '', headers: req.headers, ip: req.socket.remoteAddress ?? '' })
          : (undefined as Ctx);
        info.ctx = ctx;
      } catch (err) {
        const e = toGraphQLError(err);
        const status = httpStatusOf(e) ?? (e.originalError && !(e.originalError instanceof GraphQLError) ? 500 : 400);
        return send(res, errorReply(status, [e], undefined, gqlMedia));
      }
      let resolved: ResolvedParams;
      if (hooks.resolveParams) {
        try {
          resolved = await hooks.resolveParams(params, ctx as Ctx);
        } catch (err) {
          const e = toGraphQLError(err);
          return send(res, errorReply(httpStatusOf(e) ?? (gqlMedia ? 400 : 200), [e], ctx, gqlMedia));
        }
      } else {
        if (typeof params.query !== 'string' || params.query === '') throw new HttpError(400, ErrorCode.BAD_REQUEST, 'GraphQL operations must contain a non-empty `query`.');
        resolved = params as ResolvedParams;
      }
      const args: ExecuteArgs<Ctx> = { query: resolved.query, operationName: resolved.operationName, variables: resolved.variables, ctx: ctx as Ctx };
      const prepared = deps.prepare(args);
      if ('result' in prepared) {
        const errs = prepared.result.errors ?? [];
        const status = httpStatusOf(errs[0] ?? new GraphQLError('')) ?? (gqlMedia ? 400 : 200);
        return send(res, errorReply(status, errs, ctx, gqlMedia));
      }
      const kind = prepared.ready.prepared.kind;
      info.kind = kind;
      info.operationName = prepared.ready.prepared.operation.name?.value;
      if (method === 'GET' && kind !== 'query') {
        throw new HttpError(405, ErrorCode.METHOD_NOT_ALLOWED, `Can only perform a ${kind} operation from a POST request.`, { allow: 'POST' });
      }
      if (deps.dedupInbound && kind === 'query') {
        const h = req.headers;
        const key = resolved.query + '\u0000' + (resolved.operationName ?? '') + '\u0000' + (resolved.variables ? JSON.stringify(resolved.variables) : '')
          + '\u0000' + (h.authorization ?? '') + '\u0000' + (h.cookie ?? '') + '\u0000' + (hooks.dedupKey ? hooks.dedupKey(ctx as Ctx) : '') + (gqlMedia ? '\u0000g' : '');
        let p = inflight.get(key);
        if (!p) {
          p = deps.run(prepared.ready, ctx as Ctx, resolved.variables).then((r) => resultReply(r, ctx, gqlMedia));
          inflight.set(key, p);
          const clear = () => { inflight.delete(key); };
          p.then(clear, clear);
        }
        return send(res, await p);
      }
      const result = await deps.run(prepared.ready, ctx as Ctx, resolved.variables);
      send(res, resultReply(result, ctx, gqlMedia));
    } catch (err) {
      if (err instanceof HttpError) {
        if (err.code === ErrorCode.PAYLOAD_TOO_LARGE) res.setHeader('connection', 'close'); // the rest of the body was not read
        const e = err.extensions ? new GraphQLError(err.message, { extensions: { code: err.code, ...err.extensions } }) : gqlError(err.message, err.code);
        return send(res, errorReply(err.status, [e], ctx, gqlMedia, err.headers));
      }
      send(res, errorReply(500, [toGraphQLError(err)], ctx, gqlMedia));
    }
  }

  return (req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const onEnd = hooks.onRequestEnd;
    const t0 = onEnd ? performance.now() : 0;
    const info: Partial<RequestEndInfo> & { ctx?: Ctx } = {};
    const done = handleGraphQL(req, res, q < 0 ? '' : url.slice(q + 1), info).catch(() => {
      if (!res.headersSent) { res.statusCode = 500; res.end(); } else res.destroy();
    });
    if (onEnd) void done.then(() => {
      const { ctx, ...end } = info;
      onEnd({ ...end, status: res.statusCode, durationMs: performance.now() - t0 }, ctx);
    });
  };
}

function readGet(search: string): GraphQLParams {
  const sp = new URLSearchParams(search);
  const params: GraphQLParams = {};
  const query = sp.get('query');
  if (query !== null) params.query = query;
  const op = sp.get('operationName');
  if (op) params.operationName = op;
  const vars = sp.get('variables');
  if (vars) params.variables = parseJsonObject(vars, 'variables');
  const ext = sp.get('extensions');
  if (ext) params.extensions = parseJsonObject(ext, 'extensions');
  const documentId = sp.get('documentId');
  if (documentId) params.documentId = documentId;
  return params;
}

function parseJsonObject(text: string, what: string): Record<string, unknown> {
  let v: unknown;
  try { v = JSON.parse(text); } catch { throw new HttpError(400, ErrorCode.BAD_REQUEST, `\`${what}\` is not valid JSON`); }
  if (v === null) return undefined as never;
  if (typeof v !== 'object' || Array.isArray(v)) throw new HttpError(400, ErrorCode.BAD_REQUEST, `\`${what}\` must be a JSON object`);
  return v as Record<string, unknown>;
}

function readPost(req: IncomingMessage, max: number, maxDocument: number): Promise<GraphQLParams> {
  const ct = req.headers['content-type'];
  if (typeof ct !== 'string' || !ct.toLowerCase().startsWith('application/json')) {
    req.resume();
    return Promise.reject(new HttpError(415, ErrorCode.UNSUPPORTED_MEDIA_TYPE, 'Content-Type must be application/json'));
  }
  const declared = Number(req.headers['content-length']);
  if (declared > max) {
    req.resume();
    return Promise.reject(new HttpError(413, ErrorCode.PAYLOAD_TOO_LARGE, `Request body exceeds ${max} bytes`));
  }
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    // Bodies small enough to hold no oversized document need no scanning.
    const scanner = declared > maxDocument || !(declared >= 0) ? new QuerySizeScanner() : null;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > max) {
        failed = true;
        reject(new HttpError(413, ErrorCode.PAYLOAD_TOO_LARGE, `Request body exceeds ${max} bytes`));
        return;
      }
      if (tooLarge) return; // drained, not kept: the reply waits for the end so the connection stays usable
      if (scanner) {
        scanner.push(c);
        if (scanner.largest > maxDocument) { tooLarge = true; chunks = []; return; }
      }
      chunks.push(c);
    });
    req.on('error', (e) => { if (!failed) { failed = true; reject(e); } });
    req.on('end', () => {
      if (failed) return;
      if (tooLarge) {
        return reject(new HttpError(413, ErrorCode.QUERY_TOO_LARGE, `The GraphQL document exceeds the limit of ${maxDocument} bytes`, undefined, { maxBytes: maxDocument }));
      }
      const text = chunks.length === 1 ? chunks[0].toString() : Buffer.concat(chunks).toString();
      let body: unknown;
      try { body = JSON.parse(text); } catch {
        return reject(new HttpError(400, ErrorCode.BAD_REQUEST, 'Request body is not valid JSON'));
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        return reject(new HttpError(400, ErrorCode.BAD_REQUEST, 'Request body must be a JSON object (batching is not supported)'));
      }
      const b = body as Record<string, unknown>;
      const params: GraphQLParams = {};
      if (b.query != null) {
        if (typeof b.query !== 'string') return reject(new HttpError(400, ErrorCode.BAD_REQUEST, '`query` must be a string'));
        params.query = b.query;
      }
      if (b.operationName != null) {
        if (typeof b.operationName !== 'string') return reject(new HttpError(400, ErrorCode.BAD_REQUEST, '`operationName` must be a string'));
        params.operationName = b.operationName;
      }
      if (b.variables != null) {
        if (typeof b.variables !== 'object' || Array.isArray(b.variables)) return reject(new HttpError(400, ErrorCode.BAD_REQUEST, '`variables` must be an object'));
        params.variables = b.variables as Record<string, unknown>;
      }
      if (b.extensions != null) {
        if (typeof b.extensions !== 'object' || Array.isArray(b.extensions)) return reject(new HttpError(400, ErrorCode.BAD_REQUEST, '`extensions` must be an object'));
        params.extensions = b.extensions as Record<string, unknown>;
      }
      if (typeof b.documentId === 'string') params.documentId = b.documentId;
      resolve(params);
    });
  });
}
