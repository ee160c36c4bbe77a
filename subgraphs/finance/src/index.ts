import { serveSubgraphProcess } from '@omniroute/core/kit';

await serveSubgraphProcess('finance', 4004, () => import('./server.ts'));
