// `npm start`: the whole platform in one process — five subgraphs on embedded PGlite under .data/ (or Postgres
// with DATABASE_URL), the gateway on :4000, the seeded demo tenants, and the live simulators.
import { join } from 'node:path';
import { log } from '@omniroute/core';
import { startStack } from '@omniroute/stack';
import { startSimulator } from '@omniroute/simulator';
import { dashboardRoutes } from '@omniroute/dashboard/serve';
import { ROOT } from './subgraphs.ts';

const t0 = Date.now();
const databaseUrl = process.env.DATABASE_URL;
const port = Number(process.env.PORT ?? 4000);
const stack = await startStack({
  databaseUrl,
  dataRoot: process.env.DATA_DIR ?? join(ROOT, '.data'),
  redisUrl: process.env.REDIS_URL,
  ports: 'fixed',
  host: '127.0.0.1',
  gatewayHost: process.env.HOST ?? '::',
  gatewayPort: port,
  seed: process.env.SEED !== '0',
  routes: dashboardRoutes(), // the live operations page at /dashboard/ (built by `npm run build`)
});

const base = `http://localhost:${port}`;
console.log(`
  OmniRoute is running (${((Date.now() - t0) / 1000).toFixed(1)} s) — ${databaseUrl ? 'Postgres' : 'embedded PGlite in .data/'}, ${process.env.REDIS_URL ? 'Redis' : 'in-memory'} event bus

  GraphQL gateway    ${base}/graphql        (open it in a browser for the sandbox; POST for clients)
  Live operations    ${base}/dashboard/     (fleet map, order feed, KPIs; sign in with a demo login)
  Health / ready     ${base}/health  ${base}/ready
  Subgraphs          ${Object.values(stack.subgraphs).map((s) => `${s.running.name} ${s.running.url}`).join('\n                     ')}

  Demo logins (password: omniroute-demo)
    ops@lagos.demo       ADMIN, Lagos FMCG Distribution (NGN)
    ops@accra.demo       ADMIN, Accra Wholesale (GHS)
    finance@lagos.demo   FINANCE      sales@lagos.demo  SALES_REP      dispatch@lagos.demo  OPERATIONS
    retailer@lagos.demo  RETAILER (one shop)       rider1@lagos.demo … rider36@lagos.demo  RIDER

  Try: mutation { login(input: { email: "ops@lagos.demo", password: "omniroute-demo" }) { accessToken } }
       then send  Authorization: Bearer <accessToken>  and run schema/operations/OrderDetail.graphql
`);

// The living demo: positions every second, orders, dispatches, deliveries and payments (SIMULATOR=0 turns it off).
const simulator = process.env.SIMULATOR === '0' ? null : startSimulator({ gatewayUrl: `http://127.0.0.1:${port}/graphql` });

let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, async () => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down');
    // The gateway, then each subgraph, finishes its requests in flight (≤ 10 s each) and its consumers their
    // event; whatever is still unhandled stays in the outbox for the next start. Bounded all the same.
    setTimeout(() => process.exit(1), 30_000).unref();
    simulator?.stop();
    await stack.close();
    process.exit(0);
  });
}
