// Shared by the browser test (dashboard.test.ts) and `npm run screenshots`: the whole stack in-process (seeded,
// free ports) serving the built dashboard, Chromium through playwright-core, sign-in, and a few graph calls
// (plan today's routes, place an order) that drive the page the way an operator's colleagues would.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateSync } from 'node:zlib';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startStack, type Stack } from '@omniroute/platform';
import { gql, login, nodes } from '@omniroute/testkit';
import { dashboardRoutes, DASHBOARD_DIST, mapTilesFromEnv, type MapTiles } from '../serve.ts';
import { dayIn } from '../src/map/places.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'];

export const TENANTS = {
  lagos: { email: 'ops@lagos.demo', name: 'Lagos FMCG Distribution', timeZone: 'Africa/Lagos', currency: 'NGN' },
  accra: { email: 'ops@accra.demo', name: 'Accra Wholesale', timeZone: 'Africa/Accra', currency: 'GHS' },
} as const;
export type TenantKey = keyof typeof TENANTS;

/** dist is missing or older than a source file (the root build makes it; tests run after edits too). */
function distStale(): boolean {
  const built = join(DASHBOARD_DIST, 'index.html');
  if (!existsSync(built)) return true;
  const t = statSync(built).mtimeMs;
  const dir = join(ROOT, 'dashboard');
  const sources = [join(dir, 'index.html'), join(dir, 'vite.config.ts'), ...readdirSync(join(dir, 'src'), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name))];
  return sources.some((f) => statSync(f).mtimeMs > t);
}

export async function ensureBuilt() {
  if (!distStale()) return;
  const { build } = await import('vite');
  await build({ configFile: join(ROOT, 'dashboard', 'vite.config.ts'), logLevel: 'warn' });
}

export async function launchChromium(): Promise<Browser> {
  // CI installs Chromium (apt-get install -y chromium); never skip silently
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH).`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** The stack serving the dashboard; tiles from the environment (OpenStreetMap by default) unless given. */
export async function startDashboardStack(tiles: MapTiles = mapTilesFromEnv()): Promise<{ stack: Stack; base: string }> {
  await ensureBuilt();
  const stack = await startStack({ seed: true, routes: dashboardRoutes(undefined, tiles) });
  return { stack, base: stack.gatewayUrl.replace(/\/graphql$/, '') };
}

/**
 * A fresh browser context at the given size, signed in as the tenant's operator: through the sign-in form, or with
 * a token from `login` put where the page keeps its session (a sign-in is a deliberately slow scrypt; one per
 * tenant is enough on a busy machine).
 */
export async function signIn(browser: Browser, base: string, tenant: TenantKey, viewport = { width: 1920, height: 1080 }, token?: string): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  if (token) {
    const session = JSON.stringify({ token, email: TENANTS[tenant].email });
    await context.addInitScript((s) => sessionStorage.setItem('omniroute.dashboard.session', s), session);
    await page.goto(`${base}/dashboard/`);
    await page.getByTestId('fleet-map').waitFor({ timeout: 30_000 });
    return { page, errors };
  }
  await page.goto(`${base}/dashboard/`);
  await page.getByTestId('login-email').fill(TENANTS[tenant].email);
  await page.getByTestId('login-password').fill('omniroute-demo');
  await page.getByTestId('login-submit').click();
  await page.getByTestId('fleet-map').waitFor({ timeout: 45_000 }); // sign-in is a deliberately slow scrypt
  return { page, errors };
}

/**
 * A tile server on localhost: plain 256 px PNG tiles with a faint grid, so the slippy map's tile path runs end to
 * end without the internet. `online = false` makes every tile fail, as an unreachable tile server would.
 */
export async function startTileServer(): Promise<{ template: string; online: boolean; served: number; close(): Promise<void> }> {
  const png = gridTile();
  const state = { template: '', online: true, served: 0, close: async () => undefined as void };
  const server: Server = createServer((req, res) => {
    if (!state.online || !/^\/\d+\/\d+\/\d+\.png$/.test(req.url ?? '')) {
      res.writeHead(503).end();
      return;
    }
    state.served++;
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length, 'access-control-allow-origin': '*' }).end(png);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  state.template = `http://127.0.0.1:${port}/{z}/{x}/{y}.png`;
  state.close = () => new Promise<void>((r) => server.close(() => r()));
  return state;
}

