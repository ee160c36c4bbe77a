import { log, signingSecret } from '@omniroute/core';
import { createEventBus } from '@omniroute/events';
import { create } from './server.ts';

// Distributed mode: one process per subgraph. PORT, DATABASE_URL, REDIS_URL, INTERNAL_SIGNING_SECRET.
const bus = createEventBus({ redisUrl: process.env.REDIS_URL });
const sg = await create({ secret: signingSecret(), databaseUrl: process.env.DATABASE_URL, dataDir: process.env.DATA_DIR ?? '.data/finance', bus });
const running = await sg.listen(Number(process.env.PORT ?? 4004), process.env.HOST ?? '127.0.0.1');
log.info('finance subgraph listening', { url: running.url });
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    await running.stop();
    await sg.close();
    await bus.close();
    process.exit(0);
  });
}
