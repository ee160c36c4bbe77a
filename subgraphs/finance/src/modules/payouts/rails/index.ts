import type { RailName } from '../../payments/rails/rail.ts';
import { MomoDisbursementConnector } from './momo-disbursement.ts';
import { MpesaB2cConnector } from './mpesa-b2c.ts';
import type { PayoutConnector } from './payout-rail.ts';
import { PaystackTransferConnector } from './paystack-transfer.ts';

export * from './payout-rail.ts';

/** One payout connector per rail; `timeoutMs` bounds every provider request. */
export function createPayoutConnectors(timeoutMs = 10_000): Record<RailName, PayoutConnector> {
  return { MPESA: new MpesaB2cConnector(timeoutMs), MTN_MOMO: new MomoDisbursementConnector(timeoutMs), PAYSTACK: new PaystackTransferConnector(timeoutMs) };
}
