import type { IncomingMessage } from 'node:http';
import { sendJson, type SubgraphRoute } from '@omniroute/core';
import type { PaymentService } from './payments.service.ts';
import { PayoutService } from '../payouts/payouts.service.ts';
import type { CollectionsService } from '../collections/collections.service.ts';

const MAX_CALLBACK_BYTES = 256 * 1024;

/** The body exactly as sent: providers sign these bytes, so nothing may parse and re-serialise them first. */
async function rawBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_CALLBACK_BYTES) return null;
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * `POST|PUT /webhooks/payments/<rail>/<tenant id>`: providers' callbacks, forwarded unchanged by the gateway
 * (gateway/src/plugins/payment-webhooks.ts). MTN MoMo may call back with PUT; the others POST.
 */
export function paymentWebhookRoutes(payments: PaymentService, payouts?: PayoutService, collections?: CollectionsService): Record<string, SubgraphRoute> {
  return {
    '/webhooks/payments/*': async (req, res) => {
      if (req.method !== 'POST' && req.method !== 'PUT') return sendJson(res, 405, { error: 'method not allowed' }, { allow: 'POST, PUT' });
      const url = new URL(req.url ?? '/', 'http://finance');
      const [rail, tenant, ...rest] = url.pathname.slice('/webhooks/payments/'.length).split('/');
      if (!rail || !tenant || rest.length > 0) return sendJson(res, 404, { error: 'unknown webhook' });
      const raw = await rawBody(req);
      if (!raw) return sendJson(res, 413, { error: 'callback too large' });
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      // Africa's Talking's SMS delivery reports (collections' reminders) come the same way, under its own name.
      if (collections && rail === 'africastalking') {
        const dlr = await collections.handleDeliveryReport(decodeURIComponent(tenant), { raw, query: url.searchParams });
        return sendJson(res, dlr.status, dlr.body);
      }
      // Payout results come to the same endpoint (Paystack has one webhook URL per account): their result URL names
      // the payout, Paystack's event says transfer.*.
      const handler = payouts && PayoutService.claims(decodeURIComponent(rail), url.searchParams, raw) ? payouts : payments;
      const reply = await handler.handleCallback(decodeURIComponent(rail), decodeURIComponent(tenant), { raw, headers, query: url.searchParams });
      sendJson(res, reply.status, reply.body);
    },
  };
}
