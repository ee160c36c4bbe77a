// A stand-in gateway for working on the dashboard without the platform: the contract's queries and the three
// subscriptions (vehiclePositionUpdated, orderUpdated, coldChainAlert) over graphql-ws, on the Lagos demo data,
// with vehicles driving, orders flowing and the odd warm fridge. Serves the built page at /dashboard/ too.
//   node --import tsx dashboard/dev/mock-gateway.ts [port]     (default 4400; any email/password signs in)
import { createServer } from 'node:http';
import { on, EventEmitter } from 'node:events';
import { buildSchema, execute, parse, validate, type ExecutionArgs } from 'graphql';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { demoPlan } from '@omniroute/demo';
import { dashboardRoutes } from '../serve.ts';

const sdl = /* GraphQL */ `
  scalar DateTime
  scalar Decimal
  enum CurrencyCode { NGN GHS KES XOF TZS USD }
  type Money { amount: Decimal! currencyCode: CurrencyCode! }
  type User { id: ID! name: String! email: String! roles: [String!]! }
  type Tenant { id: ID! name: String! defaultCurrency: CurrencyCode! }
  type UserError { field: [String!] message: String! code: String! }
  type LoginPayload { accessToken: String user: User userErrors: [UserError!]! }
  input LoginInput { email: String! password: String! }
  type PageInfo { hasNextPage: Boolean! endCursor: String }
  type GeoPoint { lat: Float! lng: Float! }
  type Territory { id: ID! name: String! center: GeoPoint! radiusKm: Float! }
  type TerritoryEdge { node: Territory! } type TerritoryConnection { edges: [TerritoryEdge!]! pageInfo: PageInfo! }
  type VehiclePosition { lat: Float! lng: Float! speedKph: Float! heading: Float temperatureC: Float recordedAt: DateTime! }
  type Vehicle { id: ID! plate: String! kind: String! coldChain: Boolean! lastPosition: VehiclePosition currentShipment: Shipment }
  type VehicleEdge { node: Vehicle! } type VehicleConnection { edges: [VehicleEdge!]! pageInfo: PageInfo! }
  type GuildLevel { name: String! } type Worker { id: ID! name: String! level: GuildLevel! }
  type ProofOfDelivery { deliveredAt: DateTime! }
  type Shipment { id: ID! status: String! eta: DateTime order: Order! rider: Worker proofOfDelivery: ProofOfDelivery }
  type ShipmentEdge { node: Shipment! } type ShipmentConnection { edges: [ShipmentEdge!]! pageInfo: PageInfo! }
  enum ShipmentStatus { PENDING ASSIGNED IN_TRANSIT DELIVERED FAILED CANCELLED }
  input ShipmentFilter { status: ShipmentStatus }
  type Customer { id: ID! name: String! }
  type Invoice { status: String! }
  type Order { id: ID! number: String! status: String! placedAt: DateTime! total: Money! customer: Customer! shipment: Shipment invoice: Invoice }
  type OrderEdge { node: Order! } type OrderConnection { edges: [OrderEdge!]! pageInfo: PageInfo! }
  type OrderEvent { order: Order! status: String! previousStatus: String at: DateTime! }
  type VehiclePositionEvent { vehicle: Vehicle! position: VehiclePosition! shipment: Shipment }
  type ColdChainAlert { id: ID! vehicle: Vehicle temperatureC: Float! limitC: Float! position: GeoPoint! recordedAt: DateTime! shipment: Shipment }
  type Query {
    me: User tenant: Tenant
    territories(first: Int, after: String): TerritoryConnection!
    vehicles(first: Int, after: String): VehicleConnection!
    orders(first: Int, after: String): OrderConnection!
    shipments(first: Int, after: String, filter: ShipmentFilter): ShipmentConnection!
  }
  type Mutation { login(input: LoginInput!): LoginPayload! }
  type Subscription { vehiclePositionUpdated: VehiclePositionEvent! orderUpdated: OrderEvent! coldChainAlert: ColdChainAlert! }
`;

