// Issue 19 item 2: writes across tenants, generated from the composed schema. Every mutation whose input carries an
// id of a tenant-owned object is called by Accra's ADMIN with Accra's own objects except that one id, which is
// Lagos's: the call must be refused for that id (a …NOT_FOUND userError on it, or FORBIDDEN) and the Lagos object,
// read back by Lagos's ADMIN, must be unchanged. Ids that live in another subgraph (a customer id given to finance,
// a worker id given to logistics) are refused by the gateway's foreign-references plugin (NOT_FOUND) before anything
// runs. A new mutation (or a new ID field) without an entry in OWNED_IDS fails here, so it cannot ship uncovered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql } from '@omniroute/testkit';
import { bootGraph, idFieldsOf, must, MUTATIONS, operationFor, rootFields, type Fixtures, type Graph } from './graph.ts';

type Read = (f: Fixtures) => { query: string; variables?: Record<string, unknown> };

const byId = (type: string, field: keyof Fixtures, selection: string): Read => (f) => ({ query: `query($id: ID!) { ${type}(id: $id) ${selection} }`, variables: { id: f[field] } });
const customer = byId('customer', 'customerId', '{ name creditLine { limit { amount } utilized { amount } } }');
const order = byId('order', 'cancellableOrderId', '{ status }');
const app = byId('partnerApp', 'partnerAppId', '{ name persistedQueryMode persistedOperationCount }');
const keys: Read = () => ({ query: '{ apiKeys(first: 100) { edges { node { id revokedAt } } } }' });
const vehicle = byId('vehicle', 'vehicleId', '{ lastPosition { lat lng recordedAt } currentShipment { id } }');
const freeVehicle = byId('vehicle', 'freeVehicleId', '{ lastPosition { recordedAt } currentShipment { id status } }');
const worker = byId('worker', 'workerId', '{ xp balance { amount } }');
const task = (field: keyof Fixtures): Read => byId('task', field, '{ status assignee { id } bids { id } }');
const beat: Read = (f) => ({ query: 'query($r: ID) { beatPlan(repId: $r, weekStart: "2026-11-30") { visits { id status } } }', variables: { r: f.salesRepId } });
const stock: Read = (f) => ({ query: 'query($s: String!, $l: ID!) { availableToPromise(sku: $s, locationId: $l) { onHand reserved } }', variables: { s: f.sku, l: f.locationId } });

/**
 * For each `Mutation.field:path` of an ID in its input: which Lagos object to use and how to read it back.
 * `foreign`: the id names another subgraph's object, which the mutation's subgraph cannot look up: the gateway
 * refuses it (a top-level NOT_FOUND). `refusedAs`: the userError that refuses it, when it is not a …NOT_FOUND on
 * the id's own field.
 */
