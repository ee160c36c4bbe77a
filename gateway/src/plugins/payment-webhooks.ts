import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { log, sendJson } from '@omniroute/core';
import { upstreamHeaders } from '../upstream.ts';

export interface PaymentWebhookPluginOptions {
  /** The finance subgraph's GraphQL URL; its origin serves the webhooks. */
  financeUrl: () => string | undefined;
  /** HMAC secret of the signed internal context. */
  secret: string;
  /** Largest callback accepted, bytes (default 256 KiB). */
  maxBodyBytes?: number;
  /** How long finance may take to answer, ms (default 15 s; providers retry callbacks that time out). */
  timeoutMs?: number;
}

const SEGMENT = /^[A-Za-z0-9_-]{1,100}$/;

/**
 * `POST|PUT /webhooks/payments/<rail>/<tenant>`: payment providers' callbacks, passed to the finance subgraph with
 * the body's bytes untouched (signatures are computed over them) and the gateway's signed context (no viewer: the
 * caller is a provider, which finance authenticates by the callback's signature or URL token). Finance's answer —
 * 200, 401 for a bad signature, 404 for an unknown rail or tenant — goes back to the provider as it is.
 */
export function createPaymentWebhookPlugin(opts: PaymentWebhookPluginOptions) {
  const maxBodyBytes = opts.maxBodyBytes ?? 256 * 1024;
  const forward = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const segments = path.slice('/webhooks/payments/'.length).split('/');
    if (segments.length !== 2 || !segments.every((s) => SEGMENT.test(s))) return sendJson(res, 404, { error: 'unknown webhook' });
    if (req.method !== 'POST' && req.method !== 'PUT') return sendJson(res, 405, { error: 'method not allowed' }, { allow: 'POST, PUT' });
    const finance = opts.financeUrl();
    if (!finance) return sendJson(res, 503, { error: 'payments unavailable' });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > maxBodyBytes) return sendJson(res, 413, { error: 'callback too large' }, { connection: 'close' });
      chunks.push(c as Buffer);
    }
    const requestId = randomUUID();
    const headers: Record<string, string> = upstreamHeaders({ requestId, viewer: null }, opts.secret, 'finance');
    // Providers' own headers (content type, x-paystack-signature…); never anything that could pass for ours.
    for (const [k, v] of Object.entries(req.headers)) {
      if (typeof v !== 'string') continue;
      if (k === 'content-type' || k === 'user-agent' || (k.startsWith('x-') && !k.startsWith('x-omniroute-') && k !== 'x-request-id')) headers[k] = v;
    }
    let upstream: Response;
    try {
      upstream = await fetch(new URL(url, finance), { method: req.method, headers, body: Buffer.concat(chunks), signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000) });
    } catch (error) {
      log.warn('payment webhook: finance did not answer', { requestId, path, error: String(error) });
      return sendJson(res, 502, { error: 'payments unavailable', requestId });
    }
    const body = await upstream.text();
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' }).end(body);
  };
  return { routes: { '/webhooks/payments/*': forward } };
}
