// Order-to-cash on embedded PGlite + in-memory bus.
// The suite is in ./order-to-cash.ts; one file per backend, so the two
// stacks boot on two workers at once.
import { orderToCash } from './order-to-cash.ts';

orderToCash('embedded');
