// Africa's Talking SMS (https://developers.africastalking.com/docs/sms/sending/bulk): `POST /version1/messaging`,
// form-encoded `username`, `to`, `message`, optional `from`, header `apiKey`, `Accept: application/json` →
// 201 `{ "SMSMessageData": { "Message": "Sent to 1/1 Total Cost: KES 0.8000", "Recipients": [{ "statusCode": 101,
// "number": "+254711XXXYYY", "status": "Success", "cost": "KES 0.8000", "messageId": "ATPid_…" }] } }`.
// Shapes quoted in docs/payments.md.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { callProvider } from '../payments/rails/rail.ts';

export interface SmsAccount {
  tenantId: string;
  provider: 'AFRICAS_TALKING';
  baseUrl: string;
  username: string;
  apiKey: string;
  senderId: string | null;
}

/** Sent (accepted by the provider), failed for good, or worth retrying later (the provider's or the tenant's transient trouble). */
export type SmsResult = { status: 'SENT'; messageId: string; cost: string | null } | { status: 'FAILED'; reason: string } | { status: 'RETRY'; reason: string };

/** Recipient status codes (docs: 100 Processed, 101 Sent, 102 Queued; 405 InsufficientBalance and 5xx are transient). */
export function smsOutcome(recipient: { statusCode?: unknown; status?: unknown; messageId?: unknown; cost?: unknown } | undefined): SmsResult {
  const code = Number(recipient?.statusCode);
  if ([100, 101, 102].includes(code) && typeof recipient?.messageId === 'string') return { status: 'SENT', messageId: recipient.messageId, cost: typeof recipient.cost === 'string' ? recipient.cost : null };
  const reason = `Africa's Talking ${Number.isFinite(code) ? code : '?'} ${String(recipient?.status ?? 'no recipient status')}`;
  return code === 405 || code >= 500 || !Number.isFinite(code) ? { status: 'RETRY', reason } : { status: 'FAILED', reason };
}

export class AfricasTalkingSms {
  constructor(private readonly timeoutMs = 10_000) {}

  async send(a: SmsAccount, to: string, message: string): Promise<SmsResult> {
    const form = new URLSearchParams({ username: a.username, to, message });
    if (a.senderId) form.set('from', a.senderId);
    const r = await callProvider(`${a.baseUrl}/version1/messaging`, {
      method: 'POST',
      headers: { apikey: a.apiKey, accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    }, this.timeoutMs);
    if (r.status === 201 || r.status === 200) return smsOutcome(r.body?.SMSMessageData?.Recipients?.[0]);
    const detail = typeof r.body === 'string' ? r.body : r.body?.text ?? r.body?.message ?? r.error ?? '';
    const reason = `Africa's Talking: ${r.status === null ? 'no answer' : `HTTP ${r.status}`} ${String(detail).slice(0, 200)}`.trim();
    return r.status !== null && r.status >= 400 && r.status < 500 ? { status: 'FAILED', reason } : { status: 'RETRY', reason };
  }
}

// ---- Delivery reports (https://developers.africastalking.com/docs/sms/notifications) ----
// Africa's Talking POSTs a form to the account's delivery-report URL (set once on its dashboard) for each message:
// `id` (the messageId of the send), `status` (Sent, Submitted, Buffered, Rejected, Success, Failed, AbsentSubscriber,
// Expired), `phoneNumber`, `networkCode`, `failureReason` (Rejected/Failed: e.g. InsufficientCredit, UserInBlackList,
// DeliveryFailure…), `retryCount`. The callback is not signed, so the URL finance asks the tenant to set carries a MAC:
// `…/webhooks/payments/africastalking/<tenant>?token=base64url(HMAC-SHA256(apiKey, "<tenant>:africastalking:dlr"))`.

/** The carrier's statuses, normalised; the last five are final. */
export const DELIVERY_STATUSES = ['SENT', 'SUBMITTED', 'BUFFERED', 'SUCCESS', 'REJECTED', 'FAILED', 'ABSENT_SUBSCRIBER', 'EXPIRED'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
const FINAL: readonly DeliveryStatus[] = ['SUCCESS', 'REJECTED', 'FAILED', 'ABSENT_SUBSCRIBER', 'EXPIRED'];

export interface DeliveryReport {
  messageId: string;
  status: DeliveryStatus;
  phoneNumber: string | null;
  failureReason: string | null;
}

/** A report's form fields, or null when it is not one (no id or an unknown status). */
export function readDeliveryReport(form: URLSearchParams): DeliveryReport | null {
  const id = form.get('id');
  const raw = form.get('status') ?? '';
  const status = raw.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase() as DeliveryStatus;
  if (!id || id.length > 100 || !DELIVERY_STATUSES.includes(status)) return null;
  const reason = form.get('failureReason');
  return { messageId: id, status, phoneNumber: form.get('phoneNumber'), failureReason: reason ? reason.slice(0, 200) : null };
}

/**
 * Whether a report changes what we know: reports arrive out of order and repeated, so a final status is never
 * replaced (the first final word wins) and an intermediate one never replaces a final one.
 */
export function deliveryApplies(current: string | null, next: DeliveryStatus): boolean {
  if (current === next) return false;
  return !(current && (FINAL as readonly string[]).includes(current));
}

export function deliveryReportToken(tenantId: string, apiKey: string): string {
  return createHmac('sha256', apiKey).update(`${tenantId}:africastalking:dlr`).digest('base64url');
}

export function verifyDeliveryReportToken(tenantId: string, apiKey: string, token: string | null): boolean {
  if (!token || !apiKey) return false;
  const expected = Buffer.from(deliveryReportToken(tenantId, apiKey));
  const given = Buffer.from(token);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
