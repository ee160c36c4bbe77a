/**
 * A payer's phone in E.164 (`+` and 8–15 digits, no leading zero after the plus), from what people type: spaces,
 * dashes, dots and brackets are dropped, a `00` international prefix becomes `+`. Numbers without a country code
 * are refused rather than guessed. Null when it is not a phone number.
 */
export function normalizePhone(input: string): string | null {
  if (typeof input !== 'string' || input.length > 40) return null;
  let t = input.trim().replace(/[\s().-]/g, '');
  if (t.startsWith('00')) t = `+${t.slice(2)}`;
  return /^\+[1-9]\d{7,14}$/.test(t) ? t : null;
}

/** Pause before the n-th status poll (n ≥ 1): doubling from `first`, at most `max`. */
export function nextPollDelay(n: number, first: number, max: number): number {
  return Math.min(max, first * 2 ** Math.min(Math.max(0, n - 1), 20));
}
