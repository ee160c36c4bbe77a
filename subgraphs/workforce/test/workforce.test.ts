import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Viewer } from '@omniroute/core';
import { createEventBus, newEventId, type DomainEvent, type EventBus } from '@omniroute/events';
import { callSubgraph, eventually, gql, nodes } from '@omniroute/testkit';
import { create } from '../src/server.ts';

const SECRET = 'workforce-test-secret';
let sg: Awaited<ReturnType<typeof create>>;
let bus: EventBus;
let url: string;
let stop: () => Promise<void>;

const LAGOS = 'tnt_LAGOS';
const ACCRA = 'tnt_ACCRA';
const ops: Viewer = { tenantId: LAGOS, userId: 'usr_LAGOS000001', roles: ['ADMIN'], scopes: [] };
const dispatch: Viewer = { tenantId: LAGOS, userId: 'usr_LAGOS000004', roles: ['OPERATIONS'], scopes: [] };
const finance: Viewer = { tenantId: LAGOS, userId: 'usr_LAGOS000002', roles: ['FINANCE'], scopes: [] };
const sales: Viewer = { tenantId: LAGOS, userId: 'usr_LAGOS000003', roles: ['SALES_REP'], scopes: [] };
const accraOps: Viewer = { tenantId: ACCRA, userId: 'usr_ACCRA000001', roles: ['ADMIN'], scopes: [] };
const riderViewer = (w: { tenantId: string; userId: string | null }): Viewer => ({ tenantId: w.tenantId, userId: w.userId!, roles: ['RIDER'], scopes: [] });

const call = (viewer: Viewer | null, query: string, variables: Record<string, unknown> = {}) => callSubgraph({ url, name: 'workforce' }, SECRET, viewer, query, variables);
const codeOf = (r: { errors?: { extensions?: Record<string, any> }[] }) => r.errors?.[0]?.extensions?.code;

/** A seeded worker of the tenant in an XP range (plan XP is spread over every level). */
async function workerWith(tenantId: string, min: number, max: number, kycStatus: 'VERIFIED' | 'PENDING' = 'VERIFIED') {
  const w = await sg.prisma.worker.findFirst({ where: { tenantId, kycStatus, xp: { gte: min, lte: max } }, orderBy: { id: 'asc' } });
  if (!w) throw new Error(`no ${kycStatus} worker with ${min}–${max} XP in ${tenantId}`);
  return w;
}

function publish(type: string, tenantId: string, aggregateId: string, payload: Record<string, unknown>, id = newEventId()): Promise<DomainEvent> {
  const e: DomainEvent = { id, type, tenantId, aggregateId, payload, occurredAt: new Date().toISOString(), source: 'logistics' };
  return bus.publish([e]).then(() => e);
}

beforeAll(async () => {
  bus = createEventBus();
  // The relay is kicked after every commit that writes the outbox; no idle polling, so statement counts stay exact.
  sg = await create({ secret: SECRET, bus, relayIntervalMs: 600_000 });
  await sg.seed();
  await sg.seed(); // idempotent
  const running = await sg.listen(0);
  url = running.url;
  stop = running.stop;
});
afterAll(async () => {
  await stop?.();
  await sg?.close();
  await bus?.close();
});

const WORKER_FIELDS = `id name phone kycStatus xp level { code name minXp bonusPercent benefits } nextLevel { name } xpToNextLevel rating ratingCount
  earnings { amount currencyCode } balance { amount currencyCode }`;

