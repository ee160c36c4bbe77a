// The live operations page in a real browser against the real platform, for two tenants (issues 20 and 15): one
// stack in-process (seeded, free ports) serving the built dashboard, one Chromium, the simulator driving Lagos and
// Accra. Lagos gets its tiles from a tile server on localhost (the slippy map's tile path end to end); for Accra the
// tile server is down, so its map is the offline one drawn from its own territories, depots and customers. Both:
// framed on their own places, every vehicle, markers moving live, today's planned trips, KPIs equal to the graph's
// for the same window, a new order at the top of the feed, readable at 390 px and 1920 px.
// Screenshots: test-artifacts/dashboard-<tenant>-<width>.png (docs/screenshots/ comes from `npm run screenshots`).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { demoPlan } from '@omniroute/demo';
import { simulationsFor, startSimulators } from '@omniroute/simulator';
import type { Stack } from '@omniroute/platform';
import { nodes } from '@omniroute/testkit';
import {
  launchChromium, login, must, placeOrder, planToday, reconcileVanWithVariance, ROOT, signIn, startDashboardStack, startTileServer, TENANTS, type PlannedDay,
  type TenantKey,
} from './harness.ts';
import { formatAmount } from '../src/money.ts';

const KEYS: TenantKey[] = ['lagos', 'accra'];
const ARTIFACTS = join(ROOT, 'test-artifacts');

let stack: Stack | undefined;
let base: string;
let browser: Browser | undefined;
let tiles: Awaited<ReturnType<typeof startTileServer>> | undefined;
let simulators: ReturnType<typeof startSimulators> | undefined;
let simulatorsFor: Parameters<typeof startSimulators>[1] = [];
const pages = {} as Record<TenantKey, Page>;
const pageErrors = {} as Record<TenantKey, string[]>;
const tokens = {} as Record<TenantKey, string>;
const depots: Partial<Record<TenantKey, { position: { lat: number; lng: number } }[]>> = {};

const url = () => stack!.gatewayUrl;
const digits = (s: string) => s.replace(/[^\d]/g, '');
const ordersToday = async (page: Page) => Number(/([\d,]+) orders today/.exec(await page.getByTestId('kpi-gmv').innerText())?.[1]?.replace(/,/g, '') ?? NaN);
const attr = (page: Page, name: string) => page.getByTestId('map-canvas').getAttribute(name);
const box = (s: string | null) => { const [south, west, north, east] = (s ?? '').split(',').map(Number); return { south: south!, west: west!, north: north!, east: east! }; };

/** What the page itself says is missing or broken, for failure messages. */
async function diagnostics(page: Page, key: TenantKey): Promise<string> {
  const notices = await page.locator('[data-testid=map-notices], [data-testid=feed-notice], .panel-notice').allInnerTexts().catch(() => []);
  const link = await page.getByTestId('link-status').getAttribute('data-state').catch(() => null);
  return [`websocket: ${link}`, ...notices.map((n) => `page says: ${n.replace(/\s+/g, ' ')}`), ...pageErrors[key].map((e) => `browser: ${e}`)].join('\n  ');
}

beforeAll(async () => {
  tiles = await startTileServer();
  const [s, b] = await Promise.all([startDashboardStack({ tileUrl: tiles.template, attribution: 'test tiles', maxZoom: 18 }), launchChromium()]);
  stack = s.stack;
  base = s.base;
  browser = b;
  const sims = simulationsFor(demoPlan(), {
    SIMULATOR_TENANTS: 'lagos,accra', SIMULATOR_POSITION_MS: '800', SIMULATOR_BUSINESS_MS: '1500', SIMULATOR_LAGOS_VEHICLES: '4', SIMULATOR_ACCRA_VEHICLES: '4',
  });
  simulatorsFor = sims;
  tokens.lagos = await login(url(), TENANTS.lagos.email);
  tokens.accra = await login(url(), TENANTS.accra.email);
}, 300_000);

afterAll(async () => {
  simulators?.stop();
  await browser?.close();
  await stack?.close();
  await tiles?.close();
});

