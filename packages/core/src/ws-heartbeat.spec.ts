// Issue 14: graphql-ws's keepalive dropped a healthy gateway upstream after a ~12 s event-loop stall between a ping
// and its pong. Real sockets, real stalls (the thread is blocked, as a long synchronous task would block it).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { buildSchema } from 'graphql';
import { WebSocket, WebSocketServer } from 'ws';
import { signInternalContext } from './context.ts';
import { attachSubscriptionServer, pushIterator } from './subscriptions.ts';
import { attachHeartbeat } from './ws-heartbeat.ts';

/** Blocks this thread (event loop included) for ms. */
const stall = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const listen = async (server: Server) => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
};
const opened = (ws: WebSocket) => new Promise<void>((resolve, reject) => ws.once('open', resolve).once('error', reject));
const closedWithin = (ws: WebSocket, ms: number) =>
  new Promise<number | null>((resolve) => {
    const t = setTimeout(() => resolve(null), ms);
    ws.once('close', (code) => {
      clearTimeout(t);
      resolve(code);
    });
  });

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

describe('attachHeartbeat', () => {
  const start = async (opts: { intervalMs: number; timeoutMs: number }) => {
    const server = createServer();
    const wss = new WebSocketServer({ server, path: '/graphql' });
    const hb = attachHeartbeat(wss, opts);
    const url = await listen(server);
    cleanup.push(() => new Promise((r) => server.close(r)), () => hb.stop(), () => { for (const c of wss.clients) c.terminate(); });
    return url;
  };

  it('terminates a peer that never answers pings, and keeps one that does', async () => {
    const url = await start({ intervalMs: 100, timeoutMs: 300 });
    const dead = new WebSocket(url, { autoPong: false });
    const live = new WebSocket(url);
    cleanup.push(() => live.terminate(), () => dead.terminate());
    await Promise.all([opened(dead), opened(live)]);
    const [deadClosed, liveClosed] = await Promise.all([closedWithin(dead, 3_000), closedWithin(live, 1_500)]);
    expect(deadClosed).toBe(1006); // terminated: no close frame
    expect(liveClosed).toBeNull();
  });

  it('keeps a healthy socket through a stall of this process three times the pong timeout', async () => {
    const url = await start({ intervalMs: 100, timeoutMs: 300 });
    const ws = new WebSocket(url);
    cleanup.push(() => ws.terminate());
    await opened(ws);
    // the pong is sent, then the whole process stalls before the server has read it
    ws.once('ping', () => stall(1_000));
    expect(await closedWithin(ws, 1_500)).toBeNull();
    expect(ws.readyState).toBe(WebSocket.OPEN);
  });
});

describe('attachSubscriptionServer keepalive (defaults)', () => {
  it('keeps a gateway upstream through a 13 s event-loop stall between a ping and its pong', async () => {
    const schema = buildSchema('type Query { ok: Boolean } type Subscription { tick: Int }');
    let push: ((n: number) => void) | undefined;
    schema.getSubscriptionType()!.getFields().tick!.subscribe = () => pushIterator<number>((p) => ((push = p), () => (push = undefined)));
    schema.getSubscriptionType()!.getFields().tick!.resolve = (n: number) => n;
    const server = createServer();
    const subs = attachSubscriptionServer({ httpServer: server, schema, secret: 'heartbeat-test-secret', createContext: () => ({}), name: 'test' });
    const url = await listen(server);
    cleanup.push(() => new Promise((r) => server.close(r)), () => subs.close());

    const ws = new WebSocket(url, 'graphql-transport-ws');
    cleanup.push(() => ws.terminate());
    const messages: { type: string; payload?: unknown }[] = [];
    ws.on('message', (m) => messages.push(JSON.parse(String(m))));
    await opened(ws);
    ws.send(JSON.stringify({ type: 'connection_init', payload: signInternalContext({ requestId: 'hb', viewer: null }, { secret: 'heartbeat-test-secret', audience: 'test' }) }));
    await expect.poll(() => messages.map((m) => m.type)).toEqual(['connection_ack']);
    ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { tick }' } }));
    await expect.poll(() => push).toBeDefined();
    const pinged = new Promise<void>((resolve, reject) => {
      ws.once('ping', () => {
        stall(13_000); // after the automatic pong, before the server reads it: the process is held up 13 s
        resolve();
      });
      ws.once('close', (code) => reject(new Error(`closed ${code} before the first ping`)));
    });
    await pinged;
    // the server's timers and the pong's read come after the stall; the socket must survive both
    expect(await closedWithin(ws, 1_000)).toBeNull();
    push!(7);
    await expect.poll(() => messages.filter((m) => m.type === 'next').map((m) => m.payload), { timeout: 2_000 }).toEqual([{ data: { tick: 7 } }]);
  }, 45_000);
});
