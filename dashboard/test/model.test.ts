// The dashboard's arithmetic without a browser: money in minor units, KPIs, event reducers, projection, selections.
import { describe, expect, it } from 'vitest';
import { formatMinor, toMinor } from '../src/money.ts';
import { DashboardModel } from '../src/model.ts';
import { capabilitiesFrom, CONTRACT_CAPABILITIES } from '../src/schema.ts';
import { coldChainSubscription, kpisQuery, liveFleetSubscription, orderFeedSubscription, vanReconciliationsQuery, vanVarianceSubscription } from '../src/operations.ts';

const NOON = new Date(2026, 10, 25, 12, 0, 0).getTime();
const at = (minutesAgo: number) => new Date(NOON - minutesAgo * 60_000).toISOString();

describe('money', () => {
  it('parses Decimal strings into integer minor units', () => {
    expect(toMinor('1500', 'NGN')).toBe(150000n);
    expect(toMinor('1500.5', 'NGN')).toBe(150050n);
    expect(toMinor('0.07', 'NGN')).toBe(7n);
    expect(toMinor('-12.34', 'GHS')).toBe(-1234n);
    expect(toMinor('2500', 'XOF')).toBe(2500n);
    expect(toMinor('1.005', 'USD')).toBe(101n); // half away from zero beyond the minor unit
    expect(() => toMinor('1e3', 'NGN')).toThrow(/Decimal/);
  });

  it('sums exactly where floats drift', () => {
    const amounts = Array.from({ length: 1000 }, () => '0.10');
    expect(amounts.reduce((s, a) => s + toMinor(a, 'NGN'), 0n)).toBe(10000n);
    expect(amounts.reduce((s, a) => s + Number(a), 0)).not.toBe(100); // why not floats
    expect(toMinor('90071992547409.93', 'NGN') + toMinor('0.01', 'NGN')).toBe(9007199254740994n);
  });

  it('formats with grouping, symbols and compact units', () => {
    expect(formatMinor(289031040n, 'NGN')).toBe('₦2,890,310.40');
    expect(formatMinor(-5n, 'GHS')).toBe('−GH₵0.05');
    expect(formatMinor(1234567890123n, 'NGN', { compact: true })).toBe('₦12.35B');
    expect(formatMinor(2500n, 'XOF')).toBe('CFA 2,500');
  });
});

