// Issue 19: the guild bonus at its boundary. A worker one task short of the next level completes that task: the
// task pays the bonus of the level held BEFORE it (Starter, 0 %), and the worker leaves it at the new level
// (Bronze, at exactly 500 XP). The next task pays Bronze's 5 %. In-memory PGlite, seeded demo plan.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decimal, type Viewer } from '@omniroute/core';
import { enqueue } from '@omniroute/events';
import { createScope } from '@omniroute/core/kit';
import { workforce } from '../src/server.ts';
import type { RequestScope } from '../src/context.ts';
import { EarningsService } from '../src/modules/earnings/earnings.service.ts';
import { dispatch, LAGOS, rider, startWorkforce } from './helpers.ts';

const SECRET = 'workforce-issue-19-secret';
type Started = Awaited<ReturnType<typeof startWorkforce>>;
let sg: Started['sg'];
let bus: Started['bus'];
let call: Started['call'];
let stop: Started['stop'] | undefined;

beforeAll(async () => void ({ sg, bus, call, stop } = await startWorkforce(SECRET)));
afterAll(() => stop?.());

const BID = 'mutation($i: PlaceBidInput!) { placeBid(input: $i) { bid { id } userErrors { code } } }';
const AWARD = 'mutation($i: AwardTaskInput!) { awardTask(input: $i) { task { status } userErrors { code } } }';
const COMPLETE = `mutation($i: CompleteTaskInput!) { completeTask(input: $i) { task { xpAwarded assignee { xp level { name } } }
  earningsEntry { amount { amount } bonus { amount } bonusPercent } userErrors { code } } }`;

/** XP a task pays at complexity 2 (training pays training XP). */
const gainOf = (t: { kind: string }) => (t.kind === 'TRAINING' ? 50 : 20);

/** The `nth` verified Starter of Lagos (with a login) and `n` open standard tasks it may take (not deliveries). */
async function starterWithTasks(nth: number, n: number) {
  const starters = await sg.prisma.worker.findMany({ where: { tenantId: LAGOS, kycStatus: 'VERIFIED', xp: { lt: 400 }, userId: { not: null } }, orderBy: { id: 'desc' }, take: 2 });
  expect(starters).toHaveLength(2);
  const w = starters[nth]!;
  const tasks = await sg.prisma.task.findMany({ where: { tenantId: LAGOS, status: 'OPEN', priority: 'STANDARD', kind: { not: 'DELIVERY' }, bids: { none: { workerId: w.id } } }, orderBy: { id: 'desc' }, take: n });
  expect(tasks).toHaveLength(n);
  return { w, tasks };
}
const setXp = (id: string, xp: number) => sg.prisma.worker.update({ where: { id }, data: { xp } });

/** Bid (at most the reward), award, complete with complexity 2 (20 XP). */
async function doTask(w: { id: string; tenantId: string; userId: string | null }, taskId: string, amount: string) {
  const bid = await call(rider(w), BID, { i: { taskId, workerId: w.id, amount } });
  expect(bid.data.placeBid.userErrors).toEqual([]);
  expect((await call(dispatch, AWARD, { i: { taskId, bidId: bid.data.placeBid.bid.id } })).data.awardTask.userErrors).toEqual([]);
  const done = await call(dispatch, COMPLETE, { i: { taskId, complexity: 2 } });
  expect(done.data.completeTask.userErrors).toEqual([]);
  return done.data.completeTask;
}

describe('guild bonus at the level boundary (issue 19)', () => {
  it('the task that reaches Bronze pays the Starter bonus (level before the task); the next one pays +5 %', async () => {
    const { w, tasks } = await starterWithTasks(0, 2);
    await setXp(w.id, 500 - gainOf(tasks[0]!)); // one task short of Bronze
    const first = await doTask(w, tasks[0]!.id, '10.00');
    expect(first.task).toMatchObject({ xpAwarded: gainOf(tasks[0]!), assignee: { xp: 500, level: { name: 'Bronze' } } });
    expect(first.earningsEntry).toMatchObject({ bonusPercent: 0, bonus: { amount: '0.00' }, amount: { amount: '10.00' } });
    const second = await doTask(w, tasks[1]!.id, '10.00');
    expect(second.task.assignee).toMatchObject({ xp: 500 + gainOf(tasks[1]!), level: { name: 'Bronze' } });
    expect(second.earningsEntry).toMatchObject({ bonusPercent: 5, bonus: { amount: '0.50' }, amount: { amount: '10.50' } });
  });

  it('one XP short of the level stays below it', async () => {
    const { w, tasks } = await starterWithTasks(1, 1);
    await setXp(w.id, 499 - gainOf(tasks[0]!));
    const done = await doTask(w, tasks[0]!.id, '10.00');
    expect(done.task.assignee).toMatchObject({ xp: 499, level: { name: 'Starter' } });
    expect(done.earningsEntry.bonusPercent).toBe(0);
  });
});

