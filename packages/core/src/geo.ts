// The one great-circle distance of the platform (logistics ETAs and route planning, the fleet simulator): pure, so
// any package (and the browser) can import it from `@omniroute/core/geo` without the rest of core.

/** A point on the map, WGS 84 degrees. */
export interface LatLng {
  lat: number;
  lng: number;
}

/** IUGG mean Earth radius: the sphere that best fits the ellipsoid on average. */
export const EARTH_RADIUS_KM = 6371.0088;
const rad = (deg: number) => (deg * Math.PI) / 180;

/** Great-circle distance in km (haversine): good to a few metres at city scale, which is all ETAs and plans need. */
export function distanceKm(a: LatLng, b: LatLng): number {
  const dLat = rad(b.lat - a.lat);
  const dLng = rad(b.lng - a.lng);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}
