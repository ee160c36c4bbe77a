// Many subscribers in one process: one WebSocket per subscriber speaking graphql-transport-ws (lean-ws.ts: the
// WebSocket framing by hand, so the load generator stays cheap next to the gateway it measures on 2 cores). Each
// `next` is checked and its delivery latency taken from the publish time the event carries (position.recordedAt).
//   node --import tsx bench/subscriptions/clients.ts   (IPC child)
//   ← { type: 'connect', url, count, query, variables?, connectionParams? } → { type: 'connected', open, failed, ms }
//   ← { type: 'reset' } → { type: 'reset-done' }
//   ← { type: 'report' } → { type: 'report', received, bad, closed, reached, open, histogram: { <ms>: count }, firstBad? }
import { openLeanWs, type LeanWs } from './lean-ws.ts';

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

interface Subscriber {
  ws: LeanWs;
  /** the exact bytes a `next` for this subscriber starts with: {"id":"<id>","type":"next","payload": */
  prefix: Buffer;
  /** the reset epoch in which it last received an event */
  epoch: number;
}

const subscribers: Subscriber[] = [];
/** histogram[ms] = deliveries with that latency */
let histogram: number[] = [];
let received = 0;
let bad = 0;
let closed = 0;
let firstBad: string | undefined;
let epoch = 1;
/** subscribers that received an event since the last reset */
let reached = 0;

let check: 'full' | 'basic' = 'full';

/**
 * Every subscriber of an event gets the same payload after its own id, so a payload checked once is remembered
 * with its publish time: the next copies are compared byte for byte (memcmp), not parsed again — parsing 10,000
 * copies would be most of this process's CPU.
 */
let known: { payload: Buffer; publishedAt: number }[] = [];

function recordBad(data: Buffer) {
  bad++;
  firstBad ??= data.toString('utf8', 0, 500);
}

function record(ms: number) {
  received++;
  const k = Math.max(0, Math.round(ms));
  histogram[k] = (histogram[k] ?? 0) + 1;
}

function onNext(sub: Subscriber, data: Buffer) {
  const from = sub.prefix.length;
  for (const k of known) {
    if (k.payload.length === data.length - from && k.payload.compare(data, from) === 0) return record(Date.now() - k.publishedAt);
  }
  const ms = parseLatency(data.toString());
  if (ms === null) return recordBad(data);
  if (known.length >= 8) known.shift();
  known.push({ payload: Buffer.from(data.subarray(from)), publishedAt: Date.now() - ms });
  record(ms);
}

function parseLatency(text: string): number | null {
  let msg: { type?: string; payload?: { data?: { vehiclePositionUpdated?: any }; errors?: unknown } };
  try {
    msg = JSON.parse(text);
  } catch {
    return null;
  }
  const e = msg.payload?.data?.vehiclePositionUpdated;
  // the whole selection must be there: the subscription subgraph's fields and the entity fields of the others
  if (msg.type !== 'next' || msg.payload?.errors || !e?.vehicle?.plate) return null;
  if (check === 'full' && (!e.shipment?.order?.number || !e.shipment.order.customer?.name || !e.shipment.rider?.level?.name)) return null;
  const at = Date.parse(e.position?.recordedAt);
  return Number.isFinite(at) && Date.now() >= at ? Date.now() - at : null;
}

function open(m: ConnectMsg, id: number): Promise<boolean> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (ok: boolean) => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        resolve(ok);
      }
    };
    const sub: Subscriber = { ws: undefined as never, prefix: Buffer.from(`{"id":${JSON.stringify(String(id))},"type":"next","payload":`), epoch: 0 };
    sub.ws = openLeanWs(m.url, 'graphql-transport-ws', {
      open: () => sub.ws.send(JSON.stringify({ type: 'connection_init', payload: m.connectionParams ?? {} })),
      message: (data) => {
        if (settled && sub.prefix.compare(data, 0, sub.prefix.length) === 0) {
          if (sub.epoch !== epoch) {
            sub.epoch = epoch;
            reached++;
          }
          return onNext(sub, data);
        }
        let msg: { type?: string; payload?: unknown };
        try {
          msg = JSON.parse(data.toString());
        } catch {
          msg = {};
        }
        if (msg.type === 'ping') return sub.ws.send(JSON.stringify({ type: 'pong', payload: msg.payload }));
        if (msg.type === 'pong') return;
        if (!settled && msg.type === 'connection_ack') {
          sub.ws.send(JSON.stringify({ id: String(id), type: 'subscribe', payload: { query: m.query, variables: m.variables ?? {} } }));
          subscribers.push(sub);
          return done(true);
        }
        recordBad(data);
      },
      close: () => {
        if (settled) closed++;
        done(false);
      },
    });
    const timer = setTimeout(() => {
      done(false);
      sub.ws.terminate();
    }, 60_000);
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
      return send({ type: 'connected', ...(await connect(m as ConnectMsg)), total: subscribers.length });
    case 'reset':
      histogram = [];
      received = 0;
      bad = 0;
      firstBad = undefined;
      epoch++;
      reached = 0;
      return send({ type: 'reset-done' });
    case 'report':
      return send({
        type: 'report',
        received,
        bad,
        closed,
        reached,
        open: subscribers.filter((s) => s.ws.open).length,
        histogram: Object.fromEntries(histogram.flatMap((n, ms) => (n ? [[ms, n]] : []))),
        firstBad,
      });
  }
});
process.on('disconnect', () => {
  for (const s of subscribers) s.ws.terminate();
  process.exit(0);
});
/**
 * Reads in batches, like a NIC's interrupt coalescing: between event-loop turns this process sleeps on a futex for
 * BENCH_CLIENT_PACE_MS (default 1 ms; 0 = off), not in epoll_wait, so data arriving meanwhile does not wake it and
 * the next turn reads every ready socket at once. On loopback the sender's write(2) does the receiver's TCP work
 * and its wake-up; 10,000 subscribers sleeping in epoll would make every one of the gateway's writes pay a
 * cross-CPU wake-up that remote subscribers never cost it. The added delay (≤ the pace) is in the latencies.
 */
const paceMs = Number(process.env.BENCH_CLIENT_PACE_MS ?? 1);
if (paceMs > 0) {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const pace = () => {
    Atomics.wait(cell, 0, 0, paceMs);
    setImmediate(pace);
  };
  setImmediate(pace);
}
process.send!({ type: 'ready' });
