import { checkTimeZone, formatAmount, authorize, startOfDayIn, type CurrencyCode } from '@omniroute/core';
import type { RequestScope } from '../../context.ts';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import { kpiPolicies } from './kpis.policies.ts';

export interface FinanceKpisValue {
  timeZone: string;
  dayStart: Date;
  asOf: Date;
  collectionsToday: { amount: string; currencyCode: CurrencyCode }[];
  paymentsToday: number;
}

/** Dashboard figures over the tenant's payments: SQL aggregates bounded by the tenant's day. */
export class KpiService {
  constructor(private readonly prisma: PrismaClient) {}

  async financeKpis({ viewer }: RequestScope, args: { timeZone: string }, now = new Date()): Promise<FinanceKpisValue> {
    const { tenantId } = authorize(kpiPolicies['Query.financeKpis'], viewer);
    const timeZone = checkTimeZone(args.timeZone);
    const dayStart = startOfDayIn(timeZone, now);
    const where = { tenantId, status: 'SUCCEEDED' as const, receivedAt: { gte: dayStart, lte: now } };
    const [byCurrency, paymentsToday] = await Promise.all([
      this.prisma.payment.groupBy({ by: ['currency'], where, _sum: { amount: true }, orderBy: { currency: 'asc' } }),
      this.prisma.payment.count({ where }),
    ]);
    return {
      timeZone,
      dayStart,
      asOf: now,
      collectionsToday: byCurrency.map((g) => ({ amount: formatAmount(g._sum.amount ?? 0, g.currency as CurrencyCode), currencyCode: g.currency as CurrencyCode })),
      paymentsToday,
    };
  }
}
