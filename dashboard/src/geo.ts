// Offline map of Lagos: an equirectangular projection (corrected for latitude) and a few hand-drawn reference
// shapes — coast, Lagos Lagoon, Badagry Creek, main roads and district labels. No tiles, no network.
// Coordinates are [lng, lat] (WGS 84), approximate to a few hundred metres: enough to orient, not to navigate.

export type LngLat = readonly [number, number];
export interface Bounds { minLat: number; maxLat: number; minLng: number; maxLng: number }

export const LAGOS_BOUNDS: Bounds = { minLat: 6.35, maxLat: 6.75, minLng: 3.0, maxLng: 3.7 };

/** Projects degrees to map units: 1000 units across the bounds' width, same scale north–south. */
export interface Projection {
  bounds: Bounds;
  width: number;
  height: number;
  /** map units per km (for territory radii) */
  unitsPerKm: number;
  project(lat: number, lng: number): [number, number];
  unproject(x: number, y: number): [number, number];
}

export function createProjection(bounds: Bounds = LAGOS_BOUNDS, width = 1000): Projection {
  const midLat = ((bounds.minLat + bounds.maxLat) / 2) * (Math.PI / 180);
  const kx = width / (bounds.maxLng - bounds.minLng); // units per degree of longitude
  const ky = kx / Math.cos(midLat); // units per degree of latitude (same ground scale)
  const height = (bounds.maxLat - bounds.minLat) * ky;
  return {
    bounds,
    width,
    height,
    unitsPerKm: ky / 111.32,
    project: (lat, lng) => [(lng - bounds.minLng) * kx, (bounds.maxLat - lat) * ky],
    unproject: (x, y) => [bounds.maxLat - y / ky, bounds.minLng + x / kx],
  };
}

/** Bounds that contain the given points (with a margin); Lagos when they already fit in Lagos. */
export function boundsFor(points: { lat: number; lng: number }[], fallback: Bounds = LAGOS_BOUNDS): Bounds {
  const valid = points.filter((p) => Number.isFinite(p.lat) && Number.isFinite(p.lng));
  if (!valid.length) return fallback;
  const inside = valid.filter((p) => p.lat >= fallback.minLat && p.lat <= fallback.maxLat && p.lng >= fallback.minLng && p.lng <= fallback.maxLng);
  if (inside.length >= valid.length * 0.8) return fallback;
  let minLat = Infinity, maxLat = -Infinity, minLng = Infinity, maxLng = -Infinity;
  for (const p of valid) {
    minLat = Math.min(minLat, p.lat); maxLat = Math.max(maxLat, p.lat);
    minLng = Math.min(minLng, p.lng); maxLng = Math.max(maxLng, p.lng);
  }
  const padLat = Math.max(0.05, (maxLat - minLat) * 0.15);
  const padLng = Math.max(0.08, (maxLng - minLng) * 0.15);
  return { minLat: minLat - padLat, maxLat: maxLat + padLat, minLng: minLng - padLng, maxLng: maxLng + padLng };
}

export function pathOf(points: readonly LngLat[], proj: Projection, close = true): string {
  return points.map(([lng, lat], i) => {
    const [x, y] = proj.project(lat, lng);
    return `${i ? 'L' : 'M'}${x.toFixed(1)},${y.toFixed(1)}`;
  }).join('') + (close ? 'Z' : '');
}

/** The Atlantic: the coast from Badagry to Lekki, closed far to the south. */
export const OCEAN: LngLat[] = [
  [2.5, 6.37], [2.8, 6.375], [3.0, 6.385], [3.1, 6.392], [3.2, 6.4], [3.3, 6.405], [3.37, 6.405], [3.392, 6.408],
  [3.405, 6.41], [3.42, 6.415], [3.45, 6.42], [3.5, 6.427], [3.55, 6.433], [3.6, 6.438], [3.65, 6.443], [3.7, 6.447],
  [3.8, 6.455], [4.0, 6.47], [4.4, 6.49], [4.4, 5.6], [2.5, 5.6],
];

