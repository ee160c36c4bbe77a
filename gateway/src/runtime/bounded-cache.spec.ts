import { describe, expect, it } from 'vitest';
import { ByteBoundedCache } from './bounded-cache.ts';

describe('ByteBoundedCache', () => {
  it('evicts least recently used entries to stay within its byte budget', () => {
    const c = new ByteBoundedCache<string, number>(100);
    c.set('a', 1, 20);
    c.set('b', 2, 20);
    c.set('c', 3, 20);
    expect(c.get('a')).toBe(1); // a is now the most recent
    c.set('d', 4, 25);
    c.set('e', 5, 25); // 110 > 100: b goes
    expect([c.has('a'), c.has('b'), c.has('c'), c.has('d'), c.has('e')]).toEqual([true, false, true, true, true]);
    expect(c.bytes).toBe(90);
    for (let i = 0; i < 1000; i++) { c.set(`k${i}`, i, 7); expect(c.bytes).toBeLessThanOrEqual(100); }
  });

  it('does not keep an entry larger than a quarter of the budget, and bounds entries too', () => {
    const c = new ByteBoundedCache<string, string>(100, 3);
    expect(c.set('big', 'x', 26)).toBe(false);
    expect(c.has('big')).toBe(false);
    for (const k of ['a', 'b', 'c', 'd']) c.set(k, k, 1);
    expect(c.size).toBe(3);
    expect(c.has('a')).toBe(false);
  });

  it('accounts for entries that grow, dropping one that outgrows its share', () => {
    const c = new ByteBoundedCache<string, string>(100);
    c.set('a', 'a', 10);
    c.set('b', 'b', 10);
    expect(c.grow('a', 10)).toBe(true);
    expect(c.bytes).toBe(30);
    expect(c.grow('a', 10)).toBe(false); // 30 > 25
    expect(c.has('a')).toBe(false);
    expect(c.bytes).toBe(10);
    expect(c.grow('missing', 1)).toBe(false);
    c.set('b', 'b2', 5); // replacing frees the old size
    expect(c.bytes).toBe(5);
  });
});