describe('workforce queries', () => {
  it('lists workers with levels, ratings, earnings and pages through them', async () => {
    const first = await call(dispatch, `{ workers(first: 5) { edges { node { ${WORKER_FIELDS} } } pageInfo { hasNextPage endCursor } } }`);
    expect(first.errors).toBeUndefined();
    const page = nodes(first.data.workers) as any[];
    expect(page).toHaveLength(5);
    expect(page[0]).toMatchObject({ id: 'wrk_LAGOS000001', kycStatus: 'VERIFIED', level: { code: 'STARTER', name: 'Starter', bonusPercent: 0, benefits: ['Basic tasks', 'Standard pay'] } });
    expect(page[0].earnings.currencyCode).toBe('NGN');
    expect(page[0].earnings.amount).toMatch(/^\d+\.\d{2}$/);
    expect(Number(page[0].rating)).toBeGreaterThanOrEqual(3.6);
    const next = await call(dispatch, 'query($a: String) { workers(first: 100, after: $a) { edges { node { id } } } }', { a: first.data.workers.pageInfo.endCursor });
    const rest = nodes(next.data.workers) as any[];
    expect(rest).toHaveLength(36 - 5);
    expect(rest.every((w) => w.id.startsWith('wrk_LAGOS'))).toBe(true);
  });

  it('filters workers by guild level and KYC status', async () => {
    const r = await call(ops, `{ gold: workers(first: 100, filter: { level: GOLD }) { edges { node { xp level { name } } } }
      master: workers(first: 100, filter: { level: MASTER }) { edges { node { xp level { name } nextLevel { name } xpToNextLevel } } }
      pending: workers(first: 100, filter: { kycStatus: PENDING }) { edges { node { kycStatus } } } }`);
    const gold = nodes(r.data.gold) as any[];
    expect(gold.length).toBeGreaterThan(0);
    expect(gold.every((w) => w.level.name === 'Gold' && w.xp >= 5000 && w.xp < 15000)).toBe(true);
    const master = nodes(r.data.master) as any[];
    expect(master.length).toBeGreaterThan(0);
    expect(master.every((w) => w.level.name === 'Master' && w.nextLevel === null && w.xpToNextLevel === null)).toBe(true);
    expect(nodes(r.data.pending).length).toBe(4);
  });

  it('shows the guild ladder of the roadmap', async () => {
    const r = await call(sales, '{ guildLevels { name minXp bonusPercent maxTaskPriority benefits } }');
    expect(r.data.guildLevels.map((l: any) => [l.name, l.minXp, l.bonusPercent, l.maxTaskPriority])).toEqual([
      ['Starter', 0, 0, 'STANDARD'], ['Bronze', 500, 5, 'PRIORITY'], ['Silver', 2000, 10, 'PREMIUM'],
      ['Gold', 5000, 15, 'VIP'], ['Diamond', 15000, 20, 'LEADERSHIP'], ['Master', 50000, 20, 'LEADERSHIP'],
    ]);
    expect(r.data.guildLevels[2].benefits).toEqual(['Premium tasks', '+10% bonus', 'Insurance']);
  });

  it("a worker's tasks and earnings ledger add up to their earnings and balance", async () => {
    const r = await call(finance, `{ worker(id: "wrk_LAGOS000001") { earnings { amount } balance { amount }
      tasks(first: 100) { edges { node { id status reward { amount } shipment { id } assignee { id } } } }
      earningsLedger(first: 100) { edges { node { kind amount { amount } bonus { amount } balanceAfter { amount } task { id status } } } } } }`);
    expect(r.errors).toBeUndefined();
    const w = r.data.worker;
    const ledger = nodes(w.earningsLedger) as any[];
    const credits = ledger.filter((e) => e.kind === 'TASK_EARNING').reduce((s, e) => s + Number(e.amount.amount), 0);
    const debits = ledger.filter((e) => e.kind === 'WITHDRAWAL').reduce((s, e) => s + Number(e.amount.amount), 0);
    expect(credits).toBeCloseTo(Number(w.earnings.amount), 2);
    expect(credits - debits).toBeCloseTo(Number(w.balance.amount), 2);
    expect(ledger.at(-1).balanceAfter.amount).toBe(w.balance.amount);
    const tasks = nodes(w.tasks) as any[];
    expect(tasks.length).toBeGreaterThan(0);
    expect(tasks.every((t) => t.assignee.id === 'wrk_LAGOS000001' && t.shipment.id.startsWith('shp_LAGOS'))).toBe(true);
    const paidForTasks = ledger.filter((e) => e.task);
    expect(paidForTasks.length).toBeGreaterThan(0);
    expect(paidForTasks.every((e) => e.task.status === 'COMPLETED')).toBe(true);
  });

  it('keeps phone, earnings and tasks to staff and the worker themself', async () => {
    const w = await workerWith(LAGOS, 0, 499);
    const other = await workerWith(LAGOS, 5000, 14999);
    const own = await call(riderViewer(w), `{ worker(id: "${w.id}") { phone balance { amount } } }`);
    expect(own.data.worker.phone).toBe(w.phone);
    expect((await call(riderViewer(w), `{ worker(id: "${other.id}") { name } }`)).data.worker).toBeNull();
    // through an entity reference anyone in the tenant sees name and level, not the private fields
    const ref = await call(sales, 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Worker { name phone level { name } } } }', { r: [{ __typename: 'Worker', id: other.id }] });
    expect(ref.data._entities[0]).toMatchObject({ name: other.name, phone: null, level: { name: 'Gold' } });
    const earn = await call(sales, 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Worker { balance { amount } } } }', { r: [{ __typename: 'Worker', id: other.id }] });
    expect(codeOf(earn)).toBe('FORBIDDEN');
    expect(codeOf(await call(sales, '{ workers(first: 1) { edges { node { id } } } }'))).toBe('FORBIDDEN');
  });
});

