import { describe, expect, it } from 'vitest';
import * as ws from 'ws';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { attachGraphqlWs, textFrame } from './graphql-ws.ts';

// ws's frame parser (exported at runtime, not in its type declarations)
const Receiver = (ws as unknown as { Receiver: new (o: { isServer: boolean }) => import('node:stream').Writable }).Receiver;

/** Decodes frames with ws's own parser (the client side's), so a framing mistake shows as an error or a mismatch. */
function decode(frame: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new Receiver({ isServer: false });
    r.on('message', (data: Buffer, isBinary: boolean) => (isBinary ? reject(new Error('binary frame')) : resolve(data.toString())));
    r.on('error', reject);
    r.write(frame);
  });
}

describe('textFrame', () => {
  it.each([0, 100, 125, 126, 1_000, 65_535, 65_536, 300_000])('frames a %i-byte body as one text message (7-, 16- and 64-bit lengths)', async (n) => {
    const prefix = Buffer.from('{"id":"é1","type":"next","payload":');
    const body = Buffer.from(JSON.stringify({ data: { s: 'x'.repeat(n) } }));
    expect(await decode(textFrame(prefix, body))).toBe(`${prefix}${body}}`);
  });
});

describe('heartbeat', () => {
  it('pings every socket once per period and drops the ones that leave a ping unanswered', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const gw = attachGraphqlWs({
      server,
      pipeline: { open: async () => () => {} } as never, // no one signs in or subscribes here
      formatError: (e) => ({ message: String(e) }),
      heartbeatMs: 300,
    });
    const open = () =>
      new Promise<ws.WebSocket>((resolve) => {
        const c = new ws.WebSocket(`ws://127.0.0.1:${port}/graphql`, 'graphql-transport-ws');
        c.once('open', () => resolve(c));
      });
    const clients = await Promise.all(Array.from({ length: 6 }, open));
    let pings = 0;
    for (const c of clients) c.on('ping', () => pings++);
    // a dead peer: it stops reading, so it never answers
    (clients[0] as unknown as { _socket: { pause(): void } })._socket.pause();
    await new Promise((r) => setTimeout(r, 1_000));
    expect(gw.sockets()).toBe(5);
    expect(pings).toBeGreaterThanOrEqual(5 * 2); // the live ones, at least twice each in ~3 periods
    for (const c of clients) c.terminate();
    await gw.close();
    await new Promise((r) => server.close(r));
  });
});
