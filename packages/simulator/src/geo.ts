/** Plain geometry for the fleet simulator (degrees, km); distances are the platform's one haversine. */
import { distanceKm } from '@omniroute/core/geo';

export { distanceKm };
export interface Point { lat: number; lng: number }

const rad = (d: number) => (d * Math.PI) / 180;

export function headingDeg(a: Point, b: Point): number {
  const y = Math.sin(rad(b.lng - a.lng)) * Math.cos(rad(b.lat));
  const x = Math.cos(rad(a.lat)) * Math.sin(rad(b.lat)) - Math.sin(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.cos(rad(b.lng - a.lng));
  return (((Math.atan2(y, x) * 180) / Math.PI) + 360) % 360;
}

/** Moves from `a` toward `b` by at most `km`; returns the new point and whether `b` was reached. */
export function stepToward(a: Point, b: Point, km: number): { point: Point; arrived: boolean } {
  const d = distanceKm(a, b);
  if (d <= km || d === 0) return { point: { ...b }, arrived: true };
  const f = km / d;
  return { point: { lat: a.lat + (b.lat - a.lat) * f, lng: a.lng + (b.lng - a.lng) * f }, arrived: false };
}
