import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The subgraphs of the OmniRoute graph, with their embedded-mode ports (gateway on 4000). */
export const SUBGRAPHS = [
  { name: 'identity', port: 4001 },
  { name: 'commerce', port: 4002 },
  { name: 'logistics', port: 4003 },
  { name: 'finance', port: 4004 },
  { name: 'workforce', port: 4005 },
] as const;
export type SubgraphName = (typeof SUBGRAPHS)[number]['name'];

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const modulesDir = (name: string) => join(ROOT, 'subgraphs', name, 'src', 'modules');
