// `npm run screenshots`: PNGs of the live dashboard for Lagos and Accra at phone (390 px) and wall-screen (1920 px)
// widths, in docs/screenshots/. Same harness as the browser test: the seeded stack in-process, the simulator
// driving both tenants for a little while, today's routes planned, one Chromium. Tiles come from
// DASHBOARD_TILE_URL (OpenStreetMap by default); without internet access the pictures show the offline map.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { demoPlan } from '@omniroute/demo';
import { simulationsFor, startSimulators } from '@omniroute/simulator';
import { launchChromium, login, planToday, ROOT, signIn, startDashboardStack, TENANTS, type TenantKey } from '../test/harness.ts';

const OUT = join(ROOT, 'docs', 'screenshots');
const WIDTHS = [390, 1920] as const;

const { stack, base } = await startDashboardStack();
const browser = await launchChromium();
const simulators = startSimulators(stack.gatewayUrl, simulationsFor(demoPlan(), {
  SIMULATOR_TENANTS: 'lagos,accra', SIMULATOR_POSITION_MS: '1000', SIMULATOR_BUSINESS_MS: '2000', SIMULATOR_LAGOS_VEHICLES: '6', SIMULATOR_ACCRA_VEHICLES: '4',
}));
try {
  mkdirSync(OUT, { recursive: true });
  for (const key of Object.keys(TENANTS) as TenantKey[]) {
    const token = await login(stack.gatewayUrl, TENANTS[key].email);
    const plan = await planToday(stack.gatewayUrl, token, TENANTS[key].timeZone).catch((e) => (console.warn(`${key}: no plan today (${(e as Error).message})`), null));
    const { page, errors } = await signIn(browser, base, key, { width: 1920, height: 1080 }, token);
    await page.getByTestId('vehicle-marker').first().waitFor({ state: 'attached', timeout: 60_000 });
    if (plan) await page.getByTestId('planned-trip').first().waitFor({ state: 'attached', timeout: 30_000 });
    await page.waitForTimeout(8000); // live positions and orders arrive
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: width === 390 ? 844 : 1080 });
      await page.waitForTimeout(1500);
      const path = join(OUT, `${key}-${width}.png`);
      await page.screenshot({ path, fullPage: width === 390 });
      const mode = await page.getByTestId('map-canvas').getAttribute('data-mode');
      console.log(`${path} (${mode} map${plan ? `, ${plan.trips.length} planned trips` : ''})`);
    }
    if (errors.length) console.warn(`${key}: page errors: ${errors.join('; ')}`);
    await page.context().close();
  }
} finally {
  simulators.stop();
  await browser.close();
  await stack.close();
}