const world = demoPlan()[0]!;
const now = () => new Date().toISOString();
const riders = world.riders.map((r) => ({ id: r.id, name: r.name, level: { name: r.xp >= 15000 ? 'Diamond' : r.xp >= 5000 ? 'Gold' : r.xp >= 2000 ? 'Silver' : r.xp >= 500 ? 'Bronze' : 'Starter' } }));
const customers = new Map(world.customers.map((c) => [c.id, c]));
type O = { id: string; number: string; status: string; placedAt: string; total: { amount: string; currencyCode: string }; customer: { id: string; name: string }; shipment: any; invoice: any };
const orders: O[] = world.orders.map((o) => ({
  id: o.id, number: o.number, status: o.status, placedAt: o.placedAt.toISOString(), total: { amount: o.total, currencyCode: world.currency },
  customer: { id: o.customerId, name: customers.get(o.customerId)!.name }, shipment: null, invoice: { status: 'DRAFT' },
})).reverse();
const vehicles = world.vehicles.map((v, i) => {
  const o = orders[i * 3]!;
  const shipment = i % 3 === 2 ? null : { id: `shp-${v.id}`, status: i % 3 === 0 ? 'IN_TRANSIT' : 'ASSIGNED', eta: new Date(Date.now() + 3600_000).toISOString(), order: o, rider: riders[i % riders.length] };
  return {
    id: v.id, plate: v.plate, kind: v.kind, coldChain: v.coldChain, currentShipment: shipment, heading: Math.random() * 360,
    lastPosition: { lat: v.lat, lng: v.lng, speedKph: 0, heading: null as number | null, temperatureC: v.coldChain ? 4 : null, recordedAt: now() },
  };
});
const delivered = orders.filter((o) => o.status === 'DELIVERED').slice(0, 60).map((o, i) => ({
  id: `shp-${o.id}`, status: 'DELIVERED', order: o, eta: new Date(Date.parse(o.placedAt) + 4 * 3600_000).toISOString(),
  proofOfDelivery: { deliveredAt: new Date(Date.parse(o.placedAt) + (i % 6 === 0 ? 5 : 3) * 3600_000).toISOString() },
}));
const conn = <T>(items: T[], first = 20, after?: string | null) => {
  const start = after ? Number(after) : 0;
  const page = items.slice(start, start + (first ?? 20));
  return { edges: page.map((node) => ({ node })), pageInfo: { hasNextPage: start + page.length < items.length, endCursor: String(start + page.length) } };
};

const bus = new EventEmitter();
bus.setMaxListeners(0);
async function* stream(topic: string, signal?: AbortSignal) {
  for await (const [payload] of on(bus, topic, { signal })) yield payload;
}

const schema = buildSchema(sdl);
const rootValue = {
  me: () => ({ id: 'u1', name: 'Lagos Operations', email: 'ops@lagos.demo', roles: ['ADMIN'] }),
  tenant: () => ({ id: world.id, name: world.name, defaultCurrency: world.currency }),
  territories: ({ first }: any) => conn(world.territories, first),
  vehicles: ({ first, after }: any) => conn(vehicles, first, after),
  orders: ({ first, after }: any) => conn(orders, first, after),
  shipments: ({ first, after }: any) => conn(delivered, first, after),
  login: ({ input }: any) => ({ accessToken: `mock.${Buffer.from(input.email).toString('base64url')}`, user: { id: 'u1', name: 'Lagos Operations', email: input.email, roles: ['ADMIN'] }, userErrors: [] }),
};
const subscriptions: Record<string, string> = { vehiclePositionUpdated: 'position', orderUpdated: 'order', coldChainAlert: 'cold' };

