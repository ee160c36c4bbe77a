// Federated subscriptions on Postgres + Redis Streams.
// The suite is in ./subscriptions.ts; one file per backend, so the two
// stacks boot on two workers at once.
import { federatedSubscriptions } from './subscriptions.ts';

federatedSubscriptions('postgres');
