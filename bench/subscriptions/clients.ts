// Many subscribers in one process: one WebSocket per subscriber speaking graphql-transport-ws (the `ws` package,
// the protocol by hand — a full client per socket would cost more than the sockets). Each `next` is checked and
// its delivery latency taken from the publish time the event carries (position.recordedAt).
//   node --import tsx bench/subscriptions/clients.ts   (IPC child)
//   ← { type: 'connect', url, count, query, variables?, connectionParams? } → { type: 'connected', open, failed, ms }
//   ← { type: 'reset' } → { type: 'reset-done' }
//   ← { type: 'report' } → { type: 'report', received, bad, closed, reached, open, histogram: { <ms>: count }, firstBad? }
import WebSocket from 'ws';

interface ConnectMsg {
  type: 'connect';
  url: string;
  count: number;
  query: string;
  variables?: Record<string, unknown>;
  connectionParams?: Record<string, unknown>;
  concurrency?: number;
  /** 'full': every field of the selection must be there (fixture data always has them); 'basic': vehicle and position */
  check?: 'full' | 'basic';
}

const sockets: WebSocket[] = [];
let histogram = new Map<number, number>();
let received = 0;
let bad = 0;
let closed = 0;
let firstBad: string | undefined;
/** sockets that received an event since the last reset */
let reached = new Set<WebSocket>();

let check: 'full' | 'basic' = 'full';

/**
 * Every subscriber of an event gets the same payload, so a payload checked once is remembered (publish time by
 * payload text): the next copies are compared whole, without parsing them again — the load generator shares
 * the machine with the server under test, and parsing every copy would be most of its CPU.
 */
let checked = new Map<string, number>();
const NEXT = ',"type":"next","payload":';

function latencyOf(text: string): number | null {
  const at = text.indexOf(NEXT);
  if (at > 0) {
    const known = checked.get(text.slice(at));
    if (known !== undefined) return Date.now() - known;
  }
  const ms = parseLatency(text);
  if (ms !== null && ms >= 0 && at > 0) {
    if (checked.size > 1000) checked = new Map();
    checked.set(text.slice(at), Date.now() - ms);
  }
  return ms;
}

function parseLatency(text: string): number | null {
  let msg: { type?: string; payload?: { data?: { vehiclePositionUpdated?: any }; errors?: unknown } };
  try {
    msg = JSON.parse(text);
  } catch {
    return null;
  }
  if (msg.type !== 'next') return msg.type === 'connection_ack' || msg.type === 'pong' || msg.type === 'ping' ? -1 : null;
  const e = msg.payload?.data?.vehiclePositionUpdated;
  // the whole selection must be there: the subscription subgraph's fields and the entity fields of the others
  if (msg.payload?.errors || !e?.vehicle?.plate) return null;
  if (check === 'full' && (!e.shipment?.order?.number || !e.shipment.order.customer?.name || !e.shipment.rider?.level?.name)) return null;
  const at = Date.parse(e.position?.recordedAt);
  return Number.isFinite(at) ? Date.now() - at : null;
}

function open(m: ConnectMsg, id: number): Promise<boolean> {
  return new Promise((resolve) => {
    const ws = new WebSocket(m.url, 'graphql-transport-ws', { perMessageDeflate: false });
    let settled = false;
    const done = (ok: boolean) => {
      if (!settled) {
        settled = true;
        resolve(ok);
      }
    };
    const timer = setTimeout(() => {
      done(false);
      ws.terminate();
    }, 60_000);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: m.connectionParams ?? {} })));
    ws.on('message', (raw: Buffer) => {
      const text = raw.toString();
      if (!settled) {
        if (text.includes('"connection_ack"')) {
          ws.send(JSON.stringify({ id: String(id), type: 'subscribe', payload: { query: m.query, variables: m.variables ?? {} } }));
          clearTimeout(timer);
          sockets.push(ws);
          done(true);
        }
        return;
      }
      if (text.includes('"type":"ping"')) return void ws.send('{"type":"pong"}');
      const ms = latencyOf(text);
      if (ms === -1) return;
      reached.add(ws);
      if (ms === null) {
        bad++;
        firstBad ??= text.slice(0, 500);
        return;
      }
      received++;
      const k = Math.max(0, Math.round(ms));
      histogram.set(k, (histogram.get(k) ?? 0) + 1);
    });
    ws.on('close', () => {
      if (settled) closed++;
      clearTimeout(timer);
      done(false);
    });
    ws.on('error', () => done(false));
  });
}

let nextId = 0;
async function connect(m: ConnectMsg) {
  check = m.check ?? 'full';
  const t0 = Date.now();
  let ok = 0;
  let failed = 0;
  const concurrency = m.concurrency ?? 100;
  let left = m.count;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, m.count) }, async () => {
      while (left > 0) {
        left--;
        if (await open(m, ++nextId)) ok++;
        else failed++;
      }
    }),
  );
  return { open: ok, failed, ms: Date.now() - t0 };
}

process.on('message', async (m: { type: string }) => {
  const send = (x: object) => process.send!(x);
  switch (m.type) {
    case 'connect':
      return send({ type: 'connected', ...(await connect(m as ConnectMsg)), total: sockets.length });
    case 'reset':
      histogram = new Map();
      received = 0;
      bad = 0;
      firstBad = undefined;
      reached = new Set();
      return send({ type: 'reset-done' });
    case 'report':
      return send({ type: 'report', received, bad, closed, reached: reached.size, open: sockets.filter((s) => s.readyState === WebSocket.OPEN).length, histogram: Object.fromEntries(histogram), firstBad });
  }
});
process.on('disconnect', () => {
  for (const s of sockets) s.terminate();
  process.exit(0);
});
process.send!({ type: 'ready' });