describe('entity references', () => {
  const Q = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Worker { id name level { name } } } }';

  it('resolves Worker references in one batched, tenant-scoped statement however many there are', async () => {
    const ids = (await sg.prisma.worker.findMany({ where: { tenantId: LAGOS }, orderBy: { id: 'asc' }, select: { id: true } })).map((w) => w.id);
    const fifty = Array.from({ length: 50 }, (_, i) => ({ __typename: 'Worker', id: ids[i % ids.length] }));
    sg.db.stats.statements = 0;
    const one = await call(ops, Q, { r: fifty.slice(0, 1) });
    const oneCount = sg.db.stats.statements;
    sg.db.stats.statements = 0;
    const many = await call(ops, Q, { r: fifty });
    const manyCount = sg.db.stats.statements;
    expect(one.data._entities).toHaveLength(1);
    expect(many.data._entities).toHaveLength(50);
    expect(many.data._entities.every((w: any) => w?.level?.name)).toBe(true);
    expect(oneCount).toBe(1);
    expect(manyCount).toBe(oneCount);
  });

  it('batches relations too: tasks with assignees and bids, workers with task pages', async () => {
    sg.db.stats.statements = 0;
    const r = await call(ops, `{ tasks(first: 100) { edges { node { assignee { name level { name } } bids { worker { name } amount { amount } } } } } }`);
    expect(r.errors).toBeUndefined();
    expect(sg.db.stats.statements).toBeLessThanOrEqual(4); // tasks, assignees, bids, bidders
    sg.db.stats.statements = 0;
    const w = await call(ops, `{ workers(first: 30) { edges { node { tasks(first: 3) { edges { node { id } } } earningsLedger(first: 2) { edges { node { id task { id } } } } } } } }`);
    expect(w.errors).toBeUndefined();
    expect(sg.db.stats.statements).toBeLessThanOrEqual(4); // workers, task pages, ledger pages, ledger tasks
  });

  it("another tenant's workers resolve to null", async () => {
    const r = await call(accraOps, Q, { r: [{ __typename: 'Worker', id: 'wrk_LAGOS000001' }, { __typename: 'Worker', id: 'wrk_ACCRA000001' }] });
    expect(r.data._entities[0]).toBeNull();
    expect(r.data._entities[1].id).toBe('wrk_ACCRA000001');
  });
});

describe('task marketplace by guild level', () => {
  const MARKET = `query($w: ID, $a: String, $n: Int) { tasks(first: $n, after: $a, workerId: $w, filter: { status: OPEN }) {
    edges { node { id priority status } } pageInfo { hasNextPage endCursor } } }`;

  it('shows a Starter only standard tasks; higher levels see their exclusive tasks first', async () => {
    const starter = await workerWith(LAGOS, 0, 499);
    const s = nodes((await call(riderViewer(starter), MARKET, { n: 100 })).data.tasks) as any[];
    expect(s.length).toBeGreaterThan(0);
    expect(new Set(s.map((t) => t.priority))).toEqual(new Set(['STANDARD']));

    const gold = await workerWith(LAGOS, 5000, 14999);
    const g = nodes((await call(riderViewer(gold), MARKET, { n: 100 })).data.tasks) as any[];
    expect(g.slice(0, 2).map((t) => t.priority)).toEqual(['VIP', 'VIP']);
    expect(g.map((t) => t.priority)).toEqual(
      [...g.map((t) => t.priority)].sort((a, b) => ['LEADERSHIP', 'VIP', 'PREMIUM', 'PRIORITY', 'STANDARD'].indexOf(a) - ['LEADERSHIP', 'VIP', 'PREMIUM', 'PRIORITY', 'STANDARD'].indexOf(b)),
    );
    expect(g.some((t) => t.priority === 'LEADERSHIP')).toBe(false);

    const diamond = await workerWith(LAGOS, 15000, 49999);
    const d = nodes((await call(dispatch, MARKET, { w: diamond.id, n: 100 })).data.tasks) as any[];
    expect(d[0].priority).toBe('LEADERSHIP');
  });

  it('pages through the priority order without gaps or repeats', async () => {
    const silver = await workerWith(LAGOS, 2000, 4999);
    const all = nodes((await call(riderViewer(silver), MARKET, { n: 100 })).data.tasks).map((t: any) => t.id);
    const paged: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 50; i++) {
      const r: any = await call(riderViewer(silver), MARKET, { n: 3, a: after });
      paged.push(...nodes(r.data.tasks).map((t: any) => t.id));
      if (!r.data.tasks.pageInfo.hasNextPage) break;
      after = r.data.tasks.pageInfo.endCursor;
    }
    expect(paged).toEqual(all);
  });

  it('hides tasks above the level, and riders cannot look through another worker', async () => {
    const starter = await workerWith(LAGOS, 0, 499);
    const vip = await sg.prisma.task.findFirstOrThrow({ where: { tenantId: LAGOS, priority: 'VIP', status: 'OPEN' } });
    expect((await call(riderViewer(starter), `{ task(id: "${vip.id}") { id } }`)).data.task).toBeNull();
    expect((await call(ops, `{ task(id: "${vip.id}") { id } }`)).data.task.id).toBe(vip.id);
    const gold = await workerWith(LAGOS, 5000, 14999);
    expect(codeOf(await call(riderViewer(starter), MARKET, { w: gold.id, n: 5 }))).toBe('FORBIDDEN');
  });
});

