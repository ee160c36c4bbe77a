import { describe, expect, it } from 'vitest';
import {
  AVERAGE_SPEED_KPH,
  canCancel,
  canConfirmDelivery,
  canDispatch,
  estimateEta,
  isOnTime,
  PREPARATION_MINUTES,
  routeKm,
  ROAD_FACTOR,
  shipmentComplexity,
  STOP_HANDLING_MINUTES,
  UNKNOWN_LEG_KM,
} from './shipment-rules.ts';
import { distanceKm } from '../../lib/geo.ts';

const from = new Date('2026-11-25T08:00:00.000Z');
const depot = { lat: 6.5244, lng: 3.3792 };
const shop = { lat: 6.6018, lng: 3.3515 };
const minutesAfter = (d: Date) => (d.getTime() - from.getTime()) / 60_000;

describe('estimateEta', () => {
  it('adds road distance at the vehicle speed and handling per stop', () => {
    const km = distanceKm(depot, shop) * ROAD_FACTOR;
    const eta = estimateEta({ from, route: [depot, shop], kind: 'MOTORBIKE' });
    const expected = (km / AVERAGE_SPEED_KPH.MOTORBIKE) * 60 + STOP_HANDLING_MINUTES;
    expect(minutesAfter(eta)).toBe(Math.ceil(expected));
  });

  it('is later for slower vehicles and with preparation time', () => {
    const bike = estimateEta({ from, route: [depot, shop], kind: 'MOTORBIKE' });
    const truck = estimateEta({ from, route: [depot, shop], kind: 'TRUCK' });
    expect(truck.getTime()).toBeGreaterThan(bike.getTime());
    const pending = estimateEta({ from, route: [depot, shop], preparationMinutes: PREPARATION_MINUTES });
    expect(minutesAfter(pending)).toBeGreaterThan(PREPARATION_MINUTES);
  });

  it('counts a leg with an unknown end as UNKNOWN_LEG_KM', () => {
    expect(routeKm([null, shop])).toBe(UNKNOWN_LEG_KM);
    expect(routeKm([depot, null, shop])).toBe(2 * UNKNOWN_LEG_KM);
    expect(routeKm([shop])).toBe(0);
  });

  it('rounds up to a whole minute and never precedes `from`', () => {
    const eta = estimateEta({ from: new Date('2026-11-25T08:00:30.000Z'), route: [shop, shop], kind: 'VAN' });
    expect(eta.getUTCSeconds()).toBe(0);
    expect(eta.getTime()).toBeGreaterThan(new Date('2026-11-25T08:00:30.000Z').getTime());
  });
});

describe('shipmentComplexity', () => {
  it('grows with weight from 1 to 10', () => {
    expect(shipmentComplexity(0)).toBe(1);
    expect(shipmentComplexity(5)).toBe(1);
    expect(shipmentComplexity(10)).toBe(1);
    expect(shipmentComplexity(10.5)).toBe(2);
    expect(shipmentComplexity(60)).toBe(4);
    expect(shipmentComplexity(3000)).toBe(9);
    expect(shipmentComplexity(3001)).toBe(10);
    expect(shipmentComplexity(1e9)).toBe(10);
  });

  it('adds one per extra stop, capped at 10', () => {
    expect(shipmentComplexity(5, 4)).toBe(3);
    expect(shipmentComplexity(5000, 6)).toBe(10);
  });

  it('treats unknown or invalid weight as light', () => {
    for (const w of [null, undefined, -5, Number.NaN, Number.POSITIVE_INFINITY]) expect(shipmentComplexity(w)).toBe(1);
  });

  it('is always an integer in 1..10', () => {
    for (let w = 0; w < 10_000; w += 37) {
      const c = shipmentComplexity(w);
      expect(Number.isInteger(c) && c >= 1 && c <= 10).toBe(true);
    }
  });
});

describe('isOnTime', () => {
  it('is on time up to and including the ETA', () => {
    const eta = new Date('2026-11-25T12:00:00.000Z');
    expect(isOnTime(new Date('2026-11-25T11:59:00.000Z'), eta)).toBe(true);
    expect(isOnTime(eta, eta)).toBe(true);
    expect(isOnTime(new Date('2026-11-25T12:00:00.001Z'), eta)).toBe(false);
    expect(isOnTime(new Date(), null)).toBe(true);
  });
});

describe('status transitions', () => {
  it('dispatches and cancels only shipments that have not left', () => {
    expect(['PENDING', 'ASSIGNED'].every((s) => canDispatch(s as never) && canCancel(s as never))).toBe(true);
    expect(['IN_TRANSIT', 'DELIVERED', 'FAILED', 'CANCELLED'].some((s) => canDispatch(s as never) || canCancel(s as never))).toBe(false);
  });
  it('confirms delivery only in transit', () => {
    expect(canConfirmDelivery('IN_TRANSIT')).toBe(true);
    expect(canConfirmDelivery('PENDING')).toBe(false);
    expect(canConfirmDelivery('DELIVERED')).toBe(false);
  });
});
