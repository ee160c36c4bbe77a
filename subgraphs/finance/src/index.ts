import { serveSubgraphProcess } from '@omniroute/stack/standalone';
import { create } from './server.ts';

await serveSubgraphProcess('finance', 4004, create);
