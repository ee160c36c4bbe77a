// `npm start`: the whole platform in one process — five subgraphs on embedded PGlite under .data/ (or Postgres
// with DATABASE_URL), the gateway on :4000, the seeded demo tenants, and the live simulators.
import { join } from 'node:path';
import { checkStartup, isProductionMode, log, resolveSecrets, seedDemo, warnIfMetricsClosed } from '@omniroute/core';
import { ROOT } from './subgraphs.ts';

const t0 = Date.now();
// Zero-config in development. With DATABASE_URL or NODE_ENV=production, missing or weak secrets exit here with one
// line (code 78), and the demo tenants (well-known passwords) and the simulator run only when asked for (SEED=1, SIMULATOR=1).
const secrets = checkStartup('start', () => resolveSecrets());
warnIfMetricsClosed('start');
const production = isProductionMode();
const seed = seedDemo();
// loaded after the checks, so that a refusal comes at once
const [{ startStack }, { simulationsFor, startSimulators }, { demoPlan }, { dashboardRoutes }] = await Promise.all([
  import('@omniroute/platform'), import('@omniroute/simulator'), import('@omniroute/demo'), import('@omniroute/dashboard/serve'),
]);
const databaseUrl = process.env.DATABASE_URL;
const port = Number(process.env.PORT ?? 4000);
const stack = await startStack({
  secrets,
  databaseUrl,
  dataRoot: process.env.DATA_DIR ?? join(ROOT, '.data'),
  redisUrl: process.env.REDIS_URL,
  ports: 'fixed',
  host: '127.0.0.1',
  gatewayHost: process.env.HOST ?? '::',
  gatewayPort: port,
  seed,
  routes: dashboardRoutes(), // the live operations page at /dashboard/ (built by `npm run build`)
});

const base = `http://localhost:${port}`;
console.log(`
  OmniRoute is running (${((Date.now() - t0) / 1000).toFixed(1)} s) — ${databaseUrl ? 'Postgres' : 'embedded PGlite in .data/'}, ${process.env.REDIS_URL ? 'Redis' : 'in-memory'} event bus

  GraphQL gateway    ${base}/graphql        (open it in a browser for GraphiQL; POST for clients)
  Live operations    ${base}/dashboard/     (fleet map, order feed, KPIs; sign in with a demo login)
  Health / ready     ${base}/health  ${base}/ready
  Metrics            ${base}/metrics        (Prometheus; each subgraph's port has its own)
  Subgraphs          ${Object.values(stack.subgraphs).map((s) => `${s.running.name} ${s.running.url}`).join('\n                     ')}
  Payment sandbox    ${stack.paymentSandbox?.url ?? 'off'}   (M-Pesa, MTN MoMo, Paystack; callbacks to ${base}/webhooks/payments/…)

${seed ? `  Demo logins (password: omniroute-demo)
    ops@lagos.demo       ADMIN, Lagos FMCG Distribution (NGN)
    ops@accra.demo       ADMIN, Accra Wholesale (GHS)
    finance@lagos.demo   FINANCE      sales@lagos.demo  SALES_REP      dispatch@lagos.demo  OPERATIONS
    retailer@lagos.demo  RETAILER (one shop)       rider1@lagos.demo … rider36@lagos.demo  RIDER

  Try: mutation { login(input: { email: "ops@lagos.demo", password: "omniroute-demo" }) { accessToken } }
       then send  Authorization: Bearer <accessToken>  and run schema/operations/OrderDetail.graphql
` : `  Demo tenants not seeded (production mode: SEED=1 seeds them).
`}`);

// The living demo for every seeded tenant: positions every second, orders, dispatches, deliveries and payments,
// each tenant at its own pace (SIMULATOR_* in README, Configuration; SIMULATOR=0 turns it off). In production mode
// it runs only with SIMULATOR=1, since it places orders and payments.
const simulate = production ? process.env.SIMULATOR === '1' : process.env.SIMULATOR !== '0';
const simulator = !simulate ? null : startSimulators(`http://127.0.0.1:${port}/graphql`, simulationsFor(demoPlan(), process.env));

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