const BID = 'mutation($i: PlaceBidInput!) { placeBid(input: $i) { bid { id status amount { amount currencyCode } worker { id } } userErrors { code field message } } }';
const AWARD = 'mutation($i: AwardTaskInput!) { awardTask(input: $i) { task { id status reward { amount } assignee { id } bids { id status } } userErrors { code } } }';
const COMPLETE = `mutation($i: CompleteTaskInput!) { completeTask(input: $i) { task { id status xpAwarded complexity completedAt assignee { xp level { name } } }
  earningsEntry { kind amount { amount currencyCode } bonus { amount } bonusPercent balanceAfter { amount } } userErrors { code } } }`;
const RATE = 'mutation($i: RateWorkerInput!) { rateWorker(input: $i) { rating { stars xpAwarded task { id } } worker { xp level { name } rating ratingCount } userErrors { code } } }';

describe('bids, award, completion and ratings', () => {
  it('runs a task from bid to rating: 5 stars earn +20 XP and a level-up; the next task pays the new bonus', async () => {
    const w = await workerWith(LAGOS, 0, 400);
    await sg.prisma.worker.update({ where: { id: w.id }, data: { xp: 475 } });
    const rider = riderViewer(w);
    const [t1, t2] = await sg.prisma.task.findMany({ where: { tenantId: LAGOS, status: 'OPEN', priority: 'STANDARD', kind: { not: 'DELIVERY' }, bids: { none: { workerId: w.id } } }, orderBy: { id: 'asc' }, take: 2 });
    const reward = t1!.reward.toString();

    const over = await call(rider, BID, { i: { taskId: t1!.id, workerId: w.id, amount: String(Number(reward) + 1) } });
    expect(over.data.placeBid.userErrors[0].code).toBe('BID_ABOVE_REWARD');
    expect((await call(rider, BID, { i: { taskId: t1!.id, workerId: w.id, amount: '0' } })).data.placeBid.userErrors[0].code).toBe('INVALID_INPUT');
    const placed = await call(rider, BID, { i: { taskId: t1!.id, workerId: w.id, amount: reward, note: 'On my way' } });
    expect(placed.data.placeBid.userErrors).toEqual([]);
    expect(placed.data.placeBid.bid).toMatchObject({ status: 'PENDING', worker: { id: w.id }, amount: { currencyCode: 'NGN' } });
    expect((await call(rider, BID, { i: { taskId: t1!.id, workerId: w.id, amount: reward } })).data.placeBid.userErrors[0].code).toBe('DUPLICATE_BID');
    const someoneElse = await workerWith(LAGOS, 5000, 14999);
    expect(codeOf(await call(rider, BID, { i: { taskId: t1!.id, workerId: someoneElse.id, amount: reward } }))).toBe('FORBIDDEN');
    await call(dispatch, BID, { i: { taskId: t1!.id, workerId: someoneElse.id, amount: reward } });

    // riders only see their own bids; staff see all
    const seen = await call(rider, `{ task(id: "${t1!.id}") { bids { worker { id } } } }`);
    expect(seen.data.task.bids).toEqual([{ worker: { id: w.id } }]);

    const awarded = await call(dispatch, AWARD, { i: { taskId: t1!.id, bidId: placed.data.placeBid.bid.id } });
    expect(awarded.data.awardTask.userErrors).toEqual([]);
    expect(awarded.data.awardTask.task).toMatchObject({ status: 'ASSIGNED', assignee: { id: w.id } });
    const statuses = awarded.data.awardTask.task.bids.map((b: any) => b.status);
    // at least the two bids placed above (the rider's, and the one dispatch placed for someone else): one accepted,
    // every other rejected
    expect(statuses.length).toBeGreaterThanOrEqual(2);
    expect(statuses.filter((s: string) => s === 'ACCEPTED')).toHaveLength(1);
    expect(statuses.filter((s: string) => s !== 'ACCEPTED').every((s: string) => s === 'REJECTED')).toBe(true);
    expect((await call(dispatch, AWARD, { i: { taskId: t1!.id, bidId: placed.data.placeBid.bid.id } })).data.awardTask.userErrors[0].code).toBe('TASK_NOT_OPEN');
    expect((await call(rider, BID, { i: { taskId: t1!.id, workerId: w.id, amount: '1' } })).data.placeBid.userErrors[0].code).toBe('TASK_NOT_OPEN');

    expect((await call(dispatch, COMPLETE, { i: { taskId: t1!.id, complexity: 11 } })).data.completeTask.userErrors[0].code).toBe('INVALID_INPUT');
    expect(codeOf(await call(rider, COMPLETE, { i: { taskId: t1!.id } }))).toBe('FORBIDDEN');
    const done = await call(dispatch, COMPLETE, { i: { taskId: t1!.id, complexity: 2 } });
    expect(done.data.completeTask.userErrors).toEqual([]);
    const xp1 = t1!.kind === 'TRAINING' ? 50 : 20;
    expect(done.data.completeTask.task).toMatchObject({ status: 'COMPLETED', xpAwarded: xp1, complexity: 2, assignee: { xp: 475 + xp1, level: { name: 'Starter' } } });
    expect(done.data.completeTask.earningsEntry).toMatchObject({ kind: 'TASK_EARNING', bonusPercent: 0, bonus: { amount: '0.00' }, amount: { amount: Number(reward).toFixed(2), currencyCode: 'NGN' } });
    expect((await call(dispatch, COMPLETE, { i: { taskId: t1!.id } })).data.completeTask.userErrors[0].code).toBe('TASK_NOT_ASSIGNED');
    const outbox = await sg.prisma.outboxEvent.findMany({ where: { type: 'task.completed', aggregateId: t1!.id } });
    expect(outbox).toHaveLength(1);
    expect(outbox[0]!.payload).toMatchObject({ taskId: t1!.id, workerId: w.id, xpAwarded: xp1, earnings: { amount: Number(reward).toFixed(2), currencyCode: 'NGN' }, level: 'STARTER' });

    expect((await call(dispatch, RATE, { i: { workerId: w.id, taskId: t1!.id, stars: 6 } })).data.rateWorker.userErrors[0].code).toBe('INVALID_INPUT');
    expect((await call(dispatch, RATE, { i: { workerId: someoneElse.id, taskId: t1!.id, stars: 5 } })).data.rateWorker.userErrors[0].code).toBe('TASK_NOT_COMPLETED');
    const rated = await call(dispatch, RATE, { i: { workerId: w.id, taskId: t1!.id, stars: 5, comment: 'Spotless shelf' } });
    expect(rated.data.rateWorker.userErrors).toEqual([]);
    expect(rated.data.rateWorker.rating).toMatchObject({ stars: 5, xpAwarded: 20, task: { id: t1!.id } });
    expect(rated.data.rateWorker.worker).toMatchObject({ xp: 475 + xp1 + 20, level: { name: 'Bronze' }, ratingCount: w.ratingCount + 1 });
    expect((await call(dispatch, RATE, { i: { workerId: w.id, taskId: t1!.id, stars: 4 } })).data.rateWorker.userErrors[0].code).toBe('ALREADY_RATED');

    // Bronze now: the next task pays +5%, computed exactly
    const bid2 = await call(rider, BID, { i: { taskId: t2!.id, workerId: w.id, amount: '1001.01' } });
    expect(bid2.data.placeBid.userErrors).toEqual([]);
    await call(dispatch, AWARD, { i: { taskId: t2!.id, bidId: bid2.data.placeBid.bid.id } });
    const done2 = await call(dispatch, COMPLETE, { i: { taskId: t2!.id } });
    expect(done2.data.completeTask.earningsEntry).toMatchObject({ bonusPercent: 5, bonus: { amount: '50.05' }, amount: { amount: '1051.06' } });
  });

  it('only lets KYC-verified workers with the level bid or be awarded', async () => {
    const pending = await workerWith(LAGOS, 0, 1_000_000, 'PENDING');
    const open = await sg.prisma.task.findFirstOrThrow({ where: { tenantId: LAGOS, status: 'OPEN', priority: 'STANDARD' } });
    const r = await call(ops, BID, { i: { taskId: open.id, workerId: pending.id, amount: '1' } });
    expect(r.data.placeBid.userErrors[0].code).toBe('KYC_NOT_VERIFIED');
    const starter = await workerWith(LAGOS, 0, 499);
    const premium = await sg.prisma.task.findFirstOrThrow({ where: { tenantId: LAGOS, status: 'OPEN', priority: 'PREMIUM' } });
    expect((await call(ops, BID, { i: { taskId: premium.id, workerId: starter.id, amount: '1' } })).data.placeBid.userErrors[0].code).toBe('LEVEL_TOO_LOW');
    // a bid placed while verified is not awarded once KYC is revoked
    const silver = await workerWith(LAGOS, 2000, 4999);
    const bid = await call(ops, BID, { i: { taskId: premium.id, workerId: silver.id, amount: '10' } });
    expect(bid.data.placeBid.userErrors).toEqual([]);
    await sg.prisma.worker.update({ where: { id: silver.id }, data: { kycStatus: 'REJECTED' } });
    try {
      expect((await call(ops, AWARD, { i: { taskId: premium.id, bidId: bid.data.placeBid.bid.id } })).data.awardTask.userErrors[0].code).toBe('KYC_NOT_VERIFIED');
    } finally {
      await sg.prisma.worker.update({ where: { id: silver.id }, data: { kycStatus: 'VERIFIED' } });
    }
  });
});

