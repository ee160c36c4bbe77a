// Issue 12, "Hostile documents": size and token limits before parsing, caches bounded in bytes, failures never
// kept by their text. On the real supergraph and the real planner.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { supergraphForRuntime } from '../plugins/field-auth.ts';
import { OperationStore, RequestError, documentSizeError, type OperationStoreOptions } from './operation-store.ts';
import { loadSupergraph } from './supergraph.ts';

const sg = loadSupergraph(supergraphForRuntime(readFileSync(new URL('../../../schema/supergraph.graphql', import.meta.url), 'utf8')));
const ORDER_DETAIL = readFileSync(new URL('../../../schema/operations/OrderDetail.graphql', import.meta.url), 'utf8');
const storeWith = (o: Partial<OperationStoreOptions> = {}) =>
  new OperationStore({ apiSchema: sg.apiSchema, apiSchemaInternal: sg.apiSchemaInternal, planner: sg.planner, introspection: true, ...o });
const codeOf = (r: unknown) => (r instanceof RequestError ? r.errors[0]!.extensions.code : 'OK');

describe('operation store under hostile documents', () => {
  it('refuses a document over the byte limit with QUERY_TOO_LARGE without parsing or keeping it', () => {
    const store = storeWith({ limits: { maxBytes: 1024 } });
    const huge = `{ __typename } # ${'x'.repeat(1024 * 1024)}`;
    const r = store.prepare(huge, undefined);
    expect(r).toBeInstanceOf(RequestError);
    expect((r as RequestError).errors[0]!.extensions).toEqual({ code: 'QUERY_TOO_LARGE', maxBytes: 1024, http: { status: 413 } });
    // UTF-8 bytes, not characters: 400 three-byte characters are 1,200 bytes
    expect(codeOf(store.prepare(`{ __typename } # ${'€'.repeat(400)}`, undefined))).toBe('QUERY_TOO_LARGE');
    expect(store.stats()).toMatchObject({ parsed: 0, documents: { entries: 0, bytes: 0 }, failures: { entries: 0 } });
    expect(codeOf(store.prepare(`{ __typename } # ${'x'.repeat(900)}`, undefined))).toBe('OK'); // under it: fine
    expect(documentSizeError('x'.repeat(10), 10)).toBeNull();
    expect(documentSizeError('x'.repeat(11), 10)?.extensions.code).toBe('QUERY_TOO_LARGE');
  });

  it('stops parsing at the token limit (QUERY_TOO_LARGE) and keeps neither that nor a syntax error', () => {
    const store = storeWith({ limits: { maxTokens: 100 } });
    const many = `{ ${'__typename '.repeat(200)} }`;
    const r = store.prepare(many, undefined) as RequestError;
    expect(r.errors[0]!.extensions).toEqual({ code: 'QUERY_TOO_LARGE', maxTokens: 100, http: { status: 400 } });
    expect(r.errors[0]!.message).toBe('The GraphQL document has more than 100 tokens');
    expect(codeOf(store.prepare(`{ ${'__typename '.repeat(50)} # ${'comments are not tokens '.repeat(50)}\n}`, undefined))).toBe('OK');
    const broken = store.prepare('{ orders(first: ) }', undefined) as RequestError;
    expect(broken.errors[0]!.extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(broken.errors[0]!.locations).toEqual([{ line: 1, column: 17 }]);
    expect(store.stats()).toMatchObject({ documents: { entries: 1 }, failures: { entries: 0 } }); // only the valid one
    store.prepare('{ orders(first: ) }', undefined);
    expect(store.stats().parsed).toBe(4); // the syntax error was parsed again: nothing kept it
  });

  it('keeps validation failures by hash only, without the document, and answers repeats from there', () => {
    const store = storeWith();
    const bad = `{ noSuchField${'x'.repeat(40)} } # ${'pad '.repeat(2000)}`;
    const first = store.prepare(bad, undefined) as RequestError;
    expect(first.errors[0]!.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const again = store.prepare(bad, undefined) as RequestError;
    expect(store.stats().parsed).toBe(1);
    expect(again.errors.map((e) => e.toJSON())).toEqual(first.errors.map((e) => e.toJSON()));
    expect(again.errors[0]!.source).toBeUndefined();
    expect(again.errors[0]!.nodes).toBeUndefined();
    const s = store.stats();
    expect(s.failures.entries).toBe(1);
    expect(s.failures.bytes).toBeLessThan(1000); // the 8 KB text is not what is kept
    expect(s.documents.entries).toBe(0);
  });

  it('stays within its byte budgets however many distinct large documents arrive', () => {
    const store = storeWith({ documentCacheBytes: 1024 * 1024, planCacheBytes: 256 * 1024 });
    for (let i = 0; i < 120; i++) {
      // distinct valid documents: a big comment (kept with the text), and a distinct operation (a distinct plan)
      const q = ORDER_DETAIL.replace('query OrderDetail', `query OrderDetail${i}`) + `# ${String(i).repeat(10_000 / String(i).length)}`;
      const p = store.prepare(q, undefined);
      if (p instanceof RequestError) throw p.errors[0];
      store.plan(p);
      store.shaper(p, {});
      const s = store.stats();
      expect(s.documents.bytes).toBeLessThanOrEqual(1024 * 1024);
      expect(s.plans.bytes).toBeLessThanOrEqual(256 * 1024);
    }
    const s = store.stats();
    expect(s.documents.entries).toBeGreaterThan(5);
    expect(s.documents.entries).toBeLessThan(40);
    expect(s.plans.entries).toBeLessThan(40);
    // what a cached document is charged covers its text and its parse: ~10 KB of comment, ~92 tokens
    expect(s.documents.bytes / s.documents.entries).toBeGreaterThan(20_000 + 92 * 400);
  });

  it('does not let operation names or @include variables chosen by the client pile up in a cached document', () => {
    const store = storeWith();
    const doc = 'query A { __typename } query B($x: Boolean!) { me @include(if: $x) { id } }';
    expect(codeOf(store.prepare(doc, 'A'))).toBe('OK');
    const bytes = store.stats().documents.bytes;
    for (let i = 0; i < 500; i++) expect(codeOf(store.prepare(doc, `Nope${i}${'n'.repeat(1000)}`))).toBe('OPERATION_RESOLUTION_FAILURE');
    const b = store.prepare(doc, 'B');
    if (b instanceof RequestError) throw b.errors[0];
    expect(store.stats().documents.bytes).toBeLessThan(bytes + 2_000); // A and B, none of the 500 unknown names
    for (const x of [true, false]) store.shaper(b, { x });
    expect(b.shapers.size).toBe(2);
  });
});