const OWNED_IDS: Record<string, { lagos: keyof Fixtures; read: Read; foreign?: string; refusedAs?: { code: RegExp; field: string } }> = {
  'Mutation.placeOrder:input.customerId': { lagos: 'customerId', read: customer },
  'Mutation.placeOrder:input.locationId': { lagos: 'locationId', read: stock },
  'Mutation.cancelOrder:input.orderId': { lagos: 'cancellableOrderId', read: order },
  'Mutation.setCreditLimit:input.customerId': {
    lagos: 'customerId',
    read: customer,
    foreign: 'finance keys credit lines by the customer id commerce owns',
  },
  'Mutation.recordPayment:input.invoiceId': { lagos: 'openInvoiceId', read: byId('invoice', 'openInvoiceId', '{ status amountPaid { amount } }') },
  'Mutation.createApiKey:input.partnerAppId': { lagos: 'partnerAppId', read: app },
  'Mutation.revokeApiKey:input.id': { lagos: 'apiKeyId', read: keys },
  'Mutation.updatePartnerApp:input.id': { lagos: 'partnerAppId', read: app },
  'Mutation.registerPersistedQueries:input.partnerAppId': { lagos: 'partnerAppId', read: app },
  'Mutation.reportVehiclePosition:input.vehicleId': { lagos: 'vehicleId', read: vehicle },
  'Mutation.dispatchShipment:input.shipmentId': { lagos: 'dispatchShipmentId', read: byId('shipment', 'dispatchShipmentId', '{ status vehicle { id } }') },
  'Mutation.dispatchShipment:input.vehicleId': { lagos: 'freeVehicleId', read: freeVehicle },
  'Mutation.dispatchShipment:input.riderId': {
    lagos: 'workerId',
    read: worker,
    foreign: 'logistics stores the rider as a workforce worker id',
  },
  'Mutation.confirmDelivery:input.shipmentId': { lagos: 'inTransitShipmentId', read: byId('shipment', 'inTransitShipmentId', '{ status proofOfDelivery { recipientName } }') },
  'Mutation.requestWithdrawal:input.workerId': { lagos: 'workerId', read: worker },
  'Mutation.placeBid:input.taskId': { lagos: 'openTaskId', read: task('openTaskId') },
  'Mutation.placeBid:input.workerId': { lagos: 'workerId', read: worker },
  'Mutation.awardTask:input.taskId': { lagos: 'awardTaskId', read: task('awardTaskId') },
  'Mutation.awardTask:input.bidId': { lagos: 'bidId', read: task('awardTaskId') },
  'Mutation.completeTask:input.taskId': { lagos: 'assignedTaskId', read: task('assignedTaskId') },
  'Mutation.setProductTemperatureRange:input.productId': { lagos: 'productId', read: byId('product', 'productId', '{ temperatureRange { minC maxC } }') },
  'Mutation.planRoutes:input.locationId': { lagos: 'locationId', read: stock },
  'Mutation.planRoutes:input.vehicleIds[]': { lagos: 'freeVehicleId', read: freeVehicle },
  'Mutation.dispatchRoutePlan:input.planId': { lagos: 'planId', read: byId('routePlan', 'planId', '{ status dispatchedAt }') },
  'Mutation.dispatchRoutePlan:input.riders[].vehicleId': {
    lagos: 'planVehicleId',
    read: byId('vehicle', 'planVehicleId', '{ currentShipment { id status } }'),
    refusedAs: { code: /^INVALID_INPUT$/, field: 'riders' },
  },
  'Mutation.dispatchRoutePlan:input.riders[].riderId': {
    lagos: 'workerId',
    read: worker,
    foreign: 'logistics stores riders as workforce worker ids',
  },
  'Mutation.initiatePayment:input.invoiceId': { lagos: 'openInvoiceId', read: byId('invoice', 'openInvoiceId', '{ status amountPaid { amount } payments { id status } }') },
  'Mutation.topUpWallet:input.customerId': {
    lagos: 'customerId',
    read: byId('customer', 'customerId', '{ wallet { id balance { amount } } }'),
    foreign: 'finance opens wallets by the customer id commerce owns',
  },
  'Mutation.topUpWallet:input.workerId': {
    lagos: 'workerId',
    read: worker,
    foreign: 'finance opens wallets by the worker id workforce owns',
  },
  'Mutation.payInvoiceFromWallet:input.invoiceId': { lagos: 'openInvoiceId', read: byId('invoice', 'openInvoiceId', '{ status amountPaid { amount } }') },
  'Mutation.refundToWallet:input.paymentId': { lagos: 'paymentId', read: byId('invoice', 'paidInvoiceId', '{ status amountPaid { amount } }') },
  'Mutation.recordPromiseToPay:input.customerId': { lagos: 'customerId', read: () => ({ query: '{ promisesToPay(first: 100) { edges { node { id status } } } }' }) },
  'Mutation.recordPromiseToPay:input.invoiceId': { lagos: 'openInvoiceId', read: () => ({ query: '{ promisesToPay(first: 100) { edges { node { id status } } } }' }) },
  'Mutation.runCollections:input.customerId': { lagos: 'customerId', read: byId('customer', 'customerId', '{ creditLine { status } }') },
  'Mutation.createTerritory:input.parentId': { lagos: 'territoryId', read: byId('territory', 'territoryId', '{ children { id } }') },
  'Mutation.assignCustomerTerritory:input.customerId': { lagos: 'customerId', read: byId('customer', 'customerId', '{ territory { id } territoryOverridden }') },
  'Mutation.assignCustomerTerritory:input.territoryId': { lagos: 'territoryId', read: byId('territory', 'territoryId', '{ customerCount }') },
  'Mutation.assignSalesRepTerritories:input.repId': {
    lagos: 'salesRepId',
    read: byId('territory', 'territoryId', '{ salesReps { id } }'),
    foreign: 'logistics stores reps as identity user ids',
  },
  'Mutation.assignSalesRepTerritories:input.territoryIds[]': { lagos: 'territoryId', read: byId('territory', 'territoryId', '{ salesReps { id } }') },
  'Mutation.planBeat:input.repId': { lagos: 'salesRepId', read: beat, refusedAs: { code: /^NO_TERRITORIES$/, field: 'repId' } },
  'Mutation.checkInVisit:input.visitId': { lagos: 'visitId', read: beat },
  'Mutation.checkInVisit:input.customerId': { lagos: 'customerId', read: beat, refusedAs: { code: /^INVALID_INPUT$/, field: 'visitId' } },
  'Mutation.checkOutVisit:input.visitId': { lagos: 'visitId', read: beat },
  'Mutation.acknowledgeColdChainAlert:input.alertId': { lagos: 'alertId', read: () => ({ query: '{ coldChainAlerts(first: 20) { edges { node { id acknowledgedAt } } } }' }) },
  'Mutation.rateWorker:input.workerId': { lagos: 'completedTaskWorkerId', read: byId('worker', 'completedTaskWorkerId', '{ xp rating }') },
  'Mutation.rateWorker:input.taskId': { lagos: 'completedTaskId', read: byId('worker', 'completedTaskWorkerId', '{ xp rating }') },
};