describe('model', () => {
  it('keeps the feed and the sparkline from live orders; the KPIs are the server\'s figures as given', () => {
    const m = new DashboardModel();
    m.loadOrders([
      { number: 'A', status: 'PENDING', placedAt: at(5), total: { amount: '100.10', currencyCode: 'NGN' } },
      { number: 'B', status: 'DELIVERED', placedAt: at(60), total: { amount: '200.20', currencyCode: 'NGN' } },
    ], 1);
    m.applyOrderEvent({ status: 'PENDING', previousStatus: null, order: { number: 'E', placedAt: at(0.5), total: { amount: '0.05', currencyCode: 'NGN' } } }, NOON);
    m.applyOrderEvent({ status: 'REJECTED', previousStatus: 'PENDING', order: { number: 'A', total: { amount: '100.10', currencyCode: 'NGN' } } }, NOON);
    expect(m.live(NOON).perMinute.reduce((a, b) => a + b, 0)).toBe(2);
    expect(m.feed.map((f) => `${f.number}:${f.status}`)).toEqual(['A:REJECTED', 'E:PENDING', 'A:PENDING']);

    expect(m.server).toBeNull();
    m.applyServerKpis({
      commerceKpis: { timeZone: 'Africa/Lagos', dayStart: '2026-11-24T23:00:00.000Z', asOf: at(0), gmvToday: { amount: '98765432.10', currencyCode: 'NGN' }, ordersToday: 1234, ordersPerMinute: 2.5, ordersInRateWindow: 38, rateWindowMinutes: 15 },
      logisticsKpis: { asOf: at(0), activeVehicles: 7, vehicles: 24, activeWithinMinutes: 5, coldChainExcursions: 2, onTime: { windowStart: at(24 * 60), windowEnd: at(0), windowHours: 24, delivered: 40, onTime: 31, withoutEta: 1, rate: 0.775 } },
    });
    expect(m.server?.commerce).toMatchObject({ gmv: { amount: '98765432.10', currencyCode: 'NGN' }, ordersToday: 1234, dayStart: Date.parse('2026-11-24T23:00:00.000Z') });
    expect(m.server?.logistics?.onTime).toMatchObject({ delivered: 40, onTime: 31, rate: 0.775, windowHours: 24, windowEnd: NOON });
    expect(m.server?.finance).toBeNull(); // financeKpis absent from the graph
  });

  it('asks each subgraph for its KPIs in the tenant\'s zone, only for the roots the graph has', () => {
    const all = kpisQuery(CONTRACT_CAPABILITIES);
    expect(all.query).toContain('commerceKpis(timeZone: $timeZone)');
    expect(all.query).toContain('financeKpis(timeZone: $timeZone)');
    expect(all.query).toContain('onTime { windowStart windowEnd windowHours delivered onTime withoutEta rate }');
    expect(all.query).toMatch(/^query DashboardKpis\(\$timeZone: String!\)/);
    const noKpis = { ...CONTRACT_CAPABILITIES, has: (t: string, f: string) => !f.endsWith('Kpis') && CONTRACT_CAPABILITIES.has(t, f) };
    expect(kpisQuery(noKpis)).toEqual({ query: null, missing: 'Query.commerceKpis' });
  });

  it('moves vehicles, ignores late events and raises cold-chain alerts from temperatures', () => {
    const m = new DashboardModel();
    m.loadVehicles([{ id: 'v1', plate: 'LAG-1', coldChain: true, lastPosition: { lat: 6.5, lng: 3.3, speedKph: 0, recordedAt: at(10) } }]);
    expect(m.applyPosition({ vehicle: { id: 'v1', plate: 'LAG-1' }, position: { lat: 6.51, lng: 3.31, speedKph: 20, temperatureC: 5, recordedAt: at(0) } }, NOON)).toBe('v1');
    expect(m.applyPosition({ vehicle: { id: 'v1' }, position: { lat: 9, lng: 9, recordedAt: at(1) } }, NOON)).toBeNull();
    expect(m.vehicles.get('v1')).toMatchObject({ lat: 6.51, lng: 3.31, trail: [{ lat: 6.5, lng: 3.3 }] });
    m.applyPosition({ vehicle: { id: 'v1' }, position: { lat: 6.52, lng: 3.32, temperatureC: 9.4, recordedAt: new Date(NOON + 1000).toISOString() } }, NOON);
    expect(m.alerts).toHaveLength(1);
    expect(m.alerts[0]).toMatchObject({ plate: 'LAG-1', temperatureC: 9.4, limitC: 8 });
    expect(m.addAlert({ vehicle: { id: 'v1', plate: 'LAG-1' }, temperatureC: 9.4, recordedAt: new Date(NOON + 1000).toISOString() })).toBe(false);
  });

  it("keeps today's van reconciliations with variances, in the tenant's day, only the SKUs that differed (issue 15)", () => {
    const m = new DashboardModel();
    m.timeZone = 'Africa/Lagos'; // UTC+1: 23:30 UTC is already tomorrow there
    const line = (sku: string, expected: number, counted: number, amount: string) => ({ variant: { sku }, expected, counted, variance: counted - expected, varianceValue: { amount, currencyCode: 'NGN' } });
    m.loadVanReconciliations([
      { id: 'r-old', reconciledAt: '2026-11-25T22:59:00.000Z', van: { id: 'v1', name: 'Van 1' }, totalVariance: -1, absoluteVariance: 1, lines: [line('A', 5, 4, '-10.00')] },
      { id: 'r-new', reconciledAt: '2026-11-25T23:30:00.000Z', van: { id: 'v2', name: 'Van 2' }, totalVariance: -1, absoluteVariance: 3, varianceValue: { amount: '-25.50', currencyCode: 'NGN' },
        lines: [line('A', 5, 5, '0.00'), line('B', 2, 3, '12.25'), line('C', 9, 7, '-37.75')] },
    ]);
    const today = m.vanReconciliationsToday(Date.parse('2026-11-26T08:00:00.000Z'));
    expect(today.map((r) => r.id)).toEqual(['r-new']);
    expect(today[0]).toMatchObject({ van: 'Van 2', value: { amount: '-25.50', currency: 'NGN' } });
    expect(today[0]!.lines.map((l) => [l.sku, l.expected, l.counted, l.variance, l.value?.amount])).toEqual([['C', 9, 7, -2, '-37.75'], ['B', 2, 3, 1, '12.25']]);
    expect(m.vanReconciliationsToday(Date.parse('2026-11-25T22:00:00.000Z')).map((r) => r.id)).toEqual(['r-old']);
    // a live event adds a reconciliation once, newest first
    const live = { id: 'r-live', reconciledAt: '2026-11-26T07:00:00.000Z', van: { id: 'v1', name: 'Van 1' }, totalVariance: 2, absoluteVariance: 2, lines: [line('D', 1, 3, '50.00')] };
    m.addVanReconciliation(live);
    m.addVanReconciliation(live);
    expect(m.vanReconciliationsToday(Date.parse('2026-11-26T08:00:00.000Z')).map((r) => r.id)).toEqual(['r-live', 'r-new']);
  });
});

