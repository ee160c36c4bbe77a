// Generic gateway CLI: serves a supergraph file with no auth.
//   node gateway/dist/cli.js --supergraph <file> --port <n> [--host 127.0.0.1] [--dedup-inbound] [--no-introspection]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createGatewayRuntime } from './runtime/index.ts';

const { values } = parseArgs({
  options: {
    supergraph: { type: 'string' },
    port: { type: 'string', default: '4000' },
    host: { type: 'string', default: '127.0.0.1' },
    'dedup-inbound': { type: 'boolean', default: false },
    'no-introspection': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});

if (values.help || !values.supergraph) {
  process.stderr.write('usage: cli --supergraph <file> --port <n> [--host 127.0.0.1] [--dedup-inbound] [--no-introspection]\n');
  process.exit(values.help ? 0 : 2);
}

const runtime = createGatewayRuntime({
  supergraphSdl: readFileSync(values.supergraph, 'utf8'),
  dedupInbound: values['dedup-inbound'],
  introspection: !values['no-introspection'],
  hooks: {
    routes: {
      '/health': (_req, res) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('OK'); },
    },
  },
});

const port = await runtime.listen(Number(values.port), values.host).catch((err: NodeJS.ErrnoException) => {
  process.stderr.write(`cannot listen on ${values.host}:${values.port}: ${err.code ?? err.message}\n`);
  process.exit(1);
});
process.stderr.write(`gateway ready at http://${values.host}:${port}/graphql (${runtime.subgraphs.size} subgraphs${values['dedup-inbound'] ? ', inbound dedup' : ''})\n`);

const stop = () => { runtime.close().finally(() => process.exit(0)); setTimeout(() => process.exit(0), 3000).unref(); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
