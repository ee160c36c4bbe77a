// Heavy files first. With two workers, the suite ends when the last file ends: a whole-platform file (~20–30 CPU s
// of start-up) picked up last leaves one core idle for its whole run. Vitest orders by the durations of the last
// run when it has them (node_modules/.vite cache — never in CI's clean clone) and otherwise by file size, which put
// route-planning (63 lines, one seeded platform) behind dozens of small unit files. Here a file's weight is what it
// boots, read from its source: a whole stack (startStack, bootGraph, the dashboard's stack), then a seeded subgraph
// or a throw-away Postgres database, then the rest; the base order (size, or cached duration) breaks ties.
import { readFileSync } from 'node:fs';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const STACK = /\b(startStack|bootGraph|startDashboardStack)\(/;
const SUBGRAPH = /\b(create|createTestDatabase)\(|\.seed\(\)/;

const weights = new Map<string, number>();
function weight(file: string): number {
  let w = weights.get(file);
  if (w === undefined) {
    const src = readFileSync(file, 'utf8');
    w = STACK.test(src) ? 2 : SUBGRAPH.test(src) ? 1 : 0;
    weights.set(file, w);
  }
  return w;
}

export default class HeavyFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const base = await super.sort(files);
    // with every file's duration cached from a previous run, the base order (longest first) is the better one
    if (files.every((f) => this.ctx.cache.getFileTestResults(`${f.project.name}:${f.moduleId.slice(this.ctx.config.root.length + 1)}`))) return base;
    return base.map((f, i) => ({ f, i, w: weight(f.moduleId) })).sort((a, b) => b.w - a.w || a.i - b.i).map((x) => x.f);
  }
}
