import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where `npm run build` puts the GraphiQL bundle (gateway/graphiql → vite). */
export const GRAPHIQL_DIST = fileURLToPath(new URL('../../dist/graphiql', import.meta.url));
const ASSETS = '/graphiql/';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.ttf': 'font/ttf', '.woff': 'font/woff', '.woff2': 'font/woff2', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json',
};

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  // Everything comes from this origin: the bundle, Monaco's workers, fonts (some inlined as data:) and the
  // GraphQL endpoint over HTTP and WebSocket. Monaco sets inline styles.
  'content-security-policy': "default-src 'self'; script-src 'self'; worker-src 'self' blob:; style-src 'self' 'unsafe-inline'; font-src 'self' data:; img-src 'self' data:; connect-src 'self' ws: wss:; frame-ancestors 'none'",
};

const isFile = async (p: string) => {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
};

async function sendFile(req: IncomingMessage, res: ServerResponse, path: string, cache: string): Promise<void> {
  const { size } = await stat(path);
  res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream', 'content-length': size, 'cache-control': cache, ...SECURITY_HEADERS });
  if (req.method === 'HEAD') return void res.end();
  await new Promise<void>((resolve, reject) => {
    const s = createReadStream(path);
    s.on('error', reject).on('end', () => resolve());
    s.pipe(res);
  });
}

/**
 * GraphiQL for browsers: the page at GET /graphql (Accept: text/html, no query string) and its fingerprinted assets
 * under /graphiql/. The bundle is built by `npm run build`; without it the page says so (503).
 */
export function createGraphiqlPlugin(opts: { distDir?: string } = {}) {
  const root = normalize((opts.distDir ?? GRAPHIQL_DIST) + sep);
  return {
    /** A browser asking for the endpoint itself gets the IDE instead of a GraphQL error. */
    wantsPage(req: IncomingMessage): boolean {
      return (req.method === 'GET' || req.method === 'HEAD') && !req.url!.includes('?') && (req.headers.accept ?? '').includes('text/html');
    },
    async page(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const index = join(root, 'index.html');
      if (!(await isFile(index))) {
        res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS }).end('GraphiQL is not built yet: run `npm run build`.\n');
        return;
      }
      await sendFile(req, res, index, 'no-cache');
    },
    routes: {
      [`${ASSETS}*`]: async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
        if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { allow: 'GET, HEAD' }).end();
        let rel: string;
        try {
          rel = decodeURIComponent((req.url ?? '/').split('?')[0]!.slice(ASSETS.length));
        } catch {
          return void res.writeHead(400).end();
        }
        const file = normalize(join(root, rel));
        if (!rel.startsWith('assets/') || !file.startsWith(root) || rel.includes('\0') || !(await isFile(file))) {
          return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        }
        // vite fingerprints every asset name: cache for good
        await sendFile(req, res, file, 'public, max-age=31536000, immutable');
      },
    },
  };
}
