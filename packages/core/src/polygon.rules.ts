// Territories as GeoJSON polygons (issue 15): validation, point-in-polygon, and the partition of a city into cells
// that the demo plan uses for its region → area → territory hierarchy. Pure and shared: the demo plan, logistics
// (customer assignment) and the dashboard (drawing) agree on one geometry. Plane geometry in degrees: at city
// scale the distortion of treating lng/lat as x/y is irrelevant for "which cell is this point in".
import type { LatLng } from './geo.ts';

/** A GeoJSON Polygon geometry (RFC 7946): rings of [lng, lat] positions, the first the outline, the rest holes. */
export interface GeoJsonPolygon {
  type: 'Polygon';
  coordinates: number[][][];
}

/** Positions a territory outline may have, all rings together (a hand-drawn territory has tens). */
export const MAX_POLYGON_POSITIONS = 2000;

/** Why `g` is not a usable GeoJSON Polygon, or null when it is one. */
export function polygonProblem(g: unknown): string | null {
  if (!g || typeof g !== 'object') return 'boundary must be a GeoJSON Polygon object';
  const { type, coordinates } = g as { type?: unknown; coordinates?: unknown };
  if (type !== 'Polygon') return 'boundary.type must be "Polygon"';
  if (!Array.isArray(coordinates) || coordinates.length === 0) return 'boundary.coordinates must hold at least the outer ring';
  let total = 0;
  for (const [i, ring] of coordinates.entries()) {
    if (!Array.isArray(ring) || ring.length < 4) return `ring ${i} needs at least 4 positions (a closed triangle)`;
    total += ring.length;
    for (const p of ring) {
      if (!Array.isArray(p) || p.length < 2 || !p.every((x) => typeof x === 'number' && Number.isFinite(x))) return `ring ${i} has a position that is not [lng, lat]`;
      if (Math.abs(p[0]!) > 180 || Math.abs(p[1]!) > 90) return `ring ${i} has a position outside lng −180…180 / lat −90…90`;
    }
    const [a, z] = [ring[0] as number[], ring[ring.length - 1] as number[]];
    if (a[0] !== z[0] || a[1] !== z[1]) return `ring ${i} is not closed (first and last positions differ)`;
    if (Math.abs(ringArea(ring as number[][])) < 1e-12) return `ring ${i} encloses no area`;
  }
  if (total > MAX_POLYGON_POSITIONS) return `boundary has more than ${MAX_POLYGON_POSITIONS} positions`;
  return null;
}

/** Signed area of a ring (shoelace, degrees²); positive when counter-clockwise. */
export function ringArea(ring: number[][]): number {
  let a = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) a += ring[j]![0]! * ring[i]![1]! - ring[i]![0]! * ring[j]![1]!;
  return a / 2;
}

/** Area of a polygon in degrees² (outline minus holes): ranks overlapping territories, smallest first. */
export function polygonArea(g: GeoJsonPolygon): number {
  const [outer, ...holes] = g.coordinates;
  return Math.abs(ringArea(outer!)) - holes.reduce((s, h) => s + Math.abs(ringArea(h)), 0);
}

function inRing(p: LatLng, ring: number[][]): boolean {
  // ray casting towards +lng; points exactly on an edge count as inside for the lower/left edges only, which
  // is what makes a partition of cells assign every point exactly once
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]! as [number, number];
    const [xj, yj] = ring[j]! as [number, number];
    if (yi > p.lat !== yj > p.lat && p.lng < ((xj - xi) * (p.lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Whether the point lies inside the polygon (inside its outline and in none of its holes). */
export function pointInPolygon(p: LatLng, g: GeoJsonPolygon): boolean {
  const [outer, ...holes] = g.coordinates;
  return !!outer && inRing(p, outer) && !holes.some((h) => inRing(p, h));
}

/**
 * The territory a point falls in: of the polygons containing it, the smallest (the most specific, when territories
 * overlap), ties broken by id; null when none contains it.
 */
export function containingPolygon<T extends { id: string; boundary: GeoJsonPolygon | null }>(p: LatLng, candidates: readonly T[]): T | null {
  let best: T | null = null;
  let bestArea = Infinity;
  for (const c of candidates) {
    if (!c.boundary || !pointInPolygon(p, c.boundary)) continue;
    const area = polygonArea(c.boundary);
    if (area < bestArea - 1e-15 || (Math.abs(area - bestArea) <= 1e-15 && best && c.id < best.id)) [best, bestArea] = [c, area];
  }
  return best;
}

/** A closed rectangle ring around the points, `margin` degrees wider on every side. */
export function boundingRing(points: readonly LatLng[], margin: number): number[][] {
  const lats = points.map((p) => p.lat);
  const lngs = points.map((p) => p.lng);
  const [s, n, w, e] = [Math.min(...lats) - margin, Math.max(...lats) + margin, Math.min(...lngs) - margin, Math.max(...lngs) + margin];
  return [[w, s], [e, s], [e, n], [w, n], [w, s]];
}

/** Keeps the part of a closed ring on `seed`'s side of the perpendicular bisector of seed–other (Sutherland–Hodgman). */
function clipTowards(ring: number[][], seed: LatLng, other: LatLng): number[][] {
  // half-plane: (x − m) · (other − seed) ≤ 0, m the midpoint
  const [dx, dy] = [other.lng - seed.lng, other.lat - seed.lat];
  const [mx, my] = [(seed.lng + other.lng) / 2, (seed.lat + other.lat) / 2];
  const side = (q: number[]) => (q[0]! - mx) * dx + (q[1]! - my) * dy;
  const open = ring.slice(0, -1);
  const out: number[][] = [];
  for (let i = 0; i < open.length; i++) {
    const a = open[i]!;
    const b = open[(i + 1) % open.length]!;
    const [sa, sb] = [side(a), side(b)];
    if (sa <= 0) out.push(a);
    if ((sa < 0 && sb > 0) || (sa > 0 && sb < 0)) {
      const t = sa / (sa - sb);
      out.push([a[0]! + t * (b[0]! - a[0]!), a[1]! + t * (b[1]! - a[1]!)]);
    }
  }
  if (out.length < 3) return [];
  const round = (x: number) => Math.round(x * 1e6) / 1e6;
  const r = out.map((q) => [round(q[0]!), round(q[1]!)]);
  return [...r, r[0]!];
}

/**
 * Splits a closed ring among seeds: each seed's cell is the part of the ring nearer to it than to any other seed
 * (a Voronoi partition clipped to the ring, which must be convex). The cells tile the ring without overlaps.
 */
export function partition(ring: number[][], seeds: readonly LatLng[]): GeoJsonPolygon[] {
  return seeds.map((seed, i) => {
    let cell = ring;
    for (const [j, other] of seeds.entries()) if (j !== i && cell.length) cell = clipTowards(cell, seed, other);
    return { type: 'Polygon' as const, coordinates: [cell] };
  });
}

/** The mean of a polygon's outline positions: a label point for the map (inside for the convex cells of the demo). */
export function polygonCentre(g: GeoJsonPolygon): LatLng {
  const ring = g.coordinates[0]!.slice(0, -1);
  return { lat: ring.reduce((s, p) => s + p[1]!, 0) / ring.length, lng: ring.reduce((s, p) => s + p[0]!, 0) / ring.length };
}