// earnings.service.ts's input rules and the payout reversal (issue 19: earnings in the mutation run).
describe('withdrawals at their boundaries, and a failed payout reversed once (issue 19)', () => {
  const finance: Viewer = { tenantId: LAGOS, userId: 'usr_LAGOS000002', roles: ['FINANCE'], scopes: [] };
  const WITHDRAW = `mutation($i: RequestWithdrawalInput!) { requestWithdrawal(input: $i) { withdrawal { id amount { amount } } worker { balance { amount } } userErrors { code field } } }`;
  const withdraw = (i: Record<string, unknown>) => call(finance, WITHDRAW, { i }).then((r) => r.data.requestWithdrawal);
  const requested = (id: string) => sg.prisma.outboxEvent.findFirstOrThrow({ where: { aggregateId: id, type: 'worker.withdrawal.requested' } }).then((e) => e.payload as any);

  it('idempotency key 1–200 characters, amount above 0, phone international; refusals take nothing; the payout goes to the given phone (trimmed) or the worker’s', async () => {
    const w = await sg.prisma.worker.findFirstOrThrow({ where: { tenantId: LAGOS, balance: { gt: 100 } }, orderBy: { id: 'desc' } });
    const refused = async (i: Record<string, unknown>, field: string) =>
      expect(await withdraw({ workerId: w.id, amount: '1.00', idempotencyKey: 'i19-w', ...i })).toEqual({ withdrawal: null, worker: null, userErrors: [{ code: 'INVALID_INPUT', field: ['input', field] }] });
    await refused({ idempotencyKey: '   ' }, 'idempotencyKey');
    await refused({ idempotencyKey: 'k'.repeat(201) }, 'idempotencyKey');
    await refused({ amount: '0' }, 'amount');
    await refused({ amount: '-1.00' }, 'amount');
    await refused({ phone: '0712345678' }, 'phone');
    await refused({ phone: '+2547123' }, 'phone'); // 7 digits after the country's first
    await refused({ phone: '+0712345678' }, 'phone');
    expect((await sg.prisma.worker.findUniqueOrThrow({ where: { id: w.id } })).balance.toString()).toBe(w.balance.toString());

    const a = await withdraw({ workerId: w.id, amount: '1.5', idempotencyKey: 'k'.repeat(200), phone: '  +254712345678  ' });
    expect(a.userErrors).toEqual([]);
    expect(await requested(a.withdrawal.id)).toEqual({ withdrawalId: a.withdrawal.id, workerId: w.id, phone: '+254712345678', amount: { amount: '1.50', currencyCode: 'NGN' } });
    const b = await withdraw({ workerId: w.id, amount: '2.00', idempotencyKey: ' i19-k2 ', phone: '   ' });
    expect(b.userErrors).toEqual([]);
    expect((await requested(b.withdrawal.id)).phone).toBe(w.phone);
    // the key was trimmed: the same key without spaces is a retry of it
    expect((await withdraw({ workerId: w.id, amount: '2.00', idempotencyKey: 'i19-k2' })).withdrawal.id).toBe(b.withdrawal.id);
    // the same key for another worker is not a retry
    const other = await sg.prisma.worker.findFirstOrThrow({ where: { tenantId: LAGOS, id: { not: w.id }, balance: { gt: 100 } } });
    expect((await withdraw({ workerId: other.id, amount: '2.00', idempotencyKey: 'i19-k2' })).userErrors).toEqual([{ code: 'IDEMPOTENCY_KEY_REUSED', field: ['input', 'idempotencyKey'] }]);
    expect((await sg.prisma.worker.findUniqueOrThrow({ where: { id: w.id } })).balance.toString()).toBe(w.balance.minus('3.5').toString());
  });

  it('reverseWithdrawal credits the withdrawal back once, only for a withdrawal of that tenant', async () => {
    const w = await sg.prisma.worker.findFirstOrThrow({ where: { tenantId: LAGOS, balance: { gt: 100 } }, orderBy: { id: 'asc' } });
    const done = await withdraw({ workerId: w.id, amount: '7.25', idempotencyKey: 'i19-rev' });
    expect(done.userErrors).toEqual([]);
    const id = done.withdrawal.id as string;
    const earning = await sg.prisma.ledgerEntry.findFirstOrThrow({ where: { tenantId: LAGOS, kind: 'TASK_EARNING' } });
    const reverse = (tenantId: string, withdrawalId: string) => sg.prisma.$transaction((tx) => EarningsService.reverseWithdrawal(tx, tenantId, withdrawalId));

    expect(await reverse('tnt_ACCRA', id)).toBeNull();
    expect(await reverse(LAGOS, earning.id)).toBeNull();
    expect((await sg.prisma.worker.findUniqueOrThrow({ where: { id: w.id } })).balance.toString()).toBe(w.balance.minus('7.25').toString());
    const r = await reverse(LAGOS, id);
    expect(r).toMatchObject({ tenantId: LAGOS, workerId: w.id, kind: 'WITHDRAWAL_REVERSAL', currency: 'NGN', idempotencyKey: `payout-reversal:${id}` });
    expect(r!.amount.toString()).toBe('7.25');
    expect(r!.balanceAfter.toString()).toBe(w.balance.toString());
    expect(await reverse(LAGOS, id)).toBeNull();
    const after = await sg.prisma.worker.findUniqueOrThrow({ where: { id: w.id } });
    expect([after.balance.toString(), after.earned.toString()]).toEqual([w.balance.toString(), w.earned.toString()]);
  });
});

