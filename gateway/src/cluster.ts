// Several gateway worker processes on one port (node:cluster): the primary accepts connections and hands them to
// the workers in turn, so HTTP requests and — what one event loop cannot spread — the per-socket writes of a
// subscription fan-out run on every core. Each worker is a full gateway replica: state that replicas must agree
// on (rate limits, APQ cache, API key revocations, subscription events) goes through Redis, as between replicas
// on different machines.
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { log } from '@omniroute/core';

/** `GATEWAY_WORKERS`: unset or 1 → one process; a positive integer; `auto` → one per core. */
export function workerCount(value: string | undefined): number {
  if (value === undefined || value === '') return 1;
  if (value === 'auto') return availableParallelism();
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new Error(`GATEWAY_WORKERS must be a positive integer or "auto", not "${value}"`);
  return n;
}

export interface WorkerPool {
  workers(): Worker[];
  /** Stops every worker (SIGTERM, then SIGKILL after `graceMs`) and stops replacing them. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * In the cluster primary: forks `count` workers that run this same entry point (cluster.isPrimary is false in
 * them) and replaces a worker that dies unexpectedly — after a pause when it died young, so a worker that
 * cannot start does not spin. `onMessage(worker, message)` sees the workers' IPC messages.
 */
export function forkWorkers(count: number, opts: { env?: NodeJS.ProcessEnv; onMessage?: (w: Worker, m: unknown) => void } = {}): WorkerPool {
  if (!cluster.isPrimary) throw new Error('forkWorkers runs in the cluster primary');
  let stopping = false;
  const born = new Map<Worker, number>();
  const start = () => {
    const w = cluster.fork(opts.env);
    born.set(w, Date.now());
    if (opts.onMessage) w.on('message', (m) => opts.onMessage!(w, m));
    w.on('exit', (code, signal) => {
      const age = Date.now() - (born.get(w) ?? 0);
      born.delete(w);
      if (stopping) return;
      log.warn('gateway worker exited; starting another', { pid: w.process.pid, code, signal, ageMs: age });
      setTimeout(start, age < 5_000 ? 1_000 : 0).unref();
    });
  };
  for (let i = 0; i < count; i++) start();
  return {
    workers: () => [...born.keys()],
    async stop(graceMs = 10_000) {
      stopping = true;
      await Promise.all(
        [...born.keys()].map(
          (w) =>
            new Promise<void>((resolve) => {
              if (w.isDead()) return resolve();
              const t = setTimeout(() => w.process.kill('SIGKILL'), graceMs);
              w.once('exit', () => {
                clearTimeout(t);
                resolve();
              });
              w.process.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}
