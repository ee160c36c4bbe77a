// The chaos topology's processes run from JavaScript bundles rather than through tsx: on this 2-core machine tsx
// spends ~2.5 s of CPU compiling a subgraph's TypeScript at every start (and every restart after a SIGKILL), the
// bundle ~1 s to load. Each entry point (subgraphs/*/src/index.ts, gateway/src/index.ts) becomes one ESM file in
// chaos/.build/ (not checked in): our sources and @omniroute/* workspace packages are bundled, npm dependencies stay
// external and resolve from node_modules. `import.meta.url` is replaced in each source file by that file's own URL,
// so SDL files, migrations and worker scripts are found where they are in the tree. Rebuilt only when a source
// file is newer than the bundles.
import { build, type Plugin } from 'esbuild';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../bench/lib/proc.ts';

export const BUILD_DIR = join(ROOT, 'chaos', '.build');
const SOURCES = ['subgraphs', 'packages', 'platform', 'gateway/src', 'schema/supergraph.graphql', 'prisma', 'package-lock.json'];

const inTree: Plugin = {
  name: 'omniroute-chaos',
  setup(b) {
    // bare specifiers are npm packages (external), except our workspace packages
    b.onResolve({ filter: /^[^./]/ }, (a) => (a.path.startsWith('@omniroute/') ? undefined : { path: a.path, external: true }));
    b.onLoad({ filter: /\.(ts|mts|js|mjs)$/ }, async (a) => {
      if (a.path.includes('/node_modules/')) return undefined;
      const src = await readFile(a.path, 'utf8');
      if (!src.includes('import.meta.url')) return undefined;
      return { contents: src.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(a.path).href)), loader: /\.m?ts$/.test(a.path) ? 'ts' : 'js' };
    });
  },
};

function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let max = s.mtimeMs;
  for (const e of readdirSync(path, { recursive: true, withFileTypes: true })) {
    if (!e.isFile() || e.parentPath.includes('node_modules') || e.parentPath.includes('/test')) continue;
    const m = statSync(join(e.parentPath, e.name)).mtimeMs;
    if (m > max) max = m;
  }
  return max;
}

/** Bundles each entry (name → path of its TypeScript entry, relative to the root); resolves with name → bundle path. */
export async function bundleEntries(entries: Record<string, string>, log: (line: string) => void): Promise<Record<string, string>> {
  mkdirSync(BUILD_DIR, { recursive: true });
  const out = Object.fromEntries(Object.keys(entries).map((name) => [name, join(BUILD_DIR, `${name}.mjs`)]));
  const oldest = Math.min(...Object.values(out).map((f) => (existsSync(f) ? statSync(f).mtimeMs : 0)));
  const sources = Math.max(...SOURCES.map((s) => newest(join(ROOT, s))));
  if (oldest > sources) {
    log('bundles up to date');
    return out;
  }
  const t0 = Date.now();
  await Promise.all(Object.entries(entries).map(([name, entry]) => build({
    entryPoints: [join(ROOT, entry)],
    outfile: out[name],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'warning',
    plugins: [inTree],
  })));
  log(`bundled ${Object.keys(entries).length} entry points in ${Date.now() - t0} ms`);
  return out;
}
