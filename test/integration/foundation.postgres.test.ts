// The foundation on Postgres.
// The suite is in ./foundation.ts; one file per backend, so the two
// stacks boot on two workers at once.
import { foundation } from './foundation.ts';

foundation('postgres');
