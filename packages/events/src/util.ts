import type { DomainEvent } from './types.ts';

/** Topic of an event type: the part before the first '.', e.g. 'order' for 'order.confirmed'. */
export function topicOf(type: string): string {
  const dot = type.indexOf('.');
  return dot === -1 ? type : type.slice(0, dot);
}

/** A predicate for a type filter (`order.confirmed`, `order.*`, `*`); no filter matches everything. */
export function typeMatcher(types?: string[]): (type: string) => boolean {
  if (!types || types.length === 0 || types.includes('*')) return () => true;
  const exact = new Set(types.filter((t) => !t.endsWith('.*')));
  const prefixes = types.filter((t) => t.endsWith('.*')).map((t) => t.slice(0, -1));
  return (type) => exact.has(type) || prefixes.some((p) => type.startsWith(p));
}

/** The topics a filter needs, or null for "all topics". */
export function topicsOf(types?: string[]): string[] | null {
  if (!types || types.length === 0 || types.includes('*')) return null;
  return [...new Set(types.map((t) => topicOf(t.endsWith('.*') ? t.slice(0, -2) : t)))];
}

const KEY_PART = /^[A-Za-z0-9_-]+$/;

/** Validates an event before it is published: all string fields present, JSON-serialisable payload. */
export function validateEvent(e: DomainEvent): void {
  for (const field of ['id', 'type', 'tenantId', 'aggregateId', 'occurredAt', 'source'] as const) {
    if (typeof e[field] !== 'string' || e[field] === '') throw new TypeError(`DomainEvent.${field} must be a non-empty string`);
  }
  if (!KEY_PART.test(topicOf(e.type))) throw new TypeError(`DomainEvent.type "${e.type}": topic must match ${KEY_PART}`);
  if (e.payload === null || typeof e.payload !== 'object') throw new TypeError('DomainEvent.payload must be an object');
}

export function defaultOnError(error: unknown, context: Record<string, unknown>): void {
  if (process.env.LOG_LEVEL === 'silent') return;
  const err = error instanceof Error ? { error: error.message, stack: error.stack } : { error: String(error) };
  process.stderr.write(JSON.stringify({ t: new Date().toISOString(), level: 'error', msg: 'events', ...context, ...err }) + '\n');
}

/** The lane of an event: one order's events (whatever their stream) or else one aggregate's, handled one at a time, in order. */
export function laneOf(e: DomainEvent): string {
  const orderId = (e.payload as Record<string, unknown> | undefined)?.orderId;
  return `${e.tenantId}\0${typeof orderId === 'string' ? orderId : e.aggregateId}`;
}

/**
 * The positions of a batch's events in key order (events without a key last; ties in their order), so that two
 * batches in flight never take the same keys' rows in opposite orders.
 */
export function keyOrder(events: readonly DomainEvent[], key?: (e: DomainEvent) => string | null): number[] {
  const order = events.map((_, i) => i);
  if (!key) return order;
  const keys = events.map((e) => key(e) ?? '\uffff');
  return order.sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : a - b));
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
