import type { RequestScope } from '../../context.ts';
import { badUserInput, checkTimeZone, wireMoney, notFound, authorize, startOfDayIn, type CurrencyCode } from '@omniroute/core';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import { kpiPolicies } from './kpis.policies.ts';

export interface CommerceKpisValue {
  timeZone: string;
  dayStart: Date;
  asOf: Date;
  gmvToday: { amount: string; currencyCode: CurrencyCode };
  ordersToday: number;
  ordersPerMinute: number;
  ordersInRateWindow: number;
  rateWindowMinutes: number;
}

/** Dashboard figures over the tenant's orders: SQL aggregates (count, sum) bounded by time, never a capped list. */
export class KpiService {
  constructor(private readonly prisma: PrismaClient) {}

  async commerceKpis({ viewer }: RequestScope, args: { timeZone: string; rateWindowMinutes?: number | null }, now = new Date()): Promise<CommerceKpisValue> {
    const { tenantId } = authorize(kpiPolicies['Query.commerceKpis'], viewer);
    const timeZone = checkTimeZone(args.timeZone);
    const rateWindowMinutes = args.rateWindowMinutes ?? 15;
    if (!Number.isInteger(rateWindowMinutes) || rateWindowMinutes < 1 || rateWindowMinutes > 1440) {
      throw badUserInput('rateWindowMinutes must be between 1 and 1440', ['rateWindowMinutes']);
    }
    const dayStart = startOfDayIn(timeZone, now);
    const rateStart = new Date(now.getTime() - rateWindowMinutes * 60_000);
    const settings = await this.prisma.tenantSettings.findUnique({ where: { tenantId } });
    if (!settings) throw notFound('This tenant has no commerce settings (no trading currency)');
    const currency = settings.currency as CurrencyCode;
    const [gmv, ordersToday, ordersInRateWindow] = await Promise.all([
      this.prisma.order.aggregate({
        _sum: { total: true },
        where: { tenantId, currency, placedAt: { gte: dayStart, lte: now }, status: { notIn: ['CANCELLED', 'REJECTED'] } },
      }),
      this.prisma.order.count({ where: { tenantId, placedAt: { gte: dayStart, lte: now } } }),
      this.prisma.order.count({ where: { tenantId, placedAt: { gt: rateStart, lte: now } } }),
    ]);
    return {
      timeZone,
      dayStart,
      asOf: now,
      gmvToday: wireMoney(gmv._sum.total ?? 0, currency),
      ordersToday,
      ordersPerMinute: Math.round((ordersInRateWindow / rateWindowMinutes) * 100) / 100,
      ordersInRateWindow,
      rateWindowMinutes,
    };
  }
}
