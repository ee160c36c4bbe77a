import type { PolicyTable } from '@omniroute/core';

const FLEET_READERS = ['OPERATIONS', 'SALES_REP', 'FINANCE', 'PARTNER'] as const;

/** Who may see the fleet and report positions. Riders see their vehicle through their shipment. */
export const vehiclePolicies = {
  'Query.vehicles': { roles: FLEET_READERS, scopes: ['logistics:read'] },
  'Query.vehicle': { roles: FLEET_READERS, scopes: ['logistics:read'] },
  'Mutation.reportVehiclePosition': {
    roles: ['OPERATIONS', 'RIDER', 'PARTNER'],
    scopes: ['telemetry:write'],
    rules: { RIDER: 'OWN_VEHICLE' },
    note: 'keys with telemetry:write report for any vehicle of the tenant (a telematics provider covers the fleet)',
  },
  'Subscription.vehiclePositionUpdated': {
    roles: [...FLEET_READERS, 'RIDER'],
    scopes: ['logistics:read'],
    rules: { RIDER: 'OWN_VEHICLE' },
    note: "a rider's stream carries only the positions of the vehicle carrying a shipment assigned to them",
  },
  'Subscription.coldChainAlert': { roles: FLEET_READERS, scopes: ['logistics:read'] },
} satisfies PolicyTable;
