// Issue 12, rows 5 and 8 of the probe table, on the real platform (the five subgraphs seeded, the gateway, embedded):
//   5: an API key of an ENFORCE partner app opens an ad-hoc `vehiclePositionUpdated` subscription → refused, over
//      graphql-ws and SSE alike; its safelisted LiveFleet by documentId streams.
//   8: two riders of one tenant run the same subscription document → neither sees what was computed for the other
//      (Worker.phone is shown to staff and to the rider themself only).
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { demoPlan } from '@omniroute/demo';
import { startStack, type Stack } from '@omniroute/platform';
import { eventually, gql, login, nodes } from '@omniroute/testkit';
import { adminApi, manifestOf, sha256 } from '../../gateway/test/plugins/fixtures/partner-stack.ts';

const LIVE_FLEET = readFileSync(new URL('../../schema/operations/LiveFleet.graphql', import.meta.url), 'utf8');
const REPORT = 'mutation($i: ReportVehiclePositionInput!) { reportVehiclePosition(input: $i) { userErrors { code message } } }';

let stack: Stack;
let admin: string;
const sockets: WebSocket[] = [];

beforeAll(async () => {
  stack = await startStack({ seed: true, relayIntervalMs: 200 });
  admin = await login(stack.gatewayUrl, 'ops@lagos.demo');
});
afterAll(async () => {
  for (const s of sockets) s.terminate();
  await stack?.close();
});

async function socket(credential: string) {
  const ws = new WebSocket(stack.gatewayUrl.replace(/^http/, 'ws'), 'graphql-transport-ws');
  sockets.push(ws);
  const msgs: any[] = [];
  ws.on('message', (d) => msgs.push(JSON.parse(d.toString())));
  await once(ws, 'open');
  ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${credential}` } }));
  await eventually(async () => msgs.some((m) => m.type === 'connection_ack'));
  return {
    subscribe: (id: string, payload: Record<string, unknown>) => ws.send(JSON.stringify({ id, type: 'subscribe', payload })),
    next: (id: string) => msgs.filter((m) => m.id === id && m.type === 'next').map((m) => m.payload),
    error: (id: string) => msgs.find((m) => m.id === id && m.type === 'error')?.payload as any[] | undefined,
  };
}

/** Moves a vehicle through the API (as the ADMIN) until `done`. */
async function driveUntil(vehicleId: string, done: () => boolean) {
  let i = 0;
  await eventually(async () => {
    const r = await gql(stack.gatewayUrl, REPORT, { i: { vehicleId, lat: 6.5 + ++i * 0.0001, lng: 3.38, speedKph: 30, heading: 90, recordedAt: new Date().toISOString() } }, admin);
    expect(r.data.reportVehiclePosition.userErrors).toEqual([]);
    return done();
  }, { timeoutMs: 20_000, intervalMs: 300 });
}

async function vehicleInTransit() {
  const r = await gql(stack.gatewayUrl, '{ vehicles(first: 50) { edges { node { id plate currentShipment { status rider { name } } } } } }', {}, admin);
  return nodes<any>(r.data.vehicles).find((v) => v.currentShipment?.status === 'IN_TRANSIT' && v.currentShipment.rider);
}

describe('issue 12 row 5: an ENFORCE partner app on subscriptions', () => {
  it('refuses its key an ad-hoc vehiclePositionUpdated over graphql-ws and SSE; its safelisted LiveFleet by documentId streams', async () => {
    const api = adminApi(stack.gatewayUrl, admin);
    const app = await api.createApp({ name: 'Fleet tracker', persistedQueryMode: 'ENFORCE' });
    await api.register(app.id, manifestOf({ LiveFleet: LIVE_FLEET }));
    const key = await api.createKey({ name: 'fleet tracker key', partnerAppId: app.id, roles: ['OPERATIONS'], scopes: ['logistics:read'] });
    const adHoc = 'subscription { vehiclePositionUpdated { vehicle { plate } position { lat lng } } }';

    const s = await socket(key.secret);
    s.subscribe('adhoc', { query: adHoc });
    await eventually(async () => s.error('adhoc'));
    expect(s.error('adhoc')!.map((e) => e.extensions.code)).toEqual(['PERSISTED_QUERY_NOT_IN_LIST']);

    const res = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${key.secret}` },
      body: JSON.stringify({ query: adHoc }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).errors.map((e: any) => e.extensions.code)).toEqual(['PERSISTED_QUERY_NOT_IN_LIST']);

    const vehicle = await vehicleInTransit();
    s.subscribe('live', { documentId: `sha256:${sha256(LIVE_FLEET)}` });
    await driveUntil(vehicle.id, () => s.next('live').some((p) => p.data?.vehiclePositionUpdated?.vehicle?.plate === vehicle.plate));
    expect(s.error('live')).toBeUndefined();
    expect(s.next('live').every((p) => !p.errors)).toBe(true);
  });
});

describe('issue 12 row 8: two riders of one tenant on the same subscription document', () => {
  it('never shows one rider what was computed for the other', async () => {
    const vehicle = await vehicleInTransit();
    const riders = demoPlan().find((t) => t.key === 'lagos')!.riders;
    const own = riders.find((r) => r.name === vehicle.currentShipment.rider.name)!;
    const other = riders.find((r) => r !== own)!;
    const doc = 'subscription($v: ID) { vehiclePositionUpdated(vehicleId: $v) { vehicle { plate } shipment { rider { name phone } } } }';
    // the shipment's rider subscribes first: before issue 12 the second rider joined the first one's group
    const a = await socket(await login(stack.gatewayUrl, own.email));
    a.subscribe('s', { query: doc, variables: { v: vehicle.id } });
    const b = await socket(await login(stack.gatewayUrl, other.email));
    b.subscribe('s', { query: doc, variables: { v: vehicle.id } });
    await new Promise((r) => setTimeout(r, 500)); // both upstream subscriptions established
    await driveUntil(vehicle.id, () => a.next('s').length > 0);
    await new Promise((r) => setTimeout(r, 1_000)); // what the other rider gets, if anything, has arrived
    expect(a.error('s')).toBeUndefined();
    expect(a.next('s')[0].data.vehiclePositionUpdated.shipment.rider).toEqual({ name: own.name, phone: own.phone });
    // the other rider may see the position (or, with per-object rules, nothing): never the first rider's phone
    for (const p of b.next('s')) expect(p.data?.vehiclePositionUpdated?.shipment?.rider?.phone ?? null).toBeNull();
    expect(JSON.stringify(b.next('s'))).not.toContain(own.phone);
  });
});
