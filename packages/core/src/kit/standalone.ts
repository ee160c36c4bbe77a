// Distributed mode: one process per subgraph, configured by PORT, HOST, DATABASE_URL, DATA_DIR, REDIS_URL,
// INTERNAL_SIGNING_SECRET, JWT_SECRET, SEED and METRICS_TOKEN, and for operations (the chaos suite shortens them):
// RECONCILE_AFTER_MS (how long work waits before a reconciler repairs it; default 5 minutes) and
// EVENT_BUS_IDLE_TIMEOUT_MS (how long a crashed consumer's events wait before another member takes them; default 30 s).
// Each subgraph's src/index.ts is one call to this (the kit's standalone runner).
import { checkStartup, resolveSecrets } from '../secrets.ts';
import { warnIfMetricsClosed } from '../metrics.ts';
import { log } from '../logger.ts';
import { shutdownTelemetry, startTelemetry } from '../telemetry.ts';
import type { SubgraphRuntime, SubgraphRuntimeOptions } from '../runtime.ts';
import { createEventBus, type EventBus } from '@omniroute/events';

/** `load` imports the subgraph's server module only after the startup checks: a refusal comes before Prisma and the schema load. */
export async function serveSubgraphProcess(
  name: string,
  defaultPort: number,
  load: () => Promise<{ create(opts: SubgraphRuntimeOptions & { bus?: EventBus; reconcileAfterMs?: number; pendingPaymentAfterMs?: number }): Promise<SubgraphRuntime> }>,
): Promise<void> {
  // before anything connects or listens: production mode without strong secrets exits with one line (code 78)
  const secrets = checkStartup(name, () => resolveSecrets());
  warnIfMetricsClosed(name);
  if (!process.env.INTERNAL_SIGNING_SECRET) log.warn(`${name}: INTERNAL_SIGNING_SECRET is not set; only a gateway in this process could call it`);
  // Without Redis there is no bus: an in-process bus would mark outbox rows published with nobody listening, so
  // events stay in the outbox until the subgraph runs with REDIS_URL.
  const idleTimeoutMs = positive(process.env.EVENT_BUS_IDLE_TIMEOUT_MS);
  const bus = process.env.REDIS_URL ? createEventBus({ redisUrl: process.env.REDIS_URL, ...(idleTimeoutMs ? { idleTimeoutMs } : {}) }) : undefined;
  if (!bus) log.warn(`${name}: no REDIS_URL; domain events stay in the outbox and other subgraphs' events are not consumed`);
  await startTelemetry(); // OTEL_* configured: traces (HTTP and SQL spans); otherwise nothing is loaded
  const { create } = await load();
  const reconcileAfterMs = positive(process.env.RECONCILE_AFTER_MS);
  const sg = await create({
    secret: secrets.internalSecret, jwtSecret: secrets.jwtSecret, databaseUrl: process.env.DATABASE_URL, dataDir: process.env.DATA_DIR ?? `.data/${name}`, bus,
    ...(reconcileAfterMs ? { reconcileAfterMs, pendingPaymentAfterMs: reconcileAfterMs } : {}),
  });
  if (process.env.SEED === '1') await sg.seed();
  const running = await sg.listen(Number(process.env.PORT ?? defaultPort), process.env.HOST ?? '127.0.0.1');
  log.info(`${name} subgraph listening`, { url: running.url });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, async () => {
      // Requests in flight finish (≤ 10 s), then consumers finish their event, then the relay and the bus.
      setTimeout(() => process.exit(1), 25_000).unref();
      await running.stop();
      await sg.close();
      await bus?.close();
      await shutdownTelemetry();
      process.exit(0);
    });
  }
}

function positive(v: string | undefined): number | undefined {
  const n = Number(v);
  return v && Number.isFinite(n) && n > 0 ? n : undefined;
}
