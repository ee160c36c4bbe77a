// The soak's server: the embedded default of `npm start` (five subgraphs on PGlite under a data directory, the
// in-memory bus, the gateway, the payment sandbox, the demo tenants) in this one process, on free ports. It prints
// one JSON line `{ ready, gatewayUrl }`, then every SOAK_SAMPLE_MS one `{ heap }` line: the heap after a full
// collection (run with --expose-gc), so the samples measure what stays alive, not when the collector ran.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStack } from '@omniroute/platform';

const dataRoot = process.env.SOAK_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'omniroute-soak-'));
const stack = await startStack({
  dataRoot,
  seed: true,
  // 1 000 subscribers from one test client: the per-user and per-address caps of open streams are lifted (the soak
  // measures memory, not the caps, which have their own tests)
  partners: { rateLimits: { subscriptionsPerUser: 5_000, subscriptionsPerKey: 5_000, socketsPerIp: 5_000 } },
});
const out = (o: unknown) => process.stdout.write(JSON.stringify(o) + '\n');
if (process.env.SOAK_PREPARE === '1') {
  // only seed the data directory (the soak copies it for each run): close cleanly and go
  await stack.close();
  out({ prepared: dataRoot });
  process.exit(0);
}
out({ ready: true, gatewayUrl: stack.gatewayUrl, pid: process.pid });

const gc = (globalThis as { gc?: () => void }).gc;
const sample = () => {
  gc?.();
  const m = process.memoryUsage();
  out({ heap: { t: Date.now(), heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, rss: m.rss, gc: !!gc } });
};
const timer = setInterval(sample, Number(process.env.SOAK_SAMPLE_MS ?? 10_000));

let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(timer);
    setTimeout(() => process.exit(1), 30_000).unref();
    await stack.close();
    if (!process.env.SOAK_DATA_DIR) rmSync(dataRoot, { recursive: true, force: true });
    process.exit(0);
  });
}