// tasks.service.ts's bid and award rules at their boundaries (issue 19: tasks in the mutation run).
describe('bids and awards at their boundaries (issue 19)', () => {
  it('a bid is above 0 and at most the reward (the reward itself is fine); a note of up to 1000 characters, blank is none; an award takes only a bid of that task and tenant', async () => {
    // a verified worker and two open standard tasks of this test's own (the guild tests above use up the seeded ones)
    const w = await sg.prisma.worker.findFirstOrThrow({ where: { tenantId: LAGOS, kycStatus: 'VERIFIED', userId: { not: null } }, orderBy: { id: 'asc' } });
    const task = (id: string) => ({ id, tenantId: LAGOS, kind: 'MERCHANDISING' as const, status: 'OPEN' as const, priority: 'STANDARD' as const, title: id, complexity: 2, reward: '50.00', currency: 'NGN' as const });
    const [t, u] = [await sg.prisma.task.create({ data: task('tsk_I19_BID_T') }), await sg.prisma.task.create({ data: task('tsk_I19_BID_U') })];
    const BID_NOTE = 'mutation($i: PlaceBidInput!) { placeBid(input: $i) { bid { id note amount { amount } } userErrors { code field } } }';
    const bid = (i: Record<string, unknown>) => call(rider(w), BID_NOTE, { i: { taskId: t.id, workerId: w.id, ...i } }).then((r) => r.data.placeBid);
    const reward = t.reward.toFixed(2);
    expect(await bid({ amount: '0' })).toEqual({ bid: null, userErrors: [{ code: 'INVALID_INPUT', field: ['input', 'amount'] }] });
    expect(await bid({ amount: '1.00', note: 'n'.repeat(1001) })).toEqual({ bid: null, userErrors: [{ code: 'INVALID_INPUT', field: ['input', 'note'] }] });
    expect(await bid({ amount: t.reward.plus('0.01').toFixed(2) })).toMatchObject({ bid: null, userErrors: [{ code: 'BID_ABOVE_REWARD' }] });
    expect(await sg.prisma.bid.count({ where: { taskId: t.id, workerId: w.id } })).toBe(0);
    expect(await bid({ amount: reward, note: '   ' })).toMatchObject({ bid: { note: null, amount: { amount: reward } }, userErrors: [] });
    const onU = await call(rider(w), BID_NOTE, { i: { taskId: u.id, workerId: w.id, amount: '1.00', note: ` ${'n'.repeat(1000)} ` } }).then((r) => r.data.placeBid);
    expect(onU.userErrors).toEqual([]);
    expect(onU.bid.note).toBe('n'.repeat(1000));

    // u's bid does not award t; a Lagos bid id is unknown to Accra
    const AWARD_ERR = 'mutation($i: AwardTaskInput!) { awardTask(input: $i) { task { id } userErrors { code field } } }';
    expect((await call(dispatch, AWARD_ERR, { i: { taskId: t.id, bidId: onU.bid.id } })).data.awardTask).toEqual({ task: null, userErrors: [{ code: 'BID_NOT_FOUND', field: ['input', 'bidId'] }] });
    const accraOps: Viewer = { tenantId: 'tnt_ACCRA', userId: 'usr_ACCRA000004', roles: ['OPERATIONS'], scopes: [] };
    const accraTask = await sg.prisma.task.findFirstOrThrow({ where: { tenantId: 'tnt_ACCRA', status: 'OPEN' } });
    expect((await call(accraOps, AWARD_ERR, { i: { taskId: accraTask.id, bidId: onU.bid.id } })).data.awardTask.userErrors).toEqual([{ code: 'BID_NOT_FOUND', field: ['input', 'bidId'] }]);
    expect((await sg.prisma.task.findMany({ where: { id: { in: [t.id, u.id, accraTask.id] } } })).map((x) => x.status)).toEqual(['OPEN', 'OPEN', 'OPEN']);
  });
});

