import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import { log } from '@omniroute/core';

/** What gateways must forget: a revoked key, or a partner app whose mode, limits or safelist changed. */
export type IdentityChange =
  | { kind: 'api-key-revoked'; id: string; tenantId: string }
  | { kind: 'partner-app-changed'; id: string; tenantId: string };

/** Redis pub/sub channel gateways subscribe to (prefixed per deployment or test run). */
export const IDENTITY_CHANGES_CHANNEL = 'omniroute:identity:changes';

export interface IdentityChangesOptions {
  /** Publish on Redis too (every gateway replica hears it); without it, in-process listeners only. */
  redisUrl?: string;
  channel?: string;
}

export interface IdentityChanges {
  /** Tells in-process listeners at once and, with Redis, every other process within milliseconds. */
  publish(change: IdentityChange): Promise<void>;
  /** In-process listener (embedded mode: the gateway in the same process); returns the unsubscribe function. */
  subscribe(listener: (change: IdentityChange) => void): () => void;
  readonly channel: string;
  close(): Promise<void>;
}

/**
 * Publishes identity changes that gateways cache. Losing a message is tolerable: gateways also expire cached
 * keys and apps after a few seconds, so pub/sub only makes revocation immediate.
 */
export function createIdentityChanges(opts: IdentityChangesOptions = {}): IdentityChanges {
  const channel = opts.channel ?? IDENTITY_CHANGES_CHANNEL;
  const local = new EventEmitter();
  local.setMaxListeners(0);
  const redis = opts.redisUrl ? new Redis(opts.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true }) : null;
  redis?.on('error', (e) => log.warn('identity changes: redis error', { error: String(e) }));
  return {
    channel,
    async publish(change) {
      local.emit('change', change);
      if (!redis) return;
      try {
        await redis.publish(channel, JSON.stringify(change));
      } catch (e) {
        log.warn('identity changes: publish failed; gateways fall back to cache expiry', { error: String(e), change });
      }
    },
    subscribe(listener) {
      local.on('change', listener);
      return () => void local.off('change', listener);
    },
    async close() {
      local.removeAllListeners();
      if (redis) await redis.quit().catch(() => redis.disconnect());
    },
  };
}
