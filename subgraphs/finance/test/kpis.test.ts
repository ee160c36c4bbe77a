// Issue 20: collections today from SQL aggregates over every payment in the tenant's time zone, checked against an
// independent sum in JS over all of the tenant's payments, on the seeded history and beyond 1,000 payments.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Decimal from 'decimal.js';
import { createScope } from '@omniroute/core/kit';
import { create } from '../src/server.ts';
import { KpiService } from '../src/modules/kpis/kpis.service.ts';
import { ACCRA, accraFinance, client, LAGOS, lagosAdmin, lagosFinance, lagosPartner, SECRET, viewer } from './helpers.ts';

const QUERY = `query($tz: String!) { financeKpis(timeZone: $tz) { timeZone dayStart asOf collectionsToday { amount currencyCode } paymentsToday } }`;
const VOLUME = 1_100;

let sg: Awaited<ReturnType<typeof create>>;
let stop: () => Promise<void>;
let call: ReturnType<typeof client>;

beforeAll(async () => {
  sg = await create({ secret: SECRET });
  await sg.seed();
  const running = await sg.listen(0);
  stop = running.stop;
  call = client(running.url);
});
afterAll(async () => {
  await stop?.();
  await sg?.close();
});

const localDay = (timeZone: string, at: Date) => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);

async function expected(tenantId: string, timeZone: string, asOf: Date) {
  const rows = (await sg.prisma.payment.findMany({ where: { tenantId } })).filter(
    (p) => p.status === 'SUCCEEDED' && p.receivedAt && p.receivedAt <= asOf && localDay(timeZone, p.receivedAt) === localDay(timeZone, asOf),
  );
  const sums = new Map<string, Decimal>();
  for (const p of rows) sums.set(p.currency, (sums.get(p.currency) ?? new Decimal(0)).plus(p.amount.toString()));
  return { paymentsToday: rows.length, collections: [...sums].sort(([a], [b]) => a.localeCompare(b)).map(([c, s]) => ({ amount: s.toFixed(2), currencyCode: c })) };
}

describe('financeKpis (issue 20)', () => {
  it('matches an independent sum over the seeded payments on the last demo day', async () => {
    const last = await sg.prisma.payment.findFirstOrThrow({ where: { tenantId: ACCRA, status: 'SUCCEEDED' }, orderBy: { receivedAt: 'desc' } });
    const asOf = last.receivedAt!;
    const got = await new KpiService(sg.prisma).financeKpis(createScope({ requestId: 'kpis-test', viewer: accraFinance }, sg.prisma, {}), { timeZone: 'Africa/Accra' }, asOf);
    const want = await expected(ACCRA, 'Africa/Accra', asOf);
    expect(want.paymentsToday).toBeGreaterThan(0);
    expect(got).toMatchObject({ timeZone: 'Africa/Accra', paymentsToday: want.paymentsToday, collectionsToday: want.collections });
  });

  it(`stays exact beyond ${VOLUME} payments today, through the subgraph, in the tenant's zone`, async () => {
    const invoice = await sg.prisma.invoice.findFirstOrThrow({ where: { tenantId: LAGOS } });
    const now = Date.now();
    const statuses = ['SUCCEEDED', 'SUCCEEDED', 'FAILED', 'PENDING'] as const;
    await sg.prisma.payment.createMany({
      data: Array.from({ length: VOLUME }, (_, i) => ({
        id: `pay_kpi_${i}`, tenantId: LAGOS, invoiceId: invoice.id, currency: 'NGN' as const, amount: `${500 + i}.75`, method: 'CASH' as const,
        status: statuses[i % statuses.length]!, idempotencyKey: `kpi-${i}`,
        // Spread over the last 30 hours, so some fall before Lagos midnight.
        receivedAt: statuses[i % statuses.length] === 'PENDING' ? null : new Date(now - ((i * 97_000) % (30 * 3_600_000))),
      })),
    });
    const r = await call(lagosFinance, QUERY, { tz: 'Africa/Lagos' });
    expect(r.errors).toBeUndefined();
    const k = r.data.financeKpis;
    const want = await expected(LAGOS, 'Africa/Lagos', new Date(k.asOf));
    expect(want.paymentsToday).toBeGreaterThan(0);
    expect(k).toMatchObject({ timeZone: 'Africa/Lagos', paymentsToday: want.paymentsToday, collectionsToday: want.collections });
    expect(k.collectionsToday).toEqual([{ amount: expect.stringMatching(/^\d+\.\d{2}$/), currencyCode: 'NGN' }]);
    // Accra's day holds none of Lagos's payments.
    const accra = (await call(accraFinance, QUERY, { tz: 'Africa/Accra' })).data.financeKpis;
    expect(accra).toMatchObject(await expected(ACCRA, 'Africa/Accra', new Date(accra.asOf)).then((w) => ({ paymentsToday: w.paymentsToday, collectionsToday: w.collections })));
  });

  it('is refused to riders, partners and retailers, and rejects unknown zones', async () => {
    expect((await call(lagosPartner, QUERY, { tz: 'Africa/Lagos' })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await call(viewer(LAGOS, 'RIDER'), QUERY, { tz: 'Africa/Lagos' })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await call(viewer(LAGOS, 'RETAILER'), QUERY, { tz: 'Africa/Lagos' })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await call(viewer(LAGOS, 'OPERATIONS'), QUERY, { tz: 'Africa/Lagos' })).errors).toBeUndefined();
    expect((await call(lagosAdmin, QUERY, { tz: 'Nowhere/Else' })).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
