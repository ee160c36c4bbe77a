// Issue 18: GraphiQL at GET /graphql in a real browser against the real platform (the whole stack in-process,
// seeded, free ports; Chromium driven by playwright-core): sign in with the demo login, run OrderDetail from its
// ready tab, and run LiveFleet over graphql-ws while a vehicle reports a position. Screenshot:
// test-artifacts/graphiql.png.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT, startStack, type Stack } from '@omniroute/platform';
import { gql, login, nodes } from '@omniroute/testkit';
import { GRAPHIQL_DIST } from '../src/plugins/graphiql.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let stack: Stack | undefined;
let browser: Browser | undefined;
let page: Page;
const pageErrors: string[] = [];

/** The text of GraphiQL's response editor (Monaco renders the visible lines). */
const response = () => page.locator('.graphiql-response .view-lines').innerText().catch(() => '');

beforeAll(async () => {
  // CI installs Chromium (apt-get install -y chromium); never skip silently
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH).`);
  if (!existsSync(join(GRAPHIQL_DIST, 'index.html'))) throw new Error('GraphiQL is not built: run `npm run build`.');
  const [s, b] = await Promise.all([
    startStack({ seed: true }),
    chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'] }),
  ]);
  stack = s;
  browser = b;
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()));
  page.on('response', (r) => r.status() >= 400 && pageErrors.push(`HTTP ${r.status()} ${r.url()}`));
}, 300_000); // the seeded stack: about a minute on an idle machine

afterAll(async () => {
  if (page) {
    mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'test-artifacts', 'graphiql.png') }).catch(() => undefined);
  }
  await browser?.close();
  await stack?.close();
});

describe('GraphiQL in Chromium', () => {
  it('signs in with the demo login and runs OrderDetail from its tab', async () => {
    await page.goto(stack!.gatewayUrl);
    await page.locator('.graphiql-container').waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('signed in as').waitFor({ timeout: 15_000 });
    await page.getByRole('tab', { name: 'OrderDetail' }).click();
    await page.locator('.graphiql-execute-button').click();
    await expect.poll(response, { timeout: 20_000 }).toContain('"number"');
    const text = await response();
    expect(text).toContain('"customer"');
    expect(text).not.toContain('"errors"');
    expect(pageErrors).toEqual([]);
  });

  it('runs LiveFleet over graphql-ws and shows the event of a position report', async () => {
    // Run only once the tab shows its document: GraphiQL then still holds the previous tab's operation name
    // ("OrderDetail"), which it used to send with this document (the gateway answered "Unknown operation named
    // OrderDetail"); the fetcher now runs the document's only operation (graphiql/operation-name.ts).
    const tab = page.getByRole('tab', { name: 'LiveFleet' });
    await tab.click();
    await expect.poll(() => tab.getAttribute('aria-selected')).toBe('true');
    await expect.poll(async () => (await page.locator('.graphiql-query-editor .view-lines').innerText()).replace(/\s/g, ' ')).toContain('subscription LiveFleet');
    await page.locator('.graphiql-execute-button').click();
    const url = stack!.gatewayUrl;
    const token = await login(url, 'ops@lagos.demo');
    const vehicle = nodes<{ id: string }>((await gql(url, '{ vehicles(first: 1) { edges { node { id } } } }', {}, token)).data.vehicles)[0]!;
    const report = () => gql(url, 'mutation($i: ReportVehiclePositionInput!) { reportVehiclePosition(input: $i) { userErrors { code } } }', {
      i: { vehicleId: vehicle.id, lat: 6.45, lng: 3.39, speedKph: 31, heading: 90, recordedAt: new Date().toISOString() },
    }, token);
    // the socket opens asynchronously: report until an event shows (each report is a new event)
    await expect.poll(async () => {
      await report();
      return response();
    }, { timeout: 30_000, interval: 1000 }).toContain('"vehiclePositionUpdated"');
    expect(await response()).toContain('"plate"');
    expect(pageErrors).toEqual([]);
  });
});
