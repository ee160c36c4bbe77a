import { describe, expect, it } from 'vitest';
import * as ws from 'ws';
import { textFrame } from './graphql-ws.ts';

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
