import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isProductionMode, log, resolveSecrets, startTelemetry, type ProcessSecrets, type RunningSubgraph, type SubgraphRuntime, type SubgraphRuntimeOptions } from '@omniroute/core';
import { createGateway, documentOptionsFromEnv, type GatewayOptions } from '@omniroute/gateway';
import { createEventBus, createWriteGate, type EventBus, type WriteGate } from '@omniroute/events';
import { demoSandboxAccounts, startProviderSandbox, type ProviderSandbox, type SandboxTiming } from '@omniroute/provider-sandbox';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SUBGRAPH_NAMES = ['identity', 'commerce', 'logistics', 'finance', 'workforce'] as const;
export const EMBEDDED_PORTS: Record<string, number> = { gateway: 4000, identity: 4001, commerce: 4002, logistics: 4003, finance: 4004, workforce: 4005, paymentSandbox: 4010 };

/**
 * The key of provider credentials at rest when PAYMENT_CREDENTIALS_KEY is unset — embedded development mode only
 * (not in production mode: DATABASE_URL or NODE_ENV=production), so `npm start` needs no setup. It is public: it
 * protects nothing but the demo's sandbox credentials. Distributed processes (serveSubgraphProcess) never fall back to it.
 */
export const DEVELOPMENT_CREDENTIALS_KEY = 'JXh/Jy2fvoDtAg8gwE7ZWg+ph6wgVFZ53PqTrzNTzWw=';

type SubgraphModule = {
  create(opts: SubgraphRuntimeOptions & {
    bus?: EventBus; writeGate?: WriteGate; redisUrl?: string; changesChannel?: string;
    credentialsKey?: string; callbackBaseUrl?: () => string; paymentSandboxUrl?: string;
  }): Promise<SubgraphRuntime>;
};
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
  /**
   * The event bus, for tests that make a consumer group lag (default: created from redisUrl and busPrefix). An
   * in-memory one must be created with `startPaused` (see below); the stack closes it.
   */
  bus?: EventBus;
  /** Extra gateway routes, e.g. the dashboard's static files (`dashboardRoutes()` from `@omniroute/dashboard/serve`). */
  routes?: GatewayOptions['routes'];
  /**
   * In-memory bus: events each consumer group handles at the same time (one order's still one at a time, in order).
   * Default 4 on Postgres, 1 on PGlite (one connection per database: the handlers' transactions queue anyway).
   */
  consumerConcurrency?: number;
  /** Outbox relay polling interval of every subgraph (ms). */
  relayIntervalMs?: number;
  /**
   * In-memory bus: while the oldest event a consumer group has not handled is older than this (ms), writes (the
   * Mutations of subgraphs with an outbox) run two at a time, so a saturating write load cannot leave the events
   * ever further behind (issue 17; @omniroute/events write-gate.ts). Default EVENT_LAG_LIMIT_MS or 250; 0: off.
   */
  eventLagLimitMs?: number;
  /**
   * Periodic jobs (payment status poll, reconcilers, overdue sweep, cold-chain escalation); default true. Tests that count every SQL
   * statement a subgraph runs turn them off, so only the requests they measure are counted.
   */
  backgroundJobs?: boolean;
  /** Gateway partner access (limits, rate limits, manifests folder...); defaults: schema/persisted/, Redis when redisUrl. */
  partners?: GatewayOptions['partners'];
  /**
   * JWT and internal signing secrets. Default: from the environment (JWT_SECRET, INTERNAL_SIGNING_SECRET); on Postgres
   * (databaseUrl) or with NODE_ENV=production both must be set and ≥ 32 bytes, else startStack throws ConfigError.
   */
  secrets?: ProcessSecrets;
  /**
   * Start the payment provider sandbox (M-Pesa, MTN MoMo, Paystack) and point the demo tenants' provider accounts
   * at it (default true; port 4010 with fixed ports). Its callbacks come back through the gateway.
   */
  paymentSandbox?: boolean;
  /** The sandbox's pace (tests make it quicker). */
  paymentSandboxTiming?: Partial<SandboxTiming>;
  /** Public URL providers call back (default: the gateway's own URL). */
  callbackBaseUrl?: string;
  /**
   * The gateway calls the subgraphs of this process without HTTP (core in-process.ts: same body, same signed
   * context). Default true; OMNIROUTE_IN_PROCESS=0 or false here keeps loopback HTTP.
   */
  inProcess?: boolean;
}

export interface Stack {
  gatewayUrl: string;
  /** The payment provider sandbox, when started. */
  paymentSandbox?: ProviderSandbox;
  subgraphs: Record<string, { runtime: SubgraphRuntime; running: RunningSubgraph }>;
  /** The internal signing secret (subgraphs and gateway). */
  secret: string;
  /** The HS256 secret of identity's access tokens. */
  jwtSecret: string;
  bus: EventBus;
  close(): Promise<void>;
}

