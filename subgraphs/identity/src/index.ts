import { serveSubgraphProcess } from '@omniroute/core/kit';

await serveSubgraphProcess('identity', 4001, () => import('./server.ts'));
