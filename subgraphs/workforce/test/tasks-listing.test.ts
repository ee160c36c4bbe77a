// Issue 19: tasks.service.ts' listing and visibility (the survivors outside placeBid/award/complete): which tasks a
// rider sees (their own, and unassigned ones their guild level unlocks) in `tasks` and `task(id)`, the marketplace's
// keyset pages (priority, then id) and staff's id pages with their exact pageInfo, a rider posing as another worker,
// invalid cursors, and what completeTaskTx writes and refuses. In-memory PGlite, seeded demo plan.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeTaskTx } from '../src/modules/tasks/tasks.service.ts';
import { levelFor } from '../src/modules/guild/guild.ts';
import { dispatch, LAGOS, rider, startWorkforce } from './helpers.ts';

const SECRET = 'workforce-tasks-listing-secret';
type Started = Awaited<ReturnType<typeof startWorkforce>>;
let sg: Started['sg'];
let call: Started['call'];
let stop: Started['stop'] | undefined;

beforeAll(async () => void ({ sg, call, stop } = await startWorkforce(SECRET)));
afterAll(() => stop?.());

const cursor = (key: string) => Buffer.from(`c:${key}`).toString('base64url');

const TASKS = `query($n: Int, $a: String, $w: ID) { tasks(first: $n, after: $a, workerId: $w) {
  edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;
const RANK = ['STANDARD', 'PRIORITY', 'PREMIUM', 'VIP', 'LEADERSHIP'];

/** The tenant's tasks in the database's id order. */
const tenantTasks = () => sg.prisma.task.findMany({ where: { tenantId: LAGOS }, orderBy: { id: 'asc' } });

/** A verified Lagos Starter with a login, given a PREMIUM task of their own (above what a Starter may take). */
async function starterWithOwnPremium() {
  const w = await sg.prisma.worker.findFirstOrThrow({ where: { tenantId: LAGOS, kycStatus: 'VERIFIED', xp: { lt: 500 }, userId: { not: null } }, orderBy: { id: 'asc' } });
  const premium = await sg.prisma.task.findFirstOrThrow({ where: { tenantId: LAGOS, status: 'OPEN', priority: 'PREMIUM' }, orderBy: { id: 'asc' } });
  await sg.prisma.task.update({ where: { id: premium.id }, data: { status: 'ASSIGNED', assigneeId: w.id } });
  return { w, premium };
}

/** What a Starter sees: their own tasks and the unassigned STANDARD ones, most exclusive first, then by id. */
async function starterView(workerId: string) {
  const all = await tenantTasks();
  const order = new Map(all.map((t, i) => [t.id, i]));
  return all
    .filter((t) => t.assigneeId === workerId || (t.assigneeId === null && t.priority === 'STANDARD'))
    .sort((a, b) => RANK.indexOf(b.priority) - RANK.indexOf(a.priority) || order.get(a.id)! - order.get(b.id)!);
}

describe('the marketplace a rider sees (issue 19)', () => {
  it('their own tasks (any priority, any status) and the unassigned ones their level unlocks, in keyset pages of priority then id', async () => {
    const { w, premium } = await starterWithOwnPremium();
    const expected = await starterView(w.id);
    // the view holds the rider's own PREMIUM task, other own tasks, unassigned STANDARD ones; and there are tasks it leaves out
    expect(expected[0]!.id).toBe(premium.id);
    expect(expected.filter((t) => t.assigneeId === w.id).length).toBeGreaterThan(1);
    expect(expected.filter((t) => t.assigneeId === null).length).toBeGreaterThan(0);
    expect((await tenantTasks()).length).toBeGreaterThan(expected.length);

    const n = 4;
    expect(expected.length).toBeGreaterThan(2 * n);
    const key = (t: { priority: string; id: string }) => cursor(`${t.priority}:${t.id}`);
    let after: string | null = null;
    for (let from = 0; from < expected.length; from += n) {
      const r: any = await call(rider(w), TASKS, { n, a: after });
      expect(r.errors).toBeUndefined();
      const page = expected.slice(from, from + n);
      expect(r.data.tasks).toEqual({
        edges: page.map((t) => ({ cursor: key(t), node: { id: t.id } })),
        pageInfo: { hasNextPage: from + n < expected.length, hasPreviousPage: from > 0, startCursor: key(page[0]!), endCursor: key(page.at(-1)!) },
      });
      after = r.data.tasks.pageInfo.endCursor;
    }
  });

  it('a rider naming themselves as workerId gets their own view; naming another worker is FORBIDDEN', async () => {
    const w = await sg.prisma.worker.findFirstOrThrow({ where: { tenantId: LAGOS, kycStatus: 'VERIFIED', xp: { lt: 500 }, userId: { not: null } }, orderBy: { id: 'desc' } });
    const own = await call(rider(w), TASKS, { n: 100 });
    const named = await call(rider(w), TASKS, { n: 100, w: w.id });
    expect(named.errors).toBeUndefined();
    expect(named.data.tasks.edges.length).toBeGreaterThan(0);
    expect(named.data).toEqual(own.data);

    const other = await sg.prisma.worker.findFirstOrThrow({ where: { tenantId: LAGOS, id: { not: w.id } } });
    const r = await call(rider(w), TASKS, { n: 5, w: other.id });
    expect(r.data).toBeNull();
    expect(r.errors).toMatchObject([{ message: 'Riders only see the marketplace as themselves', path: ['tasks'], extensions: { code: 'FORBIDDEN' } }]);
  });

  it("refuses a cursor that is not priority:id: no ':' at all, or a priority that is not a TaskPriority", async () => {
    const w = await sg.prisma.worker.findFirstOrThrow({ where: { tenantId: LAGOS, kycStatus: 'VERIFIED', userId: { not: null } }, orderBy: { id: 'asc' } });
    const t = await sg.prisma.task.findFirstOrThrow({ where: { tenantId: LAGOS, priority: 'STANDARD', assigneeId: null } });
    // 'STANDARDx' without ':' would read as priority STANDARD if the missing ':' went unnoticed (slice(0, -1))
    for (const raw of ['STANDARDx', `${t.id}`, `URGENT:${t.id}`, `standard:${t.id}`, `:${t.id}`]) {
      const r = await call(rider(w), TASKS, { n: 5, a: cursor(raw) });
      expect(r.data).toBeNull();
      expect(r.errors).toMatchObject([{ message: 'Invalid cursor', path: ['tasks'], extensions: { code: 'BAD_USER_INPUT', field: ['after'] } }]);
    }
    // a well-formed one is taken: the STANDARD tasks after it
    const ok = await call(rider(w), TASKS, { n: 1, a: cursor(`STANDARD:${t.id}`) });
    expect(ok.errors).toBeUndefined();
    expect(ok.data.tasks.pageInfo.hasPreviousPage).toBe(true);
  });
});

describe('task(id) for a rider (issue 19)', () => {
  const TASK = 'query($id: ID!) { task(id: $id) { id status assignee { id } } }';

  it('shows their own task above their level, hides another worker’s task of a priority they could take, shows unassigned ones they may take', async () => {
    const w = await sg.prisma.worker.findFirstOrThrow({ where: { tenantId: LAGOS, kycStatus: 'VERIFIED', xp: { lt: 500 }, userId: { not: null } }, orderBy: { id: 'asc' } });
    const vip = await sg.prisma.task.findFirstOrThrow({ where: { tenantId: LAGOS, status: 'OPEN', priority: 'VIP' }, orderBy: { id: 'asc' } });
    await sg.prisma.task.update({ where: { id: vip.id }, data: { status: 'ASSIGNED', assigneeId: w.id } });
    expect((await call(rider(w), TASK, { id: vip.id })).data.task).toEqual({ id: vip.id, status: 'ASSIGNED', assignee: { id: w.id } });

    const others = await sg.prisma.task.findFirstOrThrow({ where: { tenantId: LAGOS, priority: 'STANDARD', assigneeId: { not: null, notIn: [w.id] } } });
    expect((await call(rider(w), TASK, { id: others.id })).data.task).toBeNull();
    expect((await call(dispatch, TASK, { id: others.id })).data.task.id).toBe(others.id);

    const open = await sg.prisma.task.findFirstOrThrow({ where: { tenantId: LAGOS, priority: 'STANDARD', assigneeId: null } });
    expect((await call(rider(w), TASK, { id: open.id })).data.task).toEqual({ id: open.id, status: open.status, assignee: null });
    const premium = await sg.prisma.task.findFirstOrThrow({ where: { tenantId: LAGOS, priority: 'PREMIUM', assigneeId: null } });
    expect((await call(rider(w), TASK, { id: premium.id })).data.task).toBeNull();
  });
});

describe('every task for staff, in id pages (issue 19)', () => {
  it('pages by id after the cursor, with exact pageInfo', async () => {
    const all = await tenantTasks();
    const n = 7;
    let after: string | null = null;
    for (let from = 0; from < 3 * n; from += n) {
      const r: any = await call(dispatch, TASKS, { n, a: after });
      expect(r.errors).toBeUndefined();
      const page = all.slice(from, from + n);
      expect(r.data.tasks).toEqual({
        edges: page.map((t) => ({ cursor: cursor(t.id), node: { id: t.id } })),
        pageInfo: { hasNextPage: true, hasPreviousPage: from > 0, startCursor: cursor(page[0]!.id), endCursor: cursor(page.at(-1)!.id) },
      });
      after = r.data.tasks.pageInfo.endCursor;
    }
  });
});

describe('completion: what completeTaskTx writes (issue 19)', () => {
  const COMPLETE = 'mutation($i: CompleteTaskInput!) { completeTask(input: $i) { task { id status } userErrors { code } } }';
  const completedEvent = (taskId: string) => sg.prisma.outboxEvent.findFirstOrThrow({ where: { aggregateId: taskId, type: 'task.completed' } });

  it("task.completed carries a delivery task's shipment and order, and no such keys for other tasks", async () => {
    const delivery = await sg.prisma.task.findFirstOrThrow({ where: { tenantId: LAGOS, kind: 'DELIVERY', status: 'ASSIGNED', shipmentId: { not: null }, orderId: { not: null } } });
    const done = await call(dispatch, COMPLETE, { i: { taskId: delivery.id, complexity: 3 } });
    expect(done.data.completeTask).toEqual({ task: { id: delivery.id, status: 'COMPLETED' }, userErrors: [] });
    const entry = await sg.prisma.ledgerEntry.findFirstOrThrow({ where: { taskId: delivery.id } });
    const worker = await sg.prisma.worker.findUniqueOrThrow({ where: { id: delivery.assigneeId! } });
    expect((await completedEvent(delivery.id)).payload).toEqual({
      taskId: delivery.id, shipmentId: delivery.shipmentId, orderId: delivery.orderId, workerId: delivery.assigneeId, xpAwarded: 30,
      earnings: { amount: entry.amount.toFixed(2), currencyCode: 'NGN' }, level: levelFor(worker.xp).code,
    });

    const w = await sg.prisma.worker.findFirstOrThrow({ where: { tenantId: LAGOS, kycStatus: 'VERIFIED' }, orderBy: { id: 'asc' } });
    const plain = await sg.prisma.task.findFirstOrThrow({ where: { tenantId: LAGOS, kind: 'MERCHANDISING', status: 'OPEN', shipmentId: null, orderId: null } });
    await sg.prisma.task.update({ where: { id: plain.id }, data: { status: 'ASSIGNED', assigneeId: w.id } });
    expect((await call(dispatch, COMPLETE, { i: { taskId: plain.id, complexity: 2 } })).data.completeTask.userErrors).toEqual([]);
    expect(Object.keys((await completedEvent(plain.id)).payload as object).sort()).toEqual(['earnings', 'level', 'taskId', 'workerId', 'xpAwarded']);
  });

  // The service, not GraphQL: both callers (completeTask, the shipment.delivered consumer) check the status they read
  // before calling, so the guard in the update only decides a race, and requests do not interleave on PGlite.
  it('completes nothing when the task is not in `from` or not of its tenant: null, no credit, no event', async () => {
    const w = await sg.prisma.worker.findFirstOrThrow({ where: { tenantId: LAGOS, kycStatus: 'VERIFIED' }, orderBy: { id: 'asc' } });
    const task = await sg.prisma.task.findFirstOrThrow({ where: { tenantId: LAGOS, status: 'OPEN', kind: { not: 'DELIVERY' } }, orderBy: { id: 'desc' } });
    const run = (t: typeof task, from: ('OPEN' | 'ASSIGNED')[]) => sg.prisma.$transaction((tx) => completeTaskTx(tx, t, { complexity: 2, assigneeId: w.id, from }));
    const untouched = async () => {
      expect(await sg.prisma.task.findUniqueOrThrow({ where: { id: task.id } })).toMatchObject({ status: 'OPEN', assigneeId: null, xpAwarded: null, completedAt: null });
      expect(await sg.prisma.ledgerEntry.count({ where: { taskId: task.id } })).toBe(0);
      expect(await sg.prisma.outboxEvent.count({ where: { aggregateId: task.id } })).toBe(0);
      expect((await sg.prisma.worker.findUniqueOrThrow({ where: { id: w.id } })).xp).toBe(w.xp);
    };
    expect(await run(task, ['ASSIGNED'])).toBeNull();
    await untouched();
    expect(await run({ ...task, tenantId: 'tnt_ACCRA' }, ['OPEN'])).toBeNull();
    await untouched();

    const done = await run(task, ['OPEN']);
    expect(done!.task).toMatchObject({ id: task.id, status: 'COMPLETED', assigneeId: w.id, xpAwarded: task.kind === 'TRAINING' ? 50 : 20 });
    expect(await sg.prisma.outboxEvent.count({ where: { aggregateId: task.id, type: 'task.completed' } })).toBe(1);
  });
});
