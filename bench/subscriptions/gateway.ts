// The measured gateway for the fan-out benchmark, in processes of its own so its memory and CPU are its own.
//   node --expose-gc --import tsx bench/subscriptions/gateway.ts <fixture|platform> <workers> [supergraph file]
//     fixture:  createGateway over the fixture's supergraph (no auth), env BENCH_SECRET
//     platform: the distributed-mode replica (gateway/src/replica.ts: SUPERGRAPH, INTERNAL_SIGNING_SECRET,
//               SUBGRAPH_URL_<NAME>, …) in front of the real subgraphs; rate limits off (10,000 sockets, one user)
//     workers > 1: that many gateway processes on one port (node:cluster, gateway/src/cluster.ts), as
//               GATEWAY_WORKERS does for the replica; this process is their primary and answers for all of them.
//   IPC: → { type: 'ready', port, pids }   ← { type: 'gc' } → { type: 'gc-done', heapUsed, external, rss }
//        ← { type: 'stats' } → { type: 'stats', sockets, … }   (sums over the workers)
// Started with --expose-gc: the benchmark asks for a full GC before each memory reading, so memory deltas count
// live subscriber state rather than garbage not yet collected.
import cluster, { type Worker } from 'node:cluster';
import { readFileSync } from 'node:fs';
import { createGateway } from '@omniroute/gateway';
import { freePort } from '@omniroute/testkit';
import { forkWorkers } from '../../gateway/src/cluster.ts';
import { createReplica } from '../../gateway/src/replica.ts';

type Msg = { type: string; [k: string]: unknown };
const [mode = 'fixture', workersArg = '1', file] = process.argv.slice(2);
const workers = Number(workersArg);

if (workers > 1 && cluster.isPrimary) {
  const port = await freePort();
  const waiting = new Map<string, { left: Set<Worker>; got: Msg[]; done: (m: Msg[]) => void }>();
  const pool = forkWorkers(workers, {
    env: { BENCH_PORT: String(port) },
    onMessage: (w, m) => {
      const msg = m as Msg;
      const wait = waiting.get(msg.type);
      if (!wait?.left.delete(w)) return;
      wait.got.push(msg);
      if (!wait.left.size) {
        waiting.delete(msg.type);
        wait.done(wait.got);
      }
    },
  });
  /** Sends `type` to every worker and resolves with their `reply` messages. */
  const all = (reply: string, send?: Msg) =>
    new Promise<Msg[]>((done) => {
      waiting.set(reply, { left: new Set(pool.workers()), got: [], done });
      if (send) for (const w of pool.workers()) w.send(send);
    });
  await all('ready');
  const sum = (ms: Msg[], k: string) => ms.reduce((s, m) => s + (typeof m[k] === 'number' ? (m[k] as number) : 0), 0);
  process.on('message', async (m: Msg) => {
    const got = await all(m.type === 'gc' ? 'gc-done' : 'stats', m);
    const keys = [...new Set(got.flatMap((g) => Object.keys(g)))].filter((k) => k !== 'type');
    process.send!({ type: got[0]!.type, ...Object.fromEntries(keys.map((k) => [k, sum(got, k)])) });
  });
  process.on('disconnect', () => void pool.stop(3_000).finally(() => process.exit(0)));
  process.send!({ type: 'ready', port, pids: [process.pid, ...pool.workers().map((w) => w.process.pid!)] });
} else {
  const gateway =
    mode === 'platform'
      ? createReplica(process.env, { partners: { rateLimits: false } })
      : createGateway({ supergraphSdl: readFileSync(file!, 'utf8'), secret: process.env.BENCH_SECRET! });
  const port = await gateway.listen(Number(process.env.BENCH_PORT ?? 0), '127.0.0.1');
  process.on('message', (m: Msg) => {
    if (m.type === 'gc') {
      (globalThis as { gc?: () => void }).gc?.();
      const mem = process.memoryUsage();
      process.send!({ type: 'gc-done', heapUsed: mem.heapUsed, external: mem.external, rss: mem.rss });
    } else if (m.type === 'stats') process.send!({ type: 'stats', sockets: gateway.sockets(), ...gateway.subscriptions.stats() });
  });
  process.on('disconnect', () => void gateway.close().finally(() => process.exit(0)));
  process.send!({ type: 'ready', port, pids: [process.pid] });
}
