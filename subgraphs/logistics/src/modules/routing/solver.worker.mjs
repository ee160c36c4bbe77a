// Worker entry in plain JavaScript: a worker thread does not inherit the parent's TypeScript loader on every Node
// version (20 does not), so it registers tsx itself before loading the TypeScript solver.
import { register } from 'tsx/esm/api';

register();
await import('./solver.worker.ts');
