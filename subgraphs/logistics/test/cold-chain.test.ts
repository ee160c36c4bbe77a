// Issue 15, cold chain by product: excursions measured against the cargo's range, acknowledged, and escalated when
// nobody acknowledges them within N minutes — on an injected clock, through the subgraph as the gateway calls it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPlan } from '@omniroute/demo';
import { create, type LogisticsRuntime } from '../src/server.ts';
import { client, LAGOS, lagosOps, nodes, REPORT, SECRET, viewer } from './helpers.ts';

let sg: LogisticsRuntime;
let stop: () => Promise<void>;
let call: ReturnType<typeof client>;
let clock = new Date();
const [lagos] = demoPlan();
const MIN = 60_000;
const ALERTS = `query($v: ID) { coldChainAlerts(first: 10, filter: { vehicleId: $v }) { edges { node { id limitC range { minC maxC } startedAt endedAt ongoing
  durationSeconds minReadingC maxReadingC readings acknowledgedAt escalated escalatedAt } } } }`;
const ACK = 'mutation($i: AcknowledgeColdChainAlertInput!) { acknowledgeColdChainAlert(input: $i) { alert { id acknowledgedAt escalated } userErrors { code field } } }';

beforeAll(async () => {
  sg = await create({ secret: SECRET, now: () => clock, coldChainEscalateAfterMinutes: 10, coldChainSweepMs: 0 });
  await sg.seed();
  const running = await sg.listen(0);
  stop = running.stop;
  call = client(running.url);
});
afterAll(async () => {
  await stop?.();
  await sg?.close();
});

const tick = (minutes: number) => (clock = new Date(clock.getTime() + minutes * MIN));
const report = async (vehicleId: string, temperatureC: number) => {
  const r = await call(lagosOps, REPORT, { i: { vehicleId, lat: 6.5, lng: 3.35, speedKph: 20, temperatureC, recordedAt: clock.toISOString() } });
  expect(r.data.reportVehiclePosition.userErrors).toEqual([]);
};
const alertsOf = async (vehicleId: string) => nodes((await call(lagosOps, ALERTS, { v: vehicleId })).data.coldChainAlerts) as any[];

describe('cold-chain excursions (issue 15)', () => {
  const [a, b] = lagos!.vehicles.filter((v) => v.coldChain);

  it('measures an excursion from its first reading out of range to the first back in range', async () => {
    await report(a!.id, 6);
    expect(await alertsOf(a!.id)).toEqual([]);
    const start = clock.toISOString();
    await report(a!.id, 9);
    tick(2);
    await report(a!.id, 12.5);
    tick(2);
    await report(a!.id, 10);
    let [x] = await alertsOf(a!.id);
    expect(x).toMatchObject({ limitC: 8, startedAt: start, endedAt: null, ongoing: true, durationSeconds: 240, minReadingC: 9, maxReadingC: 12.5, readings: 3 });
    tick(1);
    await report(a!.id, 7);
    [x] = await alertsOf(a!.id);
    expect(x).toMatchObject({ ongoing: false, endedAt: clock.toISOString(), durationSeconds: 300, readings: 3 });
    expect(await alertsOf(a!.id)).toHaveLength(1);
  });

  it('escalates once, N minutes after the start, unless acknowledged; writes the escalation event', async () => {
    const [x] = await alertsOf(a!.id);
    const started = Date.parse(x.startedAt);
    await report(b!.id, 15);
    const [y] = await alertsOf(b!.id);
    const acked = await call(lagosOps, ACK, { i: { alertId: y.id, note: 'seen' } });
    expect(acked.data.acknowledgeColdChainAlert.userErrors).toEqual([]);
    clock = new Date(started + 10 * MIN - 1000);
    expect(await sg.services.coldChain.escalateDue()).toBe(0);
    clock = new Date(started + 10 * MIN);
    expect(await sg.services.coldChain.escalateDue()).toBe(1);
    tick(30);
    expect(await sg.services.coldChain.escalateDue()).toBe(0);
    expect((await alertsOf(a!.id))[0]).toMatchObject({ escalated: true, escalatedAt: new Date(started + 10 * MIN).toISOString() });
    expect((await alertsOf(b!.id))[0]).toMatchObject({ escalated: false });
    const events = await sg.prisma.outboxEvent.findMany({ where: { tenantId: LAGOS, type: 'cold_chain.alert_escalated' } });
    expect(events.map((e) => e.aggregateId)).toEqual([x.id]);
    expect(events[0]!.payload).toMatchObject({ alertId: x.id, vehicleId: a!.id, durationSeconds: 300, minReadingC: 9, maxReadingC: 12.5, unacknowledgedMinutes: 10 });
  });

  it('refuses bad acknowledgements and changes nothing', async () => {
    const [x] = await alertsOf(a!.id);
    expect((await call(lagosOps, ACK, { i: { alertId: ' ' } })).data.acknowledgeColdChainAlert.userErrors).toEqual([{ code: 'INVALID_INPUT', field: ['input', 'alertId'] }]);
    expect((await call(lagosOps, ACK, { i: { alertId: x.id, note: 'x'.repeat(1001) } })).data.acknowledgeColdChainAlert.userErrors).toEqual([{ code: 'INVALID_INPUT', field: ['input', 'note'] }]);
    expect((await call(viewer('tnt_ACCRA', 'ADMIN'), ACK, { i: { alertId: x.id } })).data.acknowledgeColdChainAlert.userErrors).toEqual([{ code: 'ALERT_NOT_FOUND', field: ['input', 'alertId'] }]);
    const sales = await call(viewer(LAGOS, 'SALES_REP'), ACK, { i: { alertId: x.id } });
    expect(sales.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await alertsOf(a!.id))[0].acknowledgedAt).toBeNull();
  });
});
