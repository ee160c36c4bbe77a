// Pure rules for GPS reports: what a valid reading is (cold-chain excursions: ../cold-chain/cold-chain.rules.ts).
import { userError, type UserError, type UserErrorCode } from '@omniroute/core';

/** Device clocks drift; a reading further ahead of the server clock than this is refused. */
export const MAX_CLOCK_SKEW_MS = 2 * 60_000;
/** Trackers buffer readings while offline and upload them later, but not a month later. */
export const MAX_READING_AGE_MS = 30 * 86_400_000;
export const MAX_SPEED_KPH = 300;
/** Plausible range of a refrigerated-box sensor, °C. Outside it the sensor is broken, not the cargo warm. */
export const TEMPERATURE_RANGE_C = [-60, 80] as const;

export interface PositionReading {
  lat: number;
  lng: number;
  speedKph: number;
  heading?: number | null;
  temperatureC?: number | null;
  recordedAt: Date;
}

const inRange = (v: unknown, min: number, max: number) => typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;

/** Every problem with a reading, as userErrors on `input.<field>` (code INVALID_INPUT); empty when valid. */
export function validatePosition(r: PositionReading, opts: { coldChain: boolean; now: Date }): UserError[] {
  const errors: UserError[] = [];
  const bad = (field: string, message: string, code: UserErrorCode = 'INVALID_INPUT') => errors.push(userError(code, message, ['input', field]));
  if (!inRange(r.lat, -90, 90)) bad('lat', 'lat must be between -90 and 90');
  if (!inRange(r.lng, -180, 180)) bad('lng', 'lng must be between -180 and 180');
  if (!inRange(r.speedKph, 0, MAX_SPEED_KPH)) bad('speedKph', `speedKph must be between 0 and ${MAX_SPEED_KPH}`);
  if (r.heading != null && !(inRange(r.heading, 0, 360) && r.heading < 360)) bad('heading', 'heading must be at least 0 and below 360 degrees');
  if (r.temperatureC != null && !inRange(r.temperatureC, TEMPERATURE_RANGE_C[0], TEMPERATURE_RANGE_C[1])) {
    bad('temperatureC', `temperatureC must be between ${TEMPERATURE_RANGE_C[0]} and ${TEMPERATURE_RANGE_C[1]}`);
  }
  if (r.temperatureC == null && opts.coldChain) bad('temperatureC', 'Cold-chain vehicles must report temperatureC', 'TEMPERATURE_REQUIRED');
  if (!(r.recordedAt instanceof Date) || Number.isNaN(r.recordedAt.getTime())) bad('recordedAt', 'recordedAt is not a valid time');
  else if (r.recordedAt.getTime() > opts.now.getTime() + MAX_CLOCK_SKEW_MS) bad('recordedAt', 'recordedAt is in the future');
  else if (r.recordedAt.getTime() < opts.now.getTime() - MAX_READING_AGE_MS) bad('recordedAt', 'recordedAt is more than 30 days old');
  return errors;
}

/** Readings arrive out of order (devices buffer offline); only a newer one replaces the vehicle's last position. */
export function isNewerReading(recordedAt: Date, lastRecordedAt: Date | null | undefined): boolean {
  return !lastRecordedAt || recordedAt.getTime() >= lastRecordedAt.getTime();
}
