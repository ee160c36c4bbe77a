// Issue 16 part 2, payouts through the real gateway on Postgres: a worker's withdrawal (workforce) is paid out to
// mobile money by finance through M-Pesa B2C, MTN MoMo Disbursements or a Paystack transfer — the provider sandbox
// over HTTP, its result callbacks back through the gateway — tracked PENDING → SUCCEEDED / FAILED, a failed payout
// credited back into the worker's balance, duplicate results applied once, and concurrent withdrawals never more
// than the balance. After every flow: the ledger balanced per currency, every wallet equal to its ledger account,
// each worker's WORKER_PAYABLE sub-ledger equal to their workforce balance, at most one outcome posting per payout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '@omniroute/platform';
import { createTestDatabase, eventually, gql, login, nodes, testSecrets } from '@omniroute/testkit';

const WORKER = `query($id: ID!) { worker(id: $id) { id phone balance { amount currencyCode }
  earningsLedger(first: 100) { edges { node { kind amount { amount } } } }
  payouts(first: 20) { edges { node { id status rail phone reference receipt failureReason amount { amount currencyCode } } } } } }`;
const WITHDRAW = `mutation($i: RequestWithdrawalInput!) { requestWithdrawal(input: $i) {
  withdrawal { id kind amount { amount } } worker { balance { amount } } userErrors { code message } } }`;

