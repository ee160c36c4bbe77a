// Road distances between a day's stops: great circle × the road factor by default, or an OSRM table service
// (`/table/v1/driving`) when one is configured (OSRM_URL), falling back to the great circle if it fails.
import { log } from '@omniroute/core';
import { ROAD_FACTOR } from '../modules/shipments/shipment-rules.ts';
import { distanceKm, type LatLng } from './geo.ts';

export type DistanceSource = 'HAVERSINE' | 'OSRM';

export interface DistanceMatrix {
  /** Road km, row-major over the given points. */
  km: Float64Array;
  source: DistanceSource;
}

export type DistanceProvider = (points: LatLng[]) => Promise<DistanceMatrix>;

/** Great circle × ROAD_FACTOR for every pair. */
export function haversineMatrix(points: LatLng[]): Float64Array {
  const n = points.length;
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) m[i * n + j] = m[j * n + i] = distanceKm(points[i]!, points[j]!) * ROAD_FACTOR;
  return m;
}

export const haversineProvider: DistanceProvider = async (points) => ({ km: haversineMatrix(points), source: 'HAVERSINE' });

/**
 * OSRM's table API. Its matrix is asymmetric (one-way streets); the solver prices reversed stretches by their end
 * edges only, so each pair gets the mean of both directions. Pairs OSRM cannot route keep the great-circle estimate.
 */
export function osrmProvider(baseUrl: string, fetchImpl: typeof fetch = fetch, timeoutMs = 5000): DistanceProvider {
  const base = baseUrl.replace(/\/+$/, '');
  return async (points) => {
    const fallback = haversineMatrix(points);
    if (points.length < 2) return { km: fallback, source: 'HAVERSINE' };
    const coords = points.map((p) => `${p.lng.toFixed(6)},${p.lat.toFixed(6)}`).join(';');
    try {
      const res = await fetchImpl(`${base}/table/v1/driving/${coords}?annotations=distance`, { signal: AbortSignal.timeout(timeoutMs) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const body = (await res.json()) as { code?: string; distances?: (number | null)[][] };
      const d = body.distances;
      if (body.code !== 'Ok' || !Array.isArray(d) || d.length !== points.length) throw new Error(`unexpected answer ${body.code ?? ''}`);
      const n = points.length;
      const km = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        for (let j = i + 1; j < n; j++) {
          const a = d[i]?.[j];
          const b = d[j]?.[i];
          const ok = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 0;
          const mean = ok(a) && ok(b) ? (a + b) / 2000 : ok(a) ? a / 1000 : ok(b) ? b / 1000 : fallback[i * n + j]!;
          km[i * n + j] = km[j * n + i] = mean;
        }
      }
      return { km, source: 'OSRM' };
    } catch (error) {
      log.warn('OSRM table failed; using great-circle distances', { error: (error as Error).message });
      return { km: fallback, source: 'HAVERSINE' };
    }
  };
}
