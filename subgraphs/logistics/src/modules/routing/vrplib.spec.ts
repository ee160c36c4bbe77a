import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkSolution } from './vrp.rules.ts';
import { formatSol, parseSol, parseVrplib, VrplibError } from './vrplib.rules.ts';

const dir = new URL('../../../../../bench/routing/cvrplib/', import.meta.url);
const read = (f: string) => readFileSync(new URL(f, dir), 'utf8');

describe('parseVrplib', () => {
  it.each(readdirSync(dir).filter((f) => f.endsWith('.vrp')).map((f) => f.slice(0, -4)))('%s: the checked-in best-known solution prices to its Cost line', (name) => {
    const inst = parseVrplib(read(`${name}.vrp`));
    const sol = parseSol(read(`${name}.sol`));
    expect(checkSolution(inst.problem, { routes: sol.routes, unassigned: [] })).toEqual({ ok: true, distance: sol.cost });
  });

  it('rounds EUC_2D distances to the nearest integer and numbers customers as CVRPLIB solutions do', () => {
    const inst = parseVrplib(read('A-n32-k5.vrp'));
    expect(inst.ids.slice(0, 3)).toEqual([1, 2, 3]);
    // nodes 1 (82,76) and 2 (96,44): √(14² + 32²) = 34.93 → 35
    expect(inst.problem.distance[1]).toBe(35);
    expect(inst.problem.vehicles).toHaveLength(31);
  });

  it.each([
    ['no EDGE_WEIGHT_TYPE', 'NAME : x\nDIMENSION : 2\nCAPACITY : 10\nNODE_COORD_SECTION\n1 0 0\n2 1 1\nDEMAND_SECTION\n1 0\n2 1\nDEPOT_SECTION\n1\n-1\nEOF'],
    ['missing demand', 'EDGE_WEIGHT_TYPE : EUC_2D\nDIMENSION : 2\nCAPACITY : 10\nNODE_COORD_SECTION\n1 0 0\n2 1 1\nDEMAND_SECTION\n1 0\nDEPOT_SECTION\n1\n-1\nEOF'],
    ['text in a section', 'EDGE_WEIGHT_TYPE : EUC_2D\nDIMENSION : 2\nCAPACITY : 10\nNODE_COORD_SECTION\n1 0 zero\n'],
    ['a demand over capacity', 'EDGE_WEIGHT_TYPE : EUC_2D\nDIMENSION : 2\nCAPACITY : 10\nNODE_COORD_SECTION\n1 0 0\n2 1 1\nDEMAND_SECTION\n1 0\n2 11\nDEPOT_SECTION\n1\n-1\nEOF'],
    ['an empty file', ''],
  ])('rejects %s with a one-line message', (_, text) => {
    expect(() => parseVrplib(text)).toThrow(VrplibError);
    try {
      parseVrplib(text);
    } catch (e) {
      expect((e as Error).message).not.toContain('\n');
    }
  });

  it('formats .sol text that parses back', () => {
    const text = formatSol([[3, 1], [], [2]], 42);
    expect(text).toBe('Route #1: 3 1\nRoute #2: 2\nCost 42\n');
    expect(parseSol(text)).toEqual({ routes: [[3, 1], [2]], cost: 42 });
  });
});
