import type { RunningSubgraph } from './subgraph-server.ts';

/** What every subgraph needs to start, in embedded and in distributed mode. */
export interface SubgraphRuntimeOptions {
  /** HMAC secret shared with the gateway for the signed internal context. */
  secret: string;
  /** Postgres URL; without it the subgraph uses embedded PGlite. */
  databaseUrl?: string;
  /** PGlite data directory; without it (and without databaseUrl) an in-memory database. */
  dataDir?: string;
  /** HS256 secret for access tokens (identity issues them). */
  jwtSecret?: string;
  /** Outbox relay polling interval (ms); commits also kick the relay at once. */
  relayIntervalMs?: number;
}

/** A built subgraph over its migrated database; every subgraph's server.ts exports `create(opts)` returning one. */
export interface SubgraphRuntime {
  name: string;
  /** Serves the subgraph over HTTP (port 0: a free port). */
  listen(port?: number, host?: string): Promise<RunningSubgraph>;
  /** Writes this subgraph's part of the demo plan; does nothing when already seeded. */
  seed(): Promise<void>;
  /** SQL statements executed so far (N+1 tests reset it to 0). */
  db: { stats: { statements: number } };
  close(): Promise<void>;
}
