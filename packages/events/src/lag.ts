// Consumer-group lag of the Redis event bus, read at scrape time (Redis 7 XINFO GROUPS): per group and topic, the
// entries not yet delivered to the group (`lag`) and those delivered but not acknowledged (`pending`). Streams
// are found through the bus's topic set (layout: redis-bus.ts).
import type { Redis } from 'ioredis';

export interface GroupLag { group: string; topic: string; lag: number | null; pending: number }

export async function consumerGroupLag(redis: Redis, prefix = 'omniroute'): Promise<GroupLag[]> {
  const topics = (await redis.smembers(`${prefix}:topics`)).sort();
  const out: GroupLag[] = [];
  for (const topic of topics) {
    let groups: unknown[];
    try {
      groups = (await redis.xinfo('GROUPS', `${prefix}:stream:${topic}`)) as unknown[];
    } catch {
      continue; // the stream was trimmed away or never created
    }
    for (const g of groups as (string | number | null)[][]) {
      const f: Record<string, string | number | null> = {};
      for (let i = 0; i + 1 < g.length; i += 2) f[String(g[i])] = g[i + 1]!;
      out.push({ group: String(f.name), topic, lag: f.lag == null ? null : Number(f.lag), pending: Number(f.pending ?? 0) });
    }
  }
  return out;
}
