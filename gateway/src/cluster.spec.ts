import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { workerCount } from './cluster.ts';

describe('workerCount (GATEWAY_WORKERS)', () => {
  it('is 1 when unset, a positive integer as given, one per core for "auto"', () => {
    expect(workerCount(undefined)).toBe(1);
    expect(workerCount('')).toBe(1);
    expect(workerCount('3')).toBe(3);
    expect(workerCount('auto')).toBe(availableParallelism());
  });
  it.each(['0', '-2', '1.5', 'two', '1000'])('refuses %s', (v) => {
    expect(() => workerCount(v)).toThrow(/GATEWAY_WORKERS/);
  });
});
