// The payment webhook forwarder over real HTTP: what finance receives is the provider's body byte for byte, its
// headers (never anything passing for ours) and the gateway's signed context; finance's answer goes back as it is.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyContext } from '@omniroute/core';
import { createPaymentWebhookPlugin } from '../../src/plugins/payment-webhooks.ts';

const SECRET = 'webhook-plugin-secret';
const received: { method: string; url: string; headers: http.IncomingHttpHeaders; body: Buffer }[] = [];
let finance: http.Server;
let financeUrl: string | undefined;
let gateway: http.Server;
let base: string;

const listen = async (s: http.Server) => {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
};

beforeAll(async () => {
  finance = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(req.url!.includes('forged') ? 401 : 200, { 'content-type': 'application/json' }).end('{"received":true}');
    });
  });
  financeUrl = `${await listen(finance)}/graphql`;
  const { routes } = createPaymentWebhookPlugin({ financeUrl: () => financeUrl, secret: SECRET, maxBodyBytes: 1024 });
  gateway = http.createServer((req, res) => void routes['/webhooks/payments/*'](req, res));
  base = await listen(gateway);
});
afterAll(async () => {
  await new Promise((r) => gateway.close(r));
  await new Promise((r) => finance.close(r));
});

describe('payment webhook forwarder', () => {
  it('passes the raw body, the provider headers and the query on, signed as the gateway, and answers with finance\'s reply', async () => {
    // odd spacing and key order: a parse/serialise round trip would change these bytes and break the signature
    const body = '{ "event":"charge.success",  "data": {"reference":"r1","amount":100} }\n';
    const res = await fetch(`${base}/webhooks/payments/paystack/tnt_LAGOS?payment=pay_1&token=abc`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-paystack-signature': 'a'.repeat(128), 'x-omniroute-context': 'forged', 'x-omniroute-signature': 'forged', authorization: 'Bearer user-token', cookie: 'a=b' },
      body,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: true });
    const got = received.at(-1)!;
    expect(got).toMatchObject({ method: 'POST', url: '/webhooks/payments/paystack/tnt_LAGOS?payment=pay_1&token=abc' });
    expect(got.body.toString('utf8')).toBe(body);
    expect(got.headers['x-paystack-signature']).toBe('a'.repeat(128));
    expect(got.headers.authorization).toBeUndefined();
    expect(got.headers.cookie).toBeUndefined();
    const ctx = verifyContext({ get: (n) => got.headers[n] as string | undefined }, { secret: SECRET, audience: 'finance' });
    expect(ctx.viewer).toBeNull();
    expect(ctx.requestId).toBe(got.headers['x-request-id']);
  });

  it('PUT (MoMo) is forwarded too; finance\'s 401 reaches the provider', async () => {
    const res = await fetch(`${base}/webhooks/payments/mtn-momo/forged`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(401);
    expect(received.at(-1)!.method).toBe('PUT');
  });

  it('refuses malformed paths, other methods and oversized bodies without calling finance; 502 when finance is down', async () => {
    const before = received.length;
    for (const path of ['/webhooks/payments/paystack', '/webhooks/payments/paystack/t/x', '/webhooks/payments/pay%20stack/t', '/webhooks/payments/../graphql/t']) {
      expect((await fetch(`${base}${path}`, { method: 'POST', body: '{}' })).status, path).toBe(404);
    }
    expect((await fetch(`${base}/webhooks/payments/paystack/t`)).status).toBe(405);
    expect((await fetch(`${base}/webhooks/payments/paystack/t`, { method: 'POST', body: 'x'.repeat(2048) })).status).toBe(413);
    expect(received.length).toBe(before);
    const saved = financeUrl;
    financeUrl = 'http://127.0.0.1:1/graphql';
    try {
      expect((await fetch(`${base}/webhooks/payments/paystack/t`, { method: 'POST', body: '{}' })).status).toBe(502);
    } finally {
      financeUrl = saved;
    }
  });
});
