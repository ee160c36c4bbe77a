// The measured gateway of the hostile-documents benchmark, in a process of its own so its memory is its own:
// the OmniRoute gateway (createGateway: partner access, limits, field auth) over schema/supergraph.graphql, with
// the environment's document limits (GATEWAY_MAX_DOCUMENT_BYTES …). No subgraph runs: every request of the
// benchmark is answered (or refused) by the gateway alone.
//   node --expose-gc --import tsx bench/hostile/gateway.ts
//   IPC: → { type: 'ready', port }   ← { type: 'stats' } → { type: 'stats', heapUsedMb, rssMb, operations }
// 'stats' runs a full GC first, so heapUsedMb is what the gateway keeps, not garbage not yet collected.
import { readFileSync } from 'node:fs';
import { signingSecret } from '@omniroute/core';
import { createGateway, documentOptionsFromEnv } from '@omniroute/gateway';
import { ROOT } from '../lib/proc.ts';

const gateway = createGateway({
  supergraphSdl: readFileSync(`${ROOT}/schema/supergraph.graphql`, 'utf8'),
  secret: signingSecret(),
  ...documentOptionsFromEnv(),
});
const port = await gateway.listen(0, '127.0.0.1');
const mb = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;
process.on('message', (m: { type?: string }) => {
  if (m?.type !== 'stats') return;
  const before = process.memoryUsage();
  (globalThis as { gc?: () => void }).gc?.();
  const stats = gateway.runtime.stats() as { operations?: unknown };
  process.send!({ type: 'stats', heapUsedMb: mb(process.memoryUsage().heapUsed), rssMb: mb(process.memoryUsage().rss), beforeGc: { heapTotalMb: mb(before.heapTotal), heapUsedMb: mb(before.heapUsed), externalMb: mb(before.external), rssMb: mb(before.rss) }, operations: stats.operations ?? null });
});
process.on('disconnect', () => void gateway.close().finally(() => process.exit(0)));
process.send!({ type: 'ready', port });
