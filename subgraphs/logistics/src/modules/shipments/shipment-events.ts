// Payloads of the events logistics consumes and produces (docs/events.md), and defensive parsing of the inbound ones.
import type { LatLng } from '../../lib/geo.ts';

/** The `source` of every event logistics publishes. */
export const SOURCE = 'logistics';

export interface OrderConfirmedPayload {
  orderId: string;
  number?: string;
  customerId?: string;
  customerName?: string;
  locationId?: string | null;
  territoryId?: string | null;
  destination?: LatLng | null;
  weightKg?: number | null;
  /** Volume of the goods (m³) where the catalogue knows it; null otherwise. */
  volumeM3?: number | null;
  /** The range the order's chilled goods need (°C); null for ambient goods. */
  temperature?: { minC: number; maxC: number } | null;
}

export interface OrderCancelledPayload {
  orderId: string;
  customerId?: string;
}

const str = (v: unknown, max = 200): string | null => (typeof v === 'string' && v.length > 0 && v.length <= max ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : null);

function point(v: unknown): LatLng | null {
  if (!v || typeof v !== 'object') return null;
  const lat = num((v as Record<string, unknown>).lat);
  const lng = num((v as Record<string, unknown>).lng);
  return lat !== null && lng !== null && Math.abs(lat) <= 90 && Math.abs(lng) <= 180 ? { lat, lng } : null;
}

function range(v: unknown): { minC: number; maxC: number } | null {
  if (!v || typeof v !== 'object') return null;
  const minC = num((v as Record<string, unknown>).minC);
  const maxC = num((v as Record<string, unknown>).maxC);
  return minC !== null && maxC !== null ? { minC, maxC } : null;
}

/** The parts of an `order.confirmed` payload logistics uses; null when it has no usable orderId. */
export function parseOrderConfirmed(payload: unknown): OrderConfirmedPayload | null {
  if (!payload || typeof payload !== 'object') return null;
  const p = payload as Record<string, unknown>;
  const orderId = str(p.orderId);
  if (!orderId) return null;
  return {
    orderId,
    number: str(p.number) ?? undefined,
    customerId: str(p.customerId) ?? undefined,
    customerName: str(p.customerName) ?? undefined,
    locationId: str(p.locationId),
    territoryId: str(p.territoryId),
    destination: point(p.destination),
    weightKg: num(p.weightKg),
    volumeM3: num(p.volumeM3),
    temperature: range(p.temperature),
  };
}

/** The parts of an `order.cancelled` payload logistics uses; null when it has no usable orderId. */
export function parseOrderCancelled(payload: unknown): OrderCancelledPayload | null {
  if (!payload || typeof payload !== 'object') return null;
  const orderId = str((payload as Record<string, unknown>).orderId);
  return orderId ? { orderId, customerId: str((payload as Record<string, unknown>).customerId) ?? undefined } : null;
}
