// The real platform as the subscription source: startStack (five subgraphs, seeded, on a throw-away Postgres
// database) in this process; the measured gateway is a distributed-mode replica in processes of its own
// (bench/subscriptions/gateway.ts platform), which this process is told about. Subscribers use the LiveFleet
// operation; events are real position reports (reportVehiclePosition through the measured gateway, recordedAt =
// the moment of publishing), which logistics stores and publishes live, and the gateway fans out with commerce
// and workforce entity fetches per event.
//   node --import tsx bench/subscriptions/stack-target.ts   (IPC child)
//   → { type: 'ready', secret, subgraphUrls, connectionParams, query, … }
//   ← { type: 'gateway', url } → { type: 'gateway-set' }     ← { type: 'publish', rate, count } → { type: 'published', count, failed }
import { readFileSync } from 'node:fs';
import { startStack, type Stack, type StackOptions } from '@omniroute/platform';
import { createTestDatabase, gql, login, nodes, testSecrets } from '@omniroute/testkit';
import { ROOT } from '../lib/proc.ts';

const LIVE_FLEET = readFileSync(`${ROOT}/schema/operations/LiveFleet.graphql`, 'utf8');
const REPORT = `mutation Report($input: ReportVehiclePositionInput!) { reportVehiclePosition(input: $input) { userErrors { code message } } }`;

const db = await createTestDatabase('omniroute_bench_subs');
let stack: Stack | undefined;
const shutdown = async (code: number) => {
  await stack?.close().catch(() => undefined);
  await db.drop().catch(() => undefined);
  process.exit(code);
};
process.on('disconnect', () => void shutdown(0));
try {
  // No simulator here (startStack does not run it): the benchmark's reports are the only positions.
  const options: StackOptions = { secrets: testSecrets(), databaseUrl: db.url, seed: true, relayIntervalMs: 3_600_000, partners: { rateLimits: false } as never };
  stack = await startStack(options);
  let url = stack.gatewayUrl;
  const token = await login(url, 'ops@lagos.demo');
  const list = await gql(url, '{ vehicles(first: 100) { edges { node { id coldChain lastPosition { lat lng } currentShipment { status } } } } }', {}, token);
  if (list.errors) throw new Error(JSON.stringify(list.errors));
  const all = nodes<{ id: string; coldChain: boolean; lastPosition: { lat: number; lng: number } | null; currentShipment: { status: string } | null }>(list.data.vehicles);
  // vehicles carrying a shipment first: their events span logistics, commerce and workforce
  const vehicles = [...all.filter((v) => v.currentShipment), ...all.filter((v) => !v.currentShipment)];
  let seq = 0;
  const report = async () => {
    const v = vehicles[seq++ % vehicles.length]!;
    const at = v.lastPosition ?? { lat: 6.5, lng: 3.4 };
    const r = await gql(url, REPORT, { input: { vehicleId: v.id, lat: at.lat + 0.0001 * (seq % 50), lng: at.lng, speedKph: 30, heading: 90, temperatureC: v.coldChain ? 4 : null, recordedAt: new Date().toISOString() } }, token);
    return !r.errors && r.data?.reportVehiclePosition?.userErrors?.length === 0;
  };
  process.on('message', (m: { type: string; rate: number; count: number; url: string }) => {
    if (m.type === 'gateway') {
      url = m.url;
      process.send!({ type: 'gateway-set' });
    } else if (m.type === 'publish') {
      const t0 = performance.now();
      let sent = 0;
      let failed = 0;
      const pending: Promise<void>[] = [];
      const tick = () => {
        pending.push(report().then((ok) => void (ok || failed++), () => void failed++));
        sent++;
        if (sent >= m.count) return void Promise.all(pending).then(() => process.send!({ type: 'published', count: sent, failed }));
        setTimeout(tick, Math.max(0, t0 + (sent * 1000) / m.rate - performance.now()));
      };
      tick();
    }
  });
  const subgraphUrls = Object.fromEntries(Object.entries(stack.subgraphs).map(([name, sg]) => [name, sg!.running.url]));
  process.send!({ type: 'ready', secret: stack.secret, jwtSecret: stack.jwtSecret, subgraphUrls, connectionParams: { authorization: `Bearer ${token}` }, query: LIVE_FLEET, vehicles: vehicles.length, withShipment: all.filter((v) => v.currentShipment).length });
} catch (e) {
  process.stderr.write(`${String((e as Error).stack ?? e)}\n`);
  await shutdown(1);
}
