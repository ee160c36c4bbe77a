// Serves the built dashboard (dashboard/dist) from the gateway: `createGateway({ routes: dashboardRoutes() })`
// answers /dashboard (redirect), /dashboard/config.json (the map's tile source, from the environment) and
// /dashboard/* (files; unknown paths fall back to index.html).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DASHBOARD_DIST = fileURLToPath(new URL('./dist', import.meta.url));
export const DASHBOARD_PATH = '/dashboard/';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.ico': 'image/x-icon', '.woff2': 'font/woff2', '.map': 'application/json', '.txt': 'text/plain; charset=utf-8',
};

/** The live map's base layer: an XYZ tile template and its attribution (README "Configuration"). */
export interface MapTiles {
  /** e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png; "" (or "none") for no tiles: the offline map only */
  tileUrl: string;
  attribution: string;
  maxZoom: number;
}

export const DEFAULT_TILE_URL = 'https://tile.openstreetmap.org/{z}/{x}/{y}.png';
const OSM_ATTRIBUTION = '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors';

/** DASHBOARD_TILE_URL, DASHBOARD_TILE_ATTRIBUTION and DASHBOARD_TILE_MAX_ZOOM, OpenStreetMap when unset. */
export function mapTilesFromEnv(env: NodeJS.ProcessEnv = process.env): MapTiles {
  const raw = env.DASHBOARD_TILE_URL?.trim();
  const tileUrl = raw === undefined ? DEFAULT_TILE_URL : raw === 'none' ? '' : raw;
  if (tileUrl && !/^https?:\/\/[^/\s]+\/\S*\{z\}\S*\{x\}\S*\{y\}/.test(tileUrl)) {
    throw new Error(`DASHBOARD_TILE_URL must be an http(s) XYZ template with {z}, {x} and {y}, e.g. ${DEFAULT_TILE_URL}; got ${tileUrl}`);
  }
  const maxZoom = Number(env.DASHBOARD_TILE_MAX_ZOOM ?? 19);
  return {
    tileUrl,
    attribution: env.DASHBOARD_TILE_ATTRIBUTION ?? (tileUrl === DEFAULT_TILE_URL || tileUrl.includes('openstreetmap') ? OSM_ATTRIBUTION : ''),
    maxZoom: Number.isInteger(maxZoom) && maxZoom > 0 && maxZoom <= 22 ? maxZoom : 19,
  };
}

/** The origin tiles are fetched from, as a CSP source ({s} subdomains become a wildcard); null without tiles. */
export function tileOrigin(tileUrl: string): string | null {
  const m = /^(https?:\/\/[^/]+)/.exec(tileUrl);
  return m ? m[1]!.replace(/\{s\}/g, '*') : null;
}

function securityHeaders(tiles: MapTiles) {
  const origin = tileOrigin(tiles.tileUrl);
  return {
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    // the page talks to its own origin only (HTTP and WebSocket on /graphql); images also from the tile server
    'content-security-policy': `default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:${origin ? ` ${origin}` : ''}; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'`,
  };
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

const isFile = async (p: string) => {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
};

export function dashboardRoutes(distDir = DASHBOARD_DIST, tiles: MapTiles = mapTilesFromEnv()): Record<string, Handler> {
  const root = normalize(distDir + sep);
  const SECURITY_HEADERS = securityHeaders(tiles);
  const config = JSON.stringify({ tileUrl: tiles.tileUrl || null, attribution: tiles.attribution, maxZoom: tiles.maxZoom });
  const serve: Handler = async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    let rel: string;
    try {
      rel = decodeURIComponent((req.url ?? '/').split('?')[0]!.slice(DASHBOARD_PATH.length));
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (rel === 'config.json') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache', ...SECURITY_HEADERS });
      res.end(req.method === 'HEAD' ? undefined : config);
      return;
    }
    const file = normalize(join(root, rel));
    if (!file.startsWith(root) || rel.includes('\0')) {
      res.writeHead(404).end();
      return;
    }
    let path = rel && (await isFile(file)) ? file : null;
    if (!path) {
      // unknown asset → 404; anything else → the app (client-side routes)
      if (rel.startsWith('assets/')) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      path = join(root, 'index.html');
      if (!(await isFile(path))) {
        res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS })
          .end('The dashboard is not built yet: run `npm run build` (or `npm run build --workspace dashboard`).\n');
        return;
      }
    }
    const { size } = await stat(path);
    const hashed = path.includes(`${sep}assets${sep}`);
    res.writeHead(200, {
      'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
      'content-length': size,
      // Vite fingerprints assets/; index.html must always be revalidated
      'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
      ...SECURITY_HEADERS,
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const s = createReadStream(path!);
      s.on('error', reject).on('end', () => resolve());
      s.pipe(res);
    });
  };
  return {
    '/dashboard': async (_req, res) => void res.writeHead(301, { location: DASHBOARD_PATH }).end(),
    '/dashboard/*': serve,
  };
}
