// The map's own geography, without a browser: shapes from whatever the graph gives (circle or GeoJSON), the box a
// tenant's map is framed on, the day's planned trips, and the territory query built against the graph we have.
import { describe, expect, it } from 'vitest';
import { contains, frameBox, polygonsOf, shapeBox, territoryShape } from '../src/map/geometry.ts';
import { dayIn, MapPlaces } from '../src/map/places.ts';
import { polygonSelection, territoriesQuery } from '../src/operations.ts';
import { capabilitiesFrom } from '../src/schema.ts';

const square: [number, number][] = [[3.3, 6.5], [3.4, 6.5], [3.4, 6.6], [3.3, 6.6], [3.3, 6.5]];

describe('territory shapes', () => {
  it('reads GeoJSON polygons in every form the graph may give', () => {
    expect(polygonsOf({ type: 'Polygon', coordinates: [square] })).toEqual([[square]]);
    expect(polygonsOf(JSON.stringify({ type: 'MultiPolygon', coordinates: [[square], [square]] }))).toHaveLength(2);
    expect(polygonsOf({ type: 'Feature', geometry: { type: 'Polygon', coordinates: [square] } })).toEqual([[square]]);
    expect(polygonsOf({ type: 'FeatureCollection', features: [{ type: 'Feature', geometry: { type: 'Polygon', coordinates: [square] } }] })).toHaveLength(1);
    expect(polygonsOf(square.map(([lng, lat]) => ({ lat, lng })))).toEqual([[square]]);
    expect(polygonsOf({ type: 'Point', coordinates: [3.3, 6.5] })).toBeNull();
    expect(polygonsOf('not json')).toBeNull();
  });

  it('prefers the polygon, falls back to the circle', () => {
    const both = territoryShape({ center: { lat: 6.55, lng: 3.35 }, radiusKm: 4, polygon: { type: 'Polygon', coordinates: [square] } });
    expect(both?.kind).toBe('polygon');
    const circle = territoryShape({ center: { lat: 6.55, lng: 3.35 }, radiusKm: 4, polygon: null });
    expect(circle).toEqual({ kind: 'circle', center: { lat: 6.55, lng: 3.35 }, radiusKm: 4 });
    expect(territoryShape({ center: null, radiusKm: 4 })).toBeNull();
    const box = shapeBox(circle!);
    expect((box.north - box.south) * 111.32).toBeCloseTo(8, 1);
    expect(contains(both!, { lat: 6.55, lng: 3.35 })).toBe(true);
    expect(contains(both!, { lat: 6.7, lng: 3.35 })).toBe(false);
  });
});

describe('framing', () => {
  it('frames depots, customers and territories; vehicles only when nothing else is known', () => {
    const b = frameBox({ points: [{ lat: 5.55, lng: -0.2 }, { lat: 5.67, lng: -0.01 }], shapes: [], vehicles: [{ lat: 40, lng: 10 }] })!;
    expect(b).toEqual({ south: 5.55, west: -0.2, north: 5.67, east: -0.01 });
    expect(frameBox({ points: [], shapes: [], vehicles: [{ lat: 1, lng: 2 }] })).toEqual({ south: 1, west: 2, north: 1, east: 2 });
    expect(frameBox({ points: [], shapes: [] })).toBeNull();
  });

  it('keeps the newest plan per depot and its trips in stop order', () => {
    const m = new MapPlaces();
    const plan = (id: string, depot: string, stops: number[]) => ({
      id, status: 'PLANNED', date: '2026-12-05', totalKm: 10, baselineKm: 25, savedKm: 15,
      location: { id: depot, name: depot, position: { lat: 6.5, lng: 3.3 } },
      trips: [{ vehicle: { id: 'v1', plate: 'LAG-1' }, km: 10, loadKg: 50, stops: stops.map((s) => ({ sequence: s, lat: 6.5 + s / 100, lng: 3.3, eta: null })) }],
      unassigned: [],
    });
    m.loadRoutePlans([plan('p2', 'loc1', [2, 1, 3]), plan('p1', 'loc1', [1]), plan('p3', 'loc2', [1])]);
    expect(m.plans.map((p) => p.id)).toEqual(['p2', 'p3']);
    expect(m.trips[0]!.stops.map((s) => s.sequence)).toEqual([1, 2, 3]);
    const v = m.version.plans;
    m.loadRoutePlans([plan('p2', 'loc1', [2, 1, 3]), plan('p3', 'loc2', [1])]);
    expect(m.version.plans).toBe(v); // same plans: nothing to redraw
    expect(dayIn('Africa/Lagos', Date.UTC(2026, 11, 5, 23, 30))).toBe('2026-12-06');
  });
});

