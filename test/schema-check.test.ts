// The CI schema check (scripts/schema-check.ts): @graphql-inspector/core on the API schemas of two supergraphs.
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { checkSchemas } from '../scripts/schema-check.ts';

const SUPERGRAPH = readFileSync(new URL('../schema/supergraph.graphql', import.meta.url), 'utf8');

describe('schema check', () => {
  it('a removed field is breaking, an added one safe; the same schema has no changes', async () => {
    expect(await checkSchemas(SUPERGRAPH, SUPERGRAPH)).toEqual({ breaking: [], dangerous: [], safe: [] });
    // Order.number disappears from the head (the join directives go with it)
    const without = SUPERGRAPH.replace(/\n\s*"""Human-friendly number[^\n]*\n\s*number: String! @join__field\(graph: COMMERCE\)\n/, '\n');
    expect(without).not.toBe(SUPERGRAPH);
    const removed = await checkSchemas(SUPERGRAPH, without);
    expect(removed.breaking.map((c) => c.path)).toContain('Order.number');
    const added = await checkSchemas(without, SUPERGRAPH);
    expect(added.breaking).toEqual([]);
    expect(added.safe.map((c) => c.path)).toContain('Order.number');
  });

  it('the CLI against a ref whose supergraph is the same (HEAD): no changes, exit 0', () => {
    const out = execFileSync('node', ['--import', 'tsx', 'scripts/schema-check.ts', '--base', 'HEAD'], { cwd: new URL('..', import.meta.url).pathname, encoding: 'utf8' });
    expect(out).toMatch(/schema-check: API schema of schema\/supergraph.graphql against HEAD: no changes/);
  });
});