function gridTile(): Buffer {
  const size = 256;
  const raw = Buffer.alloc((size * 3 + 1) * size);
  for (let y = 0; y < size; y++) {
    raw[y * (size * 3 + 1)] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      const edge = x === 0 || y === 0;
      const o = y * (size * 3 + 1) + 1 + x * 3;
      raw[o] = edge ? 214 : 236; raw[o + 1] = edge ? 222 : 240; raw[o + 2] = edge ? 214 : 233;
    }
  }
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td) >>> 0);
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; ihdr[9] = 2; // 8-bit RGB
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

export async function must<T = any>(url: string, token: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const r = await gql<T>(url, query, variables, token);
  if (r.errors?.length) throw new Error(`${query.slice(0, 60)}…: ${JSON.stringify(r.errors)}`);
  return r.data as T;
}

export interface PlannedDay { id: string; locationId: string; date: string; trips: { vehicleId: string; stops: number }[]; totalKm: number; baselineKm: number }

/** Plans today's routes at the first depot with shipments waiting, over the vehicles without a shipment. */
export async function planToday(url: string, token: string, timeZone: string): Promise<PlannedDay> {
  const d = await must(url, token, `{ locations(first: 20) { edges { node { id kind } } } vehicles(first: 100) { edges { node { id currentShipment { id } } } } }`);
  const vehicles = nodes<{ id: string; currentShipment: { id: string } | null }>(d.vehicles);
  const free = [...vehicles.filter((v) => !v.currentShipment), ...vehicles.filter((v) => v.currentShipment)].map((v) => v.id).slice(0, 8);
  const date = dayIn(timeZone);
  const tried: unknown[] = [];
  for (const { id: locationId } of nodes<{ id: string; kind: string }>(d.locations)) {
    const r = await must(url, token, `mutation($i: PlanRoutesInput!) { planRoutes(input: $i) { plan { id totalKm baselineKm trips { vehicle { id } stops { sequence } } } userErrors { code message } } }`, {
      i: { locationId, date, vehicleIds: free, timeLimitMs: 300 },
    });
    const plan = r.planRoutes.plan;
    if (plan?.trips.length) {
      return { id: plan.id, locationId, date, totalKm: plan.totalKm, baselineKm: plan.baselineKm, trips: plan.trips.map((t: any) => ({ vehicleId: t.vehicle.id, stops: t.stops.length })) };
    }
    tried.push(r.planRoutes.userErrors);
  }
  throw new Error(`no depot could be planned today: ${JSON.stringify(tried)}`);
}

/** Places a one-line order at the first location with stock; returns its number. */
export async function placeOrder(url: string, token: string): Promise<string> {
  const ids = await must(url, token, `{ customers(first: 1) { edges { node { id } } } locations(first: 4) { edges { node { id } } } products(first: 5) { edges { node { variants { sku } } } } }`);
  const customerId = nodes<{ id: string }>(ids.customers)[0]!.id;
  const skus = nodes<{ variants: { sku: string }[] }>(ids.products).flatMap((p) => p.variants.map((v) => v.sku));
  const refusals: string[] = [];
  for (const { id: locationId } of nodes<{ id: string }>(ids.locations)) {
    for (const sku of skus.slice(0, 3)) {
      const r = await must(url, token, `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { number } userErrors { code message } } }`, {
        input: { customerId, channel: 'PORTAL', locationId, lines: [{ sku, quantity: 1 }], idempotencyKey: `dashboard-test-${randomUUID()}` },
      });
      if (r.placeOrder.order?.number) return r.placeOrder.order.number;
      refusals.push(JSON.stringify(r.placeOrder.userErrors));
    }
  }
  throw new Error(`placeOrder refused: ${refusals.join('; ')}`);
}

export { login };
