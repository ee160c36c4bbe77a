import { describe, expect, it } from 'vitest';
import { haversineMatrix, osrmProvider } from './distance-matrix.ts';
import { distanceKm } from './geo.ts';

const pts = [
  { lat: 6.5244, lng: 3.3792 },
  { lat: 6.6018, lng: 3.3515 },
  { lat: 6.4474, lng: 3.4723 },
];

const answer = (body: unknown, status = 200) => (async () => new Response(JSON.stringify(body), { status })) as unknown as typeof fetch;

describe('distance matrices', () => {
  it('great circle × 1.3 by default, symmetric, zero on the diagonal', () => {
    const m = haversineMatrix(pts);
    expect(m[0]).toBe(0);
    expect(m[1]).toBeCloseTo(distanceKm(pts[0]!, pts[1]!) * 1.3, 9);
    expect(m[1 * 3 + 0]).toBe(m[1]);
  });

  it('asks OSRM for distances (lng,lat order) and averages both directions', async () => {
    let url = '';
    const fetchImpl = (async (u: string) => {
      url = u;
      return new Response(JSON.stringify({ code: 'Ok', distances: [[0, 10_000, 20_000], [12_000, 0, 5_000], [20_000, null, 0]] }));
    }) as unknown as typeof fetch;
    const r = await osrmProvider('http://osrm:5000/', fetchImpl)(pts);
    expect(url).toBe('http://osrm:5000/table/v1/driving/3.379200,6.524400;3.351500,6.601800;3.472300,6.447400?annotations=distance');
    expect(r.source).toBe('OSRM');
    expect(r.km[0 * 3 + 1]).toBe(11);
    expect(r.km[1 * 3 + 0]).toBe(11);
    expect(r.km[0 * 3 + 2]).toBe(20);
    expect(r.km[1 * 3 + 2]).toBe(5); // one direction unroutable: the other one
  });

  it('falls back to the great circle when OSRM fails or answers nonsense', async () => {
    for (const f of [answer({}, 500), answer({ code: 'NoTable' }), answer({ code: 'Ok', distances: [[0]] })]) {
      const r = await osrmProvider('http://osrm', f)(pts);
      expect(r.source).toBe('HAVERSINE');
      expect(Array.from(r.km)).toEqual(Array.from(haversineMatrix(pts)));
    }
  });
});
