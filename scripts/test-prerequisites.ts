// `npm test`'s first step (pretest, before the build): what npm cannot install. The browser tests (GraphiQL, the
// dashboard) drive the OS's Chromium (playwright-core downloads no browser here). Missing: as root with apt-get, it
// installs Debian's `chromium` package; otherwise it stops with one line naming what is missing and how to add it.
// Postgres and Redis are named by the test run's own first line (packages/testkit/src/services.ts).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export type ChromiumStep = 'present' | 'install' | 'stop';

/** What to do about Chromium, from what this machine has. */
export function chromiumStep(m: { chromium: boolean; root: boolean; aptGet: boolean }): ChromiumStep {
  if (m.chromium) return 'present';
  return m.root && m.aptGet ? 'install' : 'stop';
}

const onPath = (bin: string) => (process.env.PATH ?? '').split(delimiter).some((d) => d && existsSync(join(d, bin)));

function main(): number {
  const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  const step = chromiumStep({ chromium: existsSync(chromium), root: process.getuid?.() === 0, aptGet: process.platform === 'linux' && onPath('apt-get') });
  const stop = `npm test: Chromium is missing at ${chromium} (the GraphiQL and dashboard browser tests need it): install it (Debian/Ubuntu: \`sudo apt-get install -y chromium\`) or set CHROMIUM_PATH.`;
  if (step === 'present') return 0;
  if (step === 'stop') {
    console.error(stop);
    return 1;
  }
  console.error(`npm test: Chromium is missing at ${chromium}; installing Debian's chromium package (apt-get install -y chromium)…`);
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
    execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  } catch {
    // apt-get said why above
  }
  if (existsSync(chromium)) return 0;
  console.error(stop);
  return 1;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(main());
