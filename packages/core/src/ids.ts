import { randomBytes } from 'node:crypto';

// Crockford base32: ids sort by creation time, so keyset pagination on `id` is chronological.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A new opaque, globally unique id such as `ord_01JD3X...`; the prefix names the type. */
export function newId(prefix: string, now = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const rnd = randomBytes(10);
  let tail = '';
  for (let i = 0; i < 16; i++) tail += ALPHABET[rnd[i % 10]! % 32];
  return `${prefix}_${time}${tail}`;
}

/** Deterministic id for seeded demo data: same inputs, same id, on every machine. */
export function seededId(prefix: string, tenantKey: string, n: number): string {
  return `${prefix}_${tenantKey.toUpperCase()}${String(n).padStart(6, '0')}`;
}