const WITHDRAW = `mutation($i: RequestWithdrawalInput!) { requestWithdrawal(input: $i) { withdrawal { id kind amount { amount } balanceAfter { amount } }
  worker { balance { amount } earnings { amount } } userErrors { code field } } }`;

describe('withdrawals', () => {
  it('refuses more than the balance, pays once per idempotency key, and keeps the ledger consistent', async () => {
    const w = await sg.prisma.worker.findFirstOrThrow({ where: { tenantId: LAGOS, balance: { gt: 1000 } }, orderBy: { id: 'asc' } });
    const balance = Number(w.balance.toString());
    const rider = riderViewer(w);
    const over = await call(rider, WITHDRAW, { i: { workerId: w.id, amount: (balance + 0.01).toFixed(2), idempotencyKey: 'k-over' } });
    expect(over.data.requestWithdrawal).toMatchObject({ withdrawal: null, userErrors: [{ code: 'INSUFFICIENT_BALANCE', field: ['input', 'amount'] }] });
    expect((await call(rider, WITHDRAW, { i: { workerId: w.id, amount: '1.001', idempotencyKey: 'k-dec' } })).data.requestWithdrawal.userErrors[0].code).toBe('INVALID_INPUT');

    const runs = await Promise.all([0, 1, 2].map(() => call(rider, WITHDRAW, { i: { workerId: w.id, amount: '500.00', idempotencyKey: 'k-1' } })));
    const ids = new Set(runs.map((r) => r.data.requestWithdrawal.withdrawal?.id));
    expect(runs.every((r) => r.data.requestWithdrawal.userErrors.length === 0)).toBe(true);
    expect(ids.size).toBe(1);
    const after = await sg.prisma.worker.findUniqueOrThrow({ where: { id: w.id } });
    expect(after.balance.toString()).toBe(String(balance - 500));
    expect(runs[0]!.data.requestWithdrawal.withdrawal.balanceAfter.amount).toBe((balance - 500).toFixed(2));
    expect((await call(rider, WITHDRAW, { i: { workerId: w.id, amount: '400.00', idempotencyKey: 'k-1' } })).data.requestWithdrawal.userErrors[0].code).toBe('IDEMPOTENCY_KEY_REUSED');

    const rest = await call(finance, WITHDRAW, { i: { workerId: w.id, amount: (balance - 500).toFixed(2), idempotencyKey: 'k-2' } });
    expect(rest.data.requestWithdrawal.worker.balance.amount).toBe('0.00');
    expect((await call(rider, WITHDRAW, { i: { workerId: w.id, amount: '0.01', idempotencyKey: 'k-3' } })).data.requestWithdrawal.userErrors[0].code).toBe('INSUFFICIENT_BALANCE');
    const other = await workerWith(LAGOS, 5000, 14999);
    expect(codeOf(await call(rider, WITHDRAW, { i: { workerId: other.id, amount: '1.00', idempotencyKey: 'k-4' } }))).toBe('FORBIDDEN');
    expect(codeOf(await call(dispatch, WITHDRAW, { i: { workerId: other.id, amount: '1.00', idempotencyKey: 'k-5' } }))).toBe('FORBIDDEN');
  });
});

