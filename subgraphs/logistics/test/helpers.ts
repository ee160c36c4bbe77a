import type { Role, Viewer } from '@omniroute/core';
import { callSubgraph, nodes } from '@omniroute/testkit';
import { newEventId } from '@omniroute/events';
import type { PrismaClient } from '../src/generated/prisma/client.ts';
import { applyDeliveryAck } from '../src/modules/shipments/shipments.reconcilers.ts';

export const SECRET = 'logistics-test-secret';
export const LAGOS = 'tnt_LAGOS';
export const ACCRA = 'tnt_ACCRA';

export const viewer = (tenantId: string, ...roles: Role[]): Viewer => ({ tenantId, userId: `usr_${tenantId}`, roles, scopes: [] });
export const lagosAdmin = viewer(LAGOS, 'ADMIN');
export const lagosOps = viewer(LAGOS, 'OPERATIONS');
export const lagosRider = viewer(LAGOS, 'RIDER');
/** A Lagos rider signed in as the worker `workerId` (the `wid` claim of their token). */
export const riderOf = (workerId: string): Viewer => ({ ...lagosRider, userId: `usr_${workerId}`, workerId });
export const lagosFinance = viewer(LAGOS, 'FINANCE');
export const accraAdmin = viewer(ACCRA, 'ADMIN');

/** A GraphQL client bound to one subgraph URL. */
export function client(url: string) {
  return async <T = any>(v: Viewer | null, query: string, variables: Record<string, unknown> = {}) => {
    const r = await callSubgraph<T>({ url, name: 'logistics' }, SECRET, v, query, variables);
    return r;
  };
}

export { nodes };

/** Commerce's acknowledgement of a dispatch (order.dispatched), through logistics' consumer of it; false if it was in. */
export async function acknowledgeDispatch(prisma: PrismaClient, shipmentId: string): Promise<boolean> {
  const s = await prisma.shipment.findUniqueOrThrow({ where: { id: shipmentId } });
  const e = { id: newEventId(), type: 'order.dispatched', tenantId: s.tenantId, aggregateId: s.orderId, occurredAt: new Date().toISOString(), source: 'commerce', payload: { orderId: s.orderId, shipmentId } };
  return applyDeliveryAck(prisma, e);
}

export const ENTITIES = 'query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Order { id shipment { id status vehicle { plate lastPosition { lat } } } } ... on Vehicle { id plate } ... on Shipment { id status } } }';

export const REPORT = `mutation($i: ReportVehiclePositionInput!) { reportVehiclePosition(input: $i) {
  vehicle { id lastPosition { lat lng speedKph heading temperatureC recordedAt } }
  userErrors { code field message } } }`;
export const DISPATCH = `mutation($i: DispatchShipmentInput!) { dispatchShipment(input: $i) {
  shipment { id status eta rider { id } vehicle { id currentShipment { id } } stops { kind arrivedAt } }
  userErrors { code field message } } }`;
export const CONFIRM = `mutation($i: ConfirmDeliveryInput!) { confirmDelivery(input: $i) {
  shipment { id status proofOfDelivery { recipientName signatureRef photoRef lat lng deliveredAt } stops { kind arrivedAt } }
  userErrors { code field message } } }`;
