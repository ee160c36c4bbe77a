import { serveSubgraphProcess } from '@omniroute/stack/standalone';
import { create } from './server.ts';

await serveSubgraphProcess('workforce', 4005, create);
