// The shared harness of the security suites: the real stack (five subgraphs + gateway, seeded) on free ports, the
// callers of the authorization matrix (demo logins and partner keys), the objects each tenant has to act on, and
// one sample call per Query and Mutation field of the composed API schema. The matrix test and the cross-tenant
// write test both enumerate the schema through this file, so a new field needs a sample here or both fail.
import { readFileSync } from 'node:fs';
import { getNamedType, isCompositeType, isInputObjectType, isListType, isNonNullType, isObjectType, type GraphQLInputType, type GraphQLSchema } from 'graphql';
import { mergePolicies, SCOPES, type Policy, type PolicyTable, type Viewer } from '@omniroute/core';
import { demoPlan } from '@omniroute/demo';
import { startStack, type Stack } from '@omniroute/platform';
import { gql, login, nodes, type GqlResponse } from '@omniroute/testkit';
import { POLICIES as IDENTITY } from '../../subgraphs/identity/src/policies.ts';
import { POLICIES as COMMERCE } from '../../subgraphs/commerce/src/policies.ts';
import { POLICIES as LOGISTICS } from '../../subgraphs/logistics/src/policies.ts';
import { POLICIES as FINANCE } from '../../subgraphs/finance/src/policies.ts';
import { POLICIES as WORKFORCE } from '../../subgraphs/workforce/src/policies.ts';
import { apiSchemaOf } from '../../scripts/persisted.ts';

/** Every subgraph's policies in one table (a coordinate in two tables throws). */
export const ALL_POLICIES: PolicyTable = mergePolicies([IDENTITY, COMMERCE, LOGISTICS, FINANCE, WORKFORCE]);