describe('territories query', () => {
  const schema = (territoryFields: { name: string; type: any }[], extra: any[] = []) => capabilitiesFrom({
    queryType: { name: 'Query' }, subscriptionType: null,
    types: [
      { name: 'Query', fields: [{ name: 'territories', type: { kind: 'NON_NULL', name: null, ofType: { kind: 'OBJECT', name: 'TerritoryConnection' } } }] },
      { name: 'TerritoryConnection', fields: [{ name: 'edges', type: { kind: 'LIST', name: null, ofType: { kind: 'OBJECT', name: 'TerritoryEdge' } } }] },
      { name: 'TerritoryEdge', fields: [{ name: 'node', type: { kind: 'OBJECT', name: 'Territory' } }] },
      { name: 'Territory', fields: [{ name: 'id', type: { kind: 'SCALAR', name: 'ID' } }, { name: 'name', type: { kind: 'SCALAR', name: 'String' } }, ...territoryFields] },
      { name: 'GeoPoint', fields: [{ name: 'lat', type: { kind: 'SCALAR', name: 'Float' } }, { name: 'lng', type: { kind: 'SCALAR', name: 'Float' } }] },
      ...extra,
    ],
  });

  it('selects a circle, a GeoJSON scalar or a geometry object, whichever the graph has', () => {
    const circle = schema([{ name: 'center', type: { kind: 'OBJECT', name: 'GeoPoint' } }, { name: 'radiusKm', type: { kind: 'SCALAR', name: 'Float' } }]);
    expect(territoriesQuery(circle).query).toContain('center { lat lng } radiusKm');
    expect(polygonSelection(circle)).toBe('');
    const scalar = schema([{ name: 'boundary', type: { kind: 'SCALAR', name: 'JSON' } }]);
    expect(territoriesQuery(scalar).query).toContain('node { id polygon: boundary name');
    const object = schema([{ name: 'geometry', type: { kind: 'OBJECT', name: 'Geometry' } }], [{ name: 'Geometry', fields: [{ name: 'type', type: { kind: 'SCALAR', name: 'String' } }, { name: 'coordinates', type: { kind: 'SCALAR', name: 'JSON' } }] }]);
    expect(polygonSelection(object)).toBe('polygon: geometry { type coordinates }');
  });
});

describe('tile source configuration (serve.ts)', () => {
  it('defaults to OpenStreetMap, accepts any XYZ template, "none" for the offline map only, and refuses the rest', async () => {
    const { mapTilesFromEnv, tileOrigin, DEFAULT_TILE_URL } = await import('../serve.ts');
    expect(mapTilesFromEnv({})).toMatchObject({ tileUrl: DEFAULT_TILE_URL, maxZoom: 19 });
    expect(mapTilesFromEnv({}).attribution).toContain('OpenStreetMap');
    expect(mapTilesFromEnv({ DASHBOARD_TILE_URL: 'https://{s}.tiles.example.com/v1/{z}/{x}/{y}.png?key=k', DASHBOARD_TILE_ATTRIBUTION: '© Example' }))
      .toEqual({ tileUrl: 'https://{s}.tiles.example.com/v1/{z}/{x}/{y}.png?key=k', attribution: '© Example', maxZoom: 19 });
    expect(mapTilesFromEnv({ DASHBOARD_TILE_URL: 'none' }).tileUrl).toBe('');
    expect(() => mapTilesFromEnv({ DASHBOARD_TILE_URL: 'ftp://tiles/{z}/{x}/{y}.png' })).toThrow(/DASHBOARD_TILE_URL/);
    expect(tileOrigin('https://{s}.tiles.example.com/v1/{z}/{x}/{y}.png')).toBe('https://*.tiles.example.com');
    expect(tileOrigin('')).toBeNull();
  });
});