describe('operations against the graph we have', () => {
  const schemaWith = (types: Record<string, Record<string, string>>, subscription = true) => capabilitiesFrom({
    queryType: { name: 'Query' },
    subscriptionType: subscription ? { name: 'Subscription' } : null,
    types: Object.entries(types).map(([name, fields]) => ({ name, fields: Object.entries(fields).map(([f, t]) => ({ name: f, type: { kind: 'OBJECT', name: t } })) })),
  });

  it('drops fields the graph does not have and says which root field is missing', () => {
    const caps = schemaWith({
      Subscription: { vehiclePositionUpdated: 'VehiclePositionEvent' },
      VehiclePositionEvent: { vehicle: 'Vehicle', position: 'VehiclePosition' },
      Vehicle: { id: 'ID', plate: 'String' },
      VehiclePosition: { lat: 'Float', lng: 'Float', recordedAt: 'DateTime' },
    });
    expect(liveFleetSubscription(caps).query).toBe('subscription DashboardLiveFleet { vehiclePositionUpdated { vehicle { id plate } position { lat lng recordedAt } } }');
    expect(orderFeedSubscription(caps)).toEqual({ query: null, missing: 'Subscription.orderUpdated' });
    expect(coldChainSubscription(caps).query).toBeNull();
    expect(orderFeedSubscription(schemaWith({}, false)).missing).toBe('Subscription.orderUpdated');
  });

  it('trusts the contract when introspection is off, minus the fields outside it', () => {
    const q = orderFeedSubscription(CONTRACT_CAPABILITIES).query!;
    expect(q).toContain('orderUpdated { status previousStatus at order { id number placedAt total { amount currencyCode }');
    expect(coldChainSubscription(CONTRACT_CAPABILITIES).query).toBeNull();
    expect(liveFleetSubscription(CONTRACT_CAPABILITIES).query).not.toContain('temperatureC');
    expect(vanReconciliationsQuery(CONTRACT_CAPABILITIES)).toEqual({ query: null, missing: 'Query.vanReconciliations' });
    expect(vanVarianceSubscription(CONTRACT_CAPABILITIES)).toEqual({ query: null, missing: 'Subscription.vanVarianceRaised' });
  });
});
