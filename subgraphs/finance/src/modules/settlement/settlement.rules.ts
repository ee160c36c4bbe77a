// Providers' settlement reports (CSV) read into one shape. Column sets as the providers' exports have them:
// M-PESA Org Portal account statement, MTN MoMo Partner Portal transaction report, Paystack dashboard export of
// transactions and transfers (docs/payments.md, "Reconciliation"). The provider sandbox writes the same files.
import { Decimal, dec, MINOR_UNITS, type CurrencyCode } from '@omniroute/core';
import type { RailName } from '../payments/rails/rail.ts';

export interface ReportLine {
  kind: 'COLLECTION' | 'PAYOUT';
  /** The provider's id of the transaction (M-Pesa receipt, MoMo financial transaction id, Paystack reference). */
  reference: string;
  /** Another id the line can be matched by (MoMo's External Transaction Id: our payment or payout id; Paystack's transfer code). */
  altReference: string | null;
  amount: Decimal;
  fee: Decimal;
  currency: CurrencyCode;
  occurredAt: Date;
  raw: Record<string, string>;
}

export class ReportError extends Error {}

/** RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF; rows as header → value maps. */
export function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      field = '';
      if (row.some((f) => f !== '')) rows.push(row);
      row = [];
    } else field += ch;
  }
  if (quoted) throw new ReportError('unterminated quoted field');
  row.push(field);
  if (row.some((f) => f !== '')) rows.push(row);
  const [header, ...body] = rows;
  if (!header) return [];
  const names = header.map((h) => h.trim().replace(/^\uFEFF/, ''));
  return body.map((r) => Object.fromEntries(names.map((n, i) => [n, (r[i] ?? '').trim()])));
}

/** A money cell: digits with an optional sign, thousands commas and decimals; never through a float. */
export function amountCell(text: string | undefined, currency: CurrencyCode): Decimal | null {
  const t = (text ?? '').replace(/,/g, '').trim();
  if (!t) return null;
  if (!/^-?\d{1,15}(\.\d{1,4})?$/.test(t)) throw new ReportError(`not an amount: ${t.slice(0, 30)}`);
  const v = dec(t).abs();
  if (v.decimalPlaces() > MINOR_UNITS[currency]) throw new ReportError(`${t} has more decimals than ${currency}`);
  return v;
}

function dateCell(text: string | undefined): Date {
  const t = (text ?? '').trim();
  // M-Pesa: "2026-12-05 14:03:22" (East Africa Time); the others ISO 8601.
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/.exec(t);
  const d = m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]! - 3, +m[5]!, +m[6]!)) : new Date(t);
  if (Number.isNaN(d.getTime())) throw new ReportError(`not a date: ${t.slice(0, 30)}`);
  return d;
}

function need(row: Record<string, string>, cols: string[], rail: RailName): void {
  const missing = cols.filter((c) => !(c in row));
  if (missing.length) throw new ReportError(`${rail} report lacks the columns ${missing.join(', ')}`);
}

/**
 * M-PESA Org Portal statement: `Receipt No., Completion Time, Initiation Time, Details, Transaction Status, Paid In,
 * Withdrawn, Balance, Balance Confirmed, Reason Type, Other Party Info, Linked Transaction ID, A/C No.`. Money in
 * (Paid In) is a collection, money out (Withdrawn) a payout; charges are rows of their own ("… Charge" reason)
 * linked to their transaction. `A/C No.` carries the STK push's AccountReference or the B2C request's Occasion (our
 * payout id): a payout whose Result callback was lost has no receipt here yet, and is found by it. No currency
 * column: the short code's.
 */
