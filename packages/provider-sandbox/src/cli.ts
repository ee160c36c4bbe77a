// Distributed mode: the provider sandbox as a process of its own, with the demo tenants' accounts. PORT (default
// 4010), HOST, PAYMENTS_CALLBACK_BASE_URL (the gateway's public URL; Paystack webhooks go to <it>/webhooks/payments/…).
import { log } from '@omniroute/core';
import { demoSandboxAccounts, startProviderSandbox } from './index.ts';

const callbackBase = process.env.PAYMENTS_CALLBACK_BASE_URL ?? 'http://localhost:4000';
const sandbox = await startProviderSandbox({ port: Number(process.env.PORT ?? 4010), host: process.env.HOST ?? '127.0.0.1', accounts: demoSandboxAccounts(callbackBase) });
log.info('payment provider sandbox listening', { url: sandbox.url, callbacks: callbackBase });
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    await sandbox.close();
    process.exit(0);
  });
}