/** Lagos Harbour and Lagos Lagoon: Apapa and Lagos Island to Ikorodu and the Lekki shore. */
export const LAGOS_LAGOON: LngLat[] = [
  [3.396, 6.409], [3.389, 6.424], [3.372, 6.431], [3.36, 6.438], [3.366, 6.449], [3.381, 6.458], [3.388, 6.472],
  [3.384, 6.49], [3.388, 6.512], [3.392, 6.535], [3.4, 6.557], [3.418, 6.573], [3.447, 6.585], [3.48, 6.59],
  [3.515, 6.584], [3.555, 6.574], [3.598, 6.56], [3.645, 6.552], [3.7, 6.556], [3.78, 6.566], [3.9, 6.58],
  [3.9, 6.53], [3.78, 6.516], [3.7, 6.504], [3.648, 6.493], [3.6, 6.482], [3.552, 6.471], [3.505, 6.464],
  [3.462, 6.459], [3.432, 6.455], [3.415, 6.446], [3.411, 6.432], [3.407, 6.418],
];

/** Badagry Creek and the Ologe lagoon, west of Apapa. */
export const BADAGRY_CREEK: LngLat[] = [
  [2.8, 6.412], [2.95, 6.418], [3.05, 6.424], [3.12, 6.43], [3.2, 6.435], [3.27, 6.438], [3.33, 6.442], [3.362, 6.446],
  [3.36, 6.452], [3.33, 6.449], [3.27, 6.446], [3.2, 6.443], [3.12, 6.44], [3.08, 6.452], [3.04, 6.47], [3.01, 6.465],
  [3.03, 6.442], [2.95, 6.428], [2.8, 6.422],
];

/** Main roads as faint reference lines. */
export const ROADS: { name: string; points: LngLat[] }[] = [
  { name: 'Third Mainland Bridge', points: [[3.392, 6.458], [3.396, 6.49], [3.399, 6.52], [3.402, 6.55]] },
  { name: 'Lekki–Epe Expressway', points: [[3.425, 6.44], [3.47, 6.44], [3.52, 6.446], [3.57, 6.465], [3.62, 6.47], [3.7, 6.476]] },
  { name: 'Lagos–Badagry Expressway', points: [[3.0, 6.455], [3.1, 6.462], [3.2, 6.466], [3.28, 6.468], [3.34, 6.47], [3.37, 6.47]] },
  { name: 'Ikorodu Road', points: [[3.378, 6.51], [3.381, 6.55], [3.388, 6.59], [3.415, 6.606], [3.46, 6.614], [3.505, 6.62], [3.53, 6.635]] },
  { name: 'Lagos–Ibadan Expressway', points: [[3.381, 6.55], [3.376, 6.6], [3.373, 6.65], [3.37, 6.7], [3.368, 6.75]] },
  { name: 'Apapa–Oshodi Expressway', points: [[3.365, 6.45], [3.345, 6.49], [3.335, 6.53], [3.34, 6.56], [3.33, 6.6], [3.32, 6.64]] },
];

export const PLACES: { name: string; lat: number; lng: number; major?: boolean }[] = [
  { name: 'Ikeja', lat: 6.6018, lng: 3.3515, major: true },
  { name: 'Agege', lat: 6.625, lng: 3.31 },
  { name: 'Ikorodu', lat: 6.62, lng: 3.505, major: true },
  { name: 'Yaba', lat: 6.515, lng: 3.378 },
  { name: 'Surulere', lat: 6.5, lng: 3.353 },
  { name: 'Mushin', lat: 6.533, lng: 3.347 },
  { name: 'Oshodi', lat: 6.557, lng: 3.343 },
  { name: 'Apapa', lat: 6.449, lng: 3.359 },
  { name: 'Lagos Island', lat: 6.454, lng: 3.394, major: true },
  { name: 'Victoria Island', lat: 6.428, lng: 3.421 },
  { name: 'Lekki', lat: 6.44, lng: 3.52, major: true },
  { name: 'Ajah', lat: 6.467, lng: 3.572 },
  { name: 'Festac', lat: 6.466, lng: 3.284 },
  { name: 'Ojo', lat: 6.458, lng: 3.18 },
  { name: 'Alimosho', lat: 6.584, lng: 3.26 },
  { name: 'Ojota', lat: 6.584, lng: 3.382 },
  { name: 'Lagos Lagoon', lat: 6.53, lng: 3.55, major: true },
  { name: 'Atlantic Ocean', lat: 6.37, lng: 3.3, major: true },
];

/** Great-circle distance in km (for trails and tests). */
export function distanceKm(a: { lat: number; lng: number }, b: { lat: number; lng: number }): number {
  const r = Math.PI / 180;
  const dLat = (b.lat - a.lat) * r, dLng = (b.lng - a.lng) * r;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * r) * Math.cos(b.lat * r) * Math.sin(dLng / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(h));
}
