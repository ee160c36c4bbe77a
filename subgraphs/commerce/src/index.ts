import { serveSubgraphProcess } from '@omniroute/stack/standalone';

await serveSubgraphProcess('commerce', 4002, () => import('./server.ts'));
