/**
 * What the sandbox's pretend customer does, chosen by the last four digits of the payer's phone number so that a
 * test (or a demo user) picks an outcome by picking a number, and the same number always gives the same outcome.
 * Any other number pays successfully. No demo customer's or rider's number ends in one of these (scenarios.spec.ts).
 */
export const SCENARIOS = {
  '1001': 'INSUFFICIENT_FUNDS',
  '1002': 'DECLINED',
  '1003': 'EXPIRED',
  '1004': 'SLOW_RESPONSE',
  '1005': 'DUPLICATE_CALLBACKS',
  '1006': 'OUT_OF_ORDER',
  '1007': 'LOST_CALLBACK',
} as const;

export type Scenario = 'SUCCESS' | (typeof SCENARIOS)[keyof typeof SCENARIOS];

/** The scenario of a payer's phone (E.164 or bare digits). */
export function scenarioFor(phone: string | null | undefined): Scenario {
  const digits = String(phone ?? '').replace(/\D/g, '');
  return (SCENARIOS as Record<string, Scenario>)[digits.slice(-4)] ?? 'SUCCESS';
}

/** Whether the customer ends up paying. */
export const pays = (s: Scenario): boolean => !['INSUFFICIENT_FUNDS', 'DECLINED', 'EXPIRED'].includes(s);

/** How many times the final callback is delivered. */
export const finalDeliveries = (s: Scenario): number => (s === 'LOST_CALLBACK' ? 0 : s === 'DUPLICATE_CALLBACKS' || s === 'OUT_OF_ORDER' ? 3 : 1);
