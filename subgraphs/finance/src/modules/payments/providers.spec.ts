import { describe, expect, it } from 'vitest';
import { Decimal } from '@omniroute/core';
import { PaymentOrchestrator, RecordedProvider, defaultProviders, type PaymentProvider } from './providers.ts';
import { ScriptedProvider } from '../../../test/scripted-provider.ts';

const req = (key = 'k1', method: 'CARD' | 'CASH' | 'MOBILE_MONEY' = 'CARD') => ({
  tenantId: 't', paymentId: 'pay_1', amount: new Decimal('100'), currencyCode: 'NGN' as const, method, idempotencyKey: key,
});

describe('payment orchestration', () => {
  it('uses the first provider when it succeeds', async () => {
    const o = new PaymentOrchestrator([new ScriptedProvider({ name: 'a', methods: ['CARD'] }), new ScriptedProvider({ name: 'b', methods: ['CARD'] })]);
    const r = await o.charge(req());
    expect(r).toMatchObject({ ok: true, provider: 'a' });
    expect(r.attempts).toHaveLength(1);
  });

  it('falls back to the next provider when one declines', async () => {
    const a = new ScriptedProvider({ name: 'a', methods: ['CARD'], declines: true });
    const b = new ScriptedProvider({ name: 'b', methods: ['CARD'], declines: false });
    const r = await new PaymentOrchestrator([a, b]).charge(req());
    expect(r).toMatchObject({ ok: true, provider: 'b' });
    expect(r.attempts.map((x) => [x.provider, x.ok])).toEqual([['a', false], ['b', true]]);
  });

  it('falls back when a provider throws or times out', async () => {
    const throws: PaymentProvider = { name: 'boom', supports: () => true, charge: async () => { throw new Error('connection reset'); } };
    const hangs: PaymentProvider = { name: 'slow', supports: () => true, charge: () => new Promise(() => {}) };
    const ok = new ScriptedProvider({ name: 'ok', methods: ['CARD'] });
    const r = await new PaymentOrchestrator([throws, hangs, ok], { timeoutMs: 50 }).charge(req());
    expect(r).toMatchObject({ ok: true, provider: 'ok' });
    expect(r.attempts.map((x) => x.reason ?? 'ok')).toEqual(['boom: connection reset', 'slow: timed out', 'ok']);
  });

  it('fails with the last provider when all decline, and skips providers without the method', async () => {
    const cash = new ScriptedProvider({ name: 'cash', methods: ['CASH'] });
    const a = new ScriptedProvider({ name: 'a', methods: ['CARD'], declines: true });
    const b = new ScriptedProvider({ name: 'b', methods: ['CARD'], declines: true });
    const r = await new PaymentOrchestrator([cash, a, b]).charge(req());
    expect(r).toMatchObject({ ok: false, provider: 'b' });
    expect(r.attempts.map((x) => x.provider)).toEqual(['a', 'b']);
    expect(await new PaymentOrchestrator([cash]).charge(req('k2', 'MOBILE_MONEY'))).toMatchObject({ ok: false, provider: null });
  });

  it('a simulated provider charges once per idempotency key, also for concurrent calls', async () => {
    const p = new ScriptedProvider({ name: 'a', methods: ['CARD'], latencyMs: 10 });
    const results = await Promise.all(Array.from({ length: 5 }, () => p.charge(req('same'))));
    expect(new Set(results.map((r) => (r.ok ? r.reference : r.reason))).size).toBe(1);
    expect(p.charges.size).toBe(1);
  });

  it('records money received outside the rails: cash at the desk, the rest manually, never declined', async () => {
    const o = new PaymentOrchestrator(defaultProviders());
    expect(await o.charge(req('c', 'CASH'))).toMatchObject({ ok: true, provider: 'cash-desk', reference: 'CASH-DESK-pay_1' });
    expect(await o.charge(req('m', 'MOBILE_MONEY'))).toMatchObject({ ok: true, provider: 'manual', reference: 'MANUAL-pay_1' });
    expect(new RecordedProvider('x', ['CARD']).supports('CASH')).toBe(false);
  });
});
