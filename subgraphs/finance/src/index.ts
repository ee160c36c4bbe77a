import { serveSubgraphProcess } from '@omniroute/stack/standalone';

await serveSubgraphProcess('finance', 4004, () => import('./server.ts'));
