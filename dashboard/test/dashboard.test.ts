// The live operations page in a real browser against the real platform: the whole stack in-process (seeded,
// free ports) serving the built dashboard at /dashboard/, Chromium driven by playwright-core. Signs in as the
// Lagos demo operator, then reports a vehicle position and places an order through the API and watches the map
// and the order feed react over graphql-ws. Screenshot: test-artifacts/dashboard.png.
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startStack, type Stack } from '@omniroute/stack';
import { gql, login, nodes } from '@omniroute/testkit';
import { dashboardRoutes, DASHBOARD_DIST } from '../serve.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = join(ROOT, 'test-artifacts', 'dashboard.png');
const EMAIL = 'ops@lagos.demo';

let stack: Stack | undefined;
let browser: Browser | undefined;
let page: Page;
let base: string;
let token: string;
let shot = false;
const pageErrors: string[] = [];

async function screenshot(path = SCREENSHOT) {
  mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
  await page.screenshot({ path });
  if (path === SCREENSHOT) shot = true;
}

/** What the page itself says is missing or broken (panel notices), for failure messages. */
async function diagnostics(): Promise<string> {
  const notices = await page.locator('[data-testid=map-notices], [data-testid=feed-notice], .panel-notice').allInnerTexts().catch(() => []);
  const link = await page.getByTestId('link-status').getAttribute('data-state').catch(() => null);
  return [`websocket: ${link}`, ...notices.map((n) => `page says: ${n.replace(/\s+/g, ' ')}`), ...pageErrors.map((e) => `browser: ${e}`)].join('\n  ');
}

async function subscriptionFields(): Promise<string[]> {
  const r = await gql(stack!.gatewayUrl, '{ __schema { subscriptionType { fields { name } } } }', {}, token);
  return (r.data?.__schema?.subscriptionType?.fields ?? []).map((f: { name: string }) => f.name);
}

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

