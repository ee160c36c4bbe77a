// The graphql-transport-ws protocol (graphql-ws) on the gateway's /graphql: same auth as HTTP (token in
// connection_init), then subscribe/next/error/complete through the subscription pipeline (pipeline.ts: the HTTP
// checks, then the federated engine). Refusals of a subscribe are `error` messages with the GraphQL error codes.
// Close codes: 4400 bad message, 4401 no credentials / subscribe before ack / credential expired, 4403 bad or
// revoked credentials, 4408 init timeout, 4409 duplicate id, 4429 second init, 4413 slow consumer (send buffer
// over the limit). Too many sockets from one IP: the upgrade is answered 429.
import type { IncomingMessage, Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ExecutionResult, GraphQLFormattedError } from 'graphql';
import { log } from '@omniroute/core';
import type { GatewayContext } from '../upstream.ts';
import { subscriptionParams, type StreamSession, type SubscriptionPipeline } from './pipeline.ts';

export interface GraphqlWsOptions {
  server: Server;
  path?: string;
  pipeline: SubscriptionPipeline;
  formatError(e: unknown, ctx: GatewayContext | undefined): GraphQLFormattedError;
  /** Close a socket whose unsent data exceeds this many bytes (default 4 MiB). */
  maxBufferedBytes?: number;
  connectionInitTimeoutMs?: number;
  /** Max concurrent subscriptions per socket. */
  maxSubscriptionsPerSocket?: number;
  /** Every socket gets a WebSocket ping this often and is dropped when it left the previous one unanswered (default 30 s). */
  heartbeatMs?: number;
}

/**
 * The HTTP upgrade of a graphql-ws socket on `path`: the pipeline's connection checks (sockets per IP) first; a
 * refusal is answered as an HTTP response with the error's status.
 */
const socketServer = () => new WebSocketServer({
  noServer: true,
  maxPayload: 256 * 1024,
  // no permessage-deflate: frames go out as they are, which sendNext's ready-made frames rely on
  perMessageDeflate: false,
  handleProtocols: (protocols) => (protocols.has('graphql-transport-ws') ? 'graphql-transport-ws' : false),
});

function formatResult(result: { data?: unknown; errors?: readonly unknown[] }, ctx: GatewayContext, formatError: GraphqlWsOptions['formatError']) {
  return result.errors?.length ? { data: result.data ?? null, errors: result.errors.map((e) => formatError(e, ctx)) } : { data: result.data };
}

