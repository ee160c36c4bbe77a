// Settlement reports: the day's settled transactions of an account as the provider's export has them — the M-PESA
// Org Portal account statement, the MTN MoMo Partner Portal transaction report, Paystack's dashboard export of
// transactions and transfers. Real accounts get these from the portals (or SFTP); the sandbox serves them at
// `GET /sandbox/reports/<mpesa|mtn-momo|paystack>?date=YYYY-MM-DD` with the account's own credentials.
// Fees (a sandbox schedule): M-Pesa and MoMo 1 % of the amount, Paystack 1.5 % capped at 2 000.00.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basicAuth, bearer, HttpReply, type SandboxState, type SandboxTransaction } from './core.ts';
import { darajaTimestamp } from './mpesa.ts';
import type { MomoAccount } from './momo.ts';
import type { MpesaAccount } from './mpesa.ts';
import type { PaystackAccount } from './paystack.ts';

const DIGITS: Record<string, number> = { XOF: 0, KES: 0 };

/** `amount × bps / 10 000`, rounded half up to the currency's digits, optionally capped; in integers, never floats. */
export function feeOf(amount: string, currency: string, bps: number, cap?: string): string {
  const digits = DIGITS[currency] ?? 2;
  const minor = (s: string) => {
    const [w, f = ''] = s.split('.');
    return BigInt(w! + f.padEnd(digits, '0').slice(0, digits));
  };
  let fee = (minor(amount) * BigInt(bps) + 5_000n) / 10_000n;
  if (cap !== undefined && fee > minor(cap)) fee = minor(cap);
  const s = fee.toString().padStart(digits + 1, '0');
  return digits === 0 ? s : `${s.slice(0, -digits)}.${s.slice(-digits)}`;
}

const csv = (rows: (string | number | null | undefined)[][]) =>
  rows.map((r) => r.map((v) => {
    const t = v == null ? '' : String(v);
    return /[",\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
  }).join(',')).join('\r\n') + '\r\n';

const eat = (d: Date) => {
  const s = darajaTimestamp(d);
  return `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)} ${s.slice(8, 10)}:${s.slice(10, 12)}:${s.slice(12, 14)}`;
};

export function mpesaStatement(txns: SandboxTransaction[]): string {
  const rows: (string | null)[][] = [['Receipt No.', 'Completion Time', 'Initiation Time', 'Details', 'Transaction Status', 'Paid In', 'Withdrawn', 'Balance', 'Balance Confirmed', 'Reason Type', 'Other Party Info', 'Linked Transaction ID', 'A/C No.']];
  for (const t of txns) {
    const payout = t.meta.kind === 'payout';
    const fee = feeOf(t.amount, t.currency, 100);
    rows.push([t.receipt, eat(t.settledAt!), eat(t.createdAt), payout ? `Business Payment to ${t.phone}` : `Pay Bill Online from ${t.phone}`, 'Completed', payout ? null : t.amount, payout ? `-${t.amount}` : null, null, 'true', payout ? 'Business Payment' : 'Pay Bill Online', t.phone, null, String((payout ? t.meta.occasion : t.meta.accountReference) ?? '')]);
    rows.push([`${t.receipt}C`, eat(t.settledAt!), eat(t.settledAt!), payout ? 'Business Payment Charge' : 'Pay Bill Charge', 'Completed', null, `-${fee}`, null, 'true', payout ? 'Business Payment Charge' : 'Pay Bill Charge', null, t.receipt, null]);
  }
  return csv(rows);
}

export function momoReport(txns: SandboxTransaction[]): string {
  return csv([
    ['Id', 'External Transaction Id', 'Date', 'Status', 'Type', 'From', 'To', 'Amount', 'Fee', 'Currency', 'Balance'],
    ...txns.map((t) => {
      const payout = t.meta.kind === 'payout';
      return [t.receipt, String(t.meta.externalId ?? ''), t.settledAt!.toISOString(), 'SUCCESSFUL', payout ? 'TRANSFER' : 'REQUEST_TO_PAY', payout ? null : t.phone, payout ? t.phone : null, t.amount, feeOf(t.amount, t.currency, 100), t.currency, null];
    }),
  ]);
}

export function paystackExport(txns: SandboxTransaction[]): string {
  return csv([
    ['Type', 'Reference', 'Amount', 'Fees', 'Currency', 'Status', 'Paid At', 'Channel', 'Transfer Code'],
    ...txns.map((t) => {
      const payout = t.meta.kind === 'payout';
      return [payout ? 'transfer' : 'transaction', t.reference, t.amount, feeOf(t.amount, t.currency, 150, '2000.00'), t.currency, 'success', t.settledAt!.toISOString(), payout ? null : String(t.meta.channel ?? ''), payout ? String(t.meta.transferCode) : null];
    }),
  ]);
}

export function reportsRail(state: SandboxState, accounts: { mpesa: () => MpesaAccount[]; momo: () => MomoAccount[]; paystack: () => PaystackAccount[] }) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    const m = /^\/sandbox\/reports\/(mpesa|mtn-momo|paystack)$/.exec(url.pathname);
    if (req.method !== 'GET' || !m) return false;
    const date = url.searchParams.get('date') ?? '';
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new HttpReply(400, { message: 'date must be YYYY-MM-DD' });
    let account: string | undefined;
    if (m[1] === 'mpesa') {
      const [k, s] = basicAuth(req) ?? [];
      account = accounts.mpesa().find((a) => a.consumerKey === k && a.consumerSecret === s)?.consumerKey;
    } else if (m[1] === 'mtn-momo') {
      const [u, k] = basicAuth(req) ?? [];
      account = accounts.momo().find((a) => a.apiUser === u && a.apiKey === k)?.apiUser;
    } else {
      account = accounts.paystack().find((a) => a.secretKey === bearer(req))?.secretKey;
    }
    if (!account) throw new HttpReply(401, { message: 'Invalid credentials' });
    const rail = m[1] === 'mpesa' ? 'MPESA' : m[1] === 'mtn-momo' ? 'MTN_MOMO' : 'PAYSTACK';
    const txns = [...state.transactions.values()]
      .filter((t) => t.rail === rail && t.account === account && t.status === 'SUCCEEDED' && t.settledAt && t.settledAt.toISOString().slice(0, 10) === date)
      .sort((a, b) => a.settledAt!.getTime() - b.settledAt!.getTime());
    const body = rail === 'MPESA' ? mpesaStatement(txns) : rail === 'MTN_MOMO' ? momoReport(txns) : paystackExport(txns);
    res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${m[1]}-${date}.csv"` }).end(body);
    return true;
  };
}
