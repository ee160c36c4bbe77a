// GraphQL over Server-Sent Events, graphql-sse "distinct connections" mode: one HTTP request per subscription,
// `Accept: text/event-stream`, events `next` (data: ExecutionResult) and `complete`. For clients without WebSockets.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GraphQLFormattedError } from 'graphql';
import { readBody, sendJson } from '@omniroute/core';
import type { GatewayContext } from '../upstream.ts';
import type { SubscriptionEngine, SubscriptionRequest } from './federated.ts';

export function isSseRequest(req: IncomingMessage): boolean {
  return (req.headers.accept ?? '').includes('text/event-stream');
}

export async function handleSse(
  req: IncomingMessage,
  res: ServerResponse,
  deps: {
    engine: SubscriptionEngine;
    context(req: IncomingMessage): Promise<GatewayContext>;
    formatError(e: unknown, ctx: GatewayContext | undefined): GraphQLFormattedError;
    maxBufferedBytes?: number;
  },
): Promise<void> {
  let ctx: GatewayContext | undefined;
  let params: SubscriptionRequest;
  try {
    ctx = await deps.context(req);
    if (!ctx.viewer) throw Object.assign(new Error('Authentication required'), { extensions: { code: 'UNAUTHENTICATED' } });
    if (req.method === 'POST') {
      const body = JSON.parse(await readBody(req, 256 * 1024)) as SubscriptionRequest;
      params = body;
    } else {
      const u = new URL(req.url ?? '/', 'http://localhost');
      params = { query: u.searchParams.get('query') ?? '', operationName: u.searchParams.get('operationName') ?? undefined, variables: u.searchParams.get('variables') ? JSON.parse(u.searchParams.get('variables')!) : undefined };
    }
    if (typeof params?.query !== 'string') throw Object.assign(new Error('Missing query'), { extensions: { code: 'BAD_REQUEST' } });
  } catch (e) {
    const code = (e as { extensions?: { code?: string } }).extensions?.code;
    return sendJson(res, code === 'UNAUTHENTICATED' ? 401 : 400, { errors: [deps.formatError(e, ctx)] });
  }
  const c = ctx;
  const write = (event: string, data: unknown) => {
    if (res.writableLength > (deps.maxBufferedBytes ?? 4 * 1024 * 1024)) return res.destroy(); // slow consumer
    res.write(`event: ${event}\ndata: ${data === undefined ? '' : JSON.stringify(data)}\n\n`);
  };
  const r = deps.engine.subscribe(c, params, {
    next: (result) => write('next', result.errors?.length ? { data: result.data ?? null, errors: result.errors.map((e) => deps.formatError(e, c)) } : { data: result.data }),
    complete: () => {
      write('complete', undefined);
      res.end();
    },
    error: (errors) => {
      write('next', { errors: errors.map((e) => deps.formatError(e, c)) });
      write('complete', undefined);
      res.end();
    },
  });
  if ('errors' in r) return sendJson(res, 400, { errors: r.errors.map((e) => deps.formatError(e, c)) });
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  res.write(': connected\n\n');
  const keepAlive = setInterval(() => res.write(':\n\n'), 12_000);
  const done = () => {
    clearInterval(keepAlive);
    r.unsubscribe();
  };
  // not req 'close': it fires as soon as the request body has been read
  res.on('close', done);
}
