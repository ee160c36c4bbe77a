import { readFileSync } from 'node:fs';
import { parse, validate, specifiedRules } from 'graphql';
import { loadSupergraph } from '/work/wt-edge/gateway/src/runtime/supergraph.ts';
import { OperationStore } from '/work/wt-edge/gateway/src/runtime/operation-store.ts';
import { supergraphForRuntime } from '/work/wt-edge/gateway/src/plugins/field-auth.ts';
const sg = loadSupergraph(supergraphForRuntime(readFileSync('/work/wt-edge/schema/supergraph.graphql', 'utf8')));
const gc = (globalThis as any).gc;
const heap = () => { gc(); gc(); return process.memoryUsage().heapUsed; };
const which = process.argv[2];
const base = which === 'big' ? `query Q { ${Array.from({length: 20}, (_, i) => `a${i}: orders(first: 5) { edges { node { id number status total { amount currencyCode } customer { id name type tier } lines { quantity unitPrice { amount } variant { sku product { name } } } } } }`).join(' ')} }` : readFileSync('/work/wt-edge/schema/operations/OrderDetail.graphql', 'utf8');
const N = which === 'big' ? 100 : 1000;
const docs = Array.from({ length: N }, (_, i) => base.replace(/query (\w+)/, `query $1${i}`));
const tokens = (parse(docs[0]!) as any).tokenCount;
for (const stage of ['parse', 'parseNoLoc', 'validate', 'prepare', 'plan', 'shape']) {
  const keep: unknown[] = [];
  const store = new OperationStore({ apiSchema: sg.apiSchema, apiSchemaInternal: sg.apiSchemaInternal, planner: sg.planner, introspection: true });
  const h0 = heap();
  for (const q of docs) {
    if (stage === 'parse') keep.push(parse(q));
    else if (stage === 'parseNoLoc') keep.push(parse(q, { noLocation: true }));
    else if (stage === 'validate') { const d = parse(q); validate(sg.apiSchema, d, specifiedRules); keep.push(d); }
    else { const p = store.prepare(q, undefined) as any; if (p.errors) throw p.errors[0]; if (stage !== 'prepare') store.plan(p); if (stage === 'shape') store.shaper(p, {}); }
  }
  const h1 = heap();
  console.log(stage.padEnd(10), 'bytes/doc', Math.round((h1 - h0) / N), 'chars', docs[0]!.length, 'tokens', tokens, 'per token', Math.round((h1 - h0) / N / tokens), 'per char', Math.round((h1-h0)/N/docs[0]!.length));
  keep.length = 0;
}
