import { randomBytes } from 'node:crypto';

// Crockford base32, like @omniroute/core newId: ids sort by creation time. Within one millisecond the random
// part is incremented (monotonic, like ULID), so events enqueued together keep their order when sorted by id.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
let lastTime = -1;
let lastRandom = 0n;
const MAX_RANDOM = (1n << 80n) - 1n;

function encode(value: bigint, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out = ALPHABET[Number(value & 31n)] + out;
    value >>= 5n;
  }
  return out;
}

/** A new event id such as `evt_01JD3X…`: unique, sorts by creation time and, within one process, by creation order. */
export function newEventId(now = Date.now()): string {
  if (now <= lastTime && lastRandom < MAX_RANDOM) {
    lastRandom += 1n;
    now = lastTime;
  } else {
    lastTime = now;
    lastRandom = BigInt('0x' + randomBytes(10).toString('hex')) >> 1n; // leave room to increment
  }
  return `evt_${encode(BigInt(now), 10)}${encode(lastRandom, 16)}`;
}
