// The partner API key contract between identity (which issues keys and stores their hash) and the gateway (which
// looks callers up by that hash and enforces their app's limits): one definition of each for both.
import { createHash } from 'node:crypto';

/** sha256 (hex) of a full key: what identity stores and what the gateway looks keys up by (a key has ~238 random bits). */
export const hashApiKey = (key: string): string => createHash('sha256').update(key).digest('hex');

/** A partner app's overrides of the gateway's partner defaults; null/undefined: the default. */
export interface PartnerAppLimits {
  maxDepth?: number | null;
  maxAliases?: number | null;
  maxRootFields?: number | null;
  maxCost?: number | null;
  requestsPerMinute?: number | null;
  /** HTTP operations of the app's keys in flight at once, on all replicas. */
  maxConcurrentOperations?: number | null;
  /** Subscriptions of the app's keys open at once, on all replicas. */
  maxSubscriptions?: number | null;
}
