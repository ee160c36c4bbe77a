// Distributed mode: a gateway replica for the OmniRoute graph (run as many as you like behind a load balancer).
// The generic CLI (cli.ts) serves any supergraph without auth; this one adds our edge: JWT/OIDC/API keys, signed
// upstream context, persisted queries, limits, rate limits and subscriptions — shared through Redis.
//   PORT, HOST, GATEWAY_WORKERS (processes on this port, `auto` = one per core; default 1), and the variables of
//   replica.ts: SUPERGRAPH, INTERNAL_SIGNING_SECRET, JWT_SECRET, METRICS_TOKEN, OIDC_*, REDIS_URL, REDIS_PREFIX,
//   SUBGRAPH_URL_<NAME>, PERSISTED_DIR. Started by `npm run gateway` (with the Node flags the fan-out benchmark measured).
import cluster from 'node:cluster';
import { checkStartup, log, shutdownTelemetry, startTelemetry, warnIfMetricsClosed } from '@omniroute/core';
import { forkWorkers, workerCount } from './cluster.ts';
import { replicaSecrets } from './replica-secrets.ts';

// before anything listens, in the primary and in every worker: missing or weak secrets exit with one line (code 78)
checkStartup('gateway', () => replicaSecrets());
if (cluster.isPrimary) warnIfMetricsClosed('gateway');
const port = Number(process.env.PORT ?? 4000);
const workers = workerCount(process.env.GATEWAY_WORKERS);
const onShutdown = (stop: () => Promise<void>) => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, async () => {
      setTimeout(() => process.exit(1), 15_000).unref(); // close() drains requests for at most 10 s
      await stop();
      process.exit(0);
    });
  }
};

if (workers > 1 && cluster.isPrimary) {
  if (!process.env.REDIS_URL) log.warn('GATEWAY_WORKERS > 1 without REDIS_URL: each worker keeps its own rate-limit counters and APQ cache');
  const pool = forkWorkers(workers);
  log.info('gateway primary', { port, pid: process.pid, workers });
  onShutdown(() => pool.stop());
} else {
  await startTelemetry(); // OTEL_* configured: traces; otherwise nothing is loaded
  const { createReplica } = await import('./replica.ts'); // after the checks: a refusal does not load the gateway
  const gateway = createReplica();
  const listening = await gateway.listen(port, process.env.HOST ?? '::');
  log.info('gateway listening', { port: listening, pid: process.pid, redis: !!process.env.REDIS_URL, worker: cluster.isWorker ? cluster.worker!.id : undefined });
  onShutdown(async () => { await gateway.close(); await shutdownTelemetry(); });
}
