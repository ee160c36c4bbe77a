// The example frontend's build step:
//   node --import tsx examples/frontend/codegen.ts [--check] [--safelist <partner-app-slug>]
// 1. graphql-codegen's client preset over src/**/*.ts against the API schema of schema/supergraph.graphql →
//    src/gql/ (typed documents, sha256 hashes embedded, persisted-documents.json);
// 2. persisted-documents.json → persisted-manifest.json, an Apollo persisted-query manifest (id = sha256 of the
//    body), the format partner safelists take (`registerPersistedQueries`, or a file in schema/persisted/):
//    `--safelist <slug>` also writes schema/persisted/<slug>.json, which gateways load and watch.
// `--check` writes nothing and fails when the committed output is not what codegen makes now (CI).
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { parse, printSchema, type OperationDefinitionNode } from 'graphql';
import { apiSchemaOf, ROOT, type Manifest } from '../../scripts/persisted.ts';

const HERE = join(ROOT, 'examples/frontend');
const GQL = join(HERE, 'src/gql/');

/** The manifest of a client-preset persisted-documents map ({ "sha256:<hex>": body }). */
export function manifestOf(documents: Record<string, string>): Manifest {
  const operations = Object.entries(documents).map(([hash, body]) => {
    const op = parse(body).definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
    if (!op?.name) throw new Error(`persisted document ${hash} has no named operation`);
    const id = createHash('sha256').update(body).digest('hex');
    if (`sha256:${id}` !== hash) throw new Error(`persisted document ${op.name.value}: hash ${hash} is not the sha256 of its body`);
    return { id, name: op.name.value, type: op.operation, body };
  }).sort((a, b) => a.name.localeCompare(b.name));
  return { format: 'apollo-persisted-query-manifest', version: 1, operations };
}

export async function codegen(write: boolean): Promise<{ files: Record<string, string>; manifest: Manifest }> {
  const sdl = printSchema(apiSchemaOf(readFileSync(join(ROOT, 'schema/supergraph.graphql'), 'utf8')));
  const outputs = await generate({
    cwd: ROOT,
    schema: sdl,
    documents: ['examples/frontend/src/**/*.ts', '!examples/frontend/src/gql/**'],
    ignoreNoDocuments: false,
    silent: true,
    generates: {
      'examples/frontend/src/gql/': {
        preset: 'client',
        presetConfig: { persistedDocuments: { hashAlgorithm: 'sha256' }, fragmentMasking: false },
        config: {
          useTypeImports: true,
          importExtension: '.ts', // imports the way this repository's NodeNext + tsx setup resolves them
          enumsAsTypes: true,
          // the gateway serialises Decimal and DateTime as strings
          scalars: { Decimal: 'string', DateTime: 'string', Date: 'string', JSON: 'unknown' },
        },
      },
    },
  }, write);
  const files: Record<string, string> = {};
  for (const o of outputs as { filename: string; content: string }[]) files[relative(ROOT, join(ROOT, o.filename))] = o.content;
  const docs = JSON.parse(files['examples/frontend/src/gql/persisted-documents.json'] ?? '{}') as Record<string, string>;
  return { files, manifest: manifestOf(docs) };
}

async function main(argv: string[]): Promise<number> {
  const check = argv.includes('--check');
  const { files, manifest } = await codegen(!check);
  const manifestText = JSON.stringify(manifest, null, 2) + '\n';
  files['examples/frontend/persisted-manifest.json'] = manifestText;
  const i = argv.indexOf('--safelist');
  if (i >= 0 && argv[i + 1]) files[`schema/persisted/${argv[i + 1]}.json`] = manifestText;
  if (check) {
    const stale = Object.entries(files).filter(([f, content]) => {
      try { return readFileSync(join(ROOT, f), 'utf8') !== content; } catch { return true; }
    }).map(([f]) => f);
    if (stale.length) { console.error(`examples/frontend: out of date (run node --import tsx examples/frontend/codegen.ts): ${stale.join(', ')}`); return 1; }
    console.log(`examples/frontend: generated code and manifest current (${manifest.operations.length} operations)`);
    return 0;
  }
  for (const f of ['examples/frontend/persisted-manifest.json', ...(i >= 0 ? [`schema/persisted/${argv[i + 1]}.json`] : [])]) writeFileSync(join(ROOT, f), manifestText);
  console.log(`examples/frontend: ${Object.keys(files).length} files; manifest of ${manifest.operations.map((o) => o.name).join(', ')}`);
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then((c) => process.exit(c), (e) => { console.error(e); process.exit(2); });
}
