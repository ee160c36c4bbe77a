import { describe, expect, it } from 'vitest';
import { boundingRing, containingPolygon, partition, pointInPolygon, polygonArea, polygonProblem, type GeoJsonPolygon } from './polygon.rules.ts';

const square = (w: number, s: number, size: number): GeoJsonPolygon => ({ type: 'Polygon', coordinates: [[[w, s], [w + size, s], [w + size, s + size], [w, s + size], [w, s]]] });

describe('polygon rules', () => {
  it('validates GeoJSON polygons', () => {
    expect(polygonProblem(square(3, 6, 0.1))).toBeNull();
    expect(polygonProblem({ type: 'Point', coordinates: [3, 6] })).toMatch(/Polygon/);
    expect(polygonProblem({ type: 'Polygon', coordinates: [[[3, 6], [4, 6], [4, 7]]] })).toMatch(/at least 4/);
    expect(polygonProblem({ type: 'Polygon', coordinates: [[[3, 6], [4, 6], [4, 7], [3, 7]]] })).toMatch(/not closed/);
    expect(polygonProblem({ type: 'Polygon', coordinates: [[[3, 6], [400, 6], [4, 7], [3, 6]]] })).toMatch(/outside/);
    expect(polygonProblem({ type: 'Polygon', coordinates: [[[3, 6], [4, 6], [5, 6], [3, 6]]] })).toMatch(/no area/);
    expect(polygonProblem(null)).toMatch(/object/);
  });

  it('finds points inside the outline and outside holes', () => {
    const donut: GeoJsonPolygon = { type: 'Polygon', coordinates: [square(0, 0, 10).coordinates[0]!, square(4, 4, 2).coordinates[0]!] };
    expect(pointInPolygon({ lng: 1, lat: 1 }, donut)).toBe(true);
    expect(pointInPolygon({ lng: 5, lat: 5 }, donut)).toBe(false);
    expect(pointInPolygon({ lng: 11, lat: 5 }, donut)).toBe(false);
    expect(polygonArea(donut)).toBeCloseTo(96, 9);
  });

  it('picks the smallest containing polygon, ties by id', () => {
    const big = { id: 'b', boundary: square(0, 0, 10) };
    const small = { id: 'z', boundary: square(1, 1, 2) };
    const twin = { id: 'a', boundary: square(1, 1, 2) };
    expect(containingPolygon({ lng: 2, lat: 2 }, [big, small])?.id).toBe('z');
    expect(containingPolygon({ lng: 2, lat: 2 }, [big, small, twin])?.id).toBe('a');
    expect(containingPolygon({ lng: 8, lat: 8 }, [big, small])?.id).toBe('b');
    expect(containingPolygon({ lng: 20, lat: 8 }, [big, small])).toBeNull();
  });

  it('partitions a box among seeds into cells that tile it, each point in the cell of its nearest seed', () => {
    const seeds = [{ lat: 1, lng: 1 }, { lat: 1, lng: 3 }, { lat: 3, lng: 2 }];
    const ring = boundingRing(seeds, 1);
    const cells = partition(ring, seeds);
    expect(cells.reduce((s, c) => s + polygonArea(c), 0)).toBeCloseTo(polygonArea({ type: 'Polygon', coordinates: [ring] }), 6);
    for (let k = 0; k < 200; k++) {
      const p = { lat: 0.05 + ((k * 37) % 97) / 97 * 3.9, lng: 0.05 + ((k * 53) % 89) / 89 * 3.9 };
      const inside = cells.map((c, i) => (pointInPolygon(p, c) ? i : -1)).filter((i) => i >= 0);
      expect(inside).toHaveLength(1);
      const d = seeds.map((s) => Math.hypot(s.lat - p.lat, s.lng - p.lng));
      expect(d[inside[0]!]).toBeCloseTo(Math.min(...d), 4);
    }
  });
});