describe('live operations dashboard, Lagos and Accra (issues 20, 15)', () => {
  it('is served by the gateway with its map configuration; Lagos signs in onto a tiled map framed on its own places', async () => {
    expect((await fetch(`${base}/dashboard`, { redirect: 'manual' })).status).toBe(301);
    const config = await fetch(`${base}/dashboard/config.json`);
    expect(await config.json()).toEqual({ tileUrl: tiles!.template, attribution: 'test tiles', maxZoom: 18 });
    expect(config.headers.get('content-security-policy')).toContain(`img-src 'self' data: ${new URL(tiles!.template.replace(/[{}]/g, '')).origin}`);

    const { page, errors } = await signIn(browser!, base, 'lagos'); // through the sign-in form
    pages.lagos = page;
    pageErrors.lagos = errors;
    await expect.poll(() => page.getByTestId('tenant-name').innerText(), { timeout: 15_000 }).toBe(TENANTS.lagos.name);
    await expect.poll(() => attr(page, 'data-mode'), { timeout: 15_000 }).toBe('tiles');
    expect(tiles!.served).toBeGreaterThan(0);
    await expectFramedOnOwnPlaces('lagos');
  }, 60_000);

  it('Accra: the tile server is down, so the map is the offline one drawn from its own data, still with every vehicle', async () => {
    tiles!.online = false;
    const { page, errors } = await signIn(browser!, base, 'accra', undefined, tokens.accra);
    pages.accra = page;
    pageErrors.accra = errors;
    await expect.poll(() => page.getByTestId('tenant-name').innerText(), { timeout: 15_000 }).toBe(TENANTS.accra.name);
    await expect.poll(() => attr(page, 'data-mode'), { timeout: 15_000 }).toBe('offline');
    // the canvas's data-mode is set by the map itself, the label on React's next render: wait for the label too
    await expect.poll(() => page.getByTestId('map-mode').innerText(), { timeout: 5_000 }).toContain('Offline map');
    await expect(page.locator('.leaflet-tile-loaded').count()).resolves.toBe(0);
    await expectFramedOnOwnPlaces('accra');
  }, 45_000);

  it('moves markers live in both tenants (the simulator reports positions)', async () => {
    simulators = startSimulators(url(), simulatorsFor); // started now: their sign-ins would have queued behind the pages'
    for (const k of KEYS) {
      const page = pages[k];
      await expect.poll(() => page.locator('[data-testid=vehicle-marker][data-stale=false]').count(), { timeout: 20_000 }).toBeGreaterThan(0);
      const moving = page.locator('[data-testid=vehicle-marker][data-stale=false]').first();
      const id = await moving.getAttribute('data-vehicle-id');
      const lat0 = await moving.getAttribute('data-lat');
      const marker = page.locator(`[data-testid=vehicle-marker][data-vehicle-id="${id}"]`);
      await expect.poll(() => marker.getAttribute('data-lat'), { timeout: 15_000 }).not.toBe(lat0);
      expect(await marker.isVisible(), `${k}: the moving marker is on the map`).toBe(true);
    }
  }, 60_000);

  it('draws today\'s planned trips on the map with the distance saved (Lagos)', async () => {
    const plan: PlannedDay = await planToday(url(), tokens.lagos, TENANTS.lagos.timeZone);
    const page = pages.lagos;
    const trips = page.locator(`[data-testid=planned-trip]`);
    await expect.poll(() => trips.count(), { timeout: 30_000 }).toBe(plan.trips.length); // plans are re-read every 10 s
    for (const t of plan.trips) {
      expect(await page.locator(`[data-testid=planned-trip][data-vehicle-id="${t.vehicleId}"]`).getAttribute('data-stops')).toBe(String(t.stops));
    }
    expect(await page.getByTestId('trip-stop').count()).toBe(plan.trips.reduce((n, t) => n + t.stops, 0));
    const item = page.locator(`[data-testid=plan-item][data-plan-id="${plan.id}"]`);
    expect(Number(await item.getAttribute('data-total-km'))).toBeCloseTo(plan.totalKm, 6);
    expect(Number(await item.getAttribute('data-baseline-km'))).toBeCloseTo(plan.baselineKm, 6);
    expect(await item.innerText()).toContain(`${plan.trips.length} trip`);
  }, 60_000);

  it('shows KPIs equal to what the graph computes for the same window, the on-time window printed on its tile', async () => {
    simulators?.stop(); // nothing moves while the page and the graph are compared
    await new Promise((r) => setTimeout(r, 1500));
    for (const k of KEYS) {
      const page = pages[k];
      const { timeZone, currency } = TENANTS[k];
      // the graph and the page side by side; settling payments may still land, and the tiles re-read every 10 s
      const compare = async () => {
        const r = await must(url(), tokens[k], `query($tz: String!) { tenant { timeZone } commerceKpis(timeZone: $tz) { ordersToday gmvToday { amount currencyCode } }
          logisticsKpis { vehicles onTime { windowHours delivered onTime } } financeKpis(timeZone: $tz) { paymentsToday } }`, { tz: timeZone });
        expect(r.tenant.timeZone).toBe(timeZone);
        expect(r.commerceKpis.gmvToday.currencyCode).toBe(currency);
        const gmvTitle = (await page.getByTestId('kpi-gmv-value').locator('span[title]').getAttribute('title')) ?? ''; // the tile may abbreviate (GH₵12.3K)
        const window = await page.getByTestId('kpi-on-time-window').innerText();
        const wrong: string[] = [];
        if (digits(gmvTitle) !== digits(Number(r.commerceKpis.gmvToday.amount).toFixed(2))) wrong.push(`GMV ${gmvTitle} ≠ ${r.commerceKpis.gmvToday.amount}`);
        if (await ordersToday(page) !== r.commerceKpis.ordersToday) wrong.push(`orders today ≠ ${r.commerceKpis.ordersToday}`);
        if (!(await page.getByTestId('kpi-gmv').innerText()).includes(timeZone)) wrong.push('GMV tile lacks the time zone');
        if (!window.includes(`${r.logisticsKpis.onTime.onTime} of ${r.logisticsKpis.onTime.delivered} by ETA`)) wrong.push(`on time: "${window}" ≠ ${r.logisticsKpis.onTime.onTime} of ${r.logisticsKpis.onTime.delivered}`);
        if (!window.includes(`last ${r.logisticsKpis.onTime.windowHours} h`)) wrong.push(`on-time window not printed: "${window}"`);
        if (!new RegExp(`/\\s*${r.logisticsKpis.vehicles}$`).test(await page.getByTestId('kpi-active-vehicles-value').innerText())) wrong.push(`vehicles ≠ ${r.logisticsKpis.vehicles}`);
        if (!(await page.getByTestId('kpi-collections').innerText()).includes(`${r.financeKpis.paymentsToday} payments received today`)) wrong.push(`payments ≠ ${r.financeKpis.paymentsToday}`);
        return wrong;
      };
      await expect.poll(compare, { timeout: 25_000, interval: 1000 }).toEqual([]);
    }
  }, 60_000);

  it('moves a marker north-east on screen when its vehicle reports a position north-east (Lagos)', async () => {
    const page = pages.lagos;
    const marker = page.locator('[data-testid=vehicle-marker][data-cold-chain=false]').first();
    const vehicleId = (await marker.getAttribute('data-vehicle-id'))!;
    const lat0 = Number(await marker.getAttribute('data-lat'));
    const lng0 = Number(await marker.getAttribute('data-lng'));
    const box0 = (await marker.boundingBox())!;
    const [lat, lng] = [lat0 + 0.012, lng0 + 0.015]; // ~2 km north-east
    const r = await must(url(), tokens.lagos, `mutation($input: ReportVehiclePositionInput!) { reportVehiclePosition(input: $input) { userErrors { code message } } }`, {
      input: { vehicleId, lat, lng, speedKph: 32, heading: 45, recordedAt: new Date().toISOString() },
    });
    expect(r.reportVehiclePosition.userErrors).toEqual([]);
    const moved = page.locator(`[data-testid=vehicle-marker][data-vehicle-id="${vehicleId}"][data-lat="${lat.toFixed(6)}"]`);
    await moved.waitFor({ state: 'attached', timeout: 10_000 }).catch(async () => {
      throw new Error(`marker of ${vehicleId} did not move to the reported position within 10 s\n  ${await diagnostics(page, 'lagos')}`);
    });
    await page.waitForTimeout(1200); // the marker glides to its new place (0.9 s)
    const box1 = (await moved.boundingBox())!;
    expect(Math.hypot(box1.x - box0.x, box1.y - box0.y), 'marker moved on screen (px)').toBeGreaterThan(5);
    expect(box1.y).toBeLessThan(box0.y); // north is up
    expect(box1.x).toBeGreaterThan(box0.x); // east is right
  }, 30_000);

  it('shows a newly placed order at the top of the live feed, and counts it in today\'s orders', async () => {
    for (const k of KEYS) {
      const page = pages[k];
      const before = await ordersToday(page);
      const number = await placeOrder(url(), tokens[k]);
      const item = page.locator(`[data-testid=order-feed-item][data-order-number="${number}"]`).first();
      await item.waitFor({ timeout: 10_000 }).catch(async () => {
        throw new Error(`${k}: order ${number} did not appear in the feed within 10 s\n  ${await diagnostics(page, k)}`);
      });
      expect(await page.getByTestId('order-feed-item').first().getAttribute('data-order-number')).toBe(number); // newest first
      await expect.poll(() => ordersToday(page), { timeout: 8_000 }).toBe(before + 1);
    }
  }, 40_000);

  it("lists a van's end-of-day count that differed from the book: van, SKU, expected vs counted, value (Lagos, issue 15)", async () => {
    const page = pages.lagos;
    const panel = page.getByTestId('van-reconciliation-panel');
    await panel.waitFor({ timeout: 10_000 });
    const rec = await reconcileVanWithVariance(url(), tokens.lagos);
    const item = page.locator(`[data-testid=van-reconciliation][data-reconciliation-id="${rec.id}"]`);
    await item.waitFor({ timeout: 25_000 }).catch(async () => { // re-read every 10 s
      throw new Error(`reconciliation ${rec.id} did not appear in the van panel within 25 s\n  ${await diagnostics(page, 'lagos')}`);
    });
    expect(await item.getAttribute('data-van-id')).toBe(rec.vanId);
    expect(await item.innerText()).toContain(rec.vanName);
    expect(await item.getByTestId('van-reconciliation-value').innerText()).toBe(formatAmount(rec.value.amount, rec.value.currencyCode));
    expect(rec.value.amount).not.toMatch(/^-?0(\.0+)?$/); // a variance worth something
    const line = item.locator(`[data-testid=van-variance-line][data-sku="${rec.sku}"]`);
    expect([await line.getAttribute('data-expected'), await line.getAttribute('data-counted')]).toEqual([String(rec.expected), String(rec.counted)]);
    const text = await line.innerText();
    expect(text).toContain(`expected ${rec.expected.toLocaleString('en-US')} · counted ${rec.counted.toLocaleString('en-US')}`);
    expect(text).toContain(formatAmount(rec.lineValue.amount, rec.lineValue.currencyCode));
    expect(await item.getByTestId('van-variance-line').count()).toBe(1); // only the SKU that differed
    expect(await page.locator('[data-testid=van-reconciliation-panel] .count-badge').innerText()).not.toBe('0');
  }, 45_000);

  it.each(KEYS)('%s is readable at 390 px (phone) and 1920 px (wall screen): map framed, feed and alerts in view, no sideways scrolling', async (k) => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const page = pages[k];
    for (const width of [1920, 390]) {
      await page.setViewportSize({ width, height: width === 390 ? 844 : 1080 });
      await page.waitForTimeout(700);
      expect(await page.evaluate(() => document.documentElement.scrollWidth), `${k} @${width}: no horizontal scroll`).toBeLessThanOrEqual(width);
      const map = (await page.getByTestId('map-canvas').boundingBox())!;
      const feed = (await page.getByTestId('order-feed').boundingBox())!;
      expect(map.width, `${k} @${width}: map width`).toBeGreaterThan(width === 390 ? 340 : 1000);
      expect(map.height, `${k} @${width}: map height`).toBeGreaterThan(300);
      if (width === 1920) expect(feed.x, 'feed beside the map').toBeGreaterThan(map.x + map.width);
      else expect(feed.y, 'feed below the map').toBeGreaterThan(map.y + map.height);
      // every vehicle drawn, and the framed view still holds the tenant's depots
      expect(await page.getByTestId('vehicle-marker').count()).toBe(Number(await attr(page, 'data-vehicles')));
      await expectDepotsInView(k);
      const item = page.getByTestId('order-feed-item').first();
      await item.scrollIntoViewIfNeeded();
      expect((await item.boundingBox())!.width, `${k} @${width}: feed item width`).toBeGreaterThan(300);
      expect(await item.locator('.order-number').evaluate((e) => e.scrollWidth <= e.clientWidth + 1), 'order number not clipped').toBe(true);
      expect(await item.locator('.order-number').evaluate((e) => parseFloat(getComputedStyle(e).fontSize)), 'order feed text size').toBeGreaterThanOrEqual(12);
      for (const id of ['cold-chain-panel', 'van-reconciliation-panel']) {
        const panel = page.getByTestId(id);
        if (!(await panel.count())) continue;
        await panel.scrollIntoViewIfNeeded();
        expect(await panel.isVisible(), `${k} @${width}: ${id} visible`).toBe(true);
        expect((await panel.boundingBox())!.width, `${k} @${width}: ${id} width`).toBeGreaterThan(300);
      }
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: join(ARTIFACTS, `dashboard-${k}-${width}.png`), fullPage: width === 390 });
    }
    expect(pageErrors[k]).toEqual([]);
  }, 60_000);
});