beforeAll(async () => {
  // CI installs Chromium (apt-get install -y chromium); never skip silently
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH). The dashboard browser test cannot run without it.`);
  if (distStale()) {
    const { build } = await import('vite');
    await build({ configFile: join(ROOT, 'dashboard', 'vite.config.ts'), logLevel: 'warn' });
  }
  const [s, b] = await Promise.all([
    startStack({ seed: true, routes: dashboardRoutes() }),
    chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
    }),
  ]);
  stack = s;
  browser = b;
  base = stack.gatewayUrl.replace(/\/graphql$/, '');
  token = await login(stack.gatewayUrl, EMAIL);
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()));
});

afterAll(async () => {
  if (page && !shot) await screenshot().catch(() => undefined);
  await browser?.close();
  await stack?.close();
});

describe('live operations dashboard', () => {
  it('is served by the gateway and signs in with the demo account', async () => {
    const redirect = await fetch(`${base}/dashboard`, { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    await page.goto(`${base}/dashboard/`);
    await page.getByTestId('login-email').fill(EMAIL);
    await page.getByTestId('login-password').fill('omniroute-demo');
    await page.getByTestId('login-submit').click();
    await page.getByTestId('fleet-map').waitFor({ timeout: 15_000 });
    await expect.poll(() => page.getByTestId('tenant-name').innerText(), { timeout: 10_000 }).toBe('Lagos FMCG Distribution');
  });

  it('shows the fleet on the map, KPI tiles and recent orders', async () => {
    const markers = page.getByTestId('vehicle-marker');
    await markers.first().waitFor({ state: 'attached', timeout: 15_000 }).catch(async () => {
      throw new Error(`no vehicle markers on the map\n  ${await diagnostics()}`);
    });
    expect(await page.getByTestId('territory').count()).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('kpi-gmv').getAttribute('data-state'), { timeout: 10_000 }).toBe('ready');
    expect(await page.getByTestId('kpi-gmv-value').innerText()).toMatch(/^₦[\d,]+\.\d\d/);
    expect(await page.getByTestId('kpi-active-vehicles-value').innerText()).toMatch(/\d+\s*\/\s*\d+/);
    expect(await page.getByTestId('order-feed-item').count()).toBeGreaterThan(0);

    // Issue 20: the tiles show what the graph computes for the same window, and the on-time window is printed.
    const graph = await gql(stack!.gatewayUrl, `query($tz: String!) { tenant { timeZone } commerceKpis(timeZone: $tz) { ordersToday gmvToday { amount } }
      logisticsKpis { vehicles onTime { windowHours delivered onTime } } financeKpis(timeZone: $tz) { paymentsToday } }`, { tz: 'Africa/Lagos' }, token);
    expect(graph.errors, JSON.stringify(graph.errors)).toBeUndefined();
    expect(graph.data.tenant.timeZone).toBe('Africa/Lagos');
    const k = graph.data;
    const digits = (s: string) => s.replace(/[^\d]/g, '');
    await expect.poll(async () => digits(await page.getByTestId('kpi-gmv-value').innerText()), { timeout: 15_000 }).toBe(digits(Number(k.commerceKpis.gmvToday.amount).toFixed(2)));
    expect(await page.getByTestId('kpi-gmv').innerText()).toContain(`${k.commerceKpis.ordersToday.toLocaleString('en-US')} orders today`);
    expect(await page.getByTestId('kpi-gmv').innerText()).toContain('Africa/Lagos');
    expect(await page.getByTestId('kpi-active-vehicles-value').innerText()).toMatch(new RegExp(`/\\s*${k.logisticsKpis.vehicles}`));
    const window = await page.getByTestId('kpi-on-time-window').innerText();
    expect(window).toContain(`${k.logisticsKpis.onTime.onTime} of ${k.logisticsKpis.onTime.delivered} by ETA`);
    expect(window).toContain(`last ${k.logisticsKpis.onTime.windowHours} h`);
    expect(await page.getByTestId('kpi-collections').innerText()).toContain(`${k.financeKpis.paymentsToday} payments received today`);
  });

  it('moves a vehicle marker when the vehicle reports a new position', async () => {
    const marker = page.locator('[data-testid=vehicle-marker][data-cold-chain=false]').first();
    const vehicleId = (await marker.getAttribute('data-vehicle-id'))!;
    const lat0 = Number(await marker.getAttribute('data-lat'));
    const lng0 = Number(await marker.getAttribute('data-lng'));
    const box0 = (await marker.boundingBox())!;
    const [lat, lng] = [lat0 + 0.012, lng0 + 0.015]; // ~2 km north-east
    const r = await gql(stack!.gatewayUrl, `mutation($input: ReportVehiclePositionInput!) { reportVehiclePosition(input: $input) { vehicle { id } userErrors { code message } } }`, {
      input: { vehicleId, lat, lng, speedKph: 32, heading: 45, recordedAt: new Date().toISOString() },
    }, token);
    expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    expect(r.data.reportVehiclePosition.userErrors).toEqual([]);

    const live = await subscriptionFields();
    const moved = page.locator(`[data-testid=vehicle-marker][data-vehicle-id="${vehicleId}"][data-lat="${lat.toFixed(6)}"]`);
    await moved.waitFor({ state: 'attached', timeout: 10_000 }).catch(async () => {
      throw new Error(`marker of ${vehicleId} did not move to the reported position within 10 s` +
        `\n  supergraph Subscription fields: ${live.length ? live.join(', ') : '(none: no Subscription type)'}\n  ${await diagnostics()}`);
    });
    await page.waitForTimeout(1200); // the marker glides to its new place (0.9 s transition)
    const box1 = (await moved.boundingBox())!;
    expect(Math.hypot(box1.x - box0.x, box1.y - box0.y), 'marker moved on screen (px)').toBeGreaterThan(5);
    expect(box1.y).toBeLessThan(box0.y); // north is up
    expect(box1.x).toBeGreaterThan(box0.x); // east is right
  });

  it('shows a newly placed order at the top of the live feed', async () => {
    const gmvBefore = await page.getByTestId('kpi-gmv').innerText();
    const todayBefore = Number(/([\d,]+) orders today/.exec(gmvBefore)?.[1]?.replace(/,/g, '') ?? NaN);
    const ids = await gql(stack!.gatewayUrl, `{ customers(first: 1) { edges { node { id } } } locations(first: 4) { edges { node { id } } }
      products(first: 5) { edges { node { variants { sku } } } } }`, {}, token);
    expect(ids.errors, JSON.stringify(ids.errors)).toBeUndefined();
    const customerId = nodes<{ id: string }>(ids.data.customers)[0]!.id;
    const skus = nodes<{ variants: { sku: string }[] }>(ids.data.products).flatMap((p) => p.variants.map((v) => v.sku));
    let number: string | undefined;
    const refusals: string[] = [];
    // the first location with stock of the SKU takes the order
    for (const { id: locationId } of nodes<{ id: string }>(ids.data.locations)) {
      for (const sku of skus.slice(0, 3)) {
        const r = await gql(stack!.gatewayUrl, `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { number } userErrors { code message } } }`, {
          input: { customerId, channel: 'PORTAL', locationId, lines: [{ sku, quantity: 1 }], idempotencyKey: `dashboard-test-${randomUUID()}` },
        }, token);
        expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
        number = r.data.placeOrder.order?.number;
        if (number) break;
        refusals.push(JSON.stringify(r.data.placeOrder.userErrors));
      }
      if (number) break;
    }
    expect(number, `placeOrder refused: ${refusals.join('; ')}`).toBeTruthy();

    const live = await subscriptionFields();
    const item = page.locator(`[data-testid=order-feed-item][data-order-number="${number}"]`).first();
    await item.waitFor({ timeout: 10_000 }).catch(async () => {
      throw new Error(`order ${number} did not appear in the feed within 10 s` +
        `\n  supergraph Subscription fields: ${live.length ? live.join(', ') : '(none: no Subscription type)'}\n  ${await diagnostics()}`);
    });
    expect(await item.innerText()).toContain(number);
    expect(await page.getByTestId('order-feed-item').first().getAttribute('data-order-number')).toBe(number); // newest first
    await expect.poll(async () => Number(/([\d,]+) orders today/.exec(await page.getByTestId('kpi-gmv').innerText())?.[1]?.replace(/,/g, '')), { timeout: 5_000 })
      .toBe(todayBefore + 1);
    await page.waitForTimeout(500);
    await screenshot();
  });
});
