import type { LogisticsDeps, RequestScope } from '../../context.ts';
import { authorize, badUserInput } from '@omniroute/core';
import { kpiPolicies } from './kpis.policies.ts';

export interface LogisticsKpisValue {
  asOf: Date;
  onTime: { windowStart: Date; windowEnd: Date; windowHours: number; delivered: number; onTime: number; withoutEta: number; rate: number | null };
  activeVehicles: number;
  vehicles: number;
  activeWithinMinutes: number;
  coldChainExcursions: number;
}

function boundedInt(value: number | null | undefined, fallback: number, max: number, field: string): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 1 || v > max) throw badUserInput(`${field} must be between 1 and ${max}`, [field]);
  return v;
}

/** Dashboard figures over shipments, vehicles and cold-chain alerts: SQL aggregates bounded by time. */
export class KpiService {
  constructor(private readonly deps: LogisticsDeps) {}

  async logisticsKpis({ viewer }: RequestScope, args: { windowHours?: number | null; activeWithinMinutes?: number | null }): Promise<LogisticsKpisValue> {
    const { tenantId } = authorize(kpiPolicies['Query.logisticsKpis'], viewer);
    const windowHours = boundedInt(args.windowHours, 24, 720, 'windowHours');
    const activeWithinMinutes = boundedInt(args.activeWithinMinutes, 5, 1440, 'activeWithinMinutes');
    const { prisma } = this.deps;
    const asOf = this.deps.now();
    const windowStart = new Date(asOf.getTime() - windowHours * 3_600_000);
    const activeSince = new Date(asOf.getTime() - activeWithinMinutes * 60_000);
    const [[deliveries], activeVehicles, vehicles, coldChainExcursions] = await Promise.all([
      prisma.$queryRaw<{ delivered: number; onTime: number; withoutEta: number }[]>`
        SELECT count(*) FILTER (WHERE "eta" IS NOT NULL)::int AS "delivered",
               count(*) FILTER (WHERE "deliveredAt" <= "eta")::int AS "onTime",
               count(*) FILTER (WHERE "eta" IS NULL)::int AS "withoutEta"
        FROM "Shipment"
        WHERE "tenantId" = ${tenantId} AND "status" = 'DELIVERED' AND "deliveredAt" > ${windowStart} AND "deliveredAt" <= ${asOf}`,
      prisma.vehicle.count({ where: { tenantId, lastRecordedAt: { gt: activeSince, lte: asOf } } }),
      prisma.vehicle.count({ where: { tenantId } }),
      prisma.coldChainAlert.count({ where: { tenantId, recordedAt: { gt: windowStart, lte: asOf } } }),
    ]);
    const { delivered, onTime, withoutEta } = deliveries!;
    return {
      asOf,
      onTime: { windowStart, windowEnd: asOf, windowHours, delivered, onTime, withoutEta, rate: delivered ? onTime / delivered : null },
      activeVehicles,
      vehicles,
      activeWithinMinutes,
      coldChainExcursions,
    };
  }
}
