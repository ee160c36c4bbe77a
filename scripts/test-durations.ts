// Writes test/durations.json — each test file's duration in the last full vitest run on this machine, which
// vitest.sequencer.ts uses to start the longest files first (LPT) in a clean clone, where vitest has no cache.
// Run it right after a full `npm test` (or `npx vitest run`) on an idle machine: the durations come from vitest's
// own results cache (node_modules/.vite/vitest/*/results.json: each file's run, its hooks — the stack boots in
// beforeAll — included). Files the run did not reach keep their previous value; a failed file's time is taken only
// for a file with none.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const cacheRoot = join(ROOT, 'node_modules', '.vite', 'vitest');
// `npm run test:durations -- <results.json>` reads a copy instead (the cache is rewritten by every run)
const caches = process.argv[2] ? [process.argv[2]] : existsSync(cacheRoot)
  ? readdirSync(cacheRoot).map((d) => join(cacheRoot, d, 'results.json')).filter((f) => existsSync(f)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)
  : [];
if (!caches.length) throw new Error(`no vitest results cache under ${cacheRoot}: run the suite first`);
const { results } = JSON.parse(readFileSync(caches[0]!, 'utf8')) as { results: [string, { duration: number; failed: boolean }][] };

const out = join(ROOT, 'test', 'durations.json');
const previous: Record<string, number> = existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')).files : {};
const files: Record<string, number> = { ...previous };
for (const [key, r] of results) {
  const [project, path] = key.split(':') as [string, string];
  if (!['unit', 'integration'].includes(project) || !existsSync(join(ROOT, path)) || !(r.duration > 0)) continue;
  if (r.failed && files[key] !== undefined) continue; // a failed file's time (a timeout, often) only when nothing better
  files[key] = Math.round(r.duration);
}
const sorted = Object.fromEntries(Object.entries(files).sort(([, a], [, b]) => b - a));
writeFileSync(out, `${JSON.stringify({ note: 'ms per test file in one full run (scripts/test-durations.ts); only the order matters', files: sorted }, null, 2)}\n`);
console.log(`test/durations.json: ${Object.keys(sorted).length} files, ${Math.round(Object.values(sorted).reduce((a, b) => a + b, 0) / 1000)} s in all`);