/** The API schema clients see (the checked-in supergraph). */
export const API_SCHEMA: GraphQLSchema = apiSchemaOf(readFileSync(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8'));

/** `Query.x`, `Mutation.x` and `Subscription.x` coordinates of the API schema. */
export function rootFields(kind: 'Query' | 'Mutation' | 'Subscription'): string[] {
  const t = kind === 'Query' ? API_SCHEMA.getQueryType() : kind === 'Mutation' ? API_SCHEMA.getMutationType() : API_SCHEMA.getSubscriptionType();
  return Object.keys(t?.getFields() ?? {}).map((f) => `${kind}.${f}`);
}

export const CALLER_NAMES = ['ADMIN', 'FINANCE', 'SALES_REP', 'OPERATIONS', 'RIDER', 'RETAILER', 'KEY_NO_SCOPES', 'KEY_SCOPED'] as const;
export type CallerName = (typeof CALLER_NAMES)[number];

export interface Caller {
  name: CallerName;
  token: string;
  /** The viewer the gateway builds for this credential (what the policies decide on). */
  viewer: Viewer;
}

/** The objects of one tenant the samples act on, found through its ADMIN at start (ids differ per run for some). */
export interface Fixtures {
  tenantId: string;
  currency: string;
  customerId: string;
  locationId: string;
  sku: string;
  cancellableOrderId: string;
  openInvoiceId: string;
  partnerAppId: string;
  apiKeyId: string;
  vehicleId: string;
  /** A shipment that can be dispatched with `freeVehicleId` (or any shipment when the fleet is busy). */
  dispatchShipmentId: string;
  freeVehicleId: string;
  inTransitShipmentId: string;
  workerId: string;
  openTaskId: string;
  /** A bid on `awardTaskId` (an open task). */
  awardTaskId: string;
  bidId: string;
  assignedTaskId: string;
  completedTaskId: string;
  completedTaskWorkerId: string;
  productId: string;
  /** A PLANNED route plan made at start (planRoutes as ADMIN) and a vehicle with a trip in it. */
  planId: string;
  planVehicleId: string;
  /** Issue 16: an open financing offer on an issued invoice (and its limit), and an agreement accepted at start. */
  financingOfferId: string;
  financingAmount: string;
  financingAgreementId: string;
  /** A SUCCEEDED payment and its (paid) invoice; a payer's phone in the tenant's country. */
  paymentId: string;
  paidInvoiceId: string;
  phone: string;
  timeZone: string;
  /** Issue 15: a territory, the demo's first sales rep (a user id), and a cold-chain alert raised at start. */
  territoryId: string;
  salesRepId: string;
  alertId: string;
  /** A planned visit of the sales rep (week of 2026-11-30, planned by ADMIN at start). */
  visitId: string;
  /** Stock ledger (issue 15): a warehouse and the van the sales rep operates (both holding `warehouseSku`), a supplier, an OPEN purchase order of it, a count PENDING_APPROVAL, a DELIVERED order and a SKU it delivered. */
  warehouseId: string;
  vanId: string;
  warehouseSku: string;
  supplierId: string;
  purchaseOrderId: string;
  cycleCountId: string;
  deliveredOrderId: string;
  deliveredSku: string;
}

export interface Graph {
  stack: Stack;
  url: string;
  callers: Record<CallerName, Caller>;
  admin: { lagos: string; accra: string };
  lagos: Fixtures;
  accra: Fixtures;
  close(): Promise<void>;
}

const [LAGOS_PLAN, ACCRA_PLAN] = demoPlan();
export const LAGOS = LAGOS_PLAN!.id;
export const ACCRA = ACCRA_PLAN!.id;
const userOf = (email: string) => LAGOS_PLAN!.users.find((u) => u.email === email)!;

/** POSTs an operation; throws with the errors when the response has any (setup and fingerprints must not fail). */
export async function must<T = any>(url: string, token: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const r = await gql<T>(url, query, variables, token);
  if (r.errors?.length || !r.data) throw new Error(`${query.slice(0, 80)}: ${JSON.stringify(r.errors)}`);
  return r.data;
}

let unique = 0;
/** A fresh idempotency key / name, unique in this run. */
export const fresh = (what: string) => `${what}-${process.pid}-${Date.now()}-${++unique}`;

async function createApp(url: string, admin: string, name: string): Promise<string> {
  const d = await must(url, admin, 'mutation($i: CreatePartnerAppInput!) { createPartnerApp(input: $i) { partnerApp { id } userErrors { code } } }', { i: { name: fresh(name) } });
  return d.createPartnerApp.partnerApp.id;
}

async function createKey(url: string, admin: string, input: Record<string, unknown>): Promise<{ id: string; secret: string }> {
  const d = await must(url, admin, 'mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { apiKey { id } secret userErrors { code message } } }', { i: input });
  if (d.createApiKey.userErrors.length) throw new Error(JSON.stringify(d.createApiKey.userErrors));
  return { id: d.createApiKey.apiKey.id, secret: d.createApiKey.secret };
}

/** The objects of a tenant the samples need, through its ADMIN. */
/**
 * Issue 16: offers on two financeable issued invoices; the second is accepted (an agreement to repay), the first left
 * open. Lagos must have them (its ids are the ones the suites attack); elsewhere placeholders do when none qualifies.
 */
async function financingFixtures(q: <T = any>(query: string, variables?: Record<string, unknown>) => Promise<T>, invoices: any[], currency: string, required: boolean) {
  const offers: { id: string; amount: string }[] = [];
  for (const inv of invoices) {
    const o = (await q('query($c: ID!, $i: ID) { financingOffers(customerId: $c, invoiceId: $i) { eligible offers { id limit { amount } } } }', { c: inv.customer.id, i: inv.id })).financingOffers;
    const offer = o?.eligible ? o.offers.find((x: any) => x.id && Number(x.limit.amount) > 0) : undefined;
    if (offer) offers.push({ id: offer.id, amount: offer.limit.amount });
    if (offers.length === 2) break;
  }
  if (offers.length < 2) {
    if (required) throw new Error(`no two financeable issued invoices in the seeded data (${offers.length})`);
    return { financingOfferId: 'fof_NONE', financingAmount: '1.00', financingAgreementId: 'fag_NONE' };
  }
  const accepted = (await q('mutation($i: AcceptFinancingOfferInput!) { acceptFinancingOffer(input: $i) { agreement { id } userErrors { code message } } }', {
    i: { offerId: offers[1]!.id, amount: offers[1]!.amount, currencyCode: currency, idempotencyKey: fresh('financing') },
  })).acceptFinancingOffer;
  if (!accepted.agreement) throw new Error(`financing fixture not accepted: ${JSON.stringify(accepted.userErrors)}`);
  return { financingOfferId: offers[0]!.id, financingAmount: offers[0]!.amount, financingAgreementId: accepted.agreement.id as string };
}

async function discover(url: string, admin: string, tenantId: string): Promise<Fixtures> {
  const q = <T = any>(query: string, variables: Record<string, unknown> = {}) => must<T>(url, admin, query, variables);
  const partnerAppId = await createApp(url, admin, 'security-fixture');
  const key = await createKey(url, admin, { name: fresh('victim key'), partnerAppId });
  const d = await q(`{
    tenant { defaultCurrency }
    customers(first: 1) { edges { node { id } } }
    products(first: 1) { edges { node { id } } }
    locations(first: 10) { edges { node { id kind operator { id } stockLevels(first: 20) { edges { node { available variant { sku } } } } } } }
    delivered: orders(first: 5, filter: { status: DELIVERED }) { edges { node { id lines { variant { sku } } } } }
    cancellable: orders(first: 20, filter: { status: PENDING }) { edges { node { id } } }
    confirmed: orders(first: 20, filter: { status: CONFIRMED }) { edges { node { id } } }
    invoices(first: 20, filter: { status: ISSUED }) { edges { node { id customer { id } } } }
    paid: invoices(first: 20, filter: { status: PAID }) { edges { node { id payments { id status } } } }
    vehicles(first: 100) { edges { node { id coldChain currentShipment { id status } } } }
    territories(first: 1) { edges { node { id } } }
    pending: shipments(first: 100, filter: { status: PENDING }) { edges { node { id } } }
    inTransit: shipments(first: 100, filter: { status: IN_TRANSIT }) { edges { node { id vehicle { id } } } }
    workers(first: 100) { edges { node { id kycStatus xp balance { amount } } } }
    open: tasks(first: 100, filter: { status: OPEN }) { edges { node { id bids { id } } } }
    assigned: tasks(first: 20, filter: { status: ASSIGNED }) { edges { node { id } } }
    completed: tasks(first: 100, filter: { status: COMPLETED }) { edges { node { id assignee { id } } } }
  }`);
  const stocked = nodes<any>(d.locations).flatMap((l) => nodes<any>(l.stockLevels).filter((s) => s.available > 5).map((s) => ({ locationId: l.id, sku: s.variant.sku })));
  const busy = new Set(nodes<any>(d.inTransit).map((s) => s.vehicle?.id).filter(Boolean));
  const vehicles = nodes<any>(d.vehicles);
  const free = vehicles.find((v) => !busy.has(v.id));
  const workers = nodes<any>(d.workers).filter((w) => w.kycStatus === 'VERIFIED').sort((a, b) => b.xp - a.xp);
  const rich = [...workers].sort((a, b) => Number(b.balance.amount) - Number(a.balance.amount))[0];
  const open = nodes<any>(d.open);
  const withBid = open.find((t) => t.bids.length > 0);
  const completed = nodes<any>(d.completed).filter((t) => t.assignee);
  const paid = nodes<any>(d.paid).flatMap((i) => i.payments.filter((p: any) => p.status === 'SUCCEEDED').map((p: any) => ({ invoiceId: i.id, paymentId: p.id })));
  // planning does not need free vehicles (dispatching does): free ones first
  const plan = await makePlan(url, admin, nodes<any>(d.locations).map((l) => l.id), [...vehicles.filter((v) => !busy.has(v.id)), ...vehicles.filter((v) => busy.has(v.id))].map((v) => v.id));
  const pick = <T>(xs: T[], what: string): T => {
    if (!xs.length) throw new Error(`${tenantId}: no ${what} in the seeded data`);
    return xs[0]!;
  };
  // a cold-chain alert to acknowledge (a refrigerated vehicle reports a warm box) and a planned visit of the sales rep
  const cold = pick(vehicles.filter((v) => v.coldChain), 'refrigerated vehicle');
  await q('mutation($i: ReportVehiclePositionInput!) { reportVehiclePosition(input: $i) { userErrors { code } } }', { i: { vehicleId: cold.id, lat: 6.5, lng: 3.4, speedKph: 10, temperatureC: 14 } });
  const alert = await q('query($v: ID) { coldChainAlerts(first: 1, filter: { vehicleId: $v }) { edges { node { id } } } }', { v: cold.id });
  const salesRepId = (tenantId === LAGOS ? LAGOS_PLAN! : ACCRA_PLAN!).repTerritories[0]!.userId;
  const beat = await q('mutation($i: PlanBeatInput!) { planBeat(input: $i) { beatPlan { visits { id } } userErrors { code } } }', { i: { repId: salesRepId, weekStart: '2026-11-30' } });
  const ledger = await stockLedgerFixtures(q, nodes<any>(d.locations), pick);
  const delivered = pick(nodes<any>(d.delivered), 'delivered order');
  // the first issued invoice stays open for the samples; the next financeable ones give an offer and an agreement
  const financing = await financingFixtures(q, nodes<any>(d.invoices).slice(1), d.tenant.defaultCurrency, tenantId === LAGOS);
  return {
    ...ledger,
    ...financing,
    deliveredOrderId: delivered.id,
    deliveredSku: delivered.lines[0].variant.sku,
    tenantId,
    currency: d.tenant.defaultCurrency,
    customerId: pick(nodes<any>(d.customers), 'customer').id,
    locationId: pick(stocked, 'stocked location').locationId,
    sku: stocked[0]!.sku,
    cancellableOrderId: pick([...nodes<any>(d.cancellable), ...nodes<any>(d.confirmed)], 'cancellable order').id,
    openInvoiceId: pick(nodes<any>(d.invoices), 'issued invoice').id,
    partnerAppId,
    apiKeyId: key.id,
    vehicleId: pick(vehicles, 'vehicle').id,
    dispatchShipmentId: pick(nodes<any>(d.pending), 'pending shipment').id,
    freeVehicleId: (free ?? pick(vehicles, 'vehicle')).id,
    inTransitShipmentId: pick(nodes<any>(d.inTransit), 'shipment in transit').id,
    workerId: pick(rich ? [rich] : [], 'worker').id,
    openTaskId: pick(open.filter((t) => t !== withBid), 'open task').id,
    awardTaskId: pick(withBid ? [withBid] : [], 'open task with a bid').id,
    bidId: withBid!.bids[0].id,
    assignedTaskId: pick(nodes<any>(d.assigned), 'assigned task').id,
    completedTaskId: pick(completed, 'completed task').id,
    completedTaskWorkerId: completed[0]!.assignee.id,
    productId: pick(nodes<any>(d.products), 'product').id,
    planId: plan.id,
    planVehicleId: plan.vehicleId,
    paymentId: pick(paid, 'succeeded payment').paymentId,
    paidInvoiceId: paid[0]!.invoiceId,
    phone: tenantId === LAGOS ? '+2348031234567' : '+233241234567',
    timeZone: tenantId === LAGOS ? 'Africa/Lagos' : 'Africa/Accra',
    territoryId: pick(nodes<any>(d.territories), 'territory').id,
    salesRepId,
    visitId: pick(beat.planBeat.beatPlan?.visits ?? [], 'planned visit').id,
    alertId: pick(nodes<any>(alert.coldChainAlerts), 'cold-chain alert').id,
  };
}

/** Issue 15's objects: a supplier, an OPEN purchase order and a count PENDING_APPROVAL at a warehouse, and the sales rep's van. */
async function stockLedgerFixtures(q: <T = any>(query: string, variables?: Record<string, unknown>) => Promise<T>, locations: any[], pick: <T>(xs: T[], what: string) => T) {
  const warehouse = pick(locations.filter((l) => l.kind === 'WAREHOUSE'), 'warehouse');
  const van = pick(locations.filter((l) => l.kind === 'VAN' && l.operator), 'van with an operator');
  const onVan = new Set(nodes<any>(van.stockLevels).filter((s) => s.available > 5).map((s) => s.variant.sku));
  const sku = pick(nodes<any>(warehouse.stockLevels).filter((s) => s.available > 5 && onVan.has(s.variant.sku)), 'SKU on the warehouse and the van').variant.sku as string;
  const supplier = await q('mutation($i: CreateSupplierInput!) { createSupplier(input: $i) { supplier { id } } }', { i: { name: fresh('supplier') } });
  const po = await q('mutation($i: CreatePurchaseOrderInput!) { createPurchaseOrder(input: $i) { purchaseOrder { id } userErrors { code } } }', {
    i: { supplierId: supplier.createSupplier.supplier.id, locationId: warehouse.id, lines: [{ sku, quantity: 10 }] },
  });
  const { availableToPromise: s } = await q('query($s: String!, $l: ID!) { availableToPromise(sku: $s, locationId: $l) { onHand } }', { s: sku, l: warehouse.id });
  const count = await q('mutation($i: RecordCycleCountInput!) { recordCycleCount(input: $i) { cycleCount { id status } } }', { i: { locationId: warehouse.id, lines: [{ sku, countedQuantity: s.onHand + 1 }] } });
  return {
    warehouseId: warehouse.id as string,
    vanId: van.id as string,
    warehouseSku: sku,
    supplierId: supplier.createSupplier.supplier.id as string,
    purchaseOrderId: po.createPurchaseOrder.purchaseOrder.id as string,
    cycleCountId: count.recordCycleCount.cycleCount.id as string,
  };
}

/** A PLANNED route plan of one of the locations (the first that has shipments waiting). */
async function makePlan(url: string, admin: string, locations: string[], vehicleIds: string[]): Promise<{ id: string; vehicleId: string }> {
  const date = new Date().toISOString().slice(0, 10);
  const tried: unknown[] = [];
  for (const locationId of locations) {
    const d = await must(url, admin, 'mutation($i: PlanRoutesInput!) { planRoutes(input: $i) { plan { id trips { vehicle { id } } } userErrors { code } } }', {
      i: { locationId, date, vehicleIds: vehicleIds.slice(0, 8), timeLimitMs: 100 },
    });
    const trip = d.planRoutes.plan?.trips[0];
    if (trip) return { id: d.planRoutes.plan.id, vehicleId: trip.vehicle.id };
    tried.push(d.planRoutes.userErrors);
  }
  throw new Error(`no location could be planned: ${JSON.stringify(tried)}`);
}

/** Boots the stack once and prepares the callers and both tenants' fixtures. */
export async function bootGraph(): Promise<Graph> {
  // no periodic outbox polling: commits kick the relays, and nothing here waits on a poll
  const stack = await startStack({ seed: true, relayIntervalMs: 3_600_000 });
  const url = stack.gatewayUrl;
  const rider = LAGOS_PLAN!.riders[0]!;
  // one at a time: seven password hashes at once on a busy 2-core machine can outlast the gateway's subgraph timeout
  const tokens: string[] = [];
  for (const email of ['ops@lagos.demo', 'ops@accra.demo', 'finance@lagos.demo', 'sales@lagos.demo', 'dispatch@lagos.demo', rider.email, 'retailer@lagos.demo']) tokens.push(await login(url, email));
  const [lagosAdmin, accraAdmin, finance, sales, dispatch, riderToken, retailer] = tokens as [string, string, string, string, string, string, string];
  const keyApp = await createApp(url, lagosAdmin, 'matrix');
  const allScopes = Object.keys(SCOPES);
  const [noScopes, scoped] = await Promise.all([
    createKey(url, lagosAdmin, { name: fresh('no scopes'), partnerAppId: keyApp, roles: [], scopes: [] }),
    createKey(url, lagosAdmin, { name: fresh('every scope'), partnerAppId: keyApp, scopes: allScopes }),
  ]);
  const user = (email: string, token: string, name: CallerName): Caller => {
    const u = email.startsWith('rider') ? { id: rider.userId, roles: ['RIDER'], customerId: undefined, workerId: rider.id } : userOf(email);
    return {
      name,
      token,
      viewer: { tenantId: LAGOS, userId: u.id, roles: u.roles as Viewer['roles'], scopes: [], ...(u.customerId ? { customerId: u.customerId } : {}), ...(u.workerId ? { workerId: u.workerId } : {}) },
    };
  };
  const key = (secret: string, scopes: string[], name: CallerName): Caller => ({ name, token: secret, viewer: { tenantId: LAGOS, partnerId: keyApp, roles: ['PARTNER'], scopes } });
  const callers: Record<CallerName, Caller> = {
    ADMIN: user('ops@lagos.demo', lagosAdmin, 'ADMIN'),
    FINANCE: user('finance@lagos.demo', finance, 'FINANCE'),
    SALES_REP: user('sales@lagos.demo', sales, 'SALES_REP'),
    OPERATIONS: user('dispatch@lagos.demo', dispatch, 'OPERATIONS'),
    RIDER: user(rider.email, riderToken, 'RIDER'),
    RETAILER: user('retailer@lagos.demo', retailer, 'RETAILER'),
    KEY_NO_SCOPES: key(noScopes.secret, [], 'KEY_NO_SCOPES'),
    KEY_SCOPED: key(scoped.secret, allScopes, 'KEY_SCOPED'),
  };
  const [lagos, accra] = await Promise.all([discover(url, lagosAdmin, LAGOS), discover(url, accraAdmin, ACCRA)]);
  return { stack, url, callers, admin: { lagos: lagosAdmin, accra: accraAdmin }, lagos, accra, close: () => stack.close() };
}

/**
 * What the matrix says for this caller on this field, read from the policy tables the way docs/authorization.md
 * states it — written out here rather than calling core's `decide`, so a fault in the enforcement's own logic shows
 * as a disagreement instead of moving the expectation with it.
 */
export function expected(coordinate: string, caller: Caller): 'allowed' | 'FORBIDDEN' | 'UNAUTHENTICATED' {
  const policy: Policy | undefined = ALL_POLICIES[coordinate];
  if (!policy) throw new Error(`${coordinate} has no policy`);
  if (policy.access === 'anyone' || policy.access === 'signedIn') return 'allowed';
  if (policy.access === 'gateway') return 'FORBIDDEN';
  const roles = policy.roles ?? [];
  const v = caller.viewer;
  if (v.partnerId) {
    // a key: through PARTNER or a granted role, and with every scope of the policy
    const reaches = v.roles.some((r) => r !== 'ADMIN' && roles.includes(r));
    return reaches && (policy.scopes ?? []).every((s) => v.scopes.includes(s)) ? 'allowed' : 'FORBIDDEN';
  }
  // a user: ADMIN, or one of the policy's roles (users' roles imply the policy's scopes)
  return v.roles.includes('ADMIN') || v.roles.some((r) => roles.includes(r)) ? 'allowed' : 'FORBIDDEN';
}

// ---- samples ----

/** How a sample call is built: `harmless` passes authorization but changes nothing (for callers the policy admits). */
export interface SampleContext {
  f: Fixtures;
  caller?: Caller;
}

export interface MutationSample {
  /** Input a caller the policy admits can send without changing anything (fails validation or finds nothing). */
  harmless(c: SampleContext): Record<string, unknown>;
  /** Input that changes the tenant's data when the caller may; the refused callers send this. */
  effective(c: SampleContext): Record<string, unknown>;
  /** What `effective` would change, read back by the tenant's ADMIN: equal before and after a refused call. */
  fingerprint(f: Fixtures): { query: string; variables?: Record<string, unknown> };
}

const own = (c: SampleContext) => ({ customerId: c.caller?.viewer.customerId, workerId: c.caller?.viewer.workerId });
const MANIFEST = JSON.stringify({
  format: 'apollo-persisted-query-manifest',
  version: 1,
  operations: [{ id: 'e3b1c6f3d1a4a1c1b1f1e1d1c1b1a1f1e1d1c1b1a1f1e1d1c1b1a1f1e1d1c1b1', name: 'X', type: 'query', body: 'query X { tenant { name } }' }],
});

/** Mutations: one sample each; a mutation of the API schema without one fails the suites. */
export const MUTATIONS: Record<string, MutationSample> = {
  'Mutation.placeOrder': {
    harmless: (c) => ({ customerId: own(c).customerId ?? c.f.customerId, channel: 'PORTAL', locationId: c.f.locationId, lines: [{ sku: c.f.sku, quantity: 0 }] }),
    effective: (c) => ({ customerId: c.f.customerId, channel: 'PORTAL', locationId: c.f.locationId, lines: [{ sku: c.f.sku, quantity: 1 }], idempotencyKey: fresh('order') }),
    fingerprint: () => ({ query: '{ orders(first: 1) { edges { node { id } } } }' }),
  },
  'Mutation.cancelOrder': {
    harmless: () => ({ orderId: 'ord_DOES_NOT_EXIST' }),
    effective: (c) => ({ orderId: c.f.cancellableOrderId, reason: 'matrix' }),
    fingerprint: (f) => ({ query: 'query($id: ID!) { order(id: $id) { status } }', variables: { id: f.cancellableOrderId } }),
  },
  'Mutation.setCreditLimit': {
    harmless: (c) => ({ customerId: c.f.customerId, limit: '-1', currencyCode: c.f.currency }),
    effective: (c) => ({ customerId: c.f.customerId, limit: '12345.00', currencyCode: c.f.currency }),
    fingerprint: (f) => ({ query: 'query($id: ID!) { customer(id: $id) { creditLine { limit { amount } } } }', variables: { id: f.customerId } }),
  },
  'Mutation.recordPayment': {
    harmless: (c) => ({ invoiceId: c.f.openInvoiceId, amount: '0', method: 'CASH', idempotencyKey: fresh('pay') }),
    effective: (c) => ({ invoiceId: c.f.openInvoiceId, amount: '1.00', method: 'CASH', idempotencyKey: fresh('pay') }),
    fingerprint: (f) => ({ query: 'query($id: ID!) { invoice(id: $id) { status amountPaid { amount } } }', variables: { id: f.openInvoiceId } }),
  },
  'Mutation.login': {
    harmless: () => ({ email: 'not-an-email', password: 'x' }),
    effective: () => ({ email: 'not-an-email', password: 'x' }),
    fingerprint: () => ({ query: '{ tenant { id } }' }),
  },
  'Mutation.createApiKey': {
    harmless: () => ({ name: '' }),
    effective: (c) => ({ name: fresh('key'), partnerAppId: c.f.partnerAppId, scopes: ['finance:write'] }),
    fingerprint: () => ({ query: '{ apiKeys(first: 100) { edges { node { id revokedAt } } } }' }),
  },
  'Mutation.revokeApiKey': {
    harmless: () => ({ id: 'key_DOES_NOT_EXIST' }),
    effective: (c) => ({ id: c.f.apiKeyId }),
    fingerprint: () => ({ query: '{ apiKeys(first: 100) { edges { node { id revokedAt } } } }' }),
  },
  'Mutation.createPartnerApp': {
    harmless: () => ({ name: '' }),
    effective: () => ({ name: fresh('app') }),
    fingerprint: () => ({ query: '{ partnerApps(first: 100) { edges { node { id } } } }' }),
  },
  'Mutation.updatePartnerApp': {
    harmless: () => ({ id: 'papp_DOES_NOT_EXIST' }),
    effective: (c) => ({ id: c.f.partnerAppId, name: fresh('renamed'), persistedQueryMode: 'REQUIRE_ID' }),
    fingerprint: (f) => ({ query: 'query($id: ID!) { partnerApp(id: $id) { name persistedQueryMode } }', variables: { id: f.partnerAppId } }),
  },
  'Mutation.registerPersistedQueries': {
    harmless: () => ({ partnerAppId: 'papp_DOES_NOT_EXIST', manifest: MANIFEST }),
    effective: (c) => ({ partnerAppId: c.f.partnerAppId, manifest: MANIFEST, replace: true }),
    fingerprint: (f) => ({ query: 'query($id: ID!) { partnerApp(id: $id) { persistedOperationCount } }', variables: { id: f.partnerAppId } }),
  },
  'Mutation.reportVehiclePosition': {
    harmless: () => ({ vehicleId: 'veh_DOES_NOT_EXIST', lat: 6.5, lng: 3.4 }),
    effective: (c) => ({ vehicleId: c.f.vehicleId, lat: 6.5, lng: 3.4, speedKph: 12, temperatureC: 4 }),
    fingerprint: (f) => ({ query: 'query($id: ID!) { vehicle(id: $id) { lastPosition { lat lng recordedAt } positions(first: 1) { edges { node { recordedAt } } } } }', variables: { id: f.vehicleId } }),
  },
  'Mutation.dispatchShipment': {
    harmless: (c) => ({ shipmentId: 'shp_DOES_NOT_EXIST', vehicleId: c.f.freeVehicleId, riderId: c.f.workerId }),
    effective: (c) => ({ shipmentId: c.f.dispatchShipmentId, vehicleId: c.f.freeVehicleId, riderId: c.f.workerId }),
    fingerprint: (f) => ({ query: 'query($id: ID!) { shipment(id: $id) { status vehicle { id } rider { id } } }', variables: { id: f.dispatchShipmentId } }),
  },
  'Mutation.confirmDelivery': {
    harmless: () => ({ shipmentId: 'shp_DOES_NOT_EXIST', recipientName: 'Ada', photoRef: 'p.jpg', lat: 6.5, lng: 3.4 }),
    effective: (c) => ({ shipmentId: c.f.inTransitShipmentId, recipientName: 'Ada', photoRef: 'p.jpg', lat: 6.5, lng: 3.4 }),
    fingerprint: (f) => ({ query: 'query($id: ID!) { shipment(id: $id) { status proofOfDelivery { recipientName } } }', variables: { id: f.inTransitShipmentId } }),
  },
  'Mutation.requestWithdrawal': {
    harmless: (c) => ({ workerId: own(c).workerId ?? c.f.workerId, amount: '0', idempotencyKey: fresh('wd') }),
    effective: (c) => ({ workerId: c.f.workerId, amount: '1.00', idempotencyKey: fresh('wd') }),
    fingerprint: (f) => ({ query: 'query($id: ID!) { worker(id: $id) { balance { amount } } }', variables: { id: f.workerId } }),
  },
  'Mutation.placeBid': {
    harmless: (c) => ({ taskId: c.f.openTaskId, workerId: own(c).workerId ?? c.f.workerId, amount: '0' }),
    effective: (c) => ({ taskId: c.f.openTaskId, workerId: c.f.workerId, amount: '1.00' }),
    fingerprint: (f) => ({ query: 'query($id: ID!) { task(id: $id) { status bids { id } } }', variables: { id: f.openTaskId } }),
  },
  'Mutation.awardTask': {
    harmless: (c) => ({ taskId: 'tsk_DOES_NOT_EXIST', bidId: c.f.bidId }),
    effective: (c) => ({ taskId: c.f.awardTaskId, bidId: c.f.bidId }),
    fingerprint: (f) => ({ query: 'query($id: ID!) { task(id: $id) { status assignee { id } } }', variables: { id: f.awardTaskId } }),
  },
  'Mutation.completeTask': {
    harmless: () => ({ taskId: 'tsk_DOES_NOT_EXIST' }),
    effective: (c) => ({ taskId: c.f.assignedTaskId }),
    fingerprint: (f) => ({ query: 'query($id: ID!) { task(id: $id) { status } }', variables: { id: f.assignedTaskId } }),
  },
  'Mutation.setProductTemperatureRange': {
    harmless: () => ({ productId: 'prd_DOES_NOT_EXIST', range: { minC: 2, maxC: 8 } }),
    effective: (c) => ({ productId: c.f.productId, range: { minC: -18, maxC: -15 } }),
    fingerprint: (f) => ({ query: 'query($id: ID!) { product(id: $id) { temperatureRange { minC maxC } } }', variables: { id: f.productId } }),
  },
  'Mutation.planRoutes': {
    harmless: (c) => ({ locationId: c.f.locationId, date: 'someday', vehicleIds: [c.f.freeVehicleId] }),
    effective: (c) => ({ locationId: c.f.locationId, date: new Date().toISOString().slice(0, 10), vehicleIds: [c.f.freeVehicleId], timeLimitMs: 100 }),
    // a plan is only stored (no list to read it back from); what it plans stays as it was
    fingerprint: (f) => ({ query: 'query($id: ID!) { shipment(id: $id) { status vehicle { id } } }', variables: { id: f.dispatchShipmentId } }),
  },
  'Mutation.dispatchRoutePlan': {
    harmless: () => ({ planId: 'rpl_DOES_NOT_EXIST' }),
    effective: (c) => ({ planId: c.f.planId, riders: [{ vehicleId: c.f.planVehicleId, riderId: c.f.workerId }] }),
    fingerprint: (f) => ({ query: 'query($id: ID!) { routePlan(id: $id) { status dispatchedAt } }', variables: { id: f.planId } }),
  },
  'Mutation.initiatePayment': {
    harmless: (c) => ({ invoiceId: c.f.openInvoiceId, method: 'MOBILE_MONEY', provider: 'PAYSTACK', phone: c.f.phone, amount: '0', idempotencyKey: fresh('ip') }),
    effective: (c) => ({ invoiceId: c.f.openInvoiceId, method: 'MOBILE_MONEY', provider: 'PAYSTACK', phone: c.f.phone, amount: '1.00', idempotencyKey: fresh('ip') }),
    fingerprint: (f) => ({ query: 'query($id: ID!) { invoice(id: $id) { status amountPaid { amount } payments { id status } } }', variables: { id: f.openInvoiceId } }),
  },
  'Mutation.configurePaymentProvider': {
    harmless: (c) => ({ provider: 'PAYSTACK', baseUrl: 'ftp://nowhere', currencies: [c.f.currency], credentials: [] }),
    effective: (c) => ({ provider: 'PAYSTACK', baseUrl: 'https://paystack.example.com', currencies: [c.f.currency], credentials: [{ name: 'secretKey', value: 'sk_test_matrix' }] }),
    fingerprint: () => ({ query: '{ paymentProviders { rail baseUrl currencies enabled updatedAt } }' }),
  },
  'Mutation.topUpWallet': {
    harmless: (c) => ({ customerId: c.f.customerId, provider: 'PAYSTACK', method: 'MOBILE_MONEY', phone: c.f.phone, amount: '0', currencyCode: c.f.currency, idempotencyKey: fresh('top') }),
    effective: (c) => ({ customerId: c.f.customerId, provider: 'PAYSTACK', method: 'MOBILE_MONEY', phone: c.f.phone, amount: '5.00', currencyCode: c.f.currency, idempotencyKey: fresh('top') }),
    fingerprint: (f) => ({ query: 'query($id: ID!) { customer(id: $id) { wallet { id balance { amount } } } }', variables: { id: f.customerId } }),
  },
  'Mutation.payInvoiceFromWallet': {
    harmless: (c) => ({ invoiceId: c.f.openInvoiceId, amount: '0', idempotencyKey: fresh('wpay') }),
    effective: (c) => ({ invoiceId: c.f.openInvoiceId, amount: '1.00', idempotencyKey: fresh('wpay') }),
    fingerprint: (f) => ({ query: 'query($id: ID!) { invoice(id: $id) { status amountPaid { amount } } }', variables: { id: f.openInvoiceId } }),
  },
  'Mutation.refundToWallet': {
    harmless: (c) => ({ paymentId: c.f.paymentId, amount: '0', idempotencyKey: fresh('refund') }),
    effective: (c) => ({ paymentId: c.f.paymentId, amount: '1.00', idempotencyKey: fresh('refund') }),
    fingerprint: (f) => ({ query: 'query($id: ID!) { invoice(id: $id) { status amountPaid { amount } } }', variables: { id: f.paidInvoiceId } }),
  },
  'Mutation.recordPromiseToPay': {
    harmless: (c) => ({ customerId: c.f.customerId, amount: '0', currencyCode: c.f.currency, promisedFor: new Date().toISOString(), idempotencyKey: fresh('ptp') }),
    effective: (c) => ({ customerId: c.f.customerId, amount: '1.00', currencyCode: c.f.currency, promisedFor: new Date().toISOString(), idempotencyKey: fresh('ptp') }),
    fingerprint: () => ({ query: '{ promisesToPay(first: 100) { edges { node { id status } } } }' }),
  },
  'Mutation.runCollections': {
    harmless: () => ({ customerId: 'cus_DOES_NOT_EXIST' }),
    effective: () => ({}),
    fingerprint: () => ({ query: '{ collectionNotifications(first: 100) { edges { node { id status } } } }' }),
  },
  'Mutation.acceptFinancingOffer': {
    harmless: (c) => ({ offerId: c.f.financingOfferId, amount: '0', currencyCode: c.f.currency, idempotencyKey: fresh('fin') }),
    effective: (c) => ({ offerId: c.f.financingOfferId, amount: c.f.financingAmount, currencyCode: c.f.currency, idempotencyKey: fresh('fin') }),
    fingerprint: () => ({ query: '{ financingAgreements(first: 100) { edges { node { id status } } } }' }),
  },
  'Mutation.recordInstalmentPayment': {
    harmless: (c) => ({ agreementId: c.f.financingAgreementId, amount: '0', currencyCode: c.f.currency, method: 'CASH', idempotencyKey: fresh('inst') }),
    effective: (c) => ({ agreementId: c.f.financingAgreementId, amount: '1.00', currencyCode: c.f.currency, method: 'CASH', idempotencyKey: fresh('inst') }),
    fingerprint: (f) => ({ query: 'query($id: ID!) { financingAgreement(id: $id) { status repaid { amount } outstanding { amount } } }', variables: { id: f.financingAgreementId } }),
  },
  'Mutation.runFinancingCycle': {
    // an unknown agreement is turned down; a run over the tenant (nothing overdue at start) is what refused callers send
    harmless: () => ({ agreementId: 'fag_DOES_NOT_EXIST' }),
    effective: () => ({}),
    fingerprint: () => ({ query: '{ financingAgreements(first: 100) { edges { node { id status lateFees { amount } } } } }' }),
  },
  'Mutation.importSettlementReport': {
    harmless: () => ({ provider: 'PAYSTACK', reportDate: new Date().toISOString(), fileName: 'matrix.csv', csv: 'not,a,report\n1,2,3' }),
    effective: () => ({ provider: 'PAYSTACK', reportDate: new Date().toISOString(), fileName: 'matrix.csv', csv: 'Type,Reference,Amount,Fees,Currency,Status,Paid At\r\n' }),
    fingerprint: () => ({ query: '{ settlementReports(first: 100) { edges { node { id } } } }' }),
  },
  'Mutation.reconcileSettlements': {
    harmless: () => ({ reportDate: new Date(Date.now() + 3 * 86_400_000).toISOString() }),
    effective: () => ({ reportDate: new Date().toISOString() }),
    fingerprint: () => ({ query: '{ settlementReports(first: 100) { edges { node { id } } } }' }),
  },
  'Mutation.createTerritory': {
    harmless: () => ({ name: 'Matrix Zone', kind: 'REGION', boundary: { type: 'Polygon', coordinates: [[[3.3, 6.5], [3.4, 6.5], [3.4, 6.6]]] } }),
    effective: () => ({ name: fresh('Matrix Region'), kind: 'REGION', boundary: { type: 'Polygon', coordinates: [[[3.3, 6.5], [3.4, 6.5], [3.4, 6.6], [3.3, 6.5]]] } }),
    fingerprint: () => ({ query: '{ territories(first: 100, kind: REGION) { edges { node { id } } } }' }),
  },
  'Mutation.assignCustomerTerritory': {
    harmless: () => ({ customerId: 'cus_DOES_NOT_EXIST', territoryId: null }),
    effective: (c) => ({ customerId: c.f.customerId, territoryId: c.f.territoryId }),
    fingerprint: (f) => ({ query: 'query($id: ID!) { customer(id: $id) { territory { id } territoryOverridden } }', variables: { id: f.customerId } }),
  },
  'Mutation.assignSalesRepTerritories': {
    harmless: (c) => ({ repId: c.f.salesRepId, territoryIds: ['ter_DOES_NOT_EXIST'] }),
    effective: (c) => ({ repId: c.f.salesRepId, territoryIds: [] }),
    fingerprint: (f) => ({ query: 'query($id: ID!) { territory(id: $id) { salesReps { id } } }', variables: { id: f.territoryId } }),
  },
  'Mutation.planBeat': {
    harmless: () => ({ weekStart: '2026-11-24' }),
    effective: (c) => ({ repId: c.f.salesRepId, weekStart: '2026-11-23' }),
    fingerprint: (f) => ({ query: 'query($r: ID) { beatPlan(repId: $r, weekStart: "2026-11-23") { id } }', variables: { r: f.salesRepId } }),
  },
  'Mutation.checkInVisit': {
    harmless: () => ({ visitId: 'vis_DOES_NOT_EXIST', lat: 6.5, lng: 3.4 }),
    effective: (c) => ({ visitId: c.f.visitId, lat: 6.5, lng: 3.4 }),
    fingerprint: () => ({ query: '{ strikeRates(from: "2026-01-01T00:00:00Z", to: "2027-01-01T00:00:00Z") { byRep { visits } } }' }),
  },
  'Mutation.checkOutVisit': {
    harmless: () => ({ visitId: 'vis_DOES_NOT_EXIST', lat: 6.5, lng: 3.4 }),
    effective: (c) => ({ visitId: c.f.visitId, lat: 6.5, lng: 3.4 }),
    fingerprint: () => ({ query: '{ strikeRates(from: "2026-01-01T00:00:00Z", to: "2027-01-01T00:00:00Z") { byRep { visits visitsWithOrder } } }' }),
  },
  'Mutation.acknowledgeColdChainAlert': {
    harmless: () => ({ alertId: 'cca_DOES_NOT_EXIST' }),
    effective: (c) => ({ alertId: c.f.alertId, note: 'matrix' }),
    fingerprint: () => ({ query: '{ coldChainAlerts(first: 20, filter: { acknowledged: true }) { edges { node { id } } } }' }),
  },
  'Mutation.rateWorker': {
    harmless: (c) => ({ workerId: c.f.completedTaskWorkerId, taskId: c.f.completedTaskId, stars: 0 }),
    effective: (c) => ({ workerId: c.f.completedTaskWorkerId, taskId: c.f.completedTaskId, stars: 5 }),
    fingerprint: (f) => ({ query: 'query($id: ID!) { worker(id: $id) { xp rating } }', variables: { id: f.completedTaskWorkerId } }),
  },
};

const atp = (location: keyof Fixtures) => (f: Fixtures) => ({
  query: 'query($s: String!, $l: ID!) { availableToPromise(sku: $s, locationId: $l) { onHand reserved } }',
  variables: { s: f.warehouseSku, l: f[location] },
});
const line = (c: SampleContext, quantity: number) => [{ sku: c.f.warehouseSku, quantity }];

/** Issue 15: the stock ledger's and the vans' mutations. */
Object.assign(MUTATIONS, {
  'Mutation.createSupplier': {
    harmless: () => ({ name: '' }),
    effective: () => ({ name: fresh('supplier') }),
    fingerprint: () => ({ query: '{ suppliers(first: 100) { edges { node { id } } } }' }),
  },
  'Mutation.createPurchaseOrder': {
    harmless: (c) => ({ supplierId: c.f.supplierId, locationId: c.f.warehouseId, lines: line(c, 0) }),
    effective: (c) => ({ supplierId: c.f.supplierId, locationId: c.f.warehouseId, lines: line(c, 5) }),
    fingerprint: () => ({ query: '{ purchaseOrders(first: 100) { edges { node { id } } } }' }),
  },
  'Mutation.receiveGoods': {
    harmless: (c) => ({ purchaseOrderId: c.f.purchaseOrderId, lines: line(c, 0) }),
    effective: (c) => ({ purchaseOrderId: c.f.purchaseOrderId, lines: line(c, 1), idempotencyKey: fresh('grn') }),
    fingerprint: (f) => ({ query: 'query($id: ID!) { purchaseOrder(id: $id) { status lines { receivedQuantity } } }', variables: { id: f.purchaseOrderId } }),
  },
  'Mutation.adjustStock': {
    harmless: (c) => ({ locationId: c.f.warehouseId, sku: c.f.warehouseSku, quantity: 0, reason: 'CORRECTION' }),
    effective: (c) => ({ locationId: c.f.warehouseId, sku: c.f.warehouseSku, quantity: -1, reason: 'DAMAGE' }),
    fingerprint: atp('warehouseId'),
  },
  'Mutation.transferStock': {
    harmless: (c) => ({ fromLocationId: c.f.warehouseId, toLocationId: c.f.vanId, lines: line(c, 0) }),
    effective: (c) => ({ fromLocationId: c.f.warehouseId, toLocationId: c.f.vanId, lines: line(c, 1) }),
    fingerprint: atp('warehouseId'),
  },
  'Mutation.recordCycleCount': {
    harmless: (c) => ({ locationId: c.f.warehouseId, lines: [{ sku: c.f.warehouseSku, countedQuantity: -1 }] }),
    effective: (c) => ({ locationId: c.f.warehouseId, lines: [{ sku: c.f.warehouseSku, countedQuantity: 1 }] }),
    fingerprint: () => ({ query: '{ cycleCounts(first: 100) { edges { node { id status } } } }' }),
  },
  'Mutation.approveCycleCount': {
    harmless: () => ({ cycleCountId: 'cnt_DOES_NOT_EXIST' }),
    effective: (c) => ({ cycleCountId: c.f.cycleCountId }),
    fingerprint: (f) => ({ query: 'query($id: ID!) { cycleCount(id: $id) { status movements { id } } }', variables: { id: f.cycleCountId } }),
  },
  'Mutation.rejectCycleCount': {
    harmless: () => ({ cycleCountId: 'cnt_DOES_NOT_EXIST' }),
    effective: (c) => ({ cycleCountId: c.f.cycleCountId, reason: 'matrix' }),
    fingerprint: (f) => ({ query: 'query($id: ID!) { cycleCount(id: $id) { status rejectionReason } }', variables: { id: f.cycleCountId } }),
  },
  'Mutation.loadVan': {
    harmless: (c) => ({ vanId: c.f.vanId, fromLocationId: c.f.warehouseId, lines: line(c, 0) }),
    effective: (c) => ({ vanId: c.f.vanId, fromLocationId: c.f.warehouseId, lines: line(c, 1) }),
    fingerprint: atp('vanId'),
  },
  'Mutation.returnVanStock': {
    harmless: (c) => ({ vanId: c.f.vanId, toLocationId: c.f.warehouseId, lines: line(c, 0) }),
    effective: (c) => ({ vanId: c.f.vanId, toLocationId: c.f.warehouseId, lines: line(c, 1) }),
    fingerprint: atp('vanId'),
  },
  'Mutation.recordCustomerReturn': {
    harmless: (c) => ({ orderId: c.f.deliveredOrderId, locationId: c.f.vanId, lines: [{ sku: c.f.deliveredSku, quantity: 0 }] }),
    effective: (c) => ({ orderId: c.f.deliveredOrderId, locationId: c.f.vanId, lines: [{ sku: c.f.deliveredSku, quantity: 1 }] }),
    fingerprint: () => ({ query: '{ stockMovements(first: 100, filter: { type: CUSTOMER_RETURN }) { edges { node { id } } } }' }),
  },
  'Mutation.reconcileVan': {
    harmless: (c) => ({ vanId: c.f.vanId, counts: [{ sku: c.f.warehouseSku, countedQuantity: -1 }] }),
    // a count of one SKU on a van that holds many is refused (COUNT_INCOMPLETE): only refused callers send this, before any check
    effective: (c) => ({ vanId: c.f.vanId, counts: [{ sku: c.f.warehouseSku, countedQuantity: 0 }] }),
    fingerprint: () => ({ query: '{ vanReconciliations(first: 100) { edges { node { id } } } }' }),
  },
} satisfies Record<string, MutationSample>);

/** Values of the required arguments of Query fields (optional ones are left out; `first` is set where it exists). */
export const QUERY_ARGS: Record<string, (c: SampleContext) => Record<string, unknown>> = {
  'Query.product': () => ({ id: LAGOS_PLAN!.products[0]!.id }),
  'Query.customer': (c) => ({ id: own(c).customerId ?? c.f.customerId }),
  'Query.availableToPromise': (c) => ({ sku: c.f.sku, locationId: c.f.locationId }),
  'Query.order': (c) => ({ id: c.f.cancellableOrderId }),
  'Query.priceQuote': (c) => ({ input: { customerId: own(c).customerId ?? c.f.customerId, lines: [{ sku: c.f.sku, quantity: 1 }] } }),
  'Query.invoice': (c) => ({ id: c.f.openInvoiceId }),
  'Query.partnerApp': (c) => ({ id: c.f.partnerAppId }),
  'Query.shipment': (c) => ({ id: c.f.inTransitShipmentId }),
  'Query.vehicle': (c) => ({ id: c.f.vehicleId }),
  'Query.task': (c) => ({ id: c.f.openTaskId }),
  'Query.worker': (c) => ({ id: own(c).workerId ?? c.f.workerId }),
  'Query.routePlan': (c) => ({ id: c.f.planId }),
  'Query.commerceKpis': (c) => ({ timeZone: c.f.timeZone }),
  'Query.financeKpis': (c) => ({ timeZone: c.f.timeZone }),
  'Query.trialBalance': (c) => ({ currencyCode: c.f.currency }),
  'Query.ledgerStatement': (c) => ({ account: 'CASH', currencyCode: c.f.currency }),
  'Query.node': (c) => ({ id: c.f.openInvoiceId }),
  'Query.payment': (c) => ({ id: c.f.paymentId }),
  'Query.wallet': () => ({ id: 'wal_DOES_NOT_EXIST' }),
  'Query.payout': () => ({ id: 'pyo_DOES_NOT_EXIST' }),
  'Query.collectionsAging': (c) => ({ currencyCode: c.f.currency }),
  'Query.collectionsWorklist': (c) => ({ currencyCode: c.f.currency }),
  'Query.collectionsToday': (c) => ({ currencyCode: c.f.currency }),
  'Query.settlementReport': () => ({ id: 'stl_DOES_NOT_EXIST' }),
  'Query.financingOffers': (c) => ({ customerId: c.f.customerId }),
  'Query.financingAgreement': (c) => ({ id: c.f.financingAgreementId }),
  'Query.territory': (c) => ({ id: c.f.territoryId }),
  'Query.beatPlan': () => ({ weekStart: '2026-11-23' }),
  'Query.strikeRates': () => ({ from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' }),
  'Query.purchaseOrder': (c) => ({ id: c.f.purchaseOrderId }),
  'Query.cycleCount': (c) => ({ id: c.f.cycleCountId }),
  'Query.vanReconciliation': () => ({ id: 'vrc_DOES_NOT_EXIST' }),
};

/**
 * The operation of a sample call to a root field: its required arguments as variables, `first: 1` on lists, and a
 * selection of `__typename` (plus `userErrors { code }` on payloads), so the call runs the field's resolver and
 * nothing the policy of another field decides.
 */
export function operationFor(coordinate: string): string {
  const [kind, name] = coordinate.split('.') as ['Query' | 'Mutation' | 'Subscription', string];
  const root = kind === 'Query' ? API_SCHEMA.getQueryType()! : kind === 'Mutation' ? API_SCHEMA.getMutationType()! : API_SCHEMA.getSubscriptionType()!;
  const field = root.getFields()[name];
  if (!field) throw new Error(`${coordinate} is not in the API schema`);
  const required = field.args.filter((a) => isNonNullType(a.type) && a.defaultValue === undefined);
  const vars = required.map((a) => `$${a.name}: ${String(a.type)}`).join(', ');
  const args = [...required.map((a) => `${a.name}: $${a.name}`), ...(field.args.some((a) => a.name === 'first') ? ['first: 1'] : [])].join(', ');
  const type = getNamedType(field.type);
  const selection = isCompositeType(type) ? ` { __typename${isObjectType(type) && 'userErrors' in type.getFields() ? ' userErrors { code }' : ''} }` : '';
  return `${kind.toLowerCase()} Sample${vars ? `(${vars})` : ''} { ${name}${args ? `(${args})` : ''}${selection} }`;
}

/** The variables of a sample call: queries from QUERY_ARGS, mutations `{ input }` from their sample. */
export function variablesFor(coordinate: string, c: SampleContext, variant: 'harmless' | 'effective'): Record<string, unknown> {
  if (coordinate.startsWith('Mutation.')) {
    const s = MUTATIONS[coordinate];
    if (!s) throw new Error(`${coordinate} has no sample in test/security/graph.ts (MUTATIONS)`);
    return { input: s[variant](c) };
  }
  const [, name] = coordinate.split('.');
  const field = API_SCHEMA.getQueryType()!.getFields()[name!]!;
  const needs = field.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined);
  if (!needs) return {};
  const build = QUERY_ARGS[coordinate];
  if (!build) throw new Error(`${coordinate} has no sample in test/security/graph.ts (QUERY_ARGS)`);
  return build(c);
}

/** Every `ID` field of a mutation's input, with its path (`input.customerId`, `input.lines[].x`). */
export function idFieldsOf(coordinate: string): string[] {
  const field = API_SCHEMA.getMutationType()!.getFields()[coordinate.split('.')[1]!]!;
  const out: string[] = [];
  const walk = (t: GraphQLInputType, path: string, depth: number) => {
    const inner = isNonNullType(t) ? t.ofType : t;
    if (isListType(inner)) return walk(inner.ofType, `${path}[]`, depth);
    const named = getNamedType(inner);
    if (named.name === 'ID') out.push(path);
    else if (isInputObjectType(named) && depth < 4) for (const f of Object.values(named.getFields())) walk(f.type, `${path}.${f.name}`, depth + 1);
  };
  for (const a of field.args) walk(a.type, a.name, 0);
  return out;
}

/** The codes of a response: top-level errors and the payload's userErrors. */
export function codesOf(r: GqlResponse, field: string): { errors: string[]; userErrors: string[] } {
  const payload = r.data?.[field] as { userErrors?: { code: string }[] } | null | undefined;
  return { errors: (r.errors ?? []).map((e) => String(e.extensions?.code)), userErrors: (payload?.userErrors ?? []).map((e) => e.code) };
}

/** Runs `fn` over `items` with at most `n` at a time. */
export async function limited<T, R>(items: T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  }));
  return out;
}
