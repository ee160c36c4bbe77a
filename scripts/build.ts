// `npm run build` (also before `npm start` and `npm test`): Prisma clients, typed resolvers, gateway CLI, dashboard, GraphiQL.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './subgraphs.ts';

interface Step {
  label: string;
  run: readonly [string, readonly string[]];
  /** skipped when this file does not exist */
  needs?: string;
  /** skipped when `output` is newer than every file under these paths (a bundle that takes seconds to make) */
  fresh?: { output: string; inputs: string[] };
}

const tsx = (script: string, ...args: string[]) => ['node', ['--import', 'tsx', join(ROOT, script), ...args]] as const;
const steps: Step[] = [
  { label: 'prisma clients', run: tsx('scripts/migrations.ts', 'generate') },
  { label: 'typed resolvers (graphql-codegen)', run: ['npx', ['graphql-codegen', '--config', 'codegen.yml', '--silent']] },
  { label: 'gateway CLI (gateway/dist/cli.js)', run: tsx('scripts/build-gateway.ts'), needs: 'scripts/build-gateway.ts' },
  { label: 'dashboard', run: ['npm', ['run', 'build', '--workspace', 'dashboard', '--if-present']], needs: 'dashboard/package.json' },
  {
    label: 'GraphiQL (gateway/dist/graphiql)',
    run: ['npx', ['vite', 'build', '--config', 'gateway/graphiql/vite.config.ts']],
    needs: 'gateway/graphiql/vite.config.ts',
    fresh: { output: 'gateway/dist/graphiql/index.html', inputs: ['gateway/graphiql', 'schema/operations', 'package-lock.json'] },
  },
];

/** Newest modification time of the files under `path`. */
function newest(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...readdirSync(path, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => statSync(join(e.parentPath, e.name)).mtimeMs));
}
const upToDate = (f: NonNullable<Step['fresh']>) =>
  existsSync(join(ROOT, f.output)) && statSync(join(ROOT, f.output)).mtimeMs > Math.max(...f.inputs.map((i) => newest(join(ROOT, i))));

for (const { label, run: [cmd, args], needs, fresh } of steps) {
  if (needs && !existsSync(join(ROOT, needs))) continue;
  if (fresh && upToDate(fresh)) {
    console.log(`build: ${label} (up to date)`);
    continue;
  }
  const t0 = Date.now();
  execFileSync(cmd, args as string[], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? '/bin/false' } });
  console.log(`build: ${label} (${Date.now() - t0} ms)`);
}
