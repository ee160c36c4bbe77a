import { serveSubgraphProcess } from '@omniroute/stack/standalone';
import { create } from './server.ts';

await serveSubgraphProcess('logistics', 4003, create);
