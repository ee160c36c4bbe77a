// Africa's Talking SMS (https://developers.africastalking.com/docs/sms/sending/bulk): `POST /version1/messaging`,
// form-encoded `username`, `to`, `message`, optional `from`, header `apiKey`, `Accept: application/json` →
// 201 `{ "SMSMessageData": { "Message": "Sent to 1/1 Total Cost: KES 0.8000", "Recipients": [{ "statusCode": 101,
// "number": "+254711XXXYYY", "status": "Success", "cost": "KES 0.8000", "messageId": "ATPid_…" }] } }`.
// Shapes quoted in docs/payments.md.
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
