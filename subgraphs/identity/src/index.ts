import { serveSubgraphProcess } from '@omniroute/stack/standalone';
import { create } from './server.ts';

await serveSubgraphProcess('identity', 4001, create);
