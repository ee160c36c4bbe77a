// Bundles GraphiQL (the `graphiql` package, Monaco editor and its workers included) into gateway/dist/graphiql; the
// gateway serves the page at GET /graphql (Accept: text/html) and the assets under /graphiql/. No CDN: works offline.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/graphiql/',
  plugins: [react()],
  worker: { format: 'es' },
  build: {
    outDir: '../dist/graphiql',
    emptyOutDir: true,
    chunkSizeWarningLimit: 8000, // Monaco is big; it is served from this origin with immutable caching
    reportCompressedSize: false,
    rolldownOptions: {
      // React-compiler output in @graphiql/react carries "use no memo" directives, meaningless once bundled
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  logLevel: 'warn',
});
