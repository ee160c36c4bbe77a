import { MomoConnector } from './momo.ts';
import { MpesaConnector } from './mpesa.ts';
import { PaystackConnector } from './paystack.ts';
import type { RailConnector, RailName } from './rail.ts';

export * from './rail.ts';

/** One connector per rail; `timeoutMs` bounds every provider request. */
export function createConnectors(timeoutMs = 10_000): Record<RailName, RailConnector> {
  return { MPESA: new MpesaConnector(timeoutMs), MTN_MOMO: new MomoConnector(timeoutMs), PAYSTACK: new PaystackConnector(timeoutMs) };
}
