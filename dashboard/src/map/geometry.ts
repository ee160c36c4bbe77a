// Shapes on the map, from whatever the graph gives: a territory as a circle (centre + radius) or as GeoJSON
// (Polygon, MultiPolygon, a Feature or FeatureCollection of them, as an object or a JSON string), and the box that
// frames a tenant's own places. Pure, so it is unit-tested without a browser. Coordinates: { lat, lng } in WGS 84;
// GeoJSON positions are [lng, lat] as the spec says.

export interface LatLng { lat: number; lng: number }
/** A linear ring of [lng, lat] positions (GeoJSON order). */
export type Ring = [number, number][];
/** Polygons, each an outer ring followed by its holes. */
export type Polygons = Ring[][];

export type Shape =
  | { kind: 'circle'; center: LatLng; radiusKm: number }
  | { kind: 'polygon'; polygons: Polygons };

export interface Box { south: number; west: number; north: number; east: number }

const KM_PER_DEG_LAT = 111.32;

const finite = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n);
export const validPoint = (p: Partial<LatLng> | null | undefined): p is LatLng =>
  !!p && finite(p.lat) && finite(p.lng) && Math.abs(p.lat) <= 90 && Math.abs(p.lng) <= 180;

function ringOf(v: unknown): Ring | null {
  if (!Array.isArray(v)) return null;
  const ring: Ring = [];
  for (const p of v) {
    if (!Array.isArray(p) || !finite(p[0]) || !finite(p[1])) return null;
    ring.push([p[0], p[1]]);
  }
  return ring.length >= 3 ? ring : null;
}

function polygonOf(v: unknown): Ring[] | null {
  if (!Array.isArray(v)) return null;
  const rings = v.map(ringOf);
  return rings.length && rings.every((r): r is Ring => r !== null) ? rings : null;
}

/** The polygons of a GeoJSON value (object or JSON string); null when it holds none. */
export function polygonsOf(value: unknown): Polygons | null {
  let v = value;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      return null;
    }
  }
  if (Array.isArray(v) && v.length) {
    // a ring of GeoPoints ({ lat, lng }), or rings of them
    const toRing = (pts: unknown[]) => ringOf(pts.map((p) => (validPoint(p as LatLng) ? [(p as LatLng).lng, (p as LatLng).lat] : null)));
    if (validPoint(v[0])) {
      const r = toRing(v);
      return r ? [[r]] : null;
    }
    if (Array.isArray(v[0]) && validPoint(v[0][0])) {
      const rings = v.map((x) => (Array.isArray(x) ? toRing(x) : null));
      return rings.every((r): r is Ring => r !== null) ? [rings] : null;
    }
    return null;
  }
  if (!v || typeof v !== 'object') return null;
  const g = v as { type?: string; coordinates?: unknown; geometry?: unknown; features?: unknown[]; geometries?: unknown[] };
  const out: Polygons = [];
  switch (g.type) {
    case 'Polygon': {
      const p = polygonOf(g.coordinates);
      if (p) out.push(p);
      break;
    }
    case 'MultiPolygon':
      if (Array.isArray(g.coordinates)) for (const c of g.coordinates) {
        const p = polygonOf(c);
        if (p) out.push(p);
      }
      break;
    case 'Feature':
      return polygonsOf(g.geometry);
    case 'FeatureCollection':
    case 'GeometryCollection':
      for (const f of (g.features ?? g.geometries ?? [])) out.push(...(polygonsOf(f) ?? []));
      break;
    default:
      // a bare coordinates array without a type: [[[lng, lat], …]] (rings) is read as one polygon
      if (g.type === undefined && Array.isArray(g.coordinates)) return polygonsOf({ type: 'Polygon', coordinates: g.coordinates });
  }
  return out.length ? out : null;
}

/** A territory's shape: its polygon when the graph has one, else its circle; null when it has neither. */
export function territoryShape(t: { center?: Partial<LatLng> | null; radiusKm?: unknown; polygon?: unknown }): Shape | null {
  const polygons = t.polygon === undefined || t.polygon === null ? null : polygonsOf(t.polygon);
  if (polygons) return { kind: 'polygon', polygons };
  const r = Number(t.radiusKm);
  if (validPoint(t.center) && Number.isFinite(r) && r > 0) return { kind: 'circle', center: { lat: t.center.lat, lng: t.center.lng }, radiusKm: r };
  return null;
}

export function emptyBox(): Box {
  return { south: Infinity, west: Infinity, north: -Infinity, east: -Infinity };
}

export const isEmpty = (b: Box) => !(b.south <= b.north && b.west <= b.east);

export function extend(b: Box, p: LatLng): Box {
  if (!validPoint(p)) return b;
  return { south: Math.min(b.south, p.lat), west: Math.min(b.west, p.lng), north: Math.max(b.north, p.lat), east: Math.max(b.east, p.lng) };
}

export function shapeBox(s: Shape): Box {
  if (s.kind === 'circle') {
    const dLat = s.radiusKm / KM_PER_DEG_LAT;
    const dLng = s.radiusKm / (KM_PER_DEG_LAT * Math.max(0.01, Math.cos((s.center.lat * Math.PI) / 180)));
    return { south: s.center.lat - dLat, north: s.center.lat + dLat, west: s.center.lng - dLng, east: s.center.lng + dLng };
  }
  let b = emptyBox();
  for (const poly of s.polygons) for (const [lng, lat] of poly[0] ?? []) b = extend(b, { lat, lng });
  return b;
}

export function union(a: Box, b: Box): Box {
  if (isEmpty(a)) return b;
  if (isEmpty(b)) return a;
  return { south: Math.min(a.south, b.south), west: Math.min(a.west, b.west), north: Math.max(a.north, b.north), east: Math.max(a.east, b.east) };
}

/**
 * The box a tenant's map is framed on: its depots, customers and territories. Vehicles count only when there is
 * nothing else (a vehicle far away must not zoom the map out to a continent). Null when there is nothing at all.
 */
export function frameBox(places: { points: LatLng[]; shapes: Shape[]; vehicles?: LatLng[] }): Box | null {
  let b = emptyBox();
  for (const p of places.points) b = extend(b, p);
  for (const s of places.shapes) b = union(b, shapeBox(s));
  if (isEmpty(b)) for (const p of places.vehicles ?? []) b = extend(b, p);
  return isEmpty(b) ? null : b;
}

/** Great-circle distance in km. */
export function distanceKm(a: LatLng, b: LatLng): number {
  const r = Math.PI / 180;
  const dLat = (b.lat - a.lat) * r, dLng = (b.lng - a.lng) * r;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * r) * Math.cos(b.lat * r) * Math.sin(dLng / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(h));
}

/** Whether a point lies in a shape (ray casting on the outer ring minus holes; fine at city scale). */
export function contains(s: Shape, p: LatLng): boolean {
  if (s.kind === 'circle') return distanceKm(s.center, p) <= s.radiusKm;
  const inRing = (ring: Ring) => {
    let inside = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i]!, [xj, yj] = ring[j]!;
      if ((yi > p.lat) !== (yj > p.lat) && p.lng < ((xj - xi) * (p.lat - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  };
  return s.polygons.some(([outer, ...holes]) => !!outer && inRing(outer) && !holes.some(inRing));
}
