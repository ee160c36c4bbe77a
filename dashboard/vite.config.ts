// Builds the live operations page into dashboard/dist; the gateway serves it at /dashboard/ (see serve.ts).
// `npm run dev --workspace dashboard` proxies /graphql (HTTP and graphql-ws) to a gateway on :4000
// (override with OMNIROUTE_GATEWAY=http://host:port).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const gateway = process.env.OMNIROUTE_GATEWAY ?? 'http://localhost:4000';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/dashboard/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 800 },
  server: { proxy: { '/graphql': { target: gateway, ws: true, changeOrigin: true } } },
  logLevel: 'warn',
});
