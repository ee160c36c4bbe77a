// Issue 16 part 6, reconciliation through the real gateway on Postgres: payments and payouts made through the provider
// sandbox over HTTP today, then each provider's settlement report (its CSV: M-PESA statement, MoMo report, Paystack
// export) fetched and imported by reconcileSettlements — every line matched by reference and amount, fees summed —
// and a doctored Paystack file imported by hand showing what does not match on either side; every fee posted to the
// ledger once. A B2C payout whose result was lost (and whose status query is held off) shows up as settled-by-the-provider
// (STATUS_MISMATCH).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '@omniroute/platform';
import { createTestDatabase, eventually, gql, login, nodes, testSecrets } from '@omniroute/testkit';

const REPORT = `id provider fileName lineCount matched mismatched unmatched fees { amount currencyCode }
  lines { kind reference status amount { amount } fee { amount } payment { id } payout { id } }
  unmatchedPayments { id } unmatchedPayouts { id }`;

describe('settlement reconciliation through the gateway (Postgres)', () => {
  let stack: Stack;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let ops: string;
  let finance: any;
  const q = async (query: string, variables: Record<string, unknown> = {}) => {
    const r = await gql(stack.gatewayUrl, query, variables, ops);
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data;
  };
  const paid: Record<string, string> = {};
  const payouts: Record<string, string> = {};
  const today = new Date().toISOString().slice(0, 10);
  /** NGN account balances (the ledger checked balanced first). */
  const accounts = async (): Promise<Record<string, number>> => {
    const tb = (await q('{ trialBalance(currencyCode: NGN) { balanced accounts { account balance { amount } } } }')).trialBalance;
    expect(tb.balanced).toBe(true);
    return Object.fromEntries(tb.accounts.map((a: any) => [a.account, Math.round(Number(a.balance.amount) * 100)]));
  };
  const feePostings = () => finance.prisma.ledgerPosting.count({ where: { kind: 'SETTLEMENT_FEE' } });

  beforeAll(async () => {
    db = await createTestDatabase('omniroute_settlement');
    process.env.PAYMENT_CREDENTIALS_KEY ??= 'd'.repeat(64);
    stack = await startStack({ secrets: testSecrets(), databaseUrl: db.url, seed: true, relayIntervalMs: 200, paymentSandboxTiming: { approveMs: 200, repeatMs: 50 } });
    ops = await login(stack.gatewayUrl, 'ops@lagos.demo');
    finance = stack.subgraphs.finance!.runtime;
    const invoices = nodes<any>((await q('{ invoices(first: 10, filter: { status: ISSUED }) { edges { node { id amountDue { amount } } } } }')).invoices);
    // one collection per rail, settled by its callback
    for (const [i, [rail, phone]] of ([['MPESA', '+254700000042'], ['MTN_MOMO', '+233240000042'], ['PAYSTACK', '+2348030000042']] as const).entries()) {
      const r = (await q(`mutation($i: InitiatePaymentInput!) { initiatePayment(input: $i) { payment { id } userErrors { code message } } }`, {
        i: { invoiceId: invoices[i]!.id, method: 'MOBILE_MONEY', provider: rail, phone, amount: '1000.00', idempotencyKey: randomUUID() },
      })).initiatePayment;
      expect(r.userErrors).toEqual([]);
      paid[rail] = r.payment.id;
    }
    // payouts: MoMo and Paystack paid; an M-Pesa B2C whose Result callback is lost stays PENDING (its status query held off below)
    const worker = nodes<any>((await q('{ workers(first: 100) { edges { node { id balance { amount } } } } }')).workers).sort((a, b) => Number(b.balance.amount) - Number(a.balance.amount))[0];
    for (const [label, phone] of [['MTN_MOMO', '+233240000077'], ['PAYSTACK', '+2348030000077'], ['MPESA_LOST', '+254700001007']] as const) {
      const w = (await q(`mutation($i: RequestWithdrawalInput!) { requestWithdrawal(input: $i) { withdrawal { id } userErrors { code } } }`, { i: { workerId: worker.id, amount: '100.00', phone, idempotencyKey: randomUUID() } })).requestWithdrawal;
      expect(w.userErrors).toEqual([]);
      payouts[label] = (await eventually(() => finance.prisma.payout.findFirst({ where: { withdrawalId: w.withdrawal.id, submittedAt: { not: null } } }))).id;
    }
    // the lost B2C result would be found by the Transaction Status query (payouts.test.ts); hold that query off here, so
    // the report meets a payout we still think PENDING
    await finance.prisma.payout.update({ where: { id: payouts.MPESA_LOST }, data: { nextPollAt: new Date(Date.now() + 3_600_000) } });
    await eventually(async () => (await finance.prisma.payment.count({ where: { id: { in: Object.values(paid) }, status: 'SUCCEEDED' } })) === 3, { timeoutMs: 15_000 });
    await eventually(async () => (await finance.prisma.payout.count({ where: { id: { in: [payouts.MTN_MOMO, payouts.PAYSTACK] }, status: 'SUCCEEDED' } })) === 2, { timeoutMs: 15_000 });
    await eventually(async () => [...stack.paymentSandbox!.transactions.values()].some((t) => t.meta.kind === 'payout' && t.rail === 'MPESA' && t.status === 'SUCCEEDED'), { timeoutMs: 10_000 });
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
    await db?.drop();
  });

  it("reconcileSettlements fetches each provider's report and matches every line by reference and amount", async () => {
    const before = await accounts();
    const reports = (await q(`mutation($d: DateTime!) { reconcileSettlements(input: { reportDate: $d }) { reports { ${REPORT} } userErrors { code } } }`, { d: `${today}T00:00:00Z` })).reconcileSettlements.reports;
    expect(reports.map((r: any) => r.provider).sort()).toEqual(['MPESA', 'MTN_MOMO', 'PAYSTACK']);
    const by = (p: string) => reports.find((r: any) => r.provider === p);
    for (const rail of ['MPESA', 'MTN_MOMO', 'PAYSTACK']) {
      const line = by(rail).lines.find((l: any) => l.payment?.id === paid[rail]);
      expect(line, rail).toMatchObject({ kind: 'COLLECTION', status: 'MATCHED', amount: { amount: '1000.00' } });
      expect(Number(line.fee.amount)).toBeGreaterThan(0);
      expect(by(rail).unmatched, rail).toBe(0);
      expect(by(rail).unmatchedPayments, rail).toEqual([]);
    }
    expect(by('MTN_MOMO').lines.find((l: any) => l.payout?.id === payouts.MTN_MOMO)).toMatchObject({ kind: 'PAYOUT', status: 'MATCHED' });
    expect(by('PAYSTACK').lines.find((l: any) => l.payout?.id === payouts.PAYSTACK)).toMatchObject({ kind: 'PAYOUT', status: 'MATCHED', fee: { amount: '1.50' } });
    // the provider paid the B2C payout whose result never reached us: reported, not silently assumed
    expect(by('MPESA').lines.find((l: any) => l.payout?.id === payouts.MPESA_LOST)).toMatchObject({ kind: 'PAYOUT', status: 'STATUS_MISMATCH' });
    expect(by('MPESA').mismatched).toBe(1);
    expect(by('PAYSTACK').fees).toEqual({ amount: '16.50', currencyCode: 'NGN' }); // 1.5 % of 1 000 + 1.5 % of 100
    // every fee is posted once: provider fees (expense) up, the rails' cash down, by the reports' fee totals
    expect(reports.every((r: any) => r.fees.currencyCode === 'NGN')).toBe(true);
    const fees = reports.reduce((t: number, r: any) => t + Math.round(Number(r.fees.amount) * 100), 0);
    expect(fees).toBeGreaterThan(0);
    const after = await accounts();
    expect(after.PROVIDER_FEES! - (before.PROVIDER_FEES ?? 0)).toBe(fees);
    expect(after.CASH! - before.CASH!).toBe(-fees);
    const posted = await feePostings();
    expect(posted).toBe(reports.flatMap((r: any) => r.lines).filter((l: any) => Number(l.fee.amount) > 0).length);
    // the same reports again are the same reports, and post nothing again
    const again = (await q(`mutation($d: DateTime!) { reconcileSettlements(input: { reportDate: $d }) { reports { id } } }`, { d: `${today}T00:00:00Z` })).reconcileSettlements.reports;
    expect(again.map((r: any) => r.id).sort()).toEqual(reports.map((r: any) => r.id).sort());
    expect(await feePostings()).toBe(posted);
    expect(await accounts()).toEqual(after);
  });

  it('a doctored Paystack export: unknown line, changed amount and a missing payment are each reported', async () => {
    const tenant = 'tnt_LAGOS';
    const account = (await import('@omniroute/demo')).demoPaymentAccounts().find((a) => a.tenantId === tenant)!;
    const original = await (await fetch(`${stack.paymentSandbox!.url}/sandbox/reports/paystack?date=${today}`, { headers: { authorization: `Bearer ${account.paystack.secretKey}` } })).text();
    const [header, ...rows] = original.trim().split('\r\n');
    const collection = rows.find((r) => r.startsWith('transaction,'))!;
    const transfer = rows.find((r) => r.startsWith('transfer,'))!;
    const before = await accounts();
    const posted = await feePostings();
    const doctored = [header, transfer.replace(',100.00,', ',99.00,'), `transaction,ref_unknown_1,5000.00,75.00,NGN,success,${today}T09:00:00.000Z,card,`].join('\r\n');
    expect(doctored).not.toContain(collection);
    const r = (await q(`mutation($i: ImportSettlementReportInput!) { importSettlementReport(input: $i) { report { ${REPORT} } userErrors { code message } } }`, {
      i: { provider: 'PAYSTACK', reportDate: `${today}T00:00:00Z`, fileName: 'paystack-doctored.csv', csv: doctored },
    })).importSettlementReport;
    expect(r.userErrors).toEqual([]);
    expect(r.report).toMatchObject({ lineCount: 2, matched: 0, mismatched: 1, unmatched: 1 });
    expect(r.report.lines.map((l: any) => [l.reference, l.status])).toEqual(expect.arrayContaining([['ref_unknown_1', 'UNMATCHED'], [expect.any(String), 'AMOUNT_MISMATCH']]));
    expect(r.report.unmatchedPayments.map((p: any) => p.id)).toContain(paid.PAYSTACK);
    // the transfer's fee was posted from the day's report already; only the unknown line's 75.00 is new
    expect(await feePostings()).toBe(posted + 1);
    const after = await accounts();
    expect([after.PROVIDER_FEES! - before.PROVIDER_FEES!, after.CASH! - before.CASH!]).toEqual([7500, -7500]);

    const bad = (await q(`mutation($i: ImportSettlementReportInput!) { importSettlementReport(input: $i) { report { id } userErrors { code field } } }`, {
      i: { provider: 'MTN_MOMO', reportDate: `${today}T00:00:00Z`, fileName: 'x.csv', csv: 'Reference,Amount\nx,1' },
    })).importSettlementReport;
    expect(bad).toEqual({ report: null, userErrors: [{ code: 'INVALID_REPORT', field: ['input', 'csv'] }] });
    const list = nodes<any>((await q('{ settlementReports(provider: PAYSTACK, first: 10) { edges { node { id fileName } } } }')).settlementReports);
    expect(list.map((x) => x.fileName)).toContain('paystack-doctored.csv');
  });

  it('the ledger stays balanced', async () => {
    const tb = (await q('{ trialBalance(currencyCode: NGN) { balanced } }')).trialBalance;
    expect(tb.balanced).toBe(true);
  });
});
