import type { ColdChainAlert, Vehicle, VehiclePosition } from '../../generated/prisma/client.ts';

/** What the GraphQL `VehiclePosition` resolves from: a stored position, or the last one kept on the vehicle row. */
export type PositionView = Pick<VehiclePosition, 'lat' | 'lng' | 'speedKph' | 'heading' | 'temperatureC' | 'recordedAt'>;

/** The vehicle's last position, or null before its first report. */
export function lastPositionOf(v: Vehicle): PositionView | null {
  if (v.lastLat == null || v.lastLng == null || !v.lastRecordedAt) return null;
  return { lat: v.lastLat, lng: v.lastLng, speedKph: v.lastSpeedKph ?? 0, heading: v.lastHeading, temperatureC: v.lastTemperatureC, recordedAt: v.lastRecordedAt };
}

/** The vehicle row's DateTime columns (to revive a row carried in an event). */
export const VEHICLE_DATES = ['lastRecordedAt', 'createdAt', 'updatedAt'] as const satisfies readonly (keyof Vehicle)[];

/** The cold-chain alert row's DateTime columns (the `vehicle.cold_chain_alert` event carries the row). */
export const ALERT_DATES = ['recordedAt', 'createdAt', 'endedAt', 'lastReadingAt', 'acknowledgedAt', 'escalatedAt'] as const satisfies readonly (keyof ColdChainAlert)[];
