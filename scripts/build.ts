// `npm run build` (also before `npm start` and `npm test`): Prisma clients, typed resolvers, gateway CLI, dashboard, GraphiQL.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './subgraphs.ts';

const tsx = (script: string, ...args: string[]) => ['node', ['--import', 'tsx', join(ROOT, script), ...args]] as const;
const steps: [string, readonly [string, readonly string[]], string?][] = [
  ['prisma clients', tsx('scripts/migrations.ts', 'generate')],
  ['typed resolvers (graphql-codegen)', ['npx', ['graphql-codegen', '--config', 'codegen.yml', '--silent']]],
  ['gateway CLI (gateway/dist/cli.js)', tsx('scripts/build-gateway.ts'), 'scripts/build-gateway.ts'],
  ['dashboard', ['npm', ['run', 'build', '--workspace', 'dashboard', '--if-present']], 'dashboard/package.json'],
  ['GraphiQL (gateway/dist/graphiql)', ['npx', ['vite', 'build', '--config', 'gateway/graphiql/vite.config.ts']], 'gateway/graphiql/vite.config.ts'],
];
for (const [label, [cmd, args], needs] of steps) {
  if (needs && !existsSync(join(ROOT, needs))) continue;
  const t0 = Date.now();
  execFileSync(cmd, args as string[], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? '/bin/false' } });
  console.log(`build: ${label} (${Date.now() - t0} ms)`);
}
