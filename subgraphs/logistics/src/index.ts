import { serveSubgraphProcess } from '@omniroute/stack/standalone';

await serveSubgraphProcess('logistics', 4003, () => import('./server.ts'));
