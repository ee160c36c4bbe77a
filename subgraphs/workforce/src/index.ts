import { serveSubgraphProcess } from '@omniroute/core/kit';

await serveSubgraphProcess('workforce', 4005, () => import('./server.ts'));