/** A non-negative number of milliseconds from the environment, else `fallback` (a bad value is an error, not ignored). */
function envMs(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a number of milliseconds ≥ 0, got "${raw}"`);
  return n;
}

/** Starts the subgraphs (migrated, optionally seeded) and the gateway in this process. */
export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  // a stack on Postgres is a deployment as far as secrets go, whoever starts it
  const production = isProductionMode() || !!opts.databaseUrl;
  const { internalSecret: secret, jwtSecret } = opts.secrets ?? resolveSecrets(process.env, { production, why: 'a Postgres database' });
  await startTelemetry(); // OTEL_* configured: traces for the gateway and every subgraph; otherwise nothing is loaded
  const host = opts.host ?? '127.0.0.1';
  const fixed = opts.ports === 'fixed';
  const names = SUBGRAPH_NAMES.filter((n) => !opts.only || opts.only.includes(n));
  const subgraphs: Stack['subgraphs'] = {};
  const started: { close(): Promise<void> }[] = [];
  // In memory, outbox rows relayed while the subgraphs start wait until every consumer group is registered
  // (resume() below): delivered to no group, they would count as handled and a crash could lose them.
  // On Postgres each consumer group handles up to 4 events at once, as replicas would (one at a time a group fell
  // 30 s behind a loaded platform's placeOrders, issue 17); one order's events still one at a time, in order (the
  // bus's lanes). PGlite runs one transaction at a time anyway, so there it stays 1.
  const bus = opts.bus ?? createEventBus({
    redisUrl: opts.redisUrl, stream: opts.busPrefix, startPaused: !opts.redisUrl,
    consumerConcurrency: opts.consumerConcurrency ?? (opts.databaseUrl ? 4 : 1),
  });
  const writeGate = createWriteGate(bus, { maxLagMs: opts.eventLagLimitMs ?? envMs('EVENT_LAG_LIMIT_MS', 250), whileBehind: 2 });
  // Identity publishes key revocations and partner app changes here; the gateway listens (pub/sub and in-process).
  const changesChannel = `${opts.busPrefix ?? 'omniroute'}:identity:changes`;
  started.push(bus);
  // Providers call back through the gateway, whose port is known only once it listens.
  let gatewayBase = opts.callbackBaseUrl ?? '';
  try {
    const sandbox = opts.paymentSandbox === false ? undefined : await startProviderSandbox({ port: fixed ? Number(process.env.PAYMENTS_SANDBOX_PORT ?? EMBEDDED_PORTS.paymentSandbox) : 0, host, timing: opts.paymentSandboxTiming });
    if (sandbox) started.push(sandbox);
    // Sequential: PGlite instances start faster one at a time on 2 cores, and logs stay readable.
    for (const name of names) {
      const mod = await importers[name]!();
      const runtime = await mod.create({
        secret,
        jwtSecret,
        databaseUrl: opts.databaseUrl,
        bus,
        relayIntervalMs: opts.relayIntervalMs,
        writeGate,
        redisUrl: opts.redisUrl,
        changesChannel,
        dataDir: opts.databaseUrl || !opts.dataRoot ? undefined : join(opts.dataRoot, name),
        // the public development key only where the secrets may be the development ones too (never on Postgres)
        credentialsKey: process.env.PAYMENT_CREDENTIALS_KEY ?? (production ? undefined : DEVELOPMENT_CREDENTIALS_KEY),
        callbackBaseUrl: () => gatewayBase,
        paymentSandboxUrl: sandbox?.url,
        ...(opts.backgroundJobs === false ? { paymentPollMs: 0, reconcileIntervalMs: 0, overdueSweepMs: 0, coldChainSweepMs: 0 } : {}),
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
      auth: { secret: jwtSecret, jwksUrl: process.env.OIDC_JWKS_URL, oidcIssuer: process.env.OIDC_ISSUER, oidcAudience: process.env.OIDC_AUDIENCE },
      subgraphUrl: (name, url) => subgraphs[name]?.running.url ?? url,
      ...((opts.inProcess ?? !['0', 'false'].includes((process.env.OMNIROUTE_IN_PROCESS ?? '').toLowerCase()))
        ? { inProcessSubgraph: (url: string) => Object.values(subgraphs).find((s) => s.running.url === url)?.running.execute }
        : {}),
      routes: opts.routes,
      ...documentOptionsFromEnv(),
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
    const gatewayUrl = `http://${(opts.gatewayHost ?? host).includes(':') || (opts.gatewayHost ?? host) === '0.0.0.0' ? 'localhost' : (opts.gatewayHost ?? host)}:${port}/graphql`;
    gatewayBase ||= gatewayUrl.replace(/\/graphql$/, '');
    sandbox?.addAccounts(demoSandboxAccounts(gatewayBase));
    return {
      gatewayUrl,
      paymentSandbox: sandbox,
      subgraphs,
      secret,
      jwtSecret,
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