// earnings.service.ts's survivors (issue 19): refusals with their messages, who may withdraw for whom, the replay
// of a key, the ledger's page boundary, crediting a task, and the relay kicked once a withdrawal commits.
describe('withdrawals: refusals, staff and riders, replays, the ledger page and the relay (issue 19)', () => {
  const finance: Viewer = { tenantId: LAGOS, userId: 'usr_LAGOS000002', roles: ['FINANCE'], scopes: [] };
  const WITHDRAW = `mutation($i: RequestWithdrawalInput!) { requestWithdrawal(input: $i) {
    withdrawal { id kind amount { amount } } worker { id balance { amount } } userErrors { code field message } } }`;
  const withdrawAs = (v: Viewer, i: Record<string, unknown>) => call(v, WITHDRAW, { i });
  const withdraw = (i: Record<string, unknown>) => withdrawAs(finance, i).then((r) => r.data.requestWithdrawal);
  const balanceOf = async (id: string) => (await sg.prisma.worker.findUniqueOrThrow({ where: { id } })).balance.toString();
  /** Lagos workers with a balance and a login, newest id first (so never the table's first row). */
  const rich = () => sg.prisma.worker.findMany({ where: { tenantId: LAGOS, balance: { gt: 100 }, userId: { not: null } }, orderBy: { id: 'desc' }, take: 3 });

  it('each refusal says why, on which field, and takes nothing', async () => {
    const [w] = await rich();
    const before = await balanceOf(w!.id);
    const refused = async (i: Record<string, unknown>, code: string, field: string, message: string) =>
      expect(await withdraw({ workerId: w!.id, amount: '1.00', idempotencyKey: 'i19e-refused', ...i })).toEqual({ withdrawal: null, worker: null, userErrors: [{ code, field: ['input', field], message }] });
    await refused({ idempotencyKey: ' ' }, 'INVALID_INPUT', 'idempotencyKey', 'idempotencyKey must be 1–200 characters');
    await refused({ amount: '0' }, 'INVALID_INPUT', 'amount', 'amount must be more than 0');
    const phone = 'phone must be an international number such as +254712345678';
    await refused({ phone: 'tel+254712345678' }, 'INVALID_INPUT', 'phone', phone); // junk before the +
    await refused({ phone: '+254712345678x' }, 'INVALID_INPUT', 'phone', phone); // junk after the digits
    await refused({ workerId: 'wkr_NOPE' }, 'WORKER_NOT_FOUND', 'workerId', 'No such worker');
    const accra = await sg.prisma.worker.findFirstOrThrow({ where: { tenantId: 'tnt_ACCRA' } });
    await refused({ workerId: accra.id }, 'WORKER_NOT_FOUND', 'workerId', 'No such worker'); // finance pays its own tenant's workers only
    await refused({ amount: '1.001' }, 'INVALID_INPUT', 'amount', 'amount has more decimals than NGN allows');
    await refused({ amount: w!.balance.plus(1000).toFixed(2) }, 'INSUFFICIENT_BALANCE', 'amount', 'Amount is more than the balance');
    expect(await balanceOf(w!.id)).toBe(before);
    expect(await balanceOf(accra.id)).toBe(accra.balance.toString());
    expect(await sg.prisma.ledgerEntry.count({ where: { idempotencyKey: 'i19e-refused' } })).toBe(0);
  });

  it('finance and admins withdraw for any worker of their tenant; a rider only for their own worker', async () => {
    const [w, other] = await rich();
    const before = [await balanceOf(w!.id), await balanceOf(other!.id)];
    const ok = async (v: Viewer, workerId: string, key: string) => {
      const r = await withdrawAs(v, { workerId, amount: '1.00', idempotencyKey: key });
      expect(r.errors).toBeUndefined();
      expect(r.data.requestWithdrawal).toMatchObject({ withdrawal: { kind: 'WITHDRAWAL', amount: { amount: '1.00' } }, worker: { id: workerId }, userErrors: [] });
      expect(r.data.requestWithdrawal.withdrawal.id).toMatch(/^led_/);
    };
    const forbidden = async (v: Viewer, workerId: string) => {
      const r = await withdrawAs(v, { workerId, amount: '1.00', idempotencyKey: 'i19e-forbidden' });
      expect(r.data?.requestWithdrawal ?? null).toBeNull();
      expect(r.errors).toHaveLength(1);
      expect(r.errors[0]).toMatchObject({ message: 'Riders may only withdraw their own earnings', extensions: { code: 'FORBIDDEN' } });
    };
    const noWorker = 'usr_LAGOS000004'; // dispatch: a user with no worker record
    expect(await sg.prisma.worker.count({ where: { userId: noWorker } })).toBe(0);
    await ok({ tenantId: LAGOS, userId: noWorker, roles: ['ADMIN'], scopes: [] }, w!.id, 'i19e-admin');
    await ok({ tenantId: LAGOS, userId: noWorker, roles: ['RIDER', 'ADMIN'], scopes: [] }, other!.id, 'i19e-rider-admin');
    await ok({ tenantId: LAGOS, userId: noWorker, roles: ['RIDER', 'FINANCE'], scopes: [] }, w!.id, 'i19e-rider-finance');
    await ok(rider(w!), w!.id, 'i19e-own');
    await forbidden(rider(w!), other!.id); // another's worker
    await forbidden({ tenantId: LAGOS, userId: noWorker, roles: ['RIDER'], scopes: [] }, w!.id); // no worker of their own
    expect(await sg.prisma.ledgerEntry.count({ where: { idempotencyKey: 'i19e-forbidden' } })).toBe(0);
    expect([await balanceOf(w!.id), await balanceOf(other!.id)]).toEqual([new Decimal(before[0]!).minus(3).toString(), new Decimal(before[1]!).minus(1).toString()]);
  });

  it('a key is replayed only for the same worker and amount of a withdrawal; the retry answers with the withdrawal and its worker', async () => {
    const [w, other] = await rich();
    const first = await withdraw({ workerId: w!.id, amount: '3.00', idempotencyKey: 'i19e-replay' });
    expect(first.userErrors).toEqual([]);
    expect(first.worker.id).toBe(w!.id);
    // the table's first worker is someone else (a lookup that lost its where would answer it)
    expect((await sg.prisma.worker.findFirstOrThrow({})).id).not.toBe(w!.id);
    expect(await withdraw({ workerId: w!.id, amount: '3', idempotencyKey: 'i19e-replay' })).toEqual(first);
    const reused = { withdrawal: null, worker: null, userErrors: [{ code: 'IDEMPOTENCY_KEY_REUSED', field: ['input', 'idempotencyKey'], message: 'This idempotencyKey was used for a different withdrawal' }] };
    expect(await withdraw({ workerId: other!.id, amount: '3.00', idempotencyKey: 'i19e-replay' })).toEqual(reused);
    expect(await withdraw({ workerId: w!.id, amount: '3.01', idempotencyKey: 'i19e-replay' })).toEqual(reused);
    // a reversal's key belongs to a WITHDRAWAL_REVERSAL of the same worker and amount: not a withdrawal to replay
    const rev = await sg.prisma.$transaction((tx) => EarningsService.reverseWithdrawal(tx, LAGOS, first.withdrawal.id));
    expect(rev!.id).toMatch(/^led_/);
    const afterReversal = await balanceOf(w!.id);
    expect(await withdraw({ workerId: w!.id, amount: '3.00', idempotencyKey: rev!.idempotencyKey })).toEqual(reused);
    expect(await balanceOf(w!.id)).toBe(afterReversal);
    expect(await balanceOf(other!.id)).toBe(other!.balance.toString());
  });

  it('the ledger page: exactly `first` entries has no next page, one more has', async () => {
    const [w] = await rich();
    await withdraw({ workerId: w!.id, amount: '0.50', idempotencyKey: 'i19e-page-1' });
    await withdraw({ workerId: w!.id, amount: '0.50', idempotencyKey: 'i19e-page-2' });
    const n = await sg.prisma.ledgerEntry.count({ where: { workerId: w!.id } });
    expect(n).toBeGreaterThanOrEqual(2);
    const LEDGER = 'query($id: ID!, $n: Int) { worker(id: $id) { earningsLedger(first: $n) { edges { node { id } } pageInfo { hasNextPage } } } }';
    const page = (first: number) => call(finance, LEDGER, { id: w!.id, n: first }).then((r) => r.data.worker.earningsLedger);
    const all = await page(n);
    expect([all.edges.length, all.pageInfo.hasNextPage]).toEqual([n, false]);
    const short = await page(n - 1);
    expect([short.edges.length, short.pageInfo.hasNextPage]).toEqual([n - 1, true]);
  });

  it('creditCompletedTask refuses a worker of another tenant or none, and a task paid in another currency; a credit is a led_ entry', async () => {
    const [w] = await rich();
    const accra = await sg.prisma.worker.findFirstOrThrow({ where: { tenantId: 'tnt_ACCRA' } });
    const task = (id: string, currency: 'NGN' | 'GHS') => sg.prisma.task.create({ data: { id, tenantId: LAGOS, kind: 'MERCHANDISING', status: 'COMPLETED', priority: 'STANDARD', title: id, complexity: 2, reward: '5.00', currency } });
    const [ngn, ghs] = [await task('tsk_I19_CREDIT_NGN', 'NGN'), await task('tsk_I19_CREDIT_GHS', 'GHS')];
    const credit = (t: typeof ngn, workerId: string) => sg.prisma.$transaction((tx) => EarningsService.creditCompletedTask(tx, t, workerId, 20));
    const before = await sg.prisma.worker.findUniqueOrThrow({ where: { id: w!.id } });
    await expect(credit(ngn, 'wkr_NOPE')).rejects.toThrow(`worker wkr_NOPE of task ${ngn.id} not found`);
    await expect(credit(ngn, accra.id)).rejects.toThrow(`worker ${accra.id} of task ${ngn.id} not found`);
    await expect(credit(ghs, w!.id)).rejects.toThrow(`task ${ghs.id} pays GHS, worker ${w!.id} is paid in NGN`);
    const unchanged = await sg.prisma.worker.findUniqueOrThrow({ where: { id: w!.id } });
    expect([unchanged.xp, unchanged.balance.toString(), unchanged.earned.toString()]).toEqual([before.xp, before.balance.toString(), before.earned.toString()]);
    expect(await sg.prisma.ledgerEntry.count({ where: { taskId: { in: [ngn.id, ghs.id] } } })).toBe(0);
    const { entry } = await credit(ngn, w!.id);
    expect(entry).toMatchObject({ kind: 'TASK_EARNING', workerId: w!.id, taskId: ngn.id });
    expect(entry.id).toMatch(/^led_/);
  });

  it('a withdrawal kicks the relay when it commits (its event arrives long before the 10-minute poll); a refusal does not', async () => {
    const [w] = await rich();
    const seen: string[] = [];
    const unlisten = bus.listen((e) => void seen.push(`${e.type}:${e.aggregateId}`), { types: ['worker.withdrawal.requested', 'test.i19.marker'] });
    try {
      // an event written without a kick: only the poll, or the next kick, publishes it
      await sg.prisma.$transaction((tx) => enqueue(tx, 'workforce', [{ type: 'test.i19.marker', tenantId: LAGOS, aggregateId: 'i19e-marker', payload: {} }]));
      const refused = await withdraw({ workerId: w!.id, amount: w!.balance.plus(1000).toFixed(2), idempotencyKey: 'i19e-relay-refused' });
      expect(refused.userErrors[0].code).toBe('INSUFFICIENT_BALANCE');
      await new Promise((r) => setTimeout(r, 300));
      expect(seen).toEqual([]);
      const done = await withdraw({ workerId: w!.id, amount: '1.00', idempotencyKey: 'i19e-relay' });
      expect(done.userErrors).toEqual([]);
      await expect.poll(() => seen.length, { timeout: 2_000 }).toBe(2);
      expect(seen.sort()).toEqual(['test.i19.marker:i19e-marker', `worker.withdrawal.requested:${done.withdrawal.id}`]);
    } finally {
      unlisten();
    }
  });
});

