// Composes schema/supergraph.graphql from the subgraph SDL files with @apollo/composition.
// `npm run compose` writes it; `npm run compose -- --check` fails when composition fails or the file is stale.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { loadTypeDefs, sdlFilesIn } from '@omniroute/core';
import { ROOT, SUBGRAPHS, modulesDir } from './subgraphs.ts';
import { writeOrCheck } from './generated-file.ts';

export function composeSupergraph(urlOf: (name: string, port: number) => string = (_n, p) => `http://127.0.0.1:${p}/graphql`): string {
  const services = SUBGRAPHS.filter((s) => existsSync(modulesDir(s.name))).map((s) => ({
    name: s.name,
    url: urlOf(s.name, s.port),
    typeDefs: loadTypeDefs(sdlFilesIn(modulesDir(s.name))),
  }));
  const result = composeServices(services);
  if (result.errors) {
    throw new Error(`composition failed:\n${result.errors.map((e) => `- ${e.message}`).join('\n')}`);
  }
  return result.supergraphSdl + '\n';
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const target = join(ROOT, 'schema', 'supergraph.graphql');
  try {
    const sdl = composeSupergraph();
    writeOrCheck(target, sdl, existsSync(target) ? readFileSync(target, 'utf8') : '', {
      stale: 'schema/supergraph.graphql is stale: run `npm run compose` and commit it',
      upToDate: 'supergraph composes and is up to date',
    });
  } catch (e) {
    console.error((e as Error).message);
    process.exit(1);
  }
}
