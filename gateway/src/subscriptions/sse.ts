// GraphQL over Server-Sent Events, graphql-sse "distinct connections" mode: one HTTP request per subscription,
// `Accept: text/event-stream`, events `next` (data: ExecutionResult) and `complete`. For clients without WebSockets.
// The request goes through the subscription pipeline (pipeline.ts) and is refused like an HTTP request: the same
// status, error codes and Retry-After. A stream whose credential is revoked or expires gets a last `next` with the
// UNAUTHENTICATED error, then `complete`.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { BodyTooLargeError, readBody, sendJson } from '@omniroute/core';
import type { GraphQLParams } from '../runtime/index.ts';
import { httpStatusOf, toGraphQLError } from '../runtime/errors.ts';
import type { GatewayContext } from '../upstream.ts';
import { subscriptionParams, type SubscriptionPipeline } from './pipeline.ts';

export function isSseRequest(req: IncomingMessage): boolean {
  return (req.headers.accept ?? '').includes('text/event-stream');
}

function paramsOf(req: IncomingMessage, body: string | null): GraphQLParams {
  if (body !== null) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = undefined;
    }
    return subscriptionParams(parsed);
  }
  const u = new URL(req.url ?? '/', 'http://localhost');
  const json = (k: string) => {
    const v = u.searchParams.get(k);
    if (!v) return undefined;
    try {
      return JSON.parse(v) as unknown;
    } catch {
      return null; // subscriptionParams refuses it
    }
  };
  return subscriptionParams({
    query: u.searchParams.get('query') || undefined,
    operationName: u.searchParams.get('operationName') || undefined,
    variables: json('variables'),
    extensions: json('extensions'),
    documentId: u.searchParams.get('documentId') || undefined,
  });
}

export async function handleSse(
  req: IncomingMessage,
  res: ServerResponse,
  deps: {
    pipeline: SubscriptionPipeline;
    formatError(e: unknown, ctx: GatewayContext | undefined): GraphQLFormattedError;
    maxBufferedBytes?: number;
  },
): Promise<void> {
  let ctx: GatewayContext | undefined;
  const refuse = (errors: readonly GraphQLError[], fallback: number) => {
    const headers = (errors[0]?.extensions?.http as { headers?: Record<string, string> } | undefined)?.headers;
    if (headers) for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    sendJson(res, (errors[0] && httpStatusOf(errors[0])) ?? fallback, { errors: errors.map((e) => deps.formatError(e, ctx)) });
  };
  let release: () => void;
  try {
    release = await deps.pipeline.open(req);
  } catch (e) {
    req.resume();
    return refuse([toGraphQLError(e)], 429);
  }
  let session;
  let params: GraphQLParams;
  try {
    params = paramsOf(req, req.method === 'POST' ? await readBody(req, 256 * 1024) : null);
    session = await deps.pipeline.connect(req.headers, req);
    ctx = session.ctx;
  } catch (e) {
    release();
    if (e instanceof BodyTooLargeError) e = new GraphQLError(e.message, { extensions: { code: 'PAYLOAD_TOO_LARGE', http: { status: 413 } } });
    return refuse([toGraphQLError(e)], 400);
  }
  let open = true;
  let keepAlive: NodeJS.Timeout | undefined;
  // Also from write(): an event of a stream this subscriber joined may be delivered before subscribe() returns.
  const start = () => {
    if (res.headersSent) return;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write(': connected\n\n');
    keepAlive = setInterval(() => res.write(':\n\n'), 12_000);
  };
  const write = (event: string, data: unknown) => {
    if (!open) return;
    start();
    if (res.writableLength > (deps.maxBufferedBytes ?? 4 * 1024 * 1024)) return void res.destroy(); // slow consumer
    res.write(`event: ${event}\ndata: ${data === undefined ? '' : JSON.stringify(data)}\n\n`);
  };
  const finish = () => {
    write('complete', undefined);
    open = false;
    res.end();
  };
  const c = ctx;
  const r = await deps.pipeline.subscribe(session, params, {
    next: (result) => write('next', result.errors?.length ? { data: result.data ?? null, errors: result.errors.map((e) => deps.formatError(e, c)) } : { data: result.data }),
    complete: finish,
    error: (errors) => {
      write('next', { errors: errors.map((e) => deps.formatError(e, c)) });
      finish();
    },
  });
  if ('errors' in r) {
    session.close();
    release();
    return refuse(r.errors, 400);
  }
  start();
  session.onEnd((end) => {
    write('next', { errors: [deps.formatError(end.error, c)] });
    finish();
  });
  // not req 'close': it fires as soon as the request body has been read
  res.on('close', () => {
    open = false;
    clearInterval(keepAlive);
    r.unsubscribe();
    session.close();
    release();
  });
}
