// Conformance fixtures: one file per Federation 2 feature under ./fixtures, each a few small subgraphs (SDL and
// resolvers, served over real HTTP by ../runtime/fixtures/harness.ts), queries and the responses the spec
// expects. conformance.test.ts runs every fixture through our gateway runtime (gateway/src/runtime).
import type { ExecutionResult } from 'graphql';
import type { GatewayRuntimeOptions } from '../../src/runtime/index.ts';
import type { SubgraphDef } from '../runtime/fixtures/harness.ts';

export interface ConformanceCase {
  name: string;
  query: string;
  variables?: Record<string, unknown>;
  /** Context handed to the runtime (for fixtures whose runtime options read it). */
  ctx?: unknown;
  /** The whole response, compared as JSON (errors: message, path and extensions.code only, in order). */
  expected: { data: unknown; errors?: { message?: string; path?: (string | number)[]; code?: string }[] };
  /** Requests each subgraph must receive for this case (only the subgraphs named). */
  requests?: Record<string, number>;
  /**
   * Set while our runtime answers this case wrongly: why. The case still runs, as an expected failure
   * (vitest `it.fails`), so it turns red the day it passes and the mark must go.
   */
  knownFailure?: string;
  /** Runs the case this many times (e.g. progressive override with a random draw; default 1). */
  repeat?: number;
}

export interface ConformanceFixture {
  /** The feature, as the issue names it. */
  feature: string;
  /** Where the expected behaviour is specified. */
  spec: string;
  subgraphs: SubgraphDef[];
  /** Extra runtime options (hooks, planner config). */
  runtime?: Omit<GatewayRuntimeOptions<any>, 'supergraphSdl'>;
  cases: ConformanceCase[];
  /** Set when @apollo/composition cannot compose the feature: the composition error expected (the fixture documents it). */
  compositionError?: RegExp;
  /** Extra checks on the composed supergraph (e.g. that a directive reached it). */
  supergraph?: (sdl: string) => void;
}

export const fed = (version: string, imports: string[]) =>
  `extend schema @link(url: "https://specs.apollo.dev/federation/v${version}", import: [${imports.map((i) => JSON.stringify(i)).join(', ')}])`;

export type { ExecutionResult };