// Issue 15: the stock ledger and the vans.
const ledgerStock = (location: keyof Fixtures): Read => (f) => ({ query: 'query($s: String!, $l: ID!) { availableToPromise(sku: $s, locationId: $l) { onHand reserved } }', variables: { s: f.warehouseSku, l: f[location] } });
const purchaseOrder = byId('purchaseOrder', 'purchaseOrderId', '{ status lines { receivedQuantity } receipts { id } }');
const cycleCount = byId('cycleCount', 'cycleCountId', '{ status movements { id } }');
Object.assign(OWNED_IDS, {
  'Mutation.createPurchaseOrder:input.supplierId': { lagos: 'supplierId', read: () => ({ query: '{ purchaseOrders(first: 100) { edges { node { id supplier { id } } } } }' }) },
  'Mutation.createPurchaseOrder:input.locationId': { lagos: 'warehouseId', read: () => ({ query: '{ purchaseOrders(first: 100) { edges { node { id location { id } } } } }' }) },
  'Mutation.receiveGoods:input.purchaseOrderId': { lagos: 'purchaseOrderId', read: purchaseOrder },
  'Mutation.adjustStock:input.locationId': { lagos: 'warehouseId', read: ledgerStock('warehouseId') },
  'Mutation.transferStock:input.fromLocationId': { lagos: 'warehouseId', read: ledgerStock('warehouseId') },
  'Mutation.transferStock:input.toLocationId': { lagos: 'vanId', read: ledgerStock('vanId') },
  'Mutation.recordCycleCount:input.locationId': { lagos: 'warehouseId', read: () => ({ query: '{ cycleCounts(first: 100) { edges { node { id } } } }' }) },
  'Mutation.approveCycleCount:input.cycleCountId': { lagos: 'cycleCountId', read: cycleCount },
  'Mutation.rejectCycleCount:input.cycleCountId': { lagos: 'cycleCountId', read: cycleCount },
  'Mutation.loadVan:input.vanId': { lagos: 'vanId', read: ledgerStock('vanId') },
  'Mutation.loadVan:input.fromLocationId': { lagos: 'warehouseId', read: ledgerStock('warehouseId') },
  'Mutation.returnVanStock:input.vanId': { lagos: 'vanId', read: ledgerStock('vanId') },
  'Mutation.returnVanStock:input.toLocationId': { lagos: 'warehouseId', read: ledgerStock('warehouseId') },
  'Mutation.recordCustomerReturn:input.orderId': { lagos: 'deliveredOrderId', read: () => ({ query: '{ stockMovements(first: 100, filter: { type: CUSTOMER_RETURN }) { edges { node { id } } } }' }) },
  'Mutation.recordCustomerReturn:input.locationId': { lagos: 'vanId', read: ledgerStock('vanId') },
  'Mutation.reconcileVan:input.vanId': { lagos: 'vanId', read: () => ({ query: '{ vanReconciliations(first: 100) { edges { node { id } } } }' }) },
} satisfies typeof OWNED_IDS);

