// Money arithmetic for the dashboard: Decimal strings in, integer minor units (BigInt) inside, strings out.
// Never floats: GMV is summed exactly like the ledger does.

const MINOR_DIGITS: Record<string, number> = { NGN: 2, GHS: 2, KES: 2, XOF: 0, TZS: 2, USD: 2 };
const SYMBOLS: Record<string, string> = { NGN: '₦', GHS: 'GH₵', KES: 'KSh ', XOF: 'CFA ', TZS: 'TSh ', USD: '$' };

export const minorDigits = (currency: string): number => MINOR_DIGITS[currency] ?? 2;
export const currencySymbol = (currency: string): string => SYMBOLS[currency] ?? `${currency} `;

/** "1500.5" NGN → 150050n. More fractional digits than the currency has are rounded half away from zero. */
export function toMinor(amount: string, currency: string): bigint {
  const m = /^([+-])?(\d+)(?:\.(\d*))?$/.exec(String(amount).trim());
  if (!m) throw new Error(`not a Decimal amount: ${JSON.stringify(amount)}`);
  const digits = minorDigits(currency);
  const frac = m[3] ?? '';
  let v = BigInt(m[2]! + frac.slice(0, digits).padEnd(digits, '0'));
  if (frac.length > digits && frac[digits]! >= '5') v += 1n;
  return m[1] === '-' ? -v : v;
}

const group = (digits: string) => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** 150050n NGN → "₦1,500.50"; `compact` shortens large amounts to K/M/B with two decimals ("₦12.35M"). */
export function formatMinor(v: bigint, currency: string, opts: { compact?: boolean; symbol?: boolean } = {}): string {
  const digits = minorDigits(currency);
  const neg = v < 0n;
  const abs = neg ? -v : v;
  const scale = 10n ** BigInt(digits);
  const sym = opts.symbol === false ? '' : currencySymbol(currency);
  const sign = neg ? '−' : '';
  if (opts.compact) {
    const major = abs / scale;
    for (const [unit, size] of [['B', 1_000_000_000n], ['M', 1_000_000n], ['K', 1_000n]] as const) {
      if (major >= size * (unit === 'K' ? 10n : 1n)) {
        // two decimals, rounded half up, computed on minor units
        const hundredths = (abs * 100n + (size * scale) / 2n) / (size * scale);
        return `${sign}${sym}${group(String(hundredths / 100n))}.${String(hundredths % 100n).padStart(2, '0')}${unit}`;
      }
    }
  }
  const int = group(String(abs / scale));
  const frac = digits ? `.${String(abs % scale).padStart(digits, '0')}` : '';
  return `${sign}${sym}${int}${frac}`;
}

/** Formats a Decimal string exactly (no float round trip). */
export const formatAmount = (amount: string, currency: string, opts?: { compact?: boolean }) => formatMinor(toMinor(amount, currency), currency, opts);
