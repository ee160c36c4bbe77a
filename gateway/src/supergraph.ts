/** Subgraph name → URL, read from the supergraph's `@join__graph(name:, url:)` directives. */
export function subgraphUrlsOf(supergraphSdl: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of supergraphSdl.matchAll(/@join__graph\(\s*name:\s*"([^"]+)"\s*,\s*url:\s*"([^"]*)"\s*\)/g)) out[m[1]!] = m[2]!;
  return out;
}