// the living world
setInterval(() => {
  for (const v of vehicles) {
    if (v.currentShipment?.status !== 'IN_TRANSIT' && Math.random() < 0.85) continue;
    v.heading = (v.heading + (Math.random() - 0.5) * 40 + 360) % 360;
    const speed = 15 + Math.random() * 35;
    const d = (speed / 3600) / 111; // degrees per second
    const p = v.lastPosition;
    const lat = p.lat + Math.cos((v.heading * Math.PI) / 180) * d * 8, lng = p.lng + Math.sin((v.heading * Math.PI) / 180) * d * 8;
    const temperatureC = v.coldChain ? (Math.random() < 0.03 ? 9 + Math.random() * 3 : 3 + Math.random() * 3) : null;
    v.lastPosition = { lat, lng, speedKph: speed, heading: v.heading, temperatureC, recordedAt: now() };
    bus.emit('position', { vehiclePositionUpdated: { vehicle: v, position: v.lastPosition, shipment: v.currentShipment } });
    if (temperatureC && temperatureC > 8) {
      bus.emit('cold', { coldChainAlert: { id: `cca-${Date.now()}-${v.id}`, vehicle: v, temperatureC, limitC: 8, position: { lat, lng }, recordedAt: now(), shipment: v.currentShipment } });
    }
  }
}, 1000);
let seq = 0;
const FLOW = ['PENDING', 'CONFIRMED', 'PACKED', 'DISPATCHED', 'DELIVERED'];
setInterval(() => {
  const c = world.customers[seq % world.customers.length]!;
  const o: O = {
    id: `mock-${++seq}`, number: `LAG-${String(90000 + seq)}`, status: 'PENDING', placedAt: now(),
    total: { amount: `${(20000 + Math.floor(Math.random() * 600000))}.${String(Math.floor(Math.random() * 100)).padStart(2, '0')}`, currencyCode: world.currency },
    customer: { id: c.id, name: c.name }, shipment: null, invoice: null,
  };
  orders.unshift(o);
  bus.emit('order', { orderUpdated: { order: o, status: 'PENDING', previousStatus: null, at: now() } });
  // move an older mock order one step on
  const moving = orders.find((x) => x.id.startsWith('mock-') && x !== o && x.status !== 'DELIVERED' && Math.random() < 0.5);
  if (moving) {
    const prev = moving.status;
    moving.status = FLOW[FLOW.indexOf(prev) + 1] ?? 'DELIVERED';
    moving.shipment = { status: { CONFIRMED: 'PENDING', PACKED: 'ASSIGNED', DISPATCHED: 'IN_TRANSIT', DELIVERED: 'DELIVERED' }[moving.status] ?? 'PENDING', eta: new Date(Date.now() + 60_000).toISOString(), proofOfDelivery: moving.status === 'DELIVERED' ? { deliveredAt: now() } : null };
    moving.invoice = { status: moving.status === 'DELIVERED' ? 'ISSUED' : 'DRAFT' };
    bus.emit('order', { orderUpdated: { order: moving, status: moving.status, previousStatus: prev, at: now() } });
  }
}, 6000);

const static_ = dashboardRoutes();
const server = createServer(async (req, res) => {
  const path = (req.url ?? '/').split('?')[0]!;
  if (path === '/graphql' && req.method === 'POST') {
    let body = '';
    for await (const chunk of req) body += chunk;
    const { query, variables } = JSON.parse(body);
    const document = parse(query);
    const errors = validate(schema, document);
    const result = errors.length ? { errors } : await execute({ schema, document, rootValue, variableValues: variables } as ExecutionArgs);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
    return;
  }
  if (path === '/dashboard') return void static_['/dashboard']!(req, res);
  if (path.startsWith('/dashboard/')) return void static_['/dashboard/*']!(req, res);
  res.writeHead(302, { location: '/dashboard/' }).end();
});
const wss = new WebSocketServer({ server, path: '/graphql' });
useServer({
  schema,
  roots: { query: rootValue, mutation: rootValue },
  onConnect: (ctx) => Boolean((ctx.connectionParams as any)?.authorization),
  onSubscribe: (_ctx, _id, payload) => {
    const document = parse(payload.query);
    const errors = validate(schema, document);
    if (errors.length) return errors;
    const field = (document.definitions[0] as any).selectionSet.selections[0].name.value as string;
    const topic = subscriptions[field]!;
    return { schema, document, variableValues: payload.variables, rootValue: { [field]: () => stream(topic) } } as any;
  },
}, wss);
const port = Number(process.argv[2] ?? 4400);
server.listen(port, '127.0.0.1', () => console.log(`mock gateway: http://127.0.0.1:${port}/dashboard/`));
