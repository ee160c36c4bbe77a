// Longest files first, across both projects. With two workers the suite ends when the last file ends: a file of
// 30–60 s picked up last leaves the other core idle for its whole run, and a pool fed longest-first (LPT) ends
// within about one short file of the ideal. Vitest orders by the last run's durations only when its cache has one
// for every file (node_modules/.vite — never in CI's clean clone), and even then it runs every `integration` file
// before any `unit` spec (projects in name order), so the 24 s ws-heartbeat spec ran last. Here a file's expected
// duration is, in this order: the durations checked in at test/durations.json (one measured full run, so CI and a
// laptop order alike; `npm run test:durations` after a full run rewrites it), this machine's last run of a file not
// in it (vitest's cache), and for a new file a guess from what its source boots: a whole stack (startStack,
// bootGraph, the dashboard's stack), a seeded subgraph or a throw-away Postgres database, or nothing.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const STACK = /\b(startStack|bootGraph|startDashboardStack)\(/;
const SUBGRAPH = /\b(create|createTestDatabase)\(|\.seed\(\)/;
/** Guessed ms for a file with no measured duration: median-ish of the measured files of each kind. */
const GUESS_MS = { stack: 45_000, subgraph: 20_000, other: 3_000 };

const DURATIONS_FILE = new URL('./test/durations.json', import.meta.url);
let checkedIn: Record<string, number> | undefined;
function durationsFile(): Record<string, number> {
  checkedIn ??= existsSync(DURATIONS_FILE) ? (JSON.parse(readFileSync(DURATIONS_FILE, 'utf8')).files as Record<string, number>) : {};
  return checkedIn;
}

function guess(file: string): number {
  // a file's own source and the local modules it imports (a suite shared by one test file per backend)
  const own = readFileSync(file, 'utf8');
  const local = [...own.matchAll(/from '(\.\.?\/[^']+\.ts)'/g)].map((m) => join(dirname(file), m[1]!)).filter((f) => existsSync(f));
  const src = [own, ...local.map((f) => readFileSync(f, 'utf8'))].join('\n');
  return STACK.test(src) ? GUESS_MS.stack : SUBGRAPH.test(src) ? GUESS_MS.subgraph : GUESS_MS.other;
}

export default class LongestFirstSequencer extends BaseSequencer {
  /** `<project>:<path from the root>`, vitest's own cache key. */
  key(f: TestSpecification): string {
    return `${f.project.name}:${relative(this.ctx.config.root, f.moduleId)}`;
  }

  expectedMs(f: TestSpecification): number {
    const key = this.key(f);
    const measured = durationsFile()[key];
    if (measured !== undefined) return measured;
    const cached = this.ctx.cache.getFileTestResults(key);
    return cached && cached.duration > 0 ? cached.duration : guess(f.moduleId);
  }

  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const base = await super.sort(files); // breaks ties (file size)
    return base
      .map((f, i) => ({ f, i, ms: this.expectedMs(f) }))
      .sort((a, b) => b.ms - a.ms || a.i - b.i)
      .map((x) => x.f);
  }
}
