// Issue 14: a payment left PENDING by a crash between claim and settle blocked its invoice (PENDING counts
// against what is payable) until the client retried the same key ≥ 60 s later — and the provider may already
// have charged. The reconciler asks the providers by idempotency key, then settles or fails the payment.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { demoPlan } from '@omniroute/demo';
import { newId } from '@omniroute/core';
import { create } from '../src/server.ts';
import { ScriptedProvider } from './scripted-provider.ts';
import { client, INVOICE_FIELDS, LAGOS, lagosFinance, RECORD_PAYMENT, SECRET } from './helpers.ts';

const lagos = demoPlan().find((t) => t.id === LAGOS)!;
const invoice = lagos.invoices.find((i) => i.status === 'ISSUED')!;
const gateway = new ScriptedProvider({ name: 'gw', methods: ['BANK_TRANSFER'], declines: false });

let sg: Awaited<ReturnType<typeof create>>;
let stop: () => Promise<void>;
let q: ReturnType<typeof client>;

beforeAll(async () => {
  sg = await create({ secret: SECRET, providers: [gateway], pendingPaymentAfterMs: 200, reconcileIntervalMs: 0 }); // runs only when the test says: the holds must still block before it
  await sg.seed();
  const running = await sg.listen(0);
  stop = running.stop;
  q = client(running.url);
});
afterAll(async () => {
  await stop?.();
  await sg?.close();
});

/** What claim() leaves behind when the process dies before settle(). */
const claimed = (idempotencyKey: string, amount: string) =>
  sg.prisma.payment.create({
    data: { id: newId('pay'), tenantId: LAGOS, invoiceId: invoice.id, currency: 'NGN', amount, method: 'BANK_TRANSFER', status: 'PENDING', idempotencyKey },
  });

it('PENDING payments after a crash: settled from what the provider took, failed when it took nothing; the invoice is payable again', async () => {
  const charged = await claimed('crash-charged', '100.00');
  const taken = await gateway.charge({ tenantId: LAGOS, paymentId: charged.id, amount: charged.amount as never, currencyCode: 'NGN', method: 'BANK_TRANSFER', idempotencyKey: `${LAGOS}:crash-charged` });
  const lost = await claimed('crash-before-charge', (Number(invoice.total) - 100).toFixed(2));
  // Both holds count against the invoice: nothing more can be paid on it.
  const blocked = await q(lagosFinance, RECORD_PAYMENT, { i: { invoiceId: invoice.id, amount: '1.00', method: 'BANK_TRANSFER', idempotencyKey: 'other-1' } });
  expect(blocked.data.recordPayment.userErrors.map((e: { code: string }) => e.code)).toEqual(['AMOUNT_EXCEEDS_DUE']);

  await new Promise((r) => setTimeout(r, 250)); // older than pendingPaymentAfterMs
  const chargesBefore = gateway.charges.size;
  const stats = await sg.reconcilers[0]!.runNow();
  expect(stats).toMatchObject({ name: 'finance.pending-payments', foundTotal: 2, repairedTotal: 2, failures: 0 });

  const [a, b] = await Promise.all([charged, lost].map((p) => sg.prisma.payment.findUniqueOrThrow({ where: { id: p.id } })));
  expect(a).toMatchObject({ status: 'SUCCEEDED', provider: 'gw', reference: taken.ok ? taken.reference : 'x' });
  expect(b).toMatchObject({ status: 'FAILED' });
  expect(gateway.charges.size).toBe(chargesBefore); // asked, never charged again

  const inv = (await q(lagosFinance, `query($id: ID!) { invoice(id: $id) { ${INVOICE_FIELDS} } }`, { id: invoice.id })).data.invoice;
  expect(inv.amountPaid.amount).toBe('100.00');
  const paid = await q(lagosFinance, RECORD_PAYMENT, { i: { invoiceId: invoice.id, amount: '1.00', method: 'BANK_TRANSFER', idempotencyKey: 'other-2' } });
  expect(paid.data.recordPayment.userErrors).toEqual([]);
  expect((await sg.reconcilers[0]!.runNow()).stuck).toBe(0);
});
