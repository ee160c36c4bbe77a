import { describe, expect, it } from 'vitest';
import type { GeoJsonPolygon } from '@omniroute/core';
import { boundaryOf, hhmmOf, hierarchyProblem, minutesOf, territoryOf } from './territory.rules.ts';

const square = (w: number, s: number, size: number): GeoJsonPolygon => ({ type: 'Polygon', coordinates: [[[w, s], [w + size, s], [w + size, s + size], [w, s + size], [w, s]]] });

describe('territory rules', () => {
  it('keeps the hierarchy region → area → territory', () => {
    expect(hierarchyProblem('REGION', null)).toBeNull();
    expect(hierarchyProblem('AREA', 'REGION')).toBeNull();
    expect(hierarchyProblem('TERRITORY', 'AREA')).toBeNull();
    expect(hierarchyProblem('REGION', 'REGION')).toMatch(/no parent/);
    expect(hierarchyProblem('TERRITORY', null)).toMatch(/needs a parent AREA/);
    expect(hierarchyProblem('TERRITORY', 'REGION')).toMatch(/must be a AREA/);
  });

  it('assigns a customer by point-in-polygon unless overridden by hand', () => {
    const ts = [{ id: 'ter_a', boundary: square(3.3, 6.5, 0.1) }, { id: 'ter_b', boundary: square(3.4, 6.5, 0.1) }];
    expect(territoryOf({ lat: 6.55, lng: 3.35, territoryId: null, territoryOverride: false }, ts)).toBe('ter_a');
    expect(territoryOf({ lat: 6.55, lng: 3.45, territoryId: 'ter_a', territoryOverride: false }, ts)).toBe('ter_b');
    expect(territoryOf({ lat: 6.55, lng: 3.45, territoryId: 'ter_a', territoryOverride: true }, ts)).toBe('ter_a');
    expect(territoryOf({ lat: 7, lng: 3.45, territoryId: 'ter_a', territoryOverride: false }, ts)).toBeNull();
    expect(territoryOf({ lat: null, lng: null, territoryId: null, territoryOverride: false }, ts)).toBeNull();
  });

  it('reads boundaries and windows', () => {
    expect(boundaryOf(square(3, 6, 1))).toEqual(square(3, 6, 1));
    expect(boundaryOf({ type: 'Point' })).toBeNull();
    expect(minutesOf('08:30')).toBe(510);
    expect(minutesOf('24:00')).toBeNaN();
    expect(minutesOf('8:30')).toBeNaN();
    expect(hhmmOf(1050)).toBe('17:30');
  });
});