function upgradeHandler(wss: WebSocketServer, path: string, opts: GraphqlWsOptions) {
  return (req: IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => {
    if ((req.url ?? '').split('?')[0] !== path) return; // other upgrade handlers may own other paths
    socket.on('error', (e) => log.debug('websocket upgrade error', { error: String(e) }));
    opts.pipeline.open(req).then(
      (release) => {
        if (socket.destroyed) return release();
        wss.handleUpgrade(req, socket, head, (ws) => {
          ws.once('close', release);
          wss.emit('connection', ws, req);
        });
      },
      (e) => {
        const status = (e as { extensions?: { http?: { status?: number } } })?.extensions?.http?.status ?? 500;
        const body = JSON.stringify({ errors: [opts.formatError(e, undefined)] });
        socket.end(`HTTP/1.1 ${status} ${status === 429 ? 'Too Many Requests' : 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      },
    );
  };
}

export function attachGraphqlWs(opts: GraphqlWsOptions) {
  const path = opts.path ?? '/graphql';
  const maxBuffered = opts.maxBufferedBytes ?? 4 * 1024 * 1024;
  const wss = socketServer();
  const onUpgrade = upgradeHandler(wss, path, opts);
  opts.server.on('upgrade', onUpgrade);

  let sockets = 0;
  const heartbeat = heartbeatWheel(opts.heartbeatMs ?? 30_000);
  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    sockets++;
    let session: StreamSession | undefined;
    let initReceived = false;
    let closed = false;
    // null while the subscribe is still going through the checks; complete/close then cancel it when it lands
    const subs = new Map<string, (() => void) | null>();
    /** False when nothing may be sent: the socket is closing, or its reader fell too far behind (then closed). */
    const writable = () => {
      if (ws.readyState !== ws.OPEN) return false;
      if (ws.bufferedAmount <= maxBuffered) return true;
      ws.close(4413, 'Slow consumer: send buffer limit exceeded');
      // a peer that does not read will not answer the close handshake either
      setTimeout(() => ws.terminate(), 1000).unref();
      return false;
    };
    const send = (msg: object) => {
      if (writable()) ws.send(JSON.stringify(msg));
    };
    /**
     * `next` for one subscription: a result without errors is the same for every subscriber of its group, so
     * its JSON is encoded once per event (see encoded()) and each socket only adds its own id around it, in a
     * complete WebSocket frame written with one call. ws.send() would frame it again and write header and data
     * separately (cork, two writes, uncork): at 10,000 subscribers per event that was ≈20% more gateway CPU in
     * the fan-out benchmark (0.46 → 0.37 cores). Valid because this server negotiates no extension
     * (perMessageDeflate: false above): frames are plain and ws queues nothing ahead of the socket.
     */
    const sendNext = (prefix: Buffer, id: string, result: ExecutionResult, c: GatewayContext) => {
      if (result.errors?.length) return send({ id, type: 'next', payload: formatResult(result, c, opts.formatError) });
      if (writable()) (ws as unknown as { _socket: import('node:net').Socket })._socket.write(textFrame(prefix, encoded(result)));
    };
    const initTimer = setTimeout(() => !initReceived && ws.close(4408, 'Connection initialisation timeout'), opts.connectionInitTimeoutMs ?? 10_000);
    const leaveHeartbeat = heartbeat.add(ws);

    ws.on('message', async (raw) => {
      let msg: { type?: string; id?: string; payload?: any };
      try {
        msg = JSON.parse(raw.toString());
      } catch {
        return ws.close(4400, 'Invalid message received');
      }
      switch (msg.type) {
        case 'connection_init': {
          if (initReceived) return ws.close(4429, 'Too many initialisation requests');
          initReceived = true;
          const payload = (msg.payload ?? {}) as Record<string, unknown>;
          try {
            session = await opts.pipeline.connect(credentialHeaders(payload), req);
          } catch (e) {
            const code = (e as { extensions?: { code?: string } })?.extensions?.code;
            return ws.close(code === 'UNAUTHENTICATED' && !hasCredential(payload) ? 4401 : 4403, code === 'UNAUTHENTICATED' && !hasCredential(payload) ? 'Unauthorized' : 'Forbidden');
          }
          if (closed) return session.close();
          clearTimeout(initTimer);
          // a revoked key or an expired token ends the socket and every subscription on it at once, without
          // waiting for the peer's side of the close handshake
          session.onEnd((end) => {
            ws.close(end.code, end.reason);
            for (const un of subs.values()) un?.();
            subs.clear();
            setTimeout(() => ws.terminate(), 1000).unref();
          });
          return send({ type: 'connection_ack' });
        }
        case 'ping':
          return send({ type: 'pong', payload: msg.payload });
        case 'pong':
          return;
        case 'subscribe': {
          if (!session) return ws.close(4401, 'Unauthorized');
          const id = msg.id;
          if (typeof id !== 'string' || !id) return ws.close(4400, 'Invalid subscribe message');
          let params;
          try {
            params = subscriptionParams(msg.payload);
          } catch (e) {
            return ws.close(4400, `Invalid subscribe message: ${(e as Error).message}`.slice(0, 120));
          }
          if (subs.has(id)) return ws.close(4409, `Subscriber for ${id} already exists`);
          if (subs.size >= (opts.maxSubscriptionsPerSocket ?? 100)) {
            return send({ id, type: 'error', payload: [{ message: 'Too many subscriptions on this connection', extensions: { code: 'RATE_LIMITED' } }] });
          }
          const c = session.ctx;
          subs.set(id, null);
          const prefix = Buffer.from(`{"id":${JSON.stringify(id)},"type":"next","payload":`);
          const r = await opts.pipeline.subscribe(session, params, {
            next: (result) => sendNext(prefix, id, result, c),
            complete: () => {
              subs.delete(id);
              send({ id, type: 'complete' });
            },
            error: (errors) => {
              subs.delete(id);
              send({ id, type: 'error', payload: errors.map((e) => opts.formatError(e, c)) });
            },
          });
          if (closed || !subs.has(id)) {
            // the client completed it (or left) while it was being checked
            if ('unsubscribe' in r) r.unsubscribe();
            return;
          }
          if ('errors' in r) {
            subs.delete(id);
            return send({ id, type: 'error', payload: r.errors.map((e) => opts.formatError(e, c)) });
          }
          subs.set(id, r.unsubscribe);
          return;
        }
        case 'complete': {
          if (!msg.id || !subs.has(msg.id)) return;
          const un = subs.get(msg.id);
          subs.delete(msg.id);
          un?.();
          return;
        }
        default:
          return ws.close(4400, `Unexpected message type ${String(msg.type)}`);
      }
    });
    ws.on('close', () => {
      sockets--;
      closed = true;
      clearTimeout(initTimer);
      leaveHeartbeat();
      session?.close();
      for (const un of subs.values()) un?.();
      subs.clear();
    });
    ws.on('error', (e) => log.debug('websocket error', { error: String(e) }));
  });

  return {
    sockets: () => sockets,
    async close() {
      opts.server.off('upgrade', onUpgrade);
      heartbeat.stop();
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
    },
  };
}

/**
 * Dead peers: each socket is pinged once per period and terminated when it has not answered the previous ping.
 * One timer sweeps the sockets in slots (at 30 s: 1/300 of them every 100 ms), not a timer per socket: sockets
 * that connected in one burst would all be pinged in the same instant — at 10,000 that is 10,000 writes, and then
 * as many pongs to read, in front of the next event (fan-out benchmark, `--subscribers 10000`: p99 294–322 ms).
 */
function heartbeatWheel(periodMs: number) {
  const slots = Math.max(1, Math.round(periodMs / 100));
  const wheel = Array.from({ length: slots }, () => new Set<{ ws: WebSocket; alive: boolean }>());
  let added = 0;
  let tick = 0;
  const timer = setInterval(() => {
    for (const peer of wheel[tick]!) {
      if (!peer.alive) peer.ws.terminate();
      else {
        peer.alive = false;
        peer.ws.ping();
      }
    }
    tick = (tick + 1) % slots;
  }, periodMs / slots);
  timer.unref();
  return {
    /** Starts watching a socket (spread round-robin over the slots); the returned function stops it. */
    add(ws: WebSocket): () => void {
      const peer = { ws, alive: true };
      const slot = wheel[added++ % slots]!;
      slot.add(peer);
      ws.on('pong', () => (peer.alive = true));
      return () => slot.delete(peer);
    },
    stop: () => clearInterval(timer),
  };
}

/** JSON of an error-free result's `{ data }`, encoded once and shared by every socket it goes to. */
const encodedResults = new WeakMap<ExecutionResult, Buffer>();
function encoded(result: ExecutionResult): Buffer {
  let buf = encodedResults.get(result);
  if (!buf) {
    buf = Buffer.from(JSON.stringify({ data: result.data }));
    encodedResults.set(result, buf);
  }
  return buf;
}

/** An unmasked, final text frame (RFC 6455 §5.2: server to client) holding prefix + body + "}". */
export function textFrame(prefix: Buffer, body: Buffer): Buffer {
  const len = prefix.length + body.length + 1;
  const head = len < 126 ? 2 : len < 65536 ? 4 : 10;
  const f = Buffer.allocUnsafe(head + len);
  f[0] = 0x81;
  if (head === 2) f[1] = len;
  else if (head === 4) {
    f[1] = 126;
    f.writeUInt16BE(len, 2);
  } else {
    f[1] = 127;
    f.writeUInt32BE(0, 2);
    f.writeUInt32BE(len, 6);
  }
  prefix.copy(f, head);
  body.copy(f, head + prefix.length);
  f[head + len - 1] = 0x7d;
  return f;
}

/** The credentials of a connection_init payload as HTTP headers: `authorization: Bearer …`, `token` or `x-api-key`. */
function credentialHeaders(payload: Record<string, unknown>): Record<string, unknown> {
  const bearer = payload.authorization ?? payload.Authorization ?? (payload.token ? `Bearer ${String(payload.token)}` : undefined);
  return { authorization: typeof bearer === 'string' ? bearer : undefined, 'x-api-key': payload['x-api-key'] ?? payload.apiKey };
}

function hasCredential(p: Record<string, unknown>): boolean {
  return ['authorization', 'Authorization', 'token', 'x-api-key', 'apiKey'].some((k) => typeof p[k] === 'string' && p[k]);
}