// Issue 16: financing.
Object.assign(OWNED_IDS, {
  'Mutation.acceptFinancingOffer:input.offerId': { lagos: 'financingOfferId', read: () => ({ query: '{ financingAgreements(first: 100) { edges { node { id } } } }' }) },
  'Mutation.runFinancingCycle:input.agreementId': { lagos: 'financingAgreementId', read: byId('financingAgreement', 'financingAgreementId', '{ status lateFees { amount } }') },
  'Mutation.recordInstalmentPayment:input.agreementId': { lagos: 'financingAgreementId', read: byId('financingAgreement', 'financingAgreementId', '{ status repaid { amount } outstanding { amount } }') },
} satisfies typeof OWNED_IDS);

/** Every (mutation, ID field) of the composed schema. */
const CASES = rootFields('Mutation').flatMap((m) => idFieldsOf(m).map((path) => `${m}:${path}`));

/** The input with the id at `path` replaced; a list on the way (`riders[]`) keeps its first element only. */
function withId(input: Record<string, unknown>, path: string, value: string): Record<string, unknown> {
  const keys = path.split('.').slice(1); // drop the argument name ("input")
  const out = structuredClone(input);
  let at: Record<string, unknown> = out;
  keys.forEach((k, i) => {
    const last = i === keys.length - 1;
    if (k.endsWith('[]')) {
      const name = k.slice(0, -2);
      if (last) at[name] = [value];
      else at = ((at[name] = [{ ...(((at[name] as unknown[] | undefined)?.[0] ?? {}) as object) }]) as Record<string, unknown>[])[0]!;
    } else if (last) at[k] = value;
    else at = (at[k] ??= {}) as Record<string, unknown>;
  });
  return out;
}

describe('writes across tenants (issue 19)', () => {
  let g: Graph;
  beforeAll(async () => {
    g = await bootGraph();
  });
  afterAll(async () => {
    await g?.close();
  });

  it('knows every ID in every mutation input of the composed schema', () => {
    expect(CASES.length).toBeGreaterThan(15);
    expect(CASES.filter((c) => !OWNED_IDS[c])).toEqual([]);
    expect(Object.keys(OWNED_IDS).filter((c) => !CASES.includes(c))).toEqual([]);
  });

  it("refuses every mutation given another tenant's id and leaves that tenant's object unchanged", async () => {
    const problems: string[] = [];
    let foreignRefused = 0;
    for (const c of CASES) {
      const [coordinate, path] = c.split(':') as [string, string];
      const entry = OWNED_IDS[c]!;
      const name = coordinate.split('.')[1]!;
      const lagosId = String(g.lagos[entry.lagos]);
      const read = entry.read(g.lagos);
      const before = await must(g.url, g.admin.lagos, read.query, read.variables);
      const input = withId(MUTATIONS[coordinate]!.effective({ f: g.accra }), path, lagosId);
      const query = operationFor(coordinate).replace('userErrors { code }', 'userErrors { code field }');
      const r = await gql(g.url, query, { input }, g.admin.accra);
      const after = await must(g.url, g.admin.lagos, read.query, read.variables);
      if (JSON.stringify(after) !== JSON.stringify(before)) problems.push(`${c}: Lagos data changed: ${JSON.stringify(before)} → ${JSON.stringify(after)}`);
      const leaf = path.split('.').at(-1)!.replace('[]', '');
      const codes = (r.errors ?? []).map((e) => String(e.extensions?.code));
      if (entry.foreign) {
        // refused as a whole before anything ran: NOT_FOUND naming the Lagos id, no payload
        const named = (r.errors ?? []).some((e) => e.extensions?.code === 'NOT_FOUND' && e.extensions?.id === lagosId);
        if (!named || r.data?.[name] != null) problems.push(`${c}: foreign id not refused with NOT_FOUND: ${JSON.stringify(r.errors ?? r.data)}`);
        else foreignRefused++;
        continue;
      }
      const userErrors = (r.data?.[name]?.userErrors ?? []) as { code: string; field: string[] | null }[];
      const want = entry.refusedAs ?? { code: /(NOT_FOUND|UNKNOWN)$/, field: leaf };
      const refused = userErrors.some((e) => want.code.test(e.code) && !!e.field?.includes(want.field)) || codes.some((code) => ['FORBIDDEN', 'NOT_FOUND'].includes(code));
      if (!refused) problems.push(`${c}: not refused for ${leaf}: ${JSON.stringify(r.errors ?? r.data)}`);
    }
    expect(foreignRefused).toBe(Object.values(OWNED_IDS).filter((e) => e.foreign).length);
    expect(problems).toEqual([]);
  });
});
