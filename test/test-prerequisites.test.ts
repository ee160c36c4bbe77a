// Issue 18: `npm test` on a machine without Chromium either installs it (root with apt-get) or stops first with one
// line naming what is missing (scripts/test-prerequisites.ts, npm's pretest).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chromiumStep } from '../scripts/test-prerequisites.ts';

const SCRIPT = new URL('../scripts/test-prerequisites.ts', import.meta.url).pathname;
// a PATH holding node and nothing else: no apt-get, so nothing is installed even as root
const BIN = mkdtempSync(join(tmpdir(), 'prereq-bin-'));
symlinkSync(process.execPath, join(BIN, 'node'));

describe('npm test prerequisites', () => {
  it.each([
    [{ chromium: true, root: false, aptGet: false }, 'present'],
    [{ chromium: false, root: true, aptGet: true }, 'install'],
    [{ chromium: false, root: true, aptGet: false }, 'stop'],
    [{ chromium: false, root: false, aptGet: true }, 'stop'],
  ] as const)('%j → %s', (machine, step) => {
    expect(chromiumStep(machine)).toBe(step);
  });

  it('without Chromium and no way to install it: exit 1 and one line naming it', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', SCRIPT], { encoding: 'utf8', env: { PATH: BIN, CHROMIUM_PATH: '/nonexistent/chromium' } });
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^npm test: Chromium is missing at \/nonexistent\/chromium .*apt-get install -y chromium.*CHROMIUM_PATH/);
  });

  it('with Chromium present: exit 0, silent', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', SCRIPT], { encoding: 'utf8', env: { PATH: BIN, CHROMIUM_PATH: process.execPath } });
    expect([r.status, r.stderr]).toEqual([0, '']);
  });
});
