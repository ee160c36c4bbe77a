// The benchmark's hand-rolled WebSocket client (bench/subscriptions/lean-ws.ts) against the `ws` server the
// gateway uses: if its framing were wrong the fan-out numbers would measure nothing, so it is checked here.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { maskedFrame, openLeanWs, type LeanWs } from '../subscriptions/lean-ws.ts';

let server: Server;
let wss: WebSocketServer;
let url: string;
const peers: WebSocket[] = [];

beforeAll(async () => {
  server = createServer();
  wss = new WebSocketServer({ server, perMessageDeflate: false, handleProtocols: (p) => (p.has('graphql-transport-ws') ? 'graphql-transport-ws' : false) });
  wss.on('connection', (ws) => {
    peers.push(ws);
    // echo, so what the client sends is checked by ws's parser (masking, lengths)
    ws.on('message', (data, binary) => ws.send(data, { binary }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `ws://127.0.0.1:${(server.address() as { port: number }).port}/graphql`;
});
afterAll(async () => {
  for (const p of peers) p.terminate();
  await new Promise<void>((r) => wss.close(() => r()));
  await new Promise<void>((r) => server.close(() => r()));
});

function connect(protocol = 'graphql-transport-ws') {
  const messages: string[] = [];
  let closed: { code: number; reason: string } | undefined;
  let resolveOpen!: (ok: boolean) => void;
  const opened = new Promise<boolean>((r) => (resolveOpen = r));
  const ws: LeanWs = openLeanWs(url, protocol, {
    open: () => resolveOpen(true),
    message: (data) => messages.push(data.toString()),
    close: (code, reason) => {
      closed = { code, reason };
      resolveOpen(false);
    },
  });
  return { ws, messages, opened, closed: () => closed, peer: () => peers.at(-1)! };
}

const until = async (check: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('lean-ws (benchmark subscriber client)', () => {
  it('handshakes with the protocol and round-trips text of every length encoding through ws', async () => {
    const c = connect();
    expect(await c.opened).toBe(true);
    const texts = ['{"type":"connection_init"}', 'é'.repeat(100), 'x'.repeat(70_000), 'ü'.repeat(40_000)];
    for (const t of texts) c.ws.send(t);
    await until(() => c.messages.length === texts.length);
    expect(c.messages).toEqual(texts);
    c.ws.close();
  });

  it('reads frames split across reads and several frames in one read, in order', async () => {
    const c = connect();
    await c.opened;
    const sock = (c.peer() as unknown as { _socket: import('node:net').Socket })._socket;
    const frame = (s: string) => {
      const body = Buffer.from(s);
      const head = body.length < 126 ? Buffer.from([0x81, body.length]) : Buffer.from([0x81, 126, body.length >> 8, body.length & 0xff]);
      return Buffer.concat([head, body]);
    };
    const all = Buffer.concat([frame('one'), frame('two'), frame('t'.repeat(300))]);
    // byte by byte, then all at once
    for (const b of all) {
      sock.write(Buffer.from([b]));
      await new Promise((r) => setImmediate(r));
    }
    sock.write(all);
    await until(() => c.messages.length === 6);
    expect(c.messages).toEqual(['one', 'two', 't'.repeat(300), 'one', 'two', 't'.repeat(300)]);
    c.ws.close();
  });

  it('answers a ping with a pong carrying its data', async () => {
    const c = connect();
    await c.opened;
    const pong = new Promise<string>((r) => c.peer().once('pong', (d) => r(d.toString())));
    c.peer().ping('hello');
    expect(await pong).toBe('hello');
    c.ws.close();
  });

  it('reports the close code the server sends', async () => {
    const c = connect();
    await c.opened;
    c.peer().close(4403, 'Forbidden');
    await until(() => !!c.closed());
    expect(c.closed()).toEqual({ code: 4403, reason: 'Forbidden' });
    expect(c.ws.open).toBe(false);
  });

  it('fails the handshake when the server does not agree to the protocol', async () => {
    const c = connect('something-else');
    expect(await c.opened).toBe(false);
    expect(c.closed()!.code).toBe(1002);
  });

  it('masks every client frame (RFC 6455 §5.3)', () => {
    const f = maskedFrame(0x1, Buffer.from('abc'));
    expect(f[0]).toBe(0x81);
    expect(f[1]! & 0x80).toBe(0x80);
    expect(f[1]! & 0x7f).toBe(3);
    const mask = f.subarray(2, 6);
    expect(Buffer.from([...f.subarray(6)].map((b, i) => b ^ mask[i & 3]!)).toString()).toBe('abc');
  });
});