function mpesa(rows: Record<string, string>[], currency: CurrencyCode): ReportLine[] {
  const lines = new Map<string, ReportLine>();
  const charges: Record<string, string>[] = [];
  for (const r of rows) {
    need(r, ['Receipt No.', 'Completion Time', 'Transaction Status', 'Paid In', 'Withdrawn', 'Reason Type', 'Linked Transaction ID'], 'MPESA');
    if (r['Transaction Status'] !== 'Completed') continue;
    if (/charge/i.test(r['Reason Type'] ?? '')) {
      charges.push(r);
      continue;
    }
    const paidIn = amountCell(r['Paid In'], currency);
    const out = amountCell(r['Withdrawn'], currency);
    if (!paidIn && !out) continue;
    lines.set(r['Receipt No.']!, { kind: paidIn ? 'COLLECTION' : 'PAYOUT', reference: r['Receipt No.']!, altReference: paidIn ? null : r['A/C No.'] || null, amount: (paidIn ?? out)!, fee: new Decimal(0), currency, occurredAt: dateCell(r['Completion Time']), raw: r });
  }
  for (const c of charges) {
    const line = lines.get(c['Linked Transaction ID'] ?? '');
    const fee = amountCell(c['Withdrawn'], currency) ?? new Decimal(0);
    if (line) line.fee = line.fee.plus(fee);
  }
  return [...lines.values()];
}

/** MTN MoMo Partner Portal report: `Id, External Transaction Id, Date, Status, Type, From, To, Amount, Fee, Currency, Balance`. */
function momo(rows: Record<string, string>[]): ReportLine[] {
  return rows.filter((r) => (need(r, ['Id', 'External Transaction Id', 'Date', 'Status', 'Type', 'Amount', 'Fee', 'Currency'], 'MTN_MOMO'), r.Status === 'SUCCESSFUL')).map((r) => {
    const currency = r.Currency as CurrencyCode;
    if (!(currency in MINOR_UNITS)) throw new ReportError(`unknown currency ${r.Currency}`);
    return {
      kind: r.Type === 'TRANSFER' ? 'PAYOUT' : 'COLLECTION', reference: r.Id!, altReference: r['External Transaction Id'] || null,
      amount: amountCell(r.Amount, currency)!, fee: amountCell(r.Fee, currency) ?? new Decimal(0), currency, occurredAt: dateCell(r.Date), raw: r,
    } satisfies ReportLine;
  });
}

/** Paystack export: `Type, Reference, Amount, Fees, Currency, Status, Paid At, Channel, Transfer Code` (amounts in major units). */
function paystack(rows: Record<string, string>[]): ReportLine[] {
  return rows.filter((r) => (need(r, ['Type', 'Reference', 'Amount', 'Fees', 'Currency', 'Status', 'Paid At'], 'PAYSTACK'), r.Status === 'success')).map((r) => {
    const currency = r.Currency as CurrencyCode;
    if (!(currency in MINOR_UNITS)) throw new ReportError(`unknown currency ${r.Currency}`);
    return {
      kind: r.Type === 'transfer' ? 'PAYOUT' : 'COLLECTION', reference: r.Reference!, altReference: r['Transfer Code'] || null,
      amount: amountCell(r.Amount, currency)!, fee: amountCell(r.Fees, currency) ?? new Decimal(0), currency, occurredAt: dateCell(r['Paid At']), raw: r,
    } satisfies ReportLine;
  });
}

/** The settled transactions of a provider's report; throws ReportError on a file that is not in the provider's format. */
export function readReport(rail: RailName, csv: string, accountCurrency: CurrencyCode): ReportLine[] {
  const rows = parseCsv(csv);
  if (rows.length === 0) return [];
  return rail === 'MPESA' ? mpesa(rows, accountCurrency) : rail === 'MTN_MOMO' ? momo(rows) : paystack(rows);
}

export type MatchStatus = 'MATCHED' | 'AMOUNT_MISMATCH' | 'STATUS_MISMATCH' | 'UNMATCHED';

/** How a report line compares with what we hold for it (null: nothing). */
export function matchStatus(line: { amount: Decimal }, ours: { amount: Decimal | string; status: string } | null): MatchStatus {
  if (!ours) return 'UNMATCHED';
  if (!dec(ours.amount).eq(line.amount)) return 'AMOUNT_MISMATCH';
  return ours.status === 'SUCCEEDED' ? 'MATCHED' : 'STATUS_MISMATCH';
}
