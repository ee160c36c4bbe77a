import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { log, signingSecret, jwtSecret, type RunningSubgraph, type SubgraphRuntime, type SubgraphRuntimeOptions } from '@omniroute/core';
import { createGateway } from '@omniroute/gateway';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const SUBGRAPH_NAMES = ['identity', 'commerce', 'logistics', 'finance', 'workforce'] as const;
export const EMBEDDED_PORTS: Record<string, number> = { gateway: 4000, identity: 4001, commerce: 4002, logistics: 4003, finance: 4004, workforce: 4005 };

type SubgraphModule = { create(opts: SubgraphRuntimeOptions): Promise<SubgraphRuntime> };
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
  host?: string;
  seed?: boolean;
  /** Which subgraphs to start (default: all). */
  only?: readonly string[];
  supergraphSdl?: string;
}

export interface Stack {
  gatewayUrl: string;
  subgraphs: Record<string, { runtime: SubgraphRuntime; running: RunningSubgraph }>;
  secret: string;
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
  try {
    // Sequential: PGlite instances start faster one at a time on 2 cores, and logs stay readable.
    for (const name of names) {
      const mod = await importers[name]!();
      const runtime = await mod.create({
        secret,
        jwtSecret: jwtSecret(),
        databaseUrl: opts.databaseUrl,
        dataDir: opts.databaseUrl || !opts.dataRoot ? undefined : join(opts.dataRoot, name),
      });
      started.push(runtime);
      if (opts.seed) await runtime.seed();
      const running = await runtime.listen(fixed ? EMBEDDED_PORTS[name] : 0, host);
      started.push({ close: () => running.stop() });
      subgraphs[name] = { runtime, running };
      log.debug('subgraph started', { name, url: running.url });
    }
    const supergraphSdl = opts.supergraphSdl ?? readFileSync(join(ROOT, 'schema', 'supergraph.graphql'), 'utf8');
    const gateway = createGateway({
      supergraphSdl,
      secret,
      auth: { secret: jwtSecret(), jwksUrl: process.env.OIDC_JWKS_URL, oidcIssuer: process.env.OIDC_ISSUER, oidcAudience: process.env.OIDC_AUDIENCE },
      subgraphUrl: (name, url) => subgraphs[name]?.running.url ?? url,
    });
    const port = await gateway.listen(fixed ? EMBEDDED_PORTS.gateway! : 0, host);
    started.push(gateway);
    return {
      gatewayUrl: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}/graphql`,
      subgraphs,
      secret,
      async close() {
        for (const s of started.reverse()) await s.close().catch(() => undefined);
      },
    };
  } catch (e) {
    for (const s of started.reverse()) await s.close().catch(() => undefined);
    throw e;
  }
}