describe('event consumers', () => {
  it('opens, assigns and completes delivery tasks from shipment events, exactly once, and publishes task.completed', async () => {
    const completed: DomainEvent[] = [];
    const unlisten = bus.listen((e) => void completed.push(e), { types: ['task.completed'] });
    try {
      const rider = await workerWith(LAGOS, 5000, 14999); // Gold: +15%
      const created = await publish('shipment.created', LAGOS, 'shp_TEST1', { shipmentId: 'shp_TEST1', orderId: 'ord_TEST1', territoryId: 'ter_LAGOS000001', complexity: 4 });
      await bus.publish([created]); // redelivered: still one task
      const task = await eventually(() => sg.prisma.task.findFirst({ where: { tenantId: LAGOS, shipmentId: 'shp_TEST1' } }));
      expect(task).toMatchObject({ kind: 'DELIVERY', status: 'OPEN', complexity: 4, currency: 'NGN', orderId: 'ord_TEST1' });
      expect(task.reward.toString()).toBe('2000'); // NGN 1000 + 250 × 4

      await publish('shipment.dispatched', LAGOS, 'shp_TEST1', { shipmentId: 'shp_TEST1', orderId: 'ord_TEST1', vehicleId: 'veh_LAGOS000001', riderId: rider.id, at: new Date().toISOString() });
      await eventually(async () => (await sg.prisma.task.findUnique({ where: { id: task.id } }))?.status === 'ASSIGNED');
      const delivered = await publish('shipment.delivered', LAGOS, 'shp_TEST1', {
        shipmentId: 'shp_TEST1', orderId: 'ord_TEST1', riderId: rider.id, vehicleId: 'veh_LAGOS000001', deliveredAt: '2026-11-25T10:00:00.000Z', onTime: true,
        proof: { recipientName: 'Shop owner', lat: 6.5, lng: 3.4 },
      });
      await bus.publish([delivered]);
      const done = await eventually(async () => {
        const t = await sg.prisma.task.findUnique({ where: { id: task.id } });
        return t?.status === 'COMPLETED' ? t : null;
      });
      expect(done).toMatchObject({ assigneeId: rider.id, xpAwarded: 40 });
      expect(done.completedAt?.toISOString()).toBe('2026-11-25T10:00:00.000Z');
      const after = await sg.prisma.worker.findUniqueOrThrow({ where: { id: rider.id } });
      expect(after.xp).toBe(rider.xp + 40);
      const entries = await sg.prisma.ledgerEntry.findMany({ where: { taskId: task.id } });
      expect(entries).toHaveLength(1);
      expect([entries[0]!.amount.toString(), entries[0]!.bonus.toString(), entries[0]!.bonusPercent]).toEqual(['2300', '300', 15]);
      expect(after.balance.minus(rider.balance).toString()).toBe('2300');
      const ev = await eventually(async () => completed.find((e) => e.aggregateId === task.id));
      expect(ev).toMatchObject({ source: 'workforce', tenantId: LAGOS, payload: { taskId: task.id, workerId: rider.id, xpAwarded: 40, earnings: { amount: '2300.00', currencyCode: 'NGN' } } });
      expect(completed.filter((e) => e.aggregateId === task.id)).toHaveLength(1);
    } finally {
      unlisten();
    }
  });

  it('cancels tasks on shipment.updated CANCELLED and on order.cancelled, and stays inside the event tenant', async () => {
    await publish('shipment.created', LAGOS, 'shp_TEST2', { shipmentId: 'shp_TEST2', orderId: 'ord_TEST2', complexity: 2 });
    await publish('shipment.created', LAGOS, 'shp_TEST3', { shipmentId: 'shp_TEST3', orderId: 'ord_TEST3', complexity: 99 });
    await publish('shipment.created', ACCRA, 'shp_TEST4', { shipmentId: 'shp_TEST4', orderId: 'ord_TEST4', complexity: 3 });
    await publish('shipment.created', 'tnt_UNKNOWN', 'shp_TEST5', { shipmentId: 'shp_TEST5', orderId: 'ord_TEST5', complexity: 3 });
    await eventually(async () => (await sg.prisma.task.count({ where: { shipmentId: { in: ['shp_TEST2', 'shp_TEST3', 'shp_TEST4'] } } })) === 3);
    const accraTask = await sg.prisma.task.findFirstOrThrow({ where: { shipmentId: 'shp_TEST4' } });
    expect([accraTask.tenantId, accraTask.currency, accraTask.reward.toString()]).toEqual([ACCRA, 'GHS', '14']);
    expect((await sg.prisma.task.findFirstOrThrow({ where: { shipmentId: 'shp_TEST3' } })).complexity).toBe(10);

    await publish('shipment.updated', LAGOS, 'shp_TEST2', { shipmentId: 'shp_TEST2', orderId: 'ord_TEST2', previousStatus: 'PENDING', status: 'ASSIGNED', at: new Date().toISOString() });
    await publish('shipment.updated', LAGOS, 'shp_TEST2', { shipmentId: 'shp_TEST2', orderId: 'ord_TEST2', previousStatus: 'ASSIGNED', status: 'CANCELLED', at: new Date().toISOString() });
    await publish('order.cancelled', LAGOS, 'ord_TEST3', { orderId: 'ord_TEST3', customerId: 'cus_X', total: { amount: '1.00', currencyCode: 'NGN' } });
    // the same order id in another tenant must not touch Accra's task
    await publish('order.cancelled', LAGOS, 'ord_TEST4', { orderId: 'ord_TEST4', customerId: 'cus_X', total: { amount: '1.00', currencyCode: 'NGN' } });
    await eventually(async () => (await sg.prisma.task.count({ where: { shipmentId: { in: ['shp_TEST2', 'shp_TEST3'] }, status: 'CANCELLED' } })) === 2);
    await eventually(async () => (await sg.prisma.processedEvent.count({ where: { consumer: 'workforce.tasks' } })) >= 10);
    expect((await sg.prisma.task.findUniqueOrThrow({ where: { id: accraTask.id } })).status).toBe('OPEN');
    expect(await sg.prisma.task.count({ where: { shipmentId: 'shp_TEST5' } })).toBe(0);

    // a delivery after cancellation pays nothing
    await publish('shipment.delivered', LAGOS, 'shp_TEST2', { shipmentId: 'shp_TEST2', orderId: 'ord_TEST2', riderId: 'wrk_LAGOS000001', deliveredAt: new Date().toISOString() });
    await eventually(async () => (await sg.prisma.processedEvent.count({ where: { consumer: 'workforce.tasks' } })) >= 11);
    expect((await sg.prisma.task.findFirstOrThrow({ where: { shipmentId: 'shp_TEST2' } })).status).toBe('CANCELLED');
  });
});

