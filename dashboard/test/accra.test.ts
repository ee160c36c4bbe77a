// Issue 20 for a second tenant: the whole stack in-process with the simulator driving Accra only (fast pace), the
// built dashboard in Chromium signed in as ops@accra.demo. Vehicles on the map move live, the KPI tiles become
// non-zero and equal what the graph computes for the same window. Screenshots: test-artifacts/dashboard-accra-*.png.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { demoPlan } from '@omniroute/demo';
import { simulationsFor, startSimulators } from '@omniroute/simulator';
import { startStack, type Stack } from '@omniroute/stack';
import { gql, login } from '@omniroute/testkit';
import { dashboardRoutes } from '../serve.ts';
import { ensureDashboardBuilt } from './dist.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const EMAIL = 'ops@accra.demo';

let stack: Stack | undefined;
let browser: Browser | undefined;
let simulators: ReturnType<typeof startSimulators> | undefined;
let page: Page;
let token: string;
const pageErrors: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH).`);
  await ensureDashboardBuilt();
  const [s, b] = await Promise.all([
    startStack({ seed: true, routes: dashboardRoutes() }),
    chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'] }),
  ]);
  stack = s;
  browser = b;
  const sims = simulationsFor(demoPlan(), { SIMULATOR_TENANTS: 'accra', SIMULATOR_ACCRA_BUSINESS_MS: '700', SIMULATOR_ACCRA_POSITION_MS: '700' });
  expect(sims.map((x) => x.email)).toEqual(['dispatch@accra.demo']);
  simulators = startSimulators(stack.gatewayUrl, sims);
  token = await login(stack.gatewayUrl, EMAIL);
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('pageerror', (e) => pageErrors.push(e.message));
}, 240_000);

afterAll(async () => {
  simulators?.stop();
  await browser?.close();
  await stack?.close();
});

describe('Accra dashboard, driven by the simulator (issue 20)', () => {
  it('signs in as ops@accra.demo and sees the fleet moving and non-zero KPIs equal to the graph\'s', async () => {
    const base = stack!.gatewayUrl.replace(/\/graphql$/, '');
    await page.goto(`${base}/dashboard/`);
    await page.getByTestId('login-email').fill(EMAIL);
    await page.getByTestId('login-password').fill('omniroute-demo');
    await page.getByTestId('login-submit').click();
    await expect.poll(() => page.getByTestId('tenant-name').innerText().catch(() => ''), { timeout: 30_000 }).toBe('Accra Wholesale');

    // Every Accra vehicle on the map; the simulator's ones report live (not "no recent signal").
    await expect.poll(() => page.getByTestId('vehicle-marker').count(), { timeout: 30_000 }).toBe(demoPlan()[1]!.vehicles.length);
    await expect.poll(() => page.locator('[data-testid=vehicle-marker][data-stale=false]').count(), { timeout: 60_000 }).toBeGreaterThan(0);
    const moving = page.locator('[data-testid=vehicle-marker][data-stale=false]').first();
    const lat0 = await moving.getAttribute('data-lat');
    const id = await moving.getAttribute('data-vehicle-id');
    await expect.poll(() => page.locator(`[data-testid=vehicle-marker][data-vehicle-id="${id}"]`).getAttribute('data-lat'), { timeout: 30_000 }).not.toBe(lat0);

    // Orders placed by the simulator today: GMV and orders per minute become non-zero, in cedis.
    await expect.poll(async () => Number(/([\d,]+) orders today/.exec(await page.getByTestId('kpi-gmv').innerText())?.[1]?.replace(/,/g, '') ?? 0), { timeout: 90_000 }).toBeGreaterThan(0);
    expect(await page.getByTestId('kpi-gmv-value').innerText()).toMatch(/^GH₵[\d,.]+[KMB]?$/);
    expect(await page.getByTestId('kpi-gmv').innerText()).toContain('Africa/Accra');
    expect(Number(/(\d+)/.exec(await page.getByTestId('kpi-active-vehicles-value').innerText())?.[1])).toBeGreaterThan(0);

    // Equal to an independent read through the graph for the same window (the simulator is stopped so nothing moves).
    simulators!.stop();
    await page.waitForTimeout(1500);
    await page.reload();
    await expect.poll(() => page.getByTestId('kpi-gmv').getAttribute('data-state'), { timeout: 30_000 }).toBe('ready');
    const r = await gql(stack!.gatewayUrl, `{ tenant { timeZone } commerceKpis(timeZone: "Africa/Accra") { ordersToday gmvToday { amount currencyCode } }
      logisticsKpis { vehicles onTime { windowHours delivered onTime } } }`, {}, token);
    expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    expect(r.data.tenant.timeZone).toBe('Africa/Accra');
    expect(r.data.commerceKpis.gmvToday.currencyCode).toBe('GHS');
    await expect.poll(async () => (await page.getByTestId('kpi-gmv').innerText()).includes(`${r.data.commerceKpis.ordersToday.toLocaleString('en-US')} orders today`), { timeout: 15_000 }).toBe(true);
    expect(await page.getByTestId('kpi-on-time-window').innerText()).toContain(`${r.data.logisticsKpis.onTime.onTime} of ${r.data.logisticsKpis.onTime.delivered} by ETA · last 24 h`);
    expect(await page.getByTestId('kpi-active-vehicles-value').innerText()).toMatch(new RegExp(`/\\s*${r.data.logisticsKpis.vehicles}$`));

    mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'test-artifacts', 'dashboard-accra-1280.png') });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(ROOT, 'test-artifacts', 'dashboard-accra-390.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  }, 300_000);
});
