import { Decimal, money, seededId, type CurrencyCode } from '@omniroute/core';
import type { DemoTenant } from '@omniroute/demo';
import { newEventId } from '@omniroute/events';
import type { Prisma, PrismaClient } from './generated/prisma/client.ts';
import { canTake, earningsWithBonus, levelFor, xpForTask, type TaskPriority } from './modules/guild/guild.ts';
import { DEFAULT_REWARD_RATES, complexityForWeight, taskReward } from './modules/tasks/tasks.rules.ts';

const MARKET: { kind: 'MERCHANDISING' | 'FIELD_AUDIT' | 'TRAINING' | 'DELIVERY'; priority: TaskPriority; complexity: number; title: string }[] = [
  { kind: 'MERCHANDISING', priority: 'STANDARD', complexity: 2, title: 'Restock and face Indomie shelf' },
  { kind: 'FIELD_AUDIT', priority: 'STANDARD', complexity: 3, title: 'Price check: dairy aisle' },
  { kind: 'TRAINING', priority: 'STANDARD', complexity: 4, title: 'Training: safe riding and proof of delivery' },
  { kind: 'DELIVERY', priority: 'PRIORITY', complexity: 4, title: 'Express restock run to key account' },
  { kind: 'MERCHANDISING', priority: 'PRIORITY', complexity: 5, title: 'POS setup: Milo promo stand' },
  { kind: 'FIELD_AUDIT', priority: 'PREMIUM', complexity: 6, title: 'Modern trade planogram audit' },
  { kind: 'TRAINING', priority: 'PREMIUM', complexity: 8, title: 'Training: cold chain handling certificate' },
  { kind: 'DELIVERY', priority: 'VIP', complexity: 7, title: 'Distributor bulk delivery, cash collection' },
  { kind: 'MERCHANDISING', priority: 'VIP', complexity: 8, title: 'Flagship store launch display' },
  { kind: 'FIELD_AUDIT', priority: 'LEADERSHIP', complexity: 9, title: 'Lead a territory audit team' },
  { kind: 'TRAINING', priority: 'LEADERSHIP', complexity: 10, title: 'Mentor new riders: onboarding week' },
];
const PRIORITY_PREMIUM: Record<TaskPriority, string> = { STANDARD: '1', PRIORITY: '1.1', PREMIUM: '1.25', VIP: '1.5', LEADERSHIP: '2' };

/**
 * Writes the workforce part of the demo plan: tenant reward settings, the riders as workers, one delivery task per
 * shipment (completed ones paid into the ledger with the rider's level bonus), a few withdrawals, and an open
 * marketplace of every priority with bids. Idempotent (skips seeded tenants), one transaction per tenant.
 */
