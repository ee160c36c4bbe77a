// Baseline: stock ApolloServer 5 + ApolloGateway with default settings, one process, standalone server.
// Plain JavaScript on purpose: the measured process loads no TypeScript loader, like `node gateway/dist/cli.js`.
//   node bench/federation/apollo-gateway.mjs <supergraph file> <port>   → prints "READY <port>"
import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ApolloGateway } from '@apollo/gateway';

const [file, port] = process.argv.slice(2);
const server = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl: readFileSync(file, 'utf8') }) });
const { url } = await startStandaloneServer(server, { listen: { host: '127.0.0.1', port: Number(port ?? 0) } });
process.stdout.write(`READY ${new URL(url).port}\n`);
process.on('SIGTERM', () => server.stop().finally(() => process.exit(0)));
