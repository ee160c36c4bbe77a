import { serveSubgraphProcess } from '@omniroute/stack/standalone';

await serveSubgraphProcess('identity', 4001, () => import('./server.ts'));
