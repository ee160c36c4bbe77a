import type { PolicyTable } from '@omniroute/core';

/** Who may see, dispatch and deliver shipments; a rider only the shipments assigned to them. */
export const shipmentPolicies = {
  'Query.shipments': { roles: ['OPERATIONS', 'SALES_REP', 'FINANCE', 'RIDER', 'PARTNER'], scopes: ['logistics:read'], rules: { RIDER: 'OWN_SHIPMENT' } },
  'Query.shipment': { roles: ['OPERATIONS', 'SALES_REP', 'FINANCE', 'RIDER', 'PARTNER'], scopes: ['logistics:read'], rules: { RIDER: 'OWN_SHIPMENT' } },
  'Mutation.dispatchShipment': { roles: ['OPERATIONS'], scopes: ['logistics:write'] },
  'Mutation.confirmDelivery': { roles: ['OPERATIONS', 'RIDER'], scopes: ['logistics:write'], rules: { RIDER: 'OWN_SHIPMENT' } },
  'Subscription.shipmentUpdated': {
    roles: ['OPERATIONS', 'SALES_REP', 'FINANCE', 'PARTNER'],
    scopes: ['logistics:read'],
    note: 'not for riders yet: the event does not say whose shipment it is',
  },
} satisfies PolicyTable;