/** The map is framed on the tenant's depots, customers and territories, and draws all of them and every vehicle. */
async function expectFramedOnOwnPlaces(k: TenantKey) {
  const page = pages[k];
  const g = await must(url(), tokens[k], `{ locations(first: 100) { edges { node { id position { lat lng } } } } territories(first: 100) { edges { node { id boundary { type } } } }
    vehicles(first: 100) { edges { node { id lastPosition { lat } } } } customers(first: 100) { edges { node { id position { lat } } } pageInfo { hasNextPage } } }`);
  const vehicles = nodes<{ lastPosition: unknown }>(g.vehicles).filter((v) => v.lastPosition).length;
  await expect.poll(() => page.getByTestId('vehicle-marker').count(), { timeout: 20_000 }).toBe(vehicles);
  await expect.poll(() => attr(page, 'data-framed'), { timeout: 15_000 }).toBe('true');
  expect(await page.getByTestId('territory').count()).toBe(nodes(g.territories).length);
  // issue 15: a territory with a GeoJSON boundary is drawn as that polygon, one without as its circle
  const polygons = nodes<{ boundary: unknown }>(g.territories).filter((t) => t.boundary).length;
  expect(await page.locator('[data-testid=territory][data-shape=polygon]').count()).toBe(polygons);
  expect(await page.locator('[data-testid=territory][data-shape=circle]').count()).toBe(nodes(g.territories).length - polygons);
  expect(await page.getByTestId('depot-marker').count()).toBe(nodes(g.locations).length);
  if (!g.customers.pageInfo.hasNextPage) {
    await expect.poll(() => page.getByTestId('customer-marker').count(), { timeout: 10_000 }).toBe(nodes<{ position: unknown }>(g.customers).filter((c) => c.position).length);
  } else {
    await expect.poll(() => page.getByTestId('customer-marker').count(), { timeout: 10_000 }).toBeGreaterThan(100);
  }
  await expectDepotsInView(k);
}

/** Every depot inside the visible map, and the view city-sized (not the world): the map is framed on the tenant. */
async function expectDepotsInView(k: TenantKey) {
  const page = pages[k];
  depots[k] ??= nodes<{ position: { lat: number; lng: number } }>((await must(url(), tokens[k], `{ locations(first: 100) { edges { node { position { lat lng } } } } }`)).locations);
  await page.waitForTimeout(400); // a fit after a resize settles
  const v = box(await attr(page, 'data-view'));
  for (const { position: p } of depots[k]!) {
    expect(p.lat >= v.south && p.lat <= v.north && p.lng >= v.west && p.lng <= v.east, `${k}: depot ${p.lat},${p.lng} in view ${JSON.stringify(v)}`).toBe(true);
  }
  expect(v.north - v.south, `${k}: view spans a city, not a country`).toBeLessThan(1.5);
}

