import { serveSubgraphProcess } from '@omniroute/core/kit';

await serveSubgraphProcess('logistics', 4003, () => import('./server.ts'));
