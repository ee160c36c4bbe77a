// Distributed mode: one process per subgraph, configured by PORT, HOST, DATABASE_URL, DATA_DIR, REDIS_URL,
// INTERNAL_SIGNING_SECRET and JWT_SECRET. Each subgraph's src/index.ts is one call to this.
import { jwtSecret, log, signingSecret, type SubgraphRuntime, type SubgraphRuntimeOptions } from '@omniroute/core';
import { createEventBus, type EventBus } from '@omniroute/events';

export async function serveSubgraphProcess(
  name: string,
  defaultPort: number,
  create: (opts: SubgraphRuntimeOptions & { bus?: EventBus }) => Promise<SubgraphRuntime>,
): Promise<void> {
  if (!process.env.INTERNAL_SIGNING_SECRET) log.warn(`${name}: INTERNAL_SIGNING_SECRET is not set; only a gateway in this process could call it`);
  // Without Redis there is no bus: an in-process bus would mark outbox rows published with nobody listening, so
  // events stay in the outbox until the subgraph runs with REDIS_URL.
  const bus = process.env.REDIS_URL ? createEventBus({ redisUrl: process.env.REDIS_URL }) : undefined;
  if (!bus) log.warn(`${name}: no REDIS_URL; domain events stay in the outbox and other subgraphs' events are not consumed`);
  const sg = await create({ secret: signingSecret(), jwtSecret: jwtSecret(), databaseUrl: process.env.DATABASE_URL, dataDir: process.env.DATA_DIR ?? `.data/${name}`, bus });
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
      process.exit(0);
    });
  }
}
