import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { log, signingSecret, jwtSecret, type RunningSubgraph, type SubgraphRuntime, type SubgraphRuntimeOptions } from '@omniroute/core';
import { createGateway, type GatewayOptions } from '@omniroute/gateway';
import { createEventBus, type EventBus } from '@omniroute/events';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const SUBGRAPH_NAMES = ['identity', 'commerce', 'logistics', 'finance', 'workforce'] as const;
export const EMBEDDED_PORTS: Record<string, number> = { gateway: 4000, identity: 4001, commerce: 4002, logistics: 4003, finance: 4004, workforce: 4005 };

type SubgraphModule = { create(opts: SubgraphRuntimeOptions & { bus?: EventBus; redisUrl?: string; changesChannel?: string }): Promise<SubgraphRuntime> };
type IdentityChangeFeed = { subscribe(listener: (change: { kind: 'api-key-revoked' | 'partner-app-changed'; id: string }) => void): () => void };
const importers: Record<string, () => Promise<SubgraphModule>> = {
  identity: () => import('@omniroute/identity') as Promise<SubgraphModule>,
  commerce: () => import('@omniroute/commerce' as string) as Promise<SubgraphModule>,
  logistics: () => import('@omniroute/logistics' as string) as Promise<SubgraphModule>,
  finance: () => import('@omniroute/finance' as string) as Promise<SubgraphModule>,
  workforce: () => import('@omniroute/workforce' as string) as Promise<SubgraphModule>,
};

export interface StackOptions {
  /** Postgres URL (one schema per subgraph); without it each subgraph runs on PGlite. */
  databaseUrl?: string;
  /** Root of the PGlite data directories (`<dataRoot>/<subgraph>`); without it (and no databaseUrl) in-memory. */
  dataRoot?: string;
  /** Fixed ports (embedded mode) or free ports (tests, default). */
  ports?: 'fixed' | 'free';
  /** Interface the subgraphs listen on (default 127.0.0.1). */
  host?: string;
  /** Interface the gateway listens on (default: same as host; `::` for every interface, IPv4 and IPv6). */
  gatewayHost?: string;
  /** Gateway port with `ports: 'fixed'` (default 4000). */
  gatewayPort?: number;
  seed?: boolean;
  /** Which subgraphs to start (default: all). */
  only?: readonly string[];
  supergraphSdl?: string;
  /** Redis URL for the event bus; in-memory bus without it. */
  redisUrl?: string;
  /** Redis stream/key prefix (tests use a unique one). */
  busPrefix?: string;
  /** Extra gateway routes, e.g. the dashboard's static files (`dashboardRoutes()` from `@omniroute/dashboard/serve`). */
  routes?: GatewayOptions['routes'];
  /** Outbox relay polling interval of every subgraph (ms). */
  relayIntervalMs?: number;
  /** Gateway partner access (limits, rate limits, manifests folder...); defaults: schema/persisted/, Redis when redisUrl. */
  partners?: GatewayOptions['partners'];
}

export interface Stack {
  gatewayUrl: string;
  subgraphs: Record<string, { runtime: SubgraphRuntime; running: RunningSubgraph }>;
  secret: string;
  bus: EventBus;
  close(): Promise<void>;
}

/** Starts the subgraphs (migrated, optionally seeded) and the gateway in this process. */
export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const secret = signingSecret();
  const host = opts.host ?? '127.0.0.1';
  const fixed = opts.ports === 'fixed';
  const names = SUBGRAPH_NAMES.filter((n) => !opts.only || opts.only.includes(n));
  const subgraphs: Stack['subgraphs'] = {};
  const started: { close(): Promise<void> }[] = [];
  // In memory, outbox rows relayed while the subgraphs start wait until every consumer group is registered
  // (resume() below): delivered to no group, they would count as handled and a crash could lose them.
  const bus = createEventBus({ redisUrl: opts.redisUrl, stream: opts.busPrefix, startPaused: !opts.redisUrl });
  // Identity publishes key revocations and partner app changes here; the gateway listens (pub/sub and in-process).
  const changesChannel = `${opts.busPrefix ?? 'omniroute'}:identity:changes`;
  started.push(bus);
  try {
    // Sequential: PGlite instances start faster one at a time on 2 cores, and logs stay readable.
    for (const name of names) {
      const mod = await importers[name]!();
      const runtime = await mod.create({
        secret,
        jwtSecret: jwtSecret(),
        databaseUrl: opts.databaseUrl,
        bus,
        relayIntervalMs: opts.relayIntervalMs,
        redisUrl: opts.redisUrl,
        changesChannel,
        dataDir: opts.databaseUrl || !opts.dataRoot ? undefined : join(opts.dataRoot, name),
      });
      started.push(runtime);
      if (opts.seed) await runtime.seed();
      const running = await runtime.listen(fixed ? EMBEDDED_PORTS[name] : 0, host);
      started.push({ close: () => running.stop() });
      subgraphs[name] = { runtime, running };
      log.debug('subgraph started', { name, url: running.url });
    }
    bus.resume?.();
    const supergraphSdl = opts.supergraphSdl ?? readFileSync(join(ROOT, 'schema', 'supergraph.graphql'), 'utf8');
    const gateway = createGateway({
      supergraphSdl,
      secret,
      auth: { secret: jwtSecret(), jwksUrl: process.env.OIDC_JWKS_URL, oidcIssuer: process.env.OIDC_ISSUER, oidcAudience: process.env.OIDC_AUDIENCE },
      subgraphUrl: (name, url) => subgraphs[name]?.running.url ?? url,
      routes: opts.routes,
      partners: {
        redisUrl: opts.redisUrl,
        keyPrefix: `${opts.busPrefix ?? 'omniroute'}:`,
        changesChannel,
        subscribeChanges: (listener) => (subgraphs.identity?.runtime as { changes?: IdentityChangeFeed } | undefined)?.changes?.subscribe(listener) ?? (() => {}),
        manifestsDir: join(ROOT, 'schema', 'persisted'),
        ...opts.partners,
      },
    });
    const port = await gateway.listen(fixed ? (opts.gatewayPort ?? EMBEDDED_PORTS.gateway!) : 0, opts.gatewayHost ?? host);
    started.push(gateway);
    return {
      gatewayUrl: `http://${(opts.gatewayHost ?? host).includes(':') || (opts.gatewayHost ?? host) === '0.0.0.0' ? 'localhost' : (opts.gatewayHost ?? host)}:${port}/graphql`,
      subgraphs,
      secret,
      bus,
      async close() {
        for (const s of started.reverse()) await s.close().catch(() => undefined);
      },
    };
  } catch (e) {
    for (const s of started.reverse()) await s.close().catch(() => undefined);
    throw e;
  }
}
