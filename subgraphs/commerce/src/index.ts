import { serveSubgraphProcess } from '@omniroute/core/kit';

await serveSubgraphProcess('commerce', 4002, () => import('./server.ts'));
