// Territory rules (issue 15): the hierarchy's shape, which territory a customer falls in, and delivery windows.
// Pure; the service does the I/O.
import { containingPolygon, polygonProblem, type GeoJsonPolygon } from '@omniroute/core';

export type TerritoryKind = 'REGION' | 'AREA' | 'TERRITORY';

/** The kind a parent must be: regions have none, areas sit in a region, territories in an area. */
export const PARENT_KIND: Record<TerritoryKind, TerritoryKind | null> = { REGION: null, AREA: 'REGION', TERRITORY: 'AREA' };

/** Why a (kind, parent) pair breaks the hierarchy, or null. */
export function hierarchyProblem(kind: TerritoryKind, parentKind: TerritoryKind | null): string | null {
  const want = PARENT_KIND[kind];
  if (want === null) return parentKind === null ? null : 'a REGION has no parent';
  if (parentKind === null) return `a ${kind} needs a parent ${want}`;
  return parentKind === want ? null : `the parent of a ${kind} must be a ${want}, not a ${parentKind}`;
}

export { polygonProblem };

/**
 * The territory of a customer: the manual override when there is one, else the smallest TERRITORY polygon that
 * contains the customer's point; null when it lies in none (or its coordinates are unknown).
 */
export function territoryOf(
  site: { lat: number | null; lng: number | null; territoryId: string | null; territoryOverride: boolean },
  territories: readonly { id: string; boundary: GeoJsonPolygon | null }[],
): string | null {
  if (site.territoryOverride) return site.territoryId;
  if (site.lat == null || site.lng == null) return null;
  return containingPolygon({ lat: site.lat, lng: site.lng }, territories)?.id ?? null;
}

/** A customer's site as the order.confirmed consumer reads it (CustomerSite; shipments/confirmed-order.sql.ts). */
export interface SiteState { name: string; lat: number | null; lng: number | null; territoryId: string | null; territoryOverride: boolean }

/**
 * Where a customer's site goes after one of its orders (order.confirmed: its name and delivery point): the new
 * coordinates, or null when the site exists and nothing of it changes. The destination wins; without one, the site
 * keeps its point. The territory then follows by territoryOf (the caller reads the polygons only when needed).
 */
export function siteAfterOrder(site: SiteState | null, c: { name?: string | null; destination?: { lat: number; lng: number } | null }): { lat: number | null; lng: number | null } | null {
  const lat = c.destination?.lat ?? site?.lat ?? null;
  const lng = c.destination?.lng ?? site?.lng ?? null;
  if (site && site.lat === lat && site.lng === lng && (!c.name || c.name === site.name)) return null;
  return { lat, lng };
}

/** A stored boundary column back as a polygon; null when it is missing or not a polygon. */
export function boundaryOf(json: unknown): GeoJsonPolygon | null {
  return json && polygonProblem(json) === null ? (json as GeoJsonPolygon) : null;
}

/** "HH:MM" (24 h) → minutes after midnight; NaN when malformed. */
export function minutesOf(hhmm: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  return m ? Number(m[1]) * 60 + Number(m[2]) : Number.NaN;
}

/** Minutes after midnight → "HH:MM". */
export function hhmmOf(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}
