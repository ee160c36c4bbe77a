// Our gateway (createGateway: graphql-ws, federated subscriptions) in its own process for the fan-out benchmark,
// so its memory and CPU are its own. Started with --expose-gc: the benchmark asks for a full GC before each
// memory reading, so RSS deltas count live subscriber state rather than garbage not yet collected.
//   node --expose-gc --import tsx bench/subscriptions/gateway.ts <supergraph file>   (IPC child, env BENCH_SECRET)
//   → { type: 'ready', port }     ← { type: 'gc' } → { type: 'gc-done', heapUsed, external, rss }     ← { type: 'stats' } → { type: 'stats', … }
import { readFileSync } from 'node:fs';
import { createGateway } from '@omniroute/gateway';

const gateway = createGateway({ supergraphSdl: readFileSync(process.argv[2]!, 'utf8'), secret: process.env.BENCH_SECRET! });
const port = await gateway.listen(0, '127.0.0.1');
process.on('message', (m: { type: string }) => {
  if (m.type === 'gc') {
    (globalThis as { gc?: () => void }).gc?.();
    const m = process.memoryUsage();
    process.send!({ type: 'gc-done', heapUsed: m.heapUsed, external: m.external, rss: m.rss });
  } else if (m.type === 'stats') process.send!({ type: 'stats', sockets: gateway.sockets(), ...gateway.subscriptions.stats() });
});
process.on('disconnect', () => void gateway.close().finally(() => process.exit(0)));
process.send!({ type: 'ready', port });