describe('payouts through the gateway (Postgres)', () => {
  let stack: Stack;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let ops: string;
  let accraOps: string;
  let base: string;
  let finance: any;
  let workforce: any;
  let n = 0;
  const key = () => `payout-it-${Date.now()}-${++n}`;
  const q = (query: string, variables: Record<string, unknown> = {}, token = ops) => gql(stack.gatewayUrl, query, variables, token);
  const worker = async (id: string, token = ops) => {
    const r = await q(WORKER, { id }, token);
    expect(r.errors).toBeUndefined();
    return r.data.worker;
  };
  const withdraw = async (workerId: string, amount: string, phone?: string, token = ops) => {
    const r = await q(WITHDRAW, { i: { workerId, amount, idempotencyKey: key(), ...(phone ? { phone } : {}) } }, token);
    expect(r.errors).toBeUndefined();
    return r.data.requestWithdrawal;
  };
  /** The payout of a withdrawal once it is settled. */
  const settledPayout = (withdrawalId: string, timeoutMs = 15_000) => eventually(async () => {
    const p = await finance.prisma.payout.findFirst({ where: { withdrawalId } });
    return p && p.status !== 'PENDING' ? p : null;
  }, { timeoutMs, intervalMs: 100 });

  /** Ledger, wallet and payable invariants, after the events settled (the consumers are asynchronous). */
  async function expectInvariants() {
    await eventually(async () => (await finance.prisma.outboxEvent.count({ where: { publishedAt: null } })) + (await workforce.prisma.outboxEvent.count({ where: { publishedAt: null } })) === 0, { timeoutMs: 10_000 });
    for (const [token, currency] of [[ops, 'NGN'], [accraOps, 'GHS']] as const) {
      const tb = await q(`query($c: CurrencyCode!) { trialBalance(currencyCode: $c) { balanced debits { amount } credits { amount } } }`, { c: currency }, token);
      expect(tb.errors).toBeUndefined();
      expect(tb.data.trialBalance.balanced, currency).toBe(true);
    }
    expect(await finance.prisma.$queryRaw`SELECT "postingId" FROM "LedgerEntry" GROUP BY "postingId" HAVING SUM("amount") <> 0`).toEqual([]);
    const wallets: { id: string; balance: string; ledger: string }[] = await finance.prisma.$queryRaw`
      SELECT w."id", w."balance"::text AS balance, (SELECT COALESCE(-SUM(e."amount"), 0)::text FROM "LedgerEntry" e WHERE e."walletId" = w."id") AS ledger FROM "Wallet" w`;
    for (const w of wallets) expect(Number(w.ledger), w.id).toBe(Number(w.balance));
    // minus each worker's WORKER_PAYABLE = their workforce balance (seeded opening balances arrive as events too)
    const payable: { workerId: string; owed: string }[] = await finance.prisma.$queryRaw`
      SELECT "workerId", (-SUM("amount"))::text AS owed FROM "LedgerEntry" WHERE "account" = 'WORKER_PAYABLE' GROUP BY "workerId"`;
    const balances = new Map<string, string>((await workforce.prisma.worker.findMany({ select: { id: true, balance: true } })).map((w: any) => [w.id, w.balance.toString()]));
    expect(payable.length).toBeGreaterThan(0);
    for (const p of payable) expect(Number(p.owed), p.workerId).toBe(Number(balances.get(p.workerId)));
    for (const [id, balance] of balances) if (Number(balance) > 0) expect(payable.some((p) => p.workerId === id), id).toBe(true);
    // one outcome per payout, however many results came
    expect(await finance.prisma.$queryRaw`SELECT "description" FROM "LedgerPosting" WHERE "kind" IN ('PAYOUT_SUCCEEDED', 'PAYOUT_FAILED') GROUP BY "description" HAVING COUNT(*) > 1`).toEqual([]);
  }

  let riders: { id: string; balance: number; currency: string }[] = [];
  let accraRider: { id: string; balance: number };

  beforeAll(async () => {
    db = await createTestDatabase('omniroute_payouts');
    process.env.PAYMENT_CREDENTIALS_KEY ??= 'b'.repeat(64);
    stack = await startStack({ secrets: testSecrets(), databaseUrl: db.url, seed: true, relayIntervalMs: 200, paymentSandboxTiming: { approveMs: 300, repeatMs: 50 } });
    base = stack.gatewayUrl.replace(/\/graphql$/, '');
    finance = stack.subgraphs.finance!.runtime;
    workforce = stack.subgraphs.workforce!.runtime;
    ops = await login(stack.gatewayUrl, 'ops@lagos.demo');
    accraOps = await login(stack.gatewayUrl, 'ops@accra.demo');
    const list = async (token: string, min: number) => nodes<any>((await q('{ workers(first: 100) { edges { node { id balance { amount currencyCode } } } } }', {}, token)).data.workers)
      .map((w) => ({ id: w.id, balance: Number(w.balance.amount), currency: w.balance.currencyCode }))
      .filter((w) => w.balance >= min)
      .sort((a, b) => b.balance - a.balance);
    riders = await list(ops, 1000);
    accraRider = (await list(accraOps, 60))[0]!;
    expect(accraRider).toBeDefined();
    expect(riders.length).toBeGreaterThanOrEqual(6);
    await expectInvariants(); // the seeded opening balances are mirrored before anything moves
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
    await db?.drop();
  });

  it('M-Pesa B2C: a withdrawal to a Kenyan number is paid, its Result callback comes back through the gateway', async () => {
    const r = riders[0]!;
    const out = await withdraw(r.id, '500.00', '+254700000042');
    expect(out.userErrors).toEqual([]);
    expect(Number(out.worker.balance.amount)).toBe(r.balance - 500);
    const p = await settledPayout(out.withdrawal.id);
    expect(p).toMatchObject({ rail: 'MPESA', status: 'SUCCEEDED', phone: '+254700000042' });
    expect(p.reference).toMatch(/^AG_/);
    expect(p.receipt).toMatch(/^SBP/);
    // the sandbox records the delivery once finance has answered it
    const result = await eventually(async () => stack.paymentSandbox!.deliveries.find((d) => d.reference === p.reference));
    expect(new URL(result.url).pathname).toMatch(/^\/webhooks\/payments\/mpesa\//);
    expect(result.status).toBe(200);
    const w = await worker(r.id);
    expect(nodes<any>(w.payouts)[0]).toMatchObject({ id: p.id, status: 'SUCCEEDED', rail: 'MPESA', amount: { amount: '500.00', currencyCode: 'NGN' } });
    expect(Number(w.balance.amount)).toBe(r.balance - 500);
    r.balance -= 500;
    await expectInvariants();
  });

  it('MTN MoMo Disbursements: insufficient funds at the provider → FAILED, and the amount is back in the balance', async () => {
    const out = await withdraw(accraRider.id, '30.00', '+233240001001', accraOps);
    expect(out.userErrors).toEqual([]);
    const p = await settledPayout(out.withdrawal.id);
    expect(p).toMatchObject({ rail: 'MTN_MOMO', status: 'FAILED' });
    expect(p.failureReason).toContain('NOT_ENOUGH_FUNDS');
    await eventually(async () => {
      const x = await worker(accraRider.id, accraOps);
      return nodes<any>(x.earningsLedger).some((e) => e.kind === 'WITHDRAWAL_REVERSAL') ? x : null;
    });
    // read again: the query reads the balance and the ledger in two statements, and the reversal (one transaction)
    // can commit between them (seen once: the reversal listed, the balance 30 short)
    const w = await worker(accraRider.id, accraOps);
    expect(Number(w.balance.amount)).toBe(accraRider.balance);
    const kinds = nodes<any>(w.earningsLedger).map((e) => e.kind);
    expect(kinds.filter((k) => k === 'WITHDRAWAL_REVERSAL')).toHaveLength(1);
    await expectInvariants();
  });

  it('MoMo result delivered three times, and out of order: credited once', async () => {
    for (const phone of ['+233240001005', '+233240001006']) {
      const out = await withdraw(accraRider.id, '10.00', phone, accraOps);
      const p = await settledPayout(out.withdrawal.id);
      expect(p.status).toBe('SUCCEEDED');
      await eventually(async () => (await finance.prisma.paymentCallback.count({ where: { paymentId: p.id } })) >= 3, { timeoutMs: 10_000 });
      const cbs = await finance.prisma.paymentCallback.findMany({ where: { paymentId: p.id } });
      expect(cbs.filter((c: any) => c.applied)).toHaveLength(1);
      expect(await finance.prisma.ledgerPosting.count({ where: { kind: 'PAYOUT_SUCCEEDED', description: { contains: p.id } } })).toBe(1);
      accraRider.balance -= 10;
    }
    expect(Number((await worker(accraRider.id, accraOps)).balance.amount)).toBe(accraRider.balance);
    await expectInvariants();
  });

  it('Paystack transfers: a Nigerian number is paid by transfer.success; a refused transfer (balance short) fails at once and is reversed', async () => {
    const r = riders[1]!;
    const ok = await withdraw(r.id, '250.00', '+2348030004242');
    const paid = await settledPayout(ok.withdrawal.id);
    expect(paid).toMatchObject({ rail: 'PAYSTACK', status: 'SUCCEEDED' });
    expect(paid.receipt).toMatch(/^TRF_/);
    r.balance -= 250;
    const refused = await withdraw(r.id, '250.00', '+2348030001001');
    const failed = await settledPayout(refused.withdrawal.id);
    expect(failed).toMatchObject({ rail: 'PAYSTACK', status: 'FAILED' });
    expect(failed.failureReason).toMatch(/balance is not enough/);
    await eventually(async () => Number((await worker(r.id)).balance.amount) === r.balance);
    await expectInvariants();
  });

  it('the callback is lost: the status query settles the MoMo payout', async () => {
    const out = await withdraw(accraRider.id, '5.00', '+233240001007', accraOps);
    const p = await settledPayout(out.withdrawal.id, 20_000);
    expect(p.status).toBe('SUCCEEDED');
    expect(await finance.prisma.paymentCallback.count({ where: { paymentId: p.id } })).toBe(0);
    accraRider.balance -= 5;
    await expectInvariants();
  }, 25_000);

  it("M-Pesa B2C result lost: Daraja's Transaction Status query, answered at the payout's result URL, settles it", async () => {
    const r = riders[3]!;
    const out = await withdraw(r.id, '250.00', '+254700001007');
    expect(out.userErrors).toEqual([]);
    const p = await settledPayout(out.withdrawal.id, 25_000);
    expect(p).toMatchObject({ rail: 'MPESA', status: 'SUCCEEDED', receipt: expect.stringMatching(/^SBP\d+$/) });
    // no B2C Result ever came: the settling word is the status query's Result, delivered over HTTP through the gateway
    // (the sandbox logs a delivery once our answer is back, just after the payout settled)
    const results = await eventually(() => {
      const found = stack.paymentSandbox!.deliveries.filter((d) => d.url.includes(`payout=${p.id}`));
      return found.length ? found : null;
    });
    expect(results.every((d) => JSON.parse(d.body).Result.ResultParameters.ResultParameter.some((x: any) => x.Key === 'TransactionStatus'))).toBe(true);
    const cbs = await finance.prisma.paymentCallback.findMany({ where: { paymentId: p.id } });
    expect(cbs.filter((c: any) => c.applied)).toHaveLength(1);
    expect(cbs.find((c: any) => c.applied).outcome).toBe('SUCCEEDED');
    r.balance -= 250;
    await expectInvariants();
  }, 30_000);

  it('a forged payout result (wrong token) gets 401 and changes nothing', async () => {
    const payout = await finance.prisma.payout.findFirst({ where: { rail: 'MPESA', status: 'SUCCEEDED' } });
    const tenant = (await q('{ tenant { id } }')).data.tenant.id;
    const before = await finance.prisma.paymentCallback.count();
    const res = await fetch(`${base}/webhooks/payments/mpesa/${tenant}?payout=${payout.id}&token=forged`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ Result: { ResultType: 0, ResultCode: 1, ResultDesc: 'forged', ConversationID: payout.reference } }),
    });
    expect(res.status).toBe(401);
    expect(await finance.prisma.paymentCallback.count()).toBe(before);
    expect((await finance.prisma.payout.findUnique({ where: { id: payout.id } })).status).toBe('SUCCEEDED');
  });

  it('concurrent withdrawals never pay out more than the balance', async () => {
    const r = riders[2]!;
    const share = Math.floor(r.balance * 0.3);
    const results = await Promise.all(Array.from({ length: 6 }, () => withdraw(r.id, `${share}.00`, '+254700000077')));
    const accepted = results.filter((x) => x.userErrors.length === 0);
    expect(accepted).toHaveLength(3);
    expect(results.filter((x) => x.userErrors[0]?.code === 'INSUFFICIENT_BALANCE')).toHaveLength(3);
    const payouts = await Promise.all(accepted.map((x) => settledPayout(x.withdrawal.id)));
    expect(payouts.every((p) => p.status === 'SUCCEEDED')).toBe(true);
    const paid = payouts.reduce((s, p) => s + Number(p.amount), 0);
    expect(paid).toBe(3 * share);
    expect(paid).toBeLessThanOrEqual(r.balance);
    expect(Number((await worker(r.id)).balance.amount)).toBe(r.balance - 3 * share);
    await expectInvariants();
  });

  it('payouts are finance reading: a rider gets FORBIDDEN on Query.payouts', async () => {
    const rider = await login(stack.gatewayUrl, 'rider1@lagos.demo');
    const r = await q('{ payouts(first: 1) { edges { node { id } } } }', {}, rider);
    expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const list = await q('{ payouts(first: 50, filter: { status: FAILED }) { edges { node { id status worker { id } } } } }');
    // the refused Paystack transfer above is Lagos's (the MoMo failure is Accra's)
    expect(nodes<any>(list.data.payouts).length).toBeGreaterThanOrEqual(1);
    expect(nodes<any>(list.data.payouts).every((p) => p.status === 'FAILED')).toBe(true);
  });
});
