// The subgraph kit: a subgraph is a declaration (defineSubgraph) of modules (defineModule); every request-facing
// service method takes the RequestScope first. See docs/subgraph-guide.md.
export * from './scope.ts';
export * from './module.ts';
export * from './subgraph.ts';
export * from './shared.ts';
export * from './resend.ts';
export * from './loaders.ts';
export { serveSubgraphProcess } from './standalone.ts';