// tasks.service.ts lines 125–213 (issue 19): placeBid, award, complete and the worker checks — each refusal's code,
// message and field with nothing written, and the re-checks inside the transaction against a snapshot read earlier
// in the same request. Workers and tasks of its own (ids *_I19B_*), so the seeded ones above do not matter.
describe('placeBid, awardTask, completeTask: refusals and the re-checks in the transaction (issue 19)', () => {
  type Kyc = 'PENDING' | 'VERIFIED' | 'REJECTED';
  type Priority = 'STANDARD' | 'PRIORITY';
  const worker = (key: string, kycStatus: Kyc = 'VERIFIED', xp = 0) =>
    sg.prisma.worker.create({ data: { id: `wkr_I19B_${key}`, tenantId: LAGOS, userId: `usr_I19B_${key}`, name: key, phone: '+2348000000000', kycStatus, xp, currency: 'NGN' } });
  const task = (key: string, o: { priority?: Priority; status?: 'OPEN' | 'ASSIGNED'; assigneeId?: string | null } = {}) =>
    sg.prisma.task.create({ data: { id: `tsk_I19B_${key}`, tenantId: LAGOS, kind: 'MERCHANDISING', status: o.status ?? 'OPEN', priority: o.priority ?? 'STANDARD', title: key, complexity: 2, reward: '50.00', currency: 'NGN', assigneeId: o.assigneeId ?? null } });
  const BID_FULL = 'mutation($i: PlaceBidInput!) { placeBid(input: $i) { bid { id status amount { amount } } userErrors { code field message } } }';
  const AWARD_FULL = 'mutation($i: AwardTaskInput!) { awardTask(input: $i) { task { id status reward { amount } assignee { id } } userErrors { code field message } } }';
  const COMPLETE_FULL = 'mutation($i: CompleteTaskInput!) { completeTask(input: $i) { task { id status } userErrors { code field message } } }';
  const placeBid = (v: Viewer, i: Record<string, unknown>) => call(v, BID_FULL, { i }).then((r) => r.data.placeBid);
  const award = (taskId: string, bidId: string) => call(dispatch, AWARD_FULL, { i: { taskId, bidId } }).then((r) => r.data.awardTask);
  const complete = (i: Record<string, unknown>) => call(dispatch, COMPLETE_FULL, { i }).then((r) => r.data.completeTask);
  const refused = (field: string, code: string, message: string) => ({ userErrors: [{ code, field: ['input', field], message }] });
  const bidStatuses = async (taskId: string) => (await sg.prisma.bid.findMany({ where: { taskId }, orderBy: { workerId: 'asc' } })).map((b) => `${b.workerId}:${b.status}`);
  const taskRow = (id: string) => sg.prisma.task.findUniqueOrThrow({ where: { id } });

  it('placeBid: each refusal with its code, message and field writes no bid; the bid is a bid_ id; a second bid of the worker is DUPLICATE_BID', async () => {
    const [w, other, unverified, starter] = [await worker('BID_W', 'VERIFIED', 600), await worker('BID_OTHER'), await worker('BID_KYC', 'PENDING', 600), await worker('BID_STARTER', 'VERIFIED', 499)];
    const [t, busy, prio] = [await task('BID_T'), await task('BID_BUSY', { status: 'ASSIGNED', assigneeId: other.id }), await task('BID_PRIO', { priority: 'PRIORITY' })];
    const bid = (i: Record<string, unknown>, v: Viewer = rider(w)) => placeBid(v, { taskId: t.id, workerId: w.id, amount: '10.00', ...i });

    const forbidden = await call(rider(w), BID_FULL, { i: { taskId: t.id, workerId: other.id, amount: '10.00' } });
    expect(forbidden.data?.placeBid ?? null).toBeNull();
    expect(forbidden.errors).toHaveLength(1);
    expect(forbidden.errors[0]).toMatchObject({ message: 'Riders may only bid for themselves', extensions: { code: 'FORBIDDEN' } });
    expect(await bid({ amount: '0' })).toEqual({ bid: null, ...refused('amount', 'INVALID_INPUT', 'amount must be more than 0') });
    expect(await bid({ note: 'n'.repeat(1001) })).toEqual({ bid: null, ...refused('note', 'INVALID_INPUT', 'note must be at most 1000 characters') });
    expect(await bid({ taskId: 'tsk_I19B_NOPE' })).toEqual({ bid: null, ...refused('taskId', 'TASK_NOT_FOUND', 'No such task') });
    expect(await bid({ workerId: 'wkr_I19B_NOPE' }, dispatch)).toEqual({ bid: null, ...refused('workerId', 'WORKER_NOT_FOUND', 'No such worker') });
    // not open comes before every later rule: here the amount is also above the reward
    expect(await bid({ taskId: busy.id, amount: '50.01' })).toEqual({ bid: null, ...refused('taskId', 'TASK_NOT_OPEN', 'Only open tasks take bids') });
    expect(await bid({ workerId: unverified.id }, dispatch)).toEqual({ bid: null, ...refused('workerId', 'KYC_NOT_VERIFIED', 'Only KYC-verified workers can bid or be awarded tasks') });
    expect(await bid({ taskId: prio.id, workerId: starter.id }, dispatch)).toEqual({ bid: null, ...refused('taskId', 'LEVEL_TOO_LOW', 'PRIORITY tasks need a higher guild level than Starter') });
    expect(await bid({ amount: '1.001' })).toEqual({ bid: null, ...refused('amount', 'INVALID_INPUT', 'amount has more decimals than NGN allows') });
    expect(await bid({ amount: '50.01' })).toEqual({ bid: null, ...refused('amount', 'BID_ABOVE_REWARD', 'A bid may not ask more than the task pays') });
    expect(await sg.prisma.bid.count({ where: { taskId: { in: [t.id, busy.id, prio.id, 'tsk_I19B_NOPE'] } } })).toBe(0);

    const placed = await bid({ amount: '50' });
    expect(placed).toMatchObject({ bid: { status: 'PENDING', amount: { amount: '50.00' } }, userErrors: [] });
    expect(placed.bid.id).toMatch(/^bid_[0-9A-Za-z]{10,}$/);
    expect(await bid({ amount: '9.00' })).toEqual({ bid: null, ...refused('workerId', 'DUPLICATE_BID', 'This worker has bid on the task already') });
    expect((await sg.prisma.bid.findMany({ where: { taskId: t.id } })).map((b) => [b.id, b.amount.toString()])).toEqual([[placed.bid.id, '50']]);
  });

  it('awardTask: unknown task, a bid of another task, a bidder gone or unverified, a task no longer open; the award rejects the other PENDING bids of that task only', async () => {
    const [a, b, gone] = [await worker('AW_A'), await worker('AW_B'), await worker('AW_GONE')];
    const [t, u] = [await task('AW_T'), await task('AW_U')];
    const bidOf = async (w: { id: string }, taskId: string, amount: string) => (await placeBid(dispatch, { taskId, workerId: w.id, amount })).bid.id as string;
    const [ta, tb, tgone, ua] = [await bidOf(a, t.id, '40.00'), await bidOf(b, t.id, '45.00'), await bidOf(gone, t.id, '30.00'), await bidOf(a, u.id, '20.00')];
    const open = refused('taskId', 'TASK_NOT_OPEN', 'Only open tasks can be awarded');

    expect(await award('tsk_I19B_NOPE', ta)).toEqual({ task: null, ...refused('taskId', 'TASK_NOT_FOUND', 'No such task') });
    expect(await award(t.id, ua)).toEqual({ task: null, ...refused('bidId', 'BID_NOT_FOUND', 'No such bid on this task') });
    await sg.prisma.worker.update({ where: { id: b.id }, data: { kycStatus: 'REJECTED' } });
    expect(await award(t.id, tb)).toEqual({ task: null, ...refused('bidId', 'KYC_NOT_VERIFIED', 'Only KYC-verified workers can bid or be awarded tasks') });
    // the bidder's row is gone (the bid's foreign key forbids deleting it, so the test deletes it with the key's trigger off)
    await sg.prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe('SET LOCAL session_replication_role = replica');
      await tx.worker.delete({ where: { id: gone.id } });
    });
    expect(await award(t.id, tgone)).toEqual({ task: null, ...refused('bidId', 'WORKER_NOT_FOUND', 'The bidding worker no longer exists') });
    expect((await taskRow(t.id)).status).toBe('OPEN');
    expect(await bidStatuses(t.id)).toEqual([`${a.id}:PENDING`, `${b.id}:PENDING`, `${gone.id}:PENDING`]);

    expect(await award(t.id, ta)).toEqual({ task: { id: t.id, status: 'ASSIGNED', reward: { amount: '40.00' }, assignee: { id: a.id } }, userErrors: [] });
    expect(await bidStatuses(t.id)).toEqual([`${a.id}:ACCEPTED`, `${b.id}:REJECTED`, `${gone.id}:REJECTED`]);
    expect(await bidStatuses(u.id)).toEqual([`${a.id}:PENDING`]); // another task's bid is left alone
    await sg.prisma.bid.delete({ where: { id: tgone } }); // no dangling bid left for later tests

    // awarded: another bid of it is refused as not open (before the bidder's checks: b is still unverified), nothing moves
    expect(await award(t.id, tb)).toEqual({ task: null, ...open });
    expect(await taskRow(t.id)).toMatchObject({ status: 'ASSIGNED', assigneeId: a.id });
    expect(await bidStatuses(t.id)).toEqual([`${a.id}:ACCEPTED`, `${b.id}:REJECTED`]);
  });

  it('completeTask: complexity 1–10, an unknown task, a task not ASSIGNED or ASSIGNED to no one are refused and stay as they were', async () => {
    const w = await worker('CO_W');
    const [open, orphan] = [await task('CO_OPEN'), await task('CO_ORPHAN', { status: 'ASSIGNED', assigneeId: null })];
    const notAssigned = refused('taskId', 'TASK_NOT_ASSIGNED', 'Only assigned tasks can be completed');
    for (const complexity of [0, 11]) expect(await complete({ taskId: open.id, complexity })).toEqual({ task: null, ...refused('complexity', 'INVALID_INPUT', 'complexity must be an integer 1–10') });
    expect(await complete({ taskId: 'tsk_I19B_NOPE' })).toEqual({ task: null, ...refused('taskId', 'TASK_NOT_FOUND', 'No such task') });
    expect(await complete({ taskId: open.id })).toEqual({ task: null, ...notAssigned });
    expect(await complete({ taskId: orphan.id })).toEqual({ task: null, ...notAssigned });
    expect((await sg.prisma.task.findMany({ where: { id: { in: [open.id, orphan.id] } }, orderBy: { id: 'asc' } })).map((x) => [x.id, x.status, x.completedAt])).toEqual([
      [open.id, 'OPEN', null],
      [orphan.id, 'ASSIGNED', null],
    ]);
    expect((await sg.prisma.worker.findUniqueOrThrow({ where: { id: w.id } })).xp).toBe(0);
  });

  // One document with two mutations: GraphQL runs them one after the other with the request's loaders, so the
  // second reads the task as the first found it (OPEN / ASSIGNED) and only the check inside its transaction sees
  // the change the first made.
  it('a second mutation of the same request that read the task before the first changed it: no bid on the awarded task, no second award, no second completion', async () => {
    const [a, b, late] = [await worker('RE_A'), await worker('RE_B'), await worker('RE_LATE')];
    const t = await task('RE_T');
    const [ta, tb] = [(await placeBid(dispatch, { taskId: t.id, workerId: a.id, amount: '40.00' })).bid.id, (await placeBid(dispatch, { taskId: t.id, workerId: b.id, amount: '30.00' })).bid.id];
    const ERR = 'userErrors { code field message }';

    const bidLate = await call(dispatch, `mutation($t: ID!, $b: ID!, $w: ID!) {
      won: awardTask(input: { taskId: $t, bidId: $b }) { task { status } ${ERR} }
      late: placeBid(input: { taskId: $t, workerId: $w, amount: "10.00" }) { bid { id } ${ERR} } }`, { t: t.id, b: ta, w: late.id });
    expect(bidLate.data).toEqual({ won: { task: { status: 'ASSIGNED' }, userErrors: [] }, late: { bid: null, ...refused('taskId', 'TASK_NOT_OPEN', 'Only open tasks take bids') } });
    expect(await sg.prisma.bid.count({ where: { workerId: late.id } })).toBe(0);

    // the same task again, through b's bid (already REJECTED, but the read in the second award still sees the task OPEN)
    await sg.prisma.task.update({ where: { id: t.id }, data: { status: 'OPEN', assigneeId: null } });
    await sg.prisma.bid.updateMany({ where: { taskId: t.id }, data: { status: 'PENDING' } });
    const twice = await call(dispatch, `mutation($t: ID!, $a: ID!, $b: ID!) {
      first: awardTask(input: { taskId: $t, bidId: $a }) { task { assignee { id } } ${ERR} }
      second: awardTask(input: { taskId: $t, bidId: $b }) { task { assignee { id } } ${ERR} } }`, { t: t.id, a: ta, b: tb });
    expect(twice.data).toEqual({ first: { task: { assignee: { id: a.id } }, userErrors: [] }, second: { task: null, ...refused('taskId', 'TASK_NOT_OPEN', 'Only open tasks can be awarded') } });
    expect(await taskRow(t.id)).toMatchObject({ status: 'ASSIGNED', assigneeId: a.id });
    expect(await bidStatuses(t.id)).toEqual([`${a.id}:ACCEPTED`, `${b.id}:REJECTED`]);

    const done = await call(dispatch, `mutation($t: ID!) {
      first: completeTask(input: { taskId: $t, complexity: 2 }) { task { status } ${ERR} }
      second: completeTask(input: { taskId: $t, complexity: 2 }) { task { status } ${ERR} } }`, { t: t.id });
    expect(done.data).toEqual({ first: { task: { status: 'COMPLETED' }, userErrors: [] }, second: { task: null, ...refused('taskId', 'TASK_NOT_ASSIGNED', 'Only assigned tasks can be completed') } });
    expect((await sg.prisma.worker.findUniqueOrThrow({ where: { id: a.id } })).xp).toBe(20);
    expect(await sg.prisma.ledgerEntry.count({ where: { taskId: t.id } })).toBe(1);
  });

  // No mutation deletes a task or a worker, and HTTP requests do not interleave on PGlite: the service is called with
  // a request scope whose loaders read the rows before the test deletes them.
  it('placeBid at the service: a task deleted after the read is not open; a worker deleted after the read is a database error, not DUPLICATE_BID', async () => {
    const w = await worker('SV_W');
    const gone = await worker('SV_GONE');
    const [t, doomed] = [await task('SV_T'), await task('SV_DOOMED')];
    const scope = createScope({ requestId: 'i19b-service', viewer: dispatch }, sg.prisma, Object.assign({}, ...workforce.modules.map((m) => m.loaders?.(sg.prisma, dispatch) ?? {}))) as RequestScope;
    const place = (taskId: string, workerId: string) => sg.services.tasks.placeBid(scope, { taskId, workerId, amount: new Decimal('10.00') });
    await Promise.all([scope.loaders.taskById.load(doomed.id), scope.loaders.taskById.load(t.id), scope.loaders.workerById.load(gone.id)]);
    await sg.prisma.task.delete({ where: { id: doomed.id } });
    await sg.prisma.worker.delete({ where: { id: gone.id } });

    expect(await place(doomed.id, w.id)).toEqual({ ok: false, errors: [{ code: 'TASK_NOT_OPEN', field: ['input', 'taskId'], message: 'Only open tasks take bids' }] });
    await expect(place(t.id, gone.id)).rejects.toThrow(/foreign key/i);
    expect(await sg.prisma.bid.count({ where: { taskId: { in: [t.id, doomed.id] } } })).toBe(0);
  });
});
