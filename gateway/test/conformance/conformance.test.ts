// Table-driven Federation 2 conformance: every ./fixtures/*.ts is a feature; each is composed with
// @apollo/composition, its subgraphs served over HTTP, and each case executed through our gateway runtime and
// compared with the response the spec expects. Adding a fixture is adding a file. See README.md here.
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'graphql';
import { composeServices } from '@apollo/composition';
import { prettyFormatQueryPlan } from '@apollo/query-planner';
import { createGatewayRuntime, type GatewayRuntime } from '../../src/runtime/index.ts';
import { startSubgraphs, type RunningSubgraphs } from '../runtime/fixtures/harness.ts';
import type { ConformanceFixture } from './fixture.ts';

const dir = new URL('./fixtures/', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('.ts')).sort();
const fixtures: [string, ConformanceFixture][] = await Promise.all(
  files.map(async (f) => [f.replace(/\.ts$/, ''), (await import(new URL(f, dir).href)).default as ConformanceFixture] as [string, ConformanceFixture]),
);

const comparable = (r: { data?: unknown; errors?: readonly { message: string; path?: readonly (string | number)[]; extensions?: Record<string, unknown> }[] }) => {
  const out: Record<string, unknown> = { data: JSON.parse(JSON.stringify(r.data ?? null)) };
  if (r.errors?.length) out.errors = r.errors.map((e) => ({ message: e.message, path: e.path ? [...e.path] : undefined, code: e.extensions?.code }));
  return out;
};

const planOf = (rt: GatewayRuntime<unknown>, query: string) => {
  try { return `plan:\n${prettyFormatQueryPlan(rt.planFor(query))}`; } catch { return 'no plan'; }
};

describe.each(fixtures)('%s', (_file, fx) => {
  if (fx.compositionError) {
    it(`${fx.feature}: composition refuses it`, () => {
      const r = composeServices(fx.subgraphs.map((s) => ({ name: s.name, typeDefs: parse(s.typeDefs), url: `http://127.0.0.1/${s.name}` })));
      expect(r.errors?.map((e) => e.message).join('\n')).toMatch(fx.compositionError!);
    });
    return;
  }
  let sg: RunningSubgraphs;
  let rt: GatewayRuntime<unknown>;
  beforeAll(async () => {
    sg = await startSubgraphs(fx.subgraphs);
    rt = createGatewayRuntime<unknown>({ ...fx.runtime, supergraphSdl: sg.supergraphSdl });
  });
  afterAll(async () => {
    await rt?.close();
    await sg?.close();
  });
  if (fx.supergraph) it(`${fx.feature}: supergraph`, () => fx.supergraph!(sg.supergraphSdl));
  const run = async (c: ConformanceFixture['cases'][number]) => {
    for (let i = 0; i < (c.repeat ?? 1); i++) {
      sg.reset();
      const r = await rt.execute({ query: c.query, variables: c.variables, ctx: c.ctx });
      const expected = { data: c.expected.data, ...(c.expected.errors ? { errors: c.expected.errors } : {}) };
      const got = comparable(r);
      if (c.expected.errors) {
        // only the error properties a fixture names are compared
        got.errors = (got.errors as Record<string, unknown>[] | undefined)?.map((e, j) => Object.fromEntries(Object.keys(c.expected.errors![j] ?? e).map((k) => [k, e[k]])));
      }
      expect(got, planOf(rt, c.query)).toEqual(expected);
      if (c.requests) for (const [name, n] of Object.entries(c.requests)) expect(sg.counts[name], `requests to ${name}`).toBe(n);
    }
  };
  for (const c of fx.cases) {
    if (c.knownFailure) it.fails(`${fx.feature}: ${c.name} (known failure: ${c.knownFailure})`, () => run(c));
    else it(`${fx.feature}: ${c.name}`, () => run(c));
  }
});
