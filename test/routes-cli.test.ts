// `npm run routes -- solve`: the CVRPLIB CLI prints a feasible `.sol`, and refuses a malformed file in one line.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { checkSolution } from '../subgraphs/logistics/src/modules/routing/vrp.rules.ts';
import { parseSol, parseVrplib } from '../subgraphs/logistics/src/modules/routing/vrplib.rules.ts';

const run = promisify(execFile);
const ROOT = new URL('..', import.meta.url).pathname;
const routes = (...args: string[]) => run(process.execPath, ['--import', 'tsx', 'scripts/routes.ts', ...args], { cwd: ROOT, timeout: 60_000 });

describe('npm run routes -- solve', () => {
  it('prints a feasible CVRPLIB solution whose Cost is its distance', async () => {
    const file = 'bench/routing/cvrplib/E-n51-k5.vrp';
    const { stdout } = await routes('solve', '--vrplib', file, '--time-limit-ms', '3000', '--max-iterations', '300', '--seed', '2');
    expect(stdout).toMatch(/^(Route #\d+: \d+( \d+)*\n)+Cost \d+\n$/);
    const sol = parseSol(stdout);
    const inst = parseVrplib(readFileSync(join(ROOT, file), 'utf8'));
    expect(checkSolution(inst.problem, { routes: sol.routes, unassigned: [] })).toEqual({ ok: true, distance: sol.cost });
  });

  it('exits non-zero with one clear line for a malformed file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'routes-'));
    const bad = join(dir, 'bad.vrp');
    writeFileSync(bad, 'NAME : bad\nTYPE : CVRP\nDIMENSION : 3\nEDGE_WEIGHT_TYPE : EUC_2D\nCAPACITY : 10\nNODE_COORD_SECTION\n1 0 0\n2 1 1\nDEMAND_SECTION\n1 0\n2 1\nDEPOT_SECTION\n1\n-1\nEOF\n');
    const err = await routes('solve', '--vrplib', bad).then(() => null, (e: { code: number; stdout: string; stderr: string }) => e);
    expect(err?.code).toBe(1);
    expect(err?.stdout).toBe('');
    expect(err?.stderr.trim().split('\n')).toHaveLength(1);
    expect(err?.stderr).toContain('NODE_COORD_SECTION has 2 nodes, DIMENSION says 3');
  });
});
