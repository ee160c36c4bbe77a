// The living demo: a client of the gateway that keeps the business moving — vehicles drive and report positions,
// orders are placed, shipments dispatched and delivered, invoices paid. Everything goes through the public API.
import { randomUUID } from 'node:crypto';
import { log } from '@omniroute/core';
import { headingDeg, stepToward, type Point } from './geo.ts';
import type { TenantSimulation } from './config.ts';
import { GatewayClient } from './gateway-client.ts';

export interface SimulatorOptions {
  gatewayUrl: string;
  email?: string;
  password?: string;
  /** Who collects payments (initiatePayment needs FINANCE or ADMIN; default finance@lagos.demo). */
  financeEmail?: string;
  /** Position report interval per moving vehicle (ms). */
  positionEveryMs?: number;
  /** Business step interval: place/dispatch/deliver/pay (ms). */
  businessEveryMs?: number;
  /** How many vehicles drive at once. */
  movingVehicles?: number;
}

interface SimVehicle { id: string; plate: string; coldChain: boolean; pos: Point; home: Point; target: Point; shipmentId?: string; destination?: Point; tempC: number }

const around = (c: Point, km: number): Point => ({ lat: c.lat + ((Math.random() - 0.5) * km) / 55, lng: c.lng + ((Math.random() - 0.5) * km) / 55 });

export function startSimulator(opts: SimulatorOptions) {
  const positionEveryMs = opts.positionEveryMs ?? 1000;
  const businessEveryMs = opts.businessEveryMs ?? 4000;
  const api = new GatewayClient(opts.gatewayUrl, opts);
  let payments = 0;
  let stopped = false;
  const timers: NodeJS.Timeout[] = [];
  const vehicles = new Map<string, SimVehicle>();
  let tick = 0;

  async function loadFleet() {
    const d = await api.gql<any>(`{ vehicles(first: 100) { edges { node { id plate coldChain lastPosition { lat lng }
      currentShipment { id status stops { kind lat lng } } } } } }`);
    for (const { node: v } of d?.vehicles?.edges ?? []) {
      if (vehicles.size >= (opts.movingVehicles ?? 16) || !v.lastPosition) continue;
      const pos = { lat: v.lastPosition.lat, lng: v.lastPosition.lng };
      const drop = v.currentShipment?.status === 'IN_TRANSIT' ? v.currentShipment.stops?.find((s: any) => s.kind === 'DROPOFF') : undefined;
      vehicles.set(v.id, { id: v.id, plate: v.plate, coldChain: v.coldChain, pos, home: pos, target: around(pos, 4), shipmentId: drop ? v.currentShipment.id : undefined, destination: drop ? { lat: drop.lat, lng: drop.lng } : undefined, tempC: 4 });
    }
  }

  const moveAll = () => Promise.all([...vehicles.values()].map((v) => drive(api, v, positionEveryMs))).then(() => undefined);

  async function businessStep() {
    tick++;
    await placeOrder(api, tick);
    const free = [...vehicles.values()].find((v) => !v.shipmentId);
    if (free) await dispatchShipment(api, free, tick);
    if (tick % 2 === 0 && (await api.ensureFinanceLogin())) await payAnInvoice(api, () => payments++);
  }

  const guard = (fn: () => Promise<void>) => async () => {
    if (stopped) return;
    try {
      if (!(await api.ensureLogin())) return;
      if (!vehicles.size) await loadFleet();
      await fn();
    } catch (e) {
      log.debug('simulator step failed', { error: String(e) });
    }
  };
  // Steps never overlap themselves: each schedules its next run when it finishes.
  const loop = (fn: () => Promise<void>, every: number) => {
    const run = async () => {
      await guard(fn)();
      if (!stopped) timers.push(setTimeout(run, every));
    };
    timers.push(setTimeout(run, every));
  };
  loop(moveAll, positionEveryMs);
  loop(businessStep, businessEveryMs);

  return {
    stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
    },
  };
}

/** One step of one vehicle toward its drop (confirmed on arrival) or its next point near home; reports the position. */
async function drive(api: GatewayClient, v: SimVehicle, positionEveryMs: number) {
  const speedKph = 28;
  const km = (speedKph * positionEveryMs) / 3_600_000;
  const goal = v.destination ?? v.target;
  const { point, arrived } = stepToward(v.pos, goal, km * (0.7 + Math.random() * 0.6));
  const heading = headingDeg(v.pos, point);
  v.pos = point;
  if (v.coldChain) v.tempC = Math.max(1, Math.min(12, v.tempC + (Math.random() - 0.47) * 0.6));
  await api.gql(`mutation($i: ReportVehiclePositionInput!) { reportVehiclePosition(input: $i) { userErrors { code } } }`, {
    i: { vehicleId: v.id, lat: point.lat, lng: point.lng, speedKph: arrived ? 0 : speedKph, heading, temperatureC: v.coldChain ? Number(v.tempC.toFixed(1)) : null, recordedAt: new Date().toISOString() },
  });
  if (!arrived) return;
  if (v.shipmentId && v.destination) {
    const r = await api.gql<{ confirmDelivery: { userErrors: { code: string }[] } }>(`mutation($i: ConfirmDeliveryInput!) { confirmDelivery(input: $i) { userErrors { code message } } }`, {
      i: { shipmentId: v.shipmentId, recipientName: 'Shop owner', signatureRef: `sig-${randomUUID()}`, lat: point.lat, lng: point.lng },
    });
    // commerce has not acknowledged the dispatch yet (issue 14): wait at the door and try again next step
    if (r?.confirmDelivery.userErrors[0]?.code === 'DISPATCH_NOT_ACKNOWLEDGED') return;
    v.shipmentId = undefined;
    v.destination = undefined;
  }
  v.target = around(v.home, 5);
}

