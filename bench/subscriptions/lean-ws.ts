// A minimal WebSocket client (RFC 6455) for the fan-out benchmark's subscriber processes: the opening handshake
// over node:net, masked text frames out, frames in parsed straight off the socket. The `ws` package costs ~19 µs
// of JS per received message here (its Receiver is a Writable stream per socket), and the subscriber processes
// share the machine's 2 cores with the gateway they measure: every microsecond they spend is taken from it.
// Scope: what a graphql-transport-ws subscriber needs — text frames, ping → pong, close; no extensions, no
// fragmented messages (the gateway never fragments; one arriving is reported as a protocol error).
import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/**
 * Every socket reads into this one buffer (net's `onread`): no allocation per read and no stream machinery (push,
 * 'data' events) — reads are handled synchronously, so sharing it in one thread is safe; a partial frame is copied.
 */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);

export interface LeanWsHandlers {
  open(): void;
  /** A complete text message, as bytes: valid only during the call (it may point into the shared read buffer). */
  message(data: Buffer): void;
  /** Handshake failure, protocol error, close frame or a dropped connection; called once. */
  close(code: number, reason: string): void;
}

export interface LeanWs {
  send(text: string): void;
  close(code?: number): void;
  /** Drops the TCP connection without a close handshake. */
  terminate(): void;
  readonly open: boolean;
}

/** Opens `url` (ws://host:port/path) asking for `protocol`; the handshake's accept key and protocol are checked. */
export function openLeanWs(url: string, protocol: string, on: LeanWsHandlers): LeanWs {
  const u = new URL(url);
  const key = randomBytes(16).toString('base64');
  const accept = createHash('sha1').update(key + GUID).digest('base64');
  const socket: Socket = connect({
    host: u.hostname,
    port: Number(u.port || 80),
    noDelay: true,
    onread: { buffer: READ_BUFFER, callback: (n: number, buf: Uint8Array) => void onData(Buffer.from(buf.buffer, buf.byteOffset, n)) },
  });
  let state: 'handshake' | 'open' | 'closed' = 'handshake';
  let pending: Buffer | null = null;

  const finish = (code: number, reason: string) => {
    if (state === 'closed') return;
    state = 'closed';
    socket.destroy();
    on.close(code, reason);
  };
  const writeFrame = (opcode: number, payload: Buffer) => {
    if (!socket.writable) return;
    socket.write(maskedFrame(opcode, payload));
  };

  socket.on('connect', () => {
    socket.write(
      `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ${protocol}\r\n\r\n`,
    );
  });
  const onData = (chunk: Buffer) => {
    let buf = pending ? Buffer.concat([pending, chunk]) : chunk;
    pending = null;
    if (state === 'handshake') {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        pending = Buffer.from(buf);
        return;
      }
      const head = buf.toString('latin1', 0, end);
      const headers = new Map(head.split('\r\n').slice(1).map((l) => [l.slice(0, l.indexOf(':')).trim().toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      if (!/^HTTP\/1\.1 101 /.test(head)) return finish(1002, `handshake refused: ${head.split('\r\n')[0]}`);
      if (headers.get('sec-websocket-accept') !== accept) return finish(1002, 'handshake: bad Sec-WebSocket-Accept');
      if (headers.get('sec-websocket-protocol') !== protocol) return finish(1002, `handshake: protocol ${headers.get('sec-websocket-protocol') ?? 'none'}`);
      if (headers.has('sec-websocket-extensions')) return finish(1002, 'handshake: unexpected extension');
      state = 'open';
      on.open();
      buf = buf.subarray(end + 4);
    }
    let at = 0;
    while (state === 'open' && buf.length - at >= 2) {
      const b0 = buf[at]!;
      const b1 = buf[at + 1]!;
      let len = b1 & 0x7f;
      let head = 2;
      if (len === 126) {
        if (buf.length - at < 4) break;
        len = buf.readUInt16BE(at + 2);
        head = 4;
      } else if (len === 127) {
        if (buf.length - at < 10) break;
        len = buf.readUInt32BE(at + 2) * 2 ** 32 + buf.readUInt32BE(at + 6);
        head = 10;
      }
      if (b1 & 0x80) return finish(1002, 'masked frame from the server');
      if (buf.length - at < head + len) break;
      const payload = buf.subarray(at + head, at + head + len);
      at += head + len;
      const opcode = b0 & 0x0f;
      if ((b0 & 0x80) === 0 || opcode === 0) return finish(1002, 'fragmented message');
      if (b0 & 0x70) return finish(1002, 'reserved bits set (no extension was negotiated)');
      if (opcode === 0x1) on.message(payload);
      else if (opcode === 0x9) writeFrame(0xa, payload);
      else if (opcode === 0x8) {
        const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        writeFrame(0x8, payload.subarray(0, 2));
        return finish(code, payload.toString('utf8', 2));
      } else if (opcode !== 0xa) return finish(1002, `unexpected opcode ${opcode}`);
    }
    // a partial frame waits for the rest (copied: the chunk's memory is not ours to keep)
    if (state !== 'closed' && at < buf.length) pending = Buffer.from(buf.subarray(at));
  };
  socket.on('error', (e) => finish(1006, e.message));
  socket.on('close', () => finish(1006, 'connection dropped'));

  return {
    send: (text) => writeFrame(0x1, Buffer.from(text)),
    close: (code = 1000) => {
      const p = Buffer.alloc(2);
      p.writeUInt16BE(code);
      writeFrame(0x8, p);
      socket.end();
    },
    terminate: () => finish(1006, 'terminated'),
    get open() {
      return state === 'open';
    },
  };
}

/** A final client frame: masked with a fresh key, as RFC 6455 §5.3 requires of every client frame. */
export function maskedFrame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const head = len < 126 ? 2 : len < 65536 ? 4 : 10;
  const f = Buffer.allocUnsafe(head + 4 + len);
  f[0] = 0x80 | opcode;
  if (head === 2) f[1] = 0x80 | len;
  else if (head === 4) {
    f[1] = 0x80 | 126;
    f.writeUInt16BE(len, 2);
  } else {
    f[1] = 0x80 | 127;
    f.writeUInt32BE(Math.floor(len / 2 ** 32), 2);
    f.writeUInt32BE(len >>> 0, 6);
  }
  const mask = randomBytes(4);
  mask.copy(f, head);
  for (let i = 0; i < len; i++) f[head + 4 + i] = payload[i]! ^ mask[i & 3]!;
  return f;
}
