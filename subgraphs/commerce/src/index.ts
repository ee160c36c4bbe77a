import { serveSubgraphProcess } from '@omniroute/stack/standalone';
import { create } from './server.ts';

await serveSubgraphProcess('commerce', 4002, create);
