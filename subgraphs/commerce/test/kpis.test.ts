import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Decimal from 'decimal.js';
import type { Viewer } from '@omniroute/core';
import { demoPlan } from '@omniroute/demo';
import { callSubgraph } from '@omniroute/testkit';
import { create } from '../src/server.ts';
import { KpiService } from '../src/modules/kpis/kpis.service.ts';
import { createScope } from '@omniroute/core/kit';

// Issue 20: the dashboard's sales figures come from SQL aggregates over every order, in the tenant's time zone,
// checked here against an independent count in JS over all of the tenant's rows (no shared date arithmetic).
const SECRET = 'commerce-kpi-secret';
const [LAGOS, ACCRA] = demoPlan();
const as = (t: typeof LAGOS, ...roles: Viewer['roles']): Viewer => ({ tenantId: t!.id, userId: t!.users[0]!.id, roles, scopes: [] });
const QUERY = `query($tz: String!, $w: Int) { commerceKpis(timeZone: $tz, rateWindowMinutes: $w) {
  timeZone dayStart asOf gmvToday { amount currencyCode } ordersToday ordersPerMinute ordersInRateWindow rateWindowMinutes } }`;
const VOLUME = 1_500;

let sg: Awaited<ReturnType<typeof create>>;
let url: string;
let stop: () => Promise<void>;
const call = (viewer: Viewer | null, query: string, variables: Record<string, unknown> = {}) => callSubgraph({ url, name: 'commerce' }, SECRET, viewer, query, variables);

beforeAll(async () => {
  sg = await create({ secret: SECRET });
  await sg.seed();
  const running = await sg.listen(0);
  url = running.url;
  stop = running.stop;
});
afterAll(async () => {
  await stop?.();
  await sg?.close();
});

const localDay = (timeZone: string, at: Date) => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);

/** The figures computed independently in JS over every order of the tenant. */
async function expected(tenantId: string, timeZone: string, asOf: Date, windowMinutes: number) {
  const rows = await sg.prisma.order.findMany({ where: { tenantId }, select: { placedAt: true, status: true, total: true, currency: true } });
  const currency = (await sg.prisma.tenantSettings.findUniqueOrThrow({ where: { tenantId } })).currency;
  const today = rows.filter((o) => o.placedAt <= asOf && localDay(timeZone, o.placedAt) === localDay(timeZone, asOf));
  const gmv = today
    .filter((o) => o.status !== 'CANCELLED' && o.status !== 'REJECTED' && o.currency === currency)
    .reduce((s, o) => s.plus(o.total.toString()), new Decimal(0));
  const inWindow = rows.filter((o) => o.placedAt <= asOf && o.placedAt.getTime() > asOf.getTime() - windowMinutes * 60_000).length;
  return { gmv: gmv.toFixed(2), currency, ordersToday: today.length, inWindow };
}

describe('commerceKpis (issue 20)', () => {
  it('matches an independent count over the seeded orders at the end of the demo day, per tenant zone', async () => {
    const kpis = new KpiService(sg.prisma);
    const seedEnd = new Date(Date.UTC(2026, 10, 25, 8, 0, 0));
    for (const [t, tz] of [[LAGOS, 'Africa/Lagos'], [ACCRA, 'Africa/Accra']] as const) {
      const got = await kpis.commerceKpis(createScope({ requestId: 'kpis-test', viewer: as(t, 'OPERATIONS') }, sg.prisma, {}), { timeZone: tz, rateWindowMinutes: 1440 }, seedEnd);
      const want = await expected(t!.id, tz, seedEnd, 1440);
      expect(want.ordersToday).toBeGreaterThan(0);
      expect(got).toMatchObject({ timeZone: tz, ordersToday: want.ordersToday, ordersInRateWindow: want.inWindow, gmvToday: { amount: want.gmv, currencyCode: want.currency } });
      expect(got.ordersPerMinute).toBeCloseTo(want.inWindow / 1440, 2);
    }
  });

  it(`stays exact beyond ${VOLUME} orders today, through the subgraph, in the tenant's currency and zone`, async () => {
    const template = await sg.prisma.order.findFirstOrThrow({ where: { tenantId: LAGOS!.id } });
    const now = Date.now();
    const statuses = ['PENDING', 'CONFIRMED', 'DELIVERED', 'CANCELLED', 'REJECTED', 'DISPATCHED'] as const;
    await sg.prisma.order.createMany({
      data: Array.from({ length: VOLUME }, (_, i) => ({
        id: `ord_kpi_${i}`,
        tenantId: LAGOS!.id,
        number: `KPI-${i}`,
        customerId: template.customerId,
        locationId: template.locationId,
        channel: template.channel,
        status: statuses[i % statuses.length]!,
        paymentTerms: template.paymentTerms,
        currency: template.currency,
        subtotal: `${1000 + i}.25`,
        discountTotal: '0',
        total: `${1000 + i}.25`,
        // Spread over the last 30 hours: some before Lagos midnight, some in the last hour.
        placedAt: new Date(now - ((i * 72_000) % (30 * 3_600_000))),
      })),
    });
    const r = await call(as(LAGOS, 'SALES_REP'), QUERY, { tz: 'Africa/Lagos', w: 60 });
    expect(r.errors).toBeUndefined();
    const got = r.data.commerceKpis;
    const want = await expected(LAGOS!.id, 'Africa/Lagos', new Date(got.asOf), 60);
    expect(want.ordersToday).toBeGreaterThan(0);
    expect(got).toMatchObject({ timeZone: 'Africa/Lagos', ordersToday: want.ordersToday, ordersInRateWindow: want.inWindow, rateWindowMinutes: 60, gmvToday: { amount: want.gmv, currencyCode: 'NGN' } });
    expect(want.inWindow).toBeGreaterThan(40);
    expect(got.ordersPerMinute).toBeCloseTo(want.inWindow / 60, 2);
    // Local midnight: Lagos is UTC+1 all year.
    expect(new Date(got.dayStart).getUTCHours()).toBe(23);

    // Another tenant sees none of it, in its own currency.
    const accra = await call(as(ACCRA, 'FINANCE'), QUERY, { tz: 'Africa/Accra' });
    expect(accra.errors).toBeUndefined();
    const wantAccra = await expected(ACCRA!.id, 'Africa/Accra', new Date(accra.data.commerceKpis.asOf), 15);
    expect(accra.data.commerceKpis).toMatchObject({ ordersToday: wantAccra.ordersToday, gmvToday: { amount: wantAccra.gmv, currencyCode: 'GHS' } });
  });

  it('is refused to riders, partners and retailers, and rejects unknown zones and windows', async () => {
    for (const role of ['RIDER', 'PARTNER', 'RETAILER'] as const) {
      const r = await call(as(LAGOS, role), QUERY, { tz: 'Africa/Lagos' });
      expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    expect((await call(null, QUERY, { tz: 'Africa/Lagos' })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await call(as(LAGOS, 'ADMIN'), QUERY, { tz: 'Lagos' })).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await call(as(LAGOS, 'ADMIN'), QUERY, { tz: 'Africa/Lagos', w: 0 })).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
