// Bundles the gateway CLI into gateway/dist/cli.js: our TS sources and @omniroute/* workspace packages are
// bundled; npm dependencies stay external and resolve from node_modules at run time. Idempotent, standalone:
//   node --import tsx scripts/build-gateway.ts
import { build, type Plugin } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// Everything imported by bare specifier is external, except our own workspace packages.
const externalNpm: Plugin = {
  name: 'external-npm',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('@omniroute/')) return undefined;
      if (args.path.startsWith('node:')) return { path: args.path, external: true };
      return { path: args.path, external: true };
    });
  },
};

mkdirSync(resolve(root, 'gateway/dist'), { recursive: true });
const result = await build({
  entryPoints: [resolve(root, 'gateway/src/cli.ts')],
  outfile: resolve(root, 'gateway/dist/cli.js'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  plugins: [externalNpm],
  logLevel: 'warning',
  banner: { js: '#!/usr/bin/env node' },
  metafile: true,
});
const out = Object.entries(result.metafile.outputs).find(([f]) => f.endsWith('cli.js'));
process.stdout.write(`built gateway/dist/cli.js (${out ? Math.round(out[1].bytes / 1024) : '?'} KiB)\n`);
