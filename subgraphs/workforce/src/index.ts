import { serveSubgraphProcess } from '@omniroute/stack/standalone';

await serveSubgraphProcess('workforce', 4005, () => import('./server.ts'));
