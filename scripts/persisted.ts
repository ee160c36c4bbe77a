// Persisted-query manifests for partner apps.
//   npm run persisted -- extract <dir> [--out <file>] [--supergraph <file>]
// reads every .graphql file under <dir> (operations and fragments, any layout), validates each operation against
// the API schema of schema/supergraph.graphql, and writes an Apollo persisted-query manifest
// ({"format":"apollo-persisted-query-manifest","version":1,"operations":[{id,name,type,body}]}, id = sha256 of
// body) to --out or stdout. Invalid operations fail the command with their errors; nothing is written then.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROUTER_SUPPORTED_SUPERGRAPH_FEATURES, Supergraph } from '@apollo/federation-internals';
import {
  GraphQLError, Kind, parse, print, validate, visit,
  type DocumentNode, type FragmentDefinitionNode, type GraphQLSchema, type OperationDefinitionNode,
} from 'graphql';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface ManifestOperation { id: string; name: string; type: 'query' | 'mutation' | 'subscription'; body: string }
export interface Manifest { format: 'apollo-persisted-query-manifest'; version: 1; operations: ManifestOperation[] }
export interface ExtractProblem { file: string; operation?: string; message: string }

/** The API schema (what clients may query) of a supergraph, with router-only features such as @requiresScopes accepted. */
export function apiSchemaOf(supergraphSdl: string): GraphQLSchema {
  return Supergraph.build(supergraphSdl, { supportedFeatures: ROUTER_SUPPORTED_SUPERGRAPH_FEATURES, validateSupergraph: false }).apiSchema().toGraphQLJSSchema();
}

function graphqlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...graphqlFiles(p));
    else if (name.endsWith('.graphql') || name.endsWith('.gql')) out.push(p);
  }
  return out;
}

const location = (e: GraphQLError) => (e.locations?.[0] ? ` (${e.locations[0].line}:${e.locations[0].column})` : '');

/**
 * Builds a manifest from the operations in `dir`. Each body is the operation followed by the fragments it uses
 * (transitively, sorted by name), printed canonically — what a client sends and what the gateway hashes.
 */
export function extractManifest(dir: string, schema: GraphQLSchema): { manifest: Manifest; problems: ExtractProblem[] } {
  const problems: ExtractProblem[] = [];
  const fragments = new Map<string, { def: FragmentDefinitionNode; file: string }>();
  const operations: { def: OperationDefinitionNode; file: string }[] = [];
  for (const path of graphqlFiles(dir)) {
    const file = relative(process.cwd(), path);
    let doc: DocumentNode;
    try {
      doc = parse(readFileSync(path, 'utf8'));
    } catch (e) {
      problems.push({ file, message: `${(e as GraphQLError).message}${location(e as GraphQLError)}` });
      continue;
    }
    for (const def of doc.definitions) {
      if (def.kind === Kind.FRAGMENT_DEFINITION) {
        if (fragments.has(def.name.value)) problems.push({ file, message: `fragment ${def.name.value} is also defined in ${fragments.get(def.name.value)!.file}` });
        else fragments.set(def.name.value, { def, file });
      } else if (def.kind === Kind.OPERATION_DEFINITION) {
        operations.push({ def, file });
      } else {
        problems.push({ file, message: `only operations and fragments belong in operation files (found ${def.kind})` });
      }
    }
  }
  const seen = new Map<string, string>();
  const out: ManifestOperation[] = [];
  for (const { def, file } of operations) {
    const name = def.name?.value;
    if (!name) { problems.push({ file, message: 'operations need a name (partners call them by id; logs and metrics name them)' }); continue; }
    if (seen.has(name)) { problems.push({ file, operation: name, message: `operation name also used in ${seen.get(name)}` }); continue; }
    seen.set(name, file);
    const used = new Set<string>();
    const missing: string[] = [];
    const collect = (node: OperationDefinitionNode | FragmentDefinitionNode) => visit(node, {
      FragmentSpread(spread) {
        const n = spread.name.value;
        if (used.has(n)) return;
        const f = fragments.get(n);
        if (!f) { missing.push(n); return; }
        used.add(n);
        collect(f.def);
      },
    });
    collect(def);
    if (missing.length) { problems.push({ file, operation: name, message: `unknown fragment(s): ${[...new Set(missing)].join(', ')}` }); continue; }
    const doc: DocumentNode = { kind: Kind.DOCUMENT, definitions: [def, ...[...used].sort().map((n) => fragments.get(n)!.def)] };
    const errors = validate(schema, doc);
    if (errors.length) {
      for (const e of errors) problems.push({ file, operation: name, message: `${e.message}${location(e)}` });
      continue;
    }
    const body = print(doc);
    out.push({ id: createHash('sha256').update(body).digest('hex'), name, type: def.operation, body });
  }
  out.sort((a, b) => a.name.localeCompare(b.name));
  return { manifest: { format: 'apollo-persisted-query-manifest', version: 1, operations: out }, problems };
}

function usage(): never {
  console.error('usage: npm run persisted -- extract <dir> [--out <file>] [--supergraph <file>]');
  process.exit(2);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const flag = (name: string) => {
    const i = args.indexOf(name);
    if (i < 0) return undefined;
    const v = args[i + 1];
    if (!v || v.startsWith('--')) usage();
    args.splice(i, 2);
    return v;
  };
  const out = flag('--out');
  const supergraph = flag('--supergraph') ?? join(ROOT, 'schema', 'supergraph.graphql');
  const [command, dir] = args;
  if (command !== 'extract' || !dir) usage();
  const { manifest, problems } = extractManifest(resolve(dir), apiSchemaOf(readFileSync(supergraph, 'utf8')));
  if (problems.length) {
    console.error(`${problems.length} problem(s) in ${dir}, no manifest written:`);
    for (const p of problems) console.error(`  ${p.file}${p.operation ? ` ${p.operation}` : ''}: ${p.message}`);
    process.exit(1);
  }
  const text = JSON.stringify(manifest, null, 2) + '\n';
  if (out) {
    writeFileSync(out, text);
    console.error(`wrote ${manifest.operations.length} operation(s) to ${out}`);
  } else {
    process.stdout.write(text);
  }
}