describe('tenant isolation and authentication', () => {
  it("never shows or touches another tenant's workers and tasks", async () => {
    const list = nodes((await call(accraOps, '{ workers(first: 100) { edges { node { id } } } }')).data.workers) as any[];
    expect(list.length).toBe(12);
    expect(list.every((w) => w.id.startsWith('wrk_ACCRA'))).toBe(true);
    const tasks = nodes((await call(accraOps, '{ tasks(first: 100) { edges { node { id reward { currencyCode } } } } }')).data.tasks) as any[];
    expect(tasks.length).toBeGreaterThan(0);
    expect(tasks.every((t) => !t.id.includes('LAGOS') && t.reward.currencyCode === 'GHS')).toBe(true);
    expect((await call(accraOps, '{ worker(id: "wrk_LAGOS000001") { id } }')).data.worker).toBeNull();
    expect((await call(accraOps, '{ task(id: "tsk_LAGOS900001") { id } }')).data.task).toBeNull();
    const bid = await call(accraOps, BID, { i: { taskId: 'tsk_LAGOS900001', workerId: 'wrk_ACCRA000001', amount: '1' } });
    expect(bid.data.placeBid.userErrors[0].code).toBe('TASK_NOT_FOUND');
    const wd = await call(accraOps, WITHDRAW, { i: { workerId: 'wrk_LAGOS000002', amount: '1.00', idempotencyKey: 'x-tenant' } });
    expect(wd.data.requestWithdrawal.userErrors[0].code).toBe('WORKER_NOT_FOUND');
    const rate = await call(accraOps, RATE, { i: { workerId: 'wrk_LAGOS000001', taskId: 'tsk_LAGOS000001', stars: 1 } });
    expect(rate.data.rateWorker.userErrors[0].code).toBe('WORKER_NOT_FOUND');
  });

  it('refuses unsigned and anonymous calls', async () => {
    const unsigned = await gql(url, '{ guildLevels { name } }');
    expect(unsigned.status).toBe(401);
    expect(codeOf(await callSubgraph({ url, name: 'workforce' }, 'wrong-secret', ops, '{ workers(first: 1) { edges { node { id } } } }'))).toBe('UNAUTHENTICATED');
    expect(codeOf(await call(null, '{ workers(first: 1) { edges { node { id } } } }'))).toBe('UNAUTHENTICATED');
    expect(codeOf(await call(null, '{ tasks(first: 1) { edges { node { id } } } }'))).toBe('UNAUTHENTICATED');
    const anonRef = await call(null, 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Worker { name } } }', { r: [{ __typename: 'Worker', id: 'wrk_LAGOS000001' }] });
    expect(anonRef.data._entities).toEqual([null]);
  });
});
