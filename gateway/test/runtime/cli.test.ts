// Smoke test of the bundled CLI: build with scripts/build-gateway.ts, serve the yardstick scenario, compare with
// stock @apollo/gateway, and check it causes fewer subgraph fetches.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '@omniroute/testkit';
import { startSubgraphs, type RunningSubgraphs } from './fixtures/harness.ts';
import { YARDSTICK_QUERY, yardstickSubgraphs } from './fixtures/yardstick.ts';
import { startOracle, type Oracle } from './fixtures/oracle.ts';

const root = resolve(import.meta.dirname, '../../..');
let sg: RunningSubgraphs;
let oracle: Oracle;
let cli: ChildProcess | undefined;
let dir: string;


beforeAll(async () => {
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build-gateway.ts'], { cwd: root, stdio: 'pipe' });
  sg = await startSubgraphs(yardstickSubgraphs());
  oracle = await startOracle(sg.supergraphSdl);
  dir = mkdtempSync(join(tmpdir(), 'omniroute-cli-'));
});
afterAll(async () => {
  cli?.kill('SIGTERM');
  await oracle?.stop();
  await sg?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('gateway/dist/cli.js serves the yardstick supergraph like @apollo/gateway, with fewer fetches', async () => {
  const file = join(dir, 'supergraph.graphql');
  writeFileSync(file, sg.supergraphSdl);
  const port = await freePort();
  cli = spawn(process.execPath, [join(root, 'gateway/dist/cli.js'), '--supergraph', file, '--port', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((res, rej) => {
    let err = '';
    cli!.stderr!.on('data', (d) => { err += d; if (err.includes('gateway ready')) res(); });
    cli!.on('exit', (c) => rej(new Error(`cli exited ${c}: ${err}`)));
  });
  const url = `http://127.0.0.1:${port}/graphql`;
  const ask = async () => (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: YARDSTICK_QUERY }) })).json();
  sg.reset();
  const ref = await oracle.run(YARDSTICK_QUERY);
  const apolloFetches = Object.values(sg.counts).reduce((a, b) => a + b, 0);
  sg.reset();
  const ours = await ask();
  const ourFetches = Object.values(sg.counts).reduce((a, b) => a + b, 0);
  expect(ours.errors).toBeUndefined();
  expect(JSON.stringify(ours.data)).toBe(JSON.stringify(ref.data));
  expect(apolloFetches).toBe(16);
  expect(ourFetches).toBeLessThanOrEqual(9);
  // Concurrent identical requests stay correct.
  const many = await Promise.all(Array.from({ length: 20 }, ask));
  for (const m of many) expect(JSON.stringify(m.data)).toBe(JSON.stringify(ref.data));
});
