import { log, signingSecret } from '@omniroute/core';
import { createEventBus } from '@omniroute/events';
import { create } from './server.ts';

// Distributed mode: one process per subgraph. PORT, DATABASE_URL, REDIS_URL, INTERNAL_SIGNING_SECRET.
// Without REDIS_URL there is no bus: an in-process bus would mark outbox rows published with nobody listening, so
// events stay in the outbox until the subgraph runs with Redis.
const bus = process.env.REDIS_URL ? createEventBus({ redisUrl: process.env.REDIS_URL }) : undefined;
if (!bus) log.warn('commerce: no REDIS_URL, events stay in the outbox and finance/logistics updates are not consumed');
const sg = await create({ secret: signingSecret(), databaseUrl: process.env.DATABASE_URL, dataDir: process.env.DATA_DIR ?? '.data/commerce', bus });
const running = await sg.listen(Number(process.env.PORT ?? 4002), process.env.HOST ?? '127.0.0.1');
log.info('commerce subgraph listening', { url: running.url });

async function shutdown() {
  await running.stop();
  await sg.close();
  await bus?.close();
  process.exit(0);
}
process.once('SIGTERM', () => void shutdown());
process.once('SIGINT', () => void shutdown());
