import { signingSecret, log } from '@omniroute/core';
import { create } from './server.ts';

// Distributed mode: one process per subgraph. PORT, DATABASE_URL, INTERNAL_SIGNING_SECRET, JWT_SECRET.
const sg = await create({ secret: signingSecret(), databaseUrl: process.env.DATABASE_URL, dataDir: process.env.DATA_DIR ?? '.data/identity' });
const running = await sg.listen(Number(process.env.PORT ?? 4001), process.env.HOST ?? '127.0.0.1');
log.info('identity subgraph listening', { url: running.url });
