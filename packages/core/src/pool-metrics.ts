// Database connection pools of this process, reported on its /metrics (every registry createRegistry() makes):
// omniroute_db_pool_connections{pool, state = total | idle | waiting | max}. packages/db registers its pg pools.
import { Gauge, type Registry } from 'prom-client';

export interface PoolLike { totalCount: number; idleCount: number; waitingCount: number; options?: { max?: number } }

const pools = new Map<string, PoolLike>();

/** Reports `pool` under `name` until the returned function is called (when the pool is closed). */
export function trackPool(name: string, pool: PoolLike): () => void {
  pools.set(name, pool);
  return () => { if (pools.get(name) === pool) pools.delete(name); };
}

export function poolGauges(registry: Registry): void {
  new Gauge({
    name: 'omniroute_db_pool_connections',
    help: 'Database pool connections of this process by pool and state (total, idle, waiting clients, max)',
    labelNames: ['pool', 'state'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [name, p] of pools) {
        this.set({ pool: name, state: 'total' }, p.totalCount);
        this.set({ pool: name, state: 'idle' }, p.idleCount);
        this.set({ pool: name, state: 'waiting' }, p.waitingCount);
        if (p.options?.max !== undefined) this.set({ pool: name, state: 'max' }, p.options.max);
      }
    },
  });
}