/** A customer orders one to three SKUs. */
async function placeOrder(api: GatewayClient, tick: number) {
  const [cust, loc, prod] = await Promise.all([
    api.gql<any>(`{ customers(first: 50) { edges { node { id } } } }`),
    api.gql<any>(`{ locations(first: 2) { edges { node { id } } } }`),
    api.gql<any>(`{ products(first: 40) { edges { node { variants { sku } } } } }`),
  ]);
  const customers = cust?.customers?.edges ?? [];
  const skus = (prod?.products?.edges ?? []).flatMap((e: any) => e.node.variants.map((v: any) => v.sku));
  const location = loc?.locations?.edges?.[0]?.node?.id;
  if (!customers.length || !skus.length || !location) return;
  const lines = Array.from({ length: 1 + (tick % 3) }, () => skus[Math.floor(Math.random() * skus.length)]);
  await api.gql(`mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id } userErrors { code } } }`, {
    i: {
      customerId: customers[Math.floor(Math.random() * customers.length)].node.id, channel: ['PORTAL', 'MOBILE_APP', 'WHATSAPP', 'SALES_REP'][tick % 4],
      locationId: location, lines: [...new Set(lines)].map((sku) => ({ sku, quantity: 1 + Math.floor(Math.random() * 6) })), idempotencyKey: `sim-${randomUUID()}`,
    },
  });
}

/** Dispatches a pending shipment on a free moving vehicle with a verified rider. */
async function dispatchShipment(api: GatewayClient, free: SimVehicle, tick: number) {
  const [pending, riders] = await Promise.all([
    api.gql<any>(`{ shipments(first: 5, filter: { status: PENDING }) { edges { node { id stops { kind lat lng } } } } }`),
    api.gql<any>(`{ workers(first: 30, filter: { kycStatus: VERIFIED }) { edges { node { id } } } }`),
  ]);
  const s = pending?.shipments?.edges?.[0]?.node;
  const riderList = riders?.workers?.edges ?? [];
  if (!s || !riderList.length) return;
  const r = await api.gql<any>(`mutation($i: DispatchShipmentInput!) { dispatchShipment(input: $i) { shipment { id } userErrors { code } } }`, {
    i: { shipmentId: s.id, vehicleId: free.id, riderId: riderList[tick % riderList.length].node.id },
  });
  const drop = s.stops?.find((x: any) => x.kind === 'DROPOFF');
  if (r?.dispatchShipment?.shipment && drop) {
    free.shipmentId = s.id;
    free.destination = { lat: drop.lat, lng: drop.lng };
  }
}

/** Issued invoices the simulated customers leave unpaid: a distributor's receivables are never all settled. */
export const OPEN_INVOICES_KEPT = 10;

/**
 * The issued invoice a customer pays now, of the first page of them (`open`): none while no more than
 * OPEN_INVOICES_KEPT are open. Payments every other business step outran deliveries (which issue invoices), so a
 * demo left running for half an hour had none left to pay, for the simulator or for a user trying a payment.
 */
export function invoiceToPay<T>(open: readonly T[], random: () => number = Math.random): T | undefined {
  return open.length > OPEN_INVOICES_KEPT ? open[Math.floor(random() * open.length)] : undefined;
}

/**
 * A customer pays an issued invoice from their phone, through one of the payment rails (the provider sandbox in
 * `npm start`); every seventh payer's wallet is short of money (a sandbox number scripted to fail).
 */
async function payAnInvoice(api: GatewayClient, nextPayment: () => number) {
  const inv = await api.gql<any>(`{ invoices(first: 20, filter: { status: ISSUED }) { edges { node { id amountDue { amount currencyCode } customer { phone } } } } }`, {}, 'finance');
  const i = invoiceToPay<any>(inv?.invoices?.edges ?? [])?.node;
  if (!i) return;
  const rails = ['MPESA', 'MTN_MOMO', 'PAYSTACK'] as const;
  const n = nextPayment();
  await api.gql(`mutation($i: InitiatePaymentInput!) { initiatePayment(input: $i) { payment { id status } userErrors { code } } }`, {
    i: {
      invoiceId: i.id, amount: i.amountDue.amount, currencyCode: i.amountDue.currencyCode, method: 'MOBILE_MONEY', provider: rails[n % rails.length],
      phone: n % 7 === 6 ? '+254700001001' : i.customer?.phone ?? '+254700000042', idempotencyKey: `sim-${randomUUID()}`,
    },
  }, 'finance');
}

export { simulationsFor, type TenantSimulation } from './config.ts';

/** One simulator per tenant (see simulationsFor), all against the same gateway; `stop` stops them all. */
export function startSimulators(gatewayUrl: string, sims: TenantSimulation[]) {
  const running = sims.map((s) =>
    startSimulator({ gatewayUrl, email: s.email, financeEmail: s.financeEmail, positionEveryMs: s.positionEveryMs, businessEveryMs: s.businessEveryMs, movingVehicles: s.movingVehicles }),
  );
  return { tenants: sims.map((s) => s.key), stop: () => running.forEach((r) => r.stop()) };
}
