// The gateway-only subscription source of the fan-out benchmark (--sub-source fixture): no database, no platform,
// so the rows measure the gateway alone. Two subgraphs shaped like the LiveFleet operation's — `fleet` owns vehicles,
// shipments and the Subscription field (served over graphql-ws like our real subgraphs, @omniroute/core
// createSubgraph); `crew` owns orders and riders, which the gateway fetches as entities for every event.
//   node --import tsx bench/subscriptions/fixture.ts   (IPC child)
//   → { type: 'ready', supergraphSdl }     ← { type: 'publish', rate, count }  → { type: 'published', count }
// Each event carries its publish time in position.recordedAt (ISO, ms), so receivers can measure delivery latency.
import { EventEmitter } from 'node:events';
import { parse } from 'graphql';
import { composeServices } from '@apollo/composition';
import { createSubgraph, pushIterator } from '@omniroute/core';

export const LIVE_FLEET = `subscription LiveFleet($territoryId: ID) {
  vehiclePositionUpdated(territoryId: $territoryId) {
    vehicle { plate }
    position { lat lng speedKph recordedAt }
    shipment { status order { number customer { name } } rider { name level { name } } }
  }
}`;

const FLEET_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Query { vehicles: [Vehicle!]! }
  type Vehicle @key(fields: "id") { id: ID! plate: String! territoryId: ID! }
  type VehiclePosition { lat: Float! lng: Float! speedKph: Float heading: Float recordedAt: String! }
  type Shipment @key(fields: "id") { id: ID! status: String! order: Order rider: Worker }
  type Order @key(fields: "id", resolvable: false) { id: ID! }
  type Worker @key(fields: "id", resolvable: false) { id: ID! }
  type VehiclePositionEvent { vehicle: Vehicle position: VehiclePosition! shipment: Shipment }
  type Subscription { vehiclePositionUpdated(vehicleId: ID, territoryId: ID): VehiclePositionEvent! }`;

const CREW_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Query { worker(id: ID!): Worker }
  type Worker @key(fields: "id") { id: ID! name: String! level: GuildLevel! }
  type GuildLevel { name: String! minXp: Int! }
  type Order @key(fields: "id") { id: ID! number: String! customer: Customer! }
  type Customer { name: String! }`;

const VEHICLES = Array.from({ length: 24 }, (_, i) => ({ id: `v${i + 1}`, plate: `BENCH-${String(i + 1).padStart(3, '0')}`, territoryId: `t${(i % 4) + 1}` }));
const LEVELS = ['Starter', 'Bronze', 'Silver', 'Gold', 'Diamond', 'Master'];

interface PositionEvent { vehicleId: string; territoryId: string; lat: number; lng: number; speedKph: number; recordedAt: string }

export async function startFixture(secret: string) {
  const source = new EventEmitter();
  source.setMaxListeners(0);
  type Ctx = Record<string, never>;
  const fleet = createSubgraph<Ctx>({
    name: 'fleet',
    secret,
    typeDefs: parse(FLEET_SDL),
    createContext: () => ({}),
    // a benchmark fixture measures fan-out, not authorization: open to every caller
    policies: { 'Query.vehicles': { access: 'anyone' }, 'Subscription.vehiclePositionUpdated': { access: 'anyone' } },
    resolvers: {
      Query: { vehicles: () => VEHICLES },
      Subscription: {
        vehiclePositionUpdated: {
          subscribe: (_: unknown, args: { vehicleId?: string; territoryId?: string }) =>
            pushIterator<{ vehiclePositionUpdated: unknown }>((push) => {
              const on = (e: PositionEvent) => {
                if ((args.vehicleId && args.vehicleId !== e.vehicleId) || (args.territoryId && args.territoryId !== e.territoryId)) return;
                const n = Number(e.vehicleId.slice(1));
                push({
                  vehiclePositionUpdated: {
                    vehicle: VEHICLES[n - 1],
                    position: { lat: e.lat, lng: e.lng, speedKph: e.speedKph, heading: 90, recordedAt: e.recordedAt },
                    shipment: { id: `s${n}`, status: 'IN_TRANSIT', order: { id: `o${n}` }, rider: { id: `w${n}` } },
                  },
                });
              };
              source.on('position', on);
              return () => source.off('position', on);
            }),
        },
      },
    },
  });
  const crew = createSubgraph<Ctx>({
    name: 'crew',
    secret,
    typeDefs: parse(CREW_SDL),
    createContext: () => ({}),
    policies: { 'Query.worker': { access: 'anyone' } },
    resolvers: {
      Query: { worker: (_: unknown, a: { id: string }) => ({ id: a.id }) },
      Worker: {
        __resolveReference: (ref: { id: string }) => {
          const n = Number(ref.id.slice(1));
          return { id: ref.id, name: `Rider ${n}`, level: { name: LEVELS[n % LEVELS.length], minXp: 0 } };
        },
      },
      Order: {
        __resolveReference: (ref: { id: string }) => ({ id: ref.id, number: `SO-${ref.id.slice(1).padStart(6, '0')}`, customer: { name: `Customer ${ref.id.slice(1)}` } }),
      },
    },
  });
  const running = [await fleet.listen(0, '127.0.0.1'), await crew.listen(0, '127.0.0.1')];
  const composed = composeServices([
    { name: 'fleet', url: running[0]!.url, typeDefs: parse(FLEET_SDL) },
    { name: 'crew', url: running[1]!.url, typeDefs: parse(CREW_SDL) },
  ]);
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  let seq = 0;
  return {
    supergraphSdl: composed.supergraphSdl,
    listeners: () => source.listenerCount('position'),
    /** One position of the next vehicle, stamped now. */
    publish() {
      const v = VEHICLES[seq++ % VEHICLES.length]!;
      source.emit('position', { vehicleId: v.id, territoryId: v.territoryId, lat: 6.5 + seq / 1e4, lng: 3.4, speedKph: 32, recordedAt: new Date().toISOString() } satisfies PositionEvent);
    },
    async close() {
      for (const r of running) await r.stop();
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const fixture = await startFixture(process.env.BENCH_SECRET!);
  const send = (m: object) => process.send!(m);
  process.on('message', (m: { type: string; rate: number; count: number }) => {
    if (m.type === 'publish') {
      // fixed rate, scheduled against the clock so a slow tick does not stretch the whole run
      const t0 = performance.now();
      let sent = 0;
      const tick = () => {
        fixture.publish();
        sent++;
        if (sent >= m.count) return send({ type: 'published', count: sent });
        setTimeout(tick, Math.max(0, t0 + (sent * 1000) / m.rate - performance.now()));
      };
      tick();
    } else if (m.type === 'listeners') send({ type: 'listeners', count: fixture.listeners() });
  });
  process.on('disconnect', () => void fixture.close().finally(() => process.exit(0)));
  send({ type: 'ready', supergraphSdl: fixture.supergraphSdl });
}