export async function seedWorkforce(prisma: PrismaClient, plan: DemoTenant[]): Promise<void> {
  for (const t of plan) {
    if (await prisma.tenantSettings.findUnique({ where: { tenantId: t.id } })) continue;
    const currency = t.currency as CurrencyCode;
    const rate = DEFAULT_REWARD_RATES[currency];
    const variantKg = new Map(t.products.flatMap((p) => p.variants.map((v) => [v.id, v.weightKg] as const)));
    const orders = new Map(t.orders.map((o) => [o.id, o]));

    const tasks: Prisma.TaskCreateManyInput[] = [];
    const ledger: Prisma.LedgerEntryCreateManyInput[] = [];
    const totals = new Map(t.riders.map((r) => [r.id, { earned: new Decimal(0), balance: new Decimal(0), completed: 0 }]));
    const riderXp = new Map(t.riders.map((r) => [r.id, r.xp]));

    for (const s of t.shipments) {
      const order = orders.get(s.orderId)!;
      const kg = order.lines.reduce((sum, l) => sum + l.quantity * (variantKg.get(l.variantId) ?? 0), 0);
      const complexity = complexityForWeight(kg);
      const reward = taskReward(rate, complexity, currency);
      const n = Number(s.id.slice(-6));
      const status = s.status === 'DELIVERED' ? 'COMPLETED' : s.status === 'PENDING' ? 'OPEN' : s.status === 'FAILED' || s.status === 'CANCELLED' ? 'CANCELLED' : 'ASSIGNED';
      const assigneeId = status === 'OPEN' ? null : s.riderId;
      const id = seededId('tsk', t.key, n);
      const completed = status === 'COMPLETED' && assigneeId;
      tasks.push({
        id, tenantId: t.id, kind: 'DELIVERY', status, priority: 'STANDARD', title: `Deliver order ${order.number}`, complexity,
        reward: reward.amount.toString(), currency, assigneeId, shipmentId: s.id, orderId: s.orderId,
        xpAwarded: completed ? xpForTask('DELIVERY', complexity) : null, completedAt: completed ? s.deliveredAt : null, createdAt: s.createdAt,
      });
      if (completed) {
        const acc = totals.get(assigneeId)!;
        const pay = earningsWithBonus(reward, levelFor(riderXp.get(assigneeId)!));
        acc.earned = acc.earned.plus(pay.total.amount);
        acc.balance = acc.balance.plus(pay.total.amount);
        acc.completed++;
        ledger.push({
          id: seededId('led', t.key, n), tenantId: t.id, workerId: assigneeId, kind: 'TASK_EARNING', amount: pay.total.amount.toString(),
          bonus: pay.bonus.amount.toString(), bonusPercent: pay.bonusPercent, currency, balanceAfter: acc.balance.toString(), taskId: id,
          createdAt: s.deliveredAt ?? s.createdAt,
        });
      }
    }

    // Every third rider with earnings has withdrawn 40% of them.
    const withdrawnAt = new Date(Date.UTC(2026, 10, 25, 7, 0, 0));
    t.riders.forEach((r, i) => {
      const acc = totals.get(r.id)!;
      if (i % 3 !== 0 || acc.balance.lte(0)) return;
      const amount = acc.balance.times('0.4').toDecimalPlaces(0, Decimal.ROUND_DOWN);
      if (amount.lte(0)) return;
      acc.balance = acc.balance.minus(amount);
      ledger.push({
        id: seededId('led', t.key, 900_000 + i + 1), tenantId: t.id, workerId: r.id, kind: 'WITHDRAWAL', amount: amount.toString(), currency,
        balanceAfter: acc.balance.toString(), idempotencyKey: `seed-withdrawal-${r.id}`, createdAt: withdrawnAt,
      });
    });

    // The open marketplace: tasks of every priority, with bids from verified riders whose level unlocks them.
    const bids: Prisma.BidCreateManyInput[] = [];
    const verified = t.riders.filter((r) => r.kycStatus === 'VERIFIED');
    MARKET.forEach((m, j) => {
      const reward = money(taskReward(rate, m.complexity, currency).amount.times(PRIORITY_PREMIUM[m.priority]).toDecimalPlaces(2), currency);
      const id = seededId('tsk', t.key, 900_000 + j + 1);
      tasks.push({
        id, tenantId: t.id, kind: m.kind, status: 'OPEN', priority: m.priority, title: m.title, complexity: m.complexity,
        reward: reward.amount.toString(), currency, createdAt: withdrawnAt,
      });
      const bidders = verified.filter((r) => canTake(levelFor(r.xp), m.priority)).slice(j % 3, (j % 3) + 3);
      bidders.forEach((r, k) => {
        bids.push({
          id: seededId('bid', t.key, (j + 1) * 10 + k), tenantId: t.id, taskId: id, workerId: r.id, currency,
          amount: reward.amount.times(new Decimal(100 - 3 * k).div(100)).toDecimalPlaces(2).toString(),
          note: k === 0 ? 'Available today' : null, createdAt: withdrawnAt,
        });
      });
    });

    // Finance mirrors every worker's balance in its WORKER_PAYABLE ledger from events; seeded balances reach it as
    // one opening event per worker, written with the seed (the relay publishes them once the subgraph listens).
    const openedAt = new Date();
    const opening = t.riders.filter((r) => totals.get(r.id)!.balance.gt(0)).map((r) => ({
      id: newEventId(openedAt.getTime()), tenantId: t.id, type: 'worker.earnings.opened', aggregateId: r.id, occurredAt: openedAt,
      payload: { workerId: r.id, balance: { amount: totals.get(r.id)!.balance.toFixed(2), currencyCode: currency } },
    }));

    await prisma.$transaction([
      prisma.outboxEvent.createMany({ data: opening }),
      prisma.tenantSettings.create({ data: { tenantId: t.id, currency, rewardBase: rate.base, rewardPerComplexity: rate.perComplexity } }),
      prisma.worker.createMany({
        data: t.riders.map((r, i) => {
          const acc = totals.get(r.id)!;
          const ratingCount = Math.max(1, acc.completed);
          return {
            id: r.id, tenantId: t.id, userId: r.userId, name: r.name, phone: r.phone, kycStatus: r.kycStatus, xp: r.xp,
            ratingSum: new Decimal(r.rating).times(ratingCount).toString(), ratingCount, currency,
            earned: acc.earned.toString(), balance: acc.balance.toString(),
          };
        }),
      }),
      prisma.task.createMany({ data: tasks }),
      prisma.bid.createMany({ data: bids }),
      prisma.ledgerEntry.createMany({ data: ledger }),
    ]);
  }
}
