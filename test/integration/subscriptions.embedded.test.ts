// Federated subscriptions on embedded PGlite + in-memory bus.
// The suite is in ./subscriptions.ts; one file per backend, so the two
// stacks boot on two workers at once.
import { federatedSubscriptions } from './subscriptions.ts';

federatedSubscriptions('embedded');
