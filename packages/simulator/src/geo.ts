/** Plain geometry for the fleet simulator (degrees, km). */
export interface Point { lat: number; lng: number }

const R = 6371;
const rad = (d: number) => (d * Math.PI) / 180;

export function distanceKm(a: Point, b: Point): number {
  const dLat = rad(b.lat - a.lat);
  const dLng = rad(b.lng - a.lng);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLng / 2) ** 2;
  return 2 * R * Math.asin(Math.sqrt(h));
}

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
