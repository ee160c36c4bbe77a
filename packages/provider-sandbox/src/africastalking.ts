// Africa's Talking SMS, as documented at https://developers.africastalking.com/docs/sms/sending/bulk:
// `POST /version1/messaging` with header `apiKey`, `Accept: application/json`, form body `username`, `to` (comma
// separated E.164 numbers), `message`, optional `from` → 201 `{ SMSMessageData: { Message, Recipients: [{ statusCode,
// number, status, cost, messageId }] } }`; a bad username/apiKey → 401 "The supplied authentication is invalid".
// Scripted by the recipient's last four digits like payments: 1001 → 405 InsufficientBalance, 1002 → 403
// InvalidPhoneNumber, 1003 → HTTP 500 (the client retries); anything else 101 Success.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpReply, send, type SandboxState } from './core.ts';
import { scenarioFor } from './scenarios.ts';

export interface AfricasTalkingAccount {
  username: string;
  apiKey: string;
  /** Where delivery reports go (set on Africa's Talking's dashboard); none are sent without it. */
  deliveryReportUrl?: string;
}

/**
 * Delivery reports (https://developers.africastalking.com/docs/sms/notifications): a form POSTed to the account's
 * delivery-report URL per message — `id`, `status`, `phoneNumber`, `networkCode`, `failureReason`, `retryCount`. By the
 * recipient's last four digits: 1004 → Failed (AbsentSubscriber); 1005 → Success delivered 3×; 1006 → Success, then a
 * stale Buffered; 1007 → no report; anything else → Buffered, then Success.
 */
function deliveryReports(scenario: string, id: string, phoneNumber: string): Record<string, string>[] {
  const r = (status: string, failureReason?: string) => ({ id, status, phoneNumber, networkCode: '62130', retryCount: '0', ...(failureReason ? { failureReason } : {}) });
  switch (scenario) {
    case 'SLOW_RESPONSE': return [r('Failed', 'AbsentSubscriber')];
    case 'DUPLICATE_CALLBACKS': return [r('Success'), r('Success'), r('Success')];
    case 'OUT_OF_ORDER': return [r('Success'), r('Buffered')];
    case 'LOST_CALLBACK': return [];
    default: return [r('Buffered'), r('Success')];
  }
}

/** An SMS the sandbox accepted or refused. */
export interface SandboxMessage {
  username: string;
  to: string;
  from: string | null;
  message: string;
  statusCode: number;
  messageId: string | null;
  at: Date;
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 64 * 1024) throw new HttpReply(413, 'Request too large');
    chunks.push(c as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

const STATUS: Record<number, string> = { 101: 'Success', 403: 'InvalidPhoneNumber', 405: 'InsufficientBalance' };

export function africasTalkingRail(state: SandboxState, accounts: () => AfricasTalkingAccount[], messages: SandboxMessage[]) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    if (req.method !== 'POST' || url.pathname !== '/version1/messaging') return false;
    const form = await readForm(req);
    const username = form.get('username') ?? '';
    const a = accounts().find((x) => x.username === username && x.apiKey === req.headers.apikey);
    if (!a) throw new HttpReply(401, 'The supplied authentication is invalid');
    const message = form.get('message') ?? '';
    const to = (form.get('to') ?? '').split(',').map((t) => t.trim()).filter(Boolean);
    if (!message || to.length === 0) throw new HttpReply(400, 'Request is missing required form field');
    if (to.some((t) => scenarioFor(t) === 'EXPIRED')) throw new HttpReply(500, 'Internal Server Error');
    const recipients = to.map((number) => {
      const s = scenarioFor(number);
      const valid = /^\+\d{9,15}$/.test(number);
      const statusCode = !valid || s === 'DECLINED' ? 403 : s === 'INSUFFICIENT_FUNDS' ? 405 : 101;
      const messageId = statusCode === 101 ? `ATXid_sbx${String(state.next()).padStart(10, '0')}` : null;
      messages.push({ username, to: number, from: form.get('from'), message, statusCode, messageId, at: new Date() });
      if (messageId && a.deliveryReportUrl) {
        const url = a.deliveryReportUrl;
        const reports = deliveryReports(s, messageId, number);
        // after the send is answered, one after another
        state.later(100, async () => {
          for (const f of reports) await state.deliver('AFRICAS_TALKING', messageId, url, new URLSearchParams(f).toString(), { 'content-type': 'application/x-www-form-urlencoded' });
        });
      }
      return { statusCode, number, status: STATUS[statusCode], cost: statusCode === 101 ? 'KES 0.8000' : '0', messageId: messageId ?? 'None' };
    });
    const sent = recipients.filter((r) => r.statusCode === 101).length;
    send(res, 201, { SMSMessageData: { Message: `Sent to ${sent}/${recipients.length} Total Cost: KES ${(0.8 * sent).toFixed(4)}`, Recipients: recipients } });
    return true;
  };
}
