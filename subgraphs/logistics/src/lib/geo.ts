// Logistics' geometry: the platform's one great-circle distance (packages/core/src/geo.ts) and nullable columns.
import type { LatLng } from '@omniroute/core/geo';

export { distanceKm, type LatLng } from '@omniroute/core/geo';

/** A LatLng from nullable columns, or null when either coordinate is unknown. */
export function pointOf(lat: number | null | undefined, lng: number | null | undefined): LatLng | null {
  return lat == null || lng == null ? null : { lat, lng };
}
