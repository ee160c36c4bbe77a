import { UserErrorCode as C, authorize, fail, log, newId, ok, pageWindow, toConnection, type ConnectionArgs, type Result, type Viewer } from '@omniroute/core';
import { enqueue, newEventId } from '@omniroute/events';
import type { ColdChainAlert, PrismaClient, Shipment, Vehicle } from '../../generated/prisma/client.ts';
import { cleanString, type SubgraphDeps } from '@omniroute/core/kit';
import { SOURCE } from '../shipments/shipment-events.ts';
import { toWire } from '../../lib/live.ts';
import { coldChainPolicies } from './cold-chain.policies.ts';
import { cargoRange, DEFAULT_ESCALATE_AFTER_MINUTES, escalationDue, excursionSeconds, excursionStep, outOfRange } from './cold-chain.rules.ts';

type LogisticsDeps = SubgraphDeps<PrismaClient>;

/** The live topic of cold-chain alerts (Subscription.coldChainAlert): new excursions and every change to one. */
export const ALERT_TOPIC = 'vehicle.cold_chain_alert';
export const MAX_NOTE = 1000;

export interface ColdChainDeps extends LogisticsDeps {
  /** Minutes an alert may stay unacknowledged before it escalates. */
  escalateAfterMinutes?: number;
}

export interface ColdChainAlertFilter {
  vehicleId?: string | null;
  acknowledged?: boolean | null;
  escalated?: boolean | null;
  ongoing?: boolean | null;
}

/** Cold-chain excursions: opened, extended and closed by readings; acknowledged by people; escalated by the clock. */
export class ColdChainService {
  readonly escalateAfterMinutes: number;
  constructor(private readonly deps: ColdChainDeps) {
    this.escalateAfterMinutes = deps.escalateAfterMinutes ?? DEFAULT_ESCALATE_AFTER_MINUTES;
  }

  /**
   * One temperature reading of a refrigerated vehicle against the range of the chilled goods on board (`carried`:
   * its active shipments). In one transaction with the open excursion locked, so two reports of one vehicle never
   * open two excursions. Returns the alert it opened or changed, or null.
   */
  async recordReading(
    tenantId: string,
    vehicle: Pick<Vehicle, 'id' | 'coldChain'>,
    carried: readonly Pick<Shipment, 'id' | 'status' | 'tempMinC' | 'tempMaxC'>[],
    reading: { temperatureC: number; lat: number; lng: number; recordedAt: Date },
  ): Promise<ColdChainAlert | null> {
    if (!vehicle.coldChain) return null;
    const range = cargoRange(carried.map((s) => (s.tempMinC != null && s.tempMaxC != null ? { minC: s.tempMinC, maxC: s.tempMaxC } : null)));
    const shipment = carried.find((s) => s.status === 'IN_TRANSIT') ?? carried[0] ?? null;
    const now = this.deps.now();
    const t = reading.temperatureC;
    // the usual case, a reading in range with no excursion going on, costs one indexed read and no transaction
    if (!outOfRange(t, range) && !(await this.deps.prisma.coldChainAlert.findFirst({ where: { tenantId, vehicleId: vehicle.id, endedAt: null }, select: { id: true } }))) return null;
    const alert = await this.deps.prisma.$transaction(async (tx) => {
      const [open] = await tx.$queryRaw<{ id: string }[]>`
        SELECT "id" FROM "ColdChainAlert" WHERE "tenantId" = ${tenantId} AND "vehicleId" = ${vehicle.id} AND "endedAt" IS NULL ORDER BY "id" DESC LIMIT 1 FOR UPDATE`;
      const row = open ? await tx.coldChainAlert.findFirst({ where: { id: open.id, tenantId } }) : null;
      const step = excursionStep(row ? { lastReadingAt: row.lastReadingAt ?? row.recordedAt } : null, { temperatureC: t, at: reading.recordedAt }, range);
      if (step === 'NONE') return null;
      if (step === 'OPEN') {
        return tx.coldChainAlert.create({
          data: {
            id: newId('cca', now.getTime()), tenantId, vehicleId: vehicle.id, shipmentId: shipment?.id ?? null, temperatureC: t, limitC: range.maxC, rangeMinC: range.minC,
            lat: reading.lat, lng: reading.lng, recordedAt: reading.recordedAt, lastReadingAt: reading.recordedAt, minReadingC: t, maxReadingC: t, readings: 1, createdAt: now,
          },
        });
      }
      if (step === 'EXTEND') {
        const last = row!.lastReadingAt ?? row!.recordedAt;
        return tx.coldChainAlert.update({
          where: { id: row!.id },
          data: {
            minReadingC: Math.min(row!.minReadingC ?? row!.temperatureC, t),
            maxReadingC: Math.max(row!.maxReadingC ?? row!.temperatureC, t),
            readings: { increment: 1 },
            lastReadingAt: reading.recordedAt > last ? reading.recordedAt : last,
          },
        });
      }
      return tx.coldChainAlert.update({ where: { id: row!.id }, data: { endedAt: reading.recordedAt } });
    });
    if (alert) {
      if (alert.readings === 1 && !alert.endedAt) log.warn('cold-chain excursion', { tenantId, vehicleId: vehicle.id, temperatureC: t, range });
      // a new excursion or one that ended goes live; further readings of an ongoing one only update the row
      if (alert.readings === 1 || alert.endedAt) this.publish(alert);
    }
    return alert;
  }

  async list(viewer: Viewer | null, args: ConnectionArgs & { filter?: ColdChainAlertFilter | null }) {
    const v = authorize(coldChainPolicies['Query.coldChainAlerts'], viewer);
    const { first, afterId } = pageWindow(args);
    const f = args.filter ?? {};
    const rows = await this.deps.prisma.coldChainAlert.findMany({
      where: {
        tenantId: v.tenantId,
        ...(f.vehicleId != null ? { vehicleId: f.vehicleId } : {}),
        ...(f.acknowledged != null ? { acknowledgedAt: f.acknowledged ? { not: null } : null } : {}),
        ...(f.escalated != null ? { escalatedAt: f.escalated ? { not: null } : null } : {}),
        ...(f.ongoing != null ? { endedAt: f.ongoing ? null : { not: null } } : {}),
        ...(afterId ? { id: { lt: afterId } } : {}),
      },
      orderBy: { id: 'desc' },
      take: first + 1,
    });
    return toConnection(rows, first, afterId);
  }

  /** Someone has seen the alert: records who and when (stops its escalation). */
  async acknowledge(viewer: Viewer | null, input: { alertId: string; note?: string | null }): Promise<Result<ColdChainAlert>> {
    const v = authorize(coldChainPolicies['Mutation.acknowledgeColdChainAlert'], viewer);
    const alertId = cleanString(input.alertId);
    if (!alertId) return fail(C.INVALID_INPUT, 'alertId must be 1–200 characters', ['input', 'alertId']);
    const note = input.note == null ? null : cleanString(input.note, MAX_NOTE);
    if (input.note != null && input.note.trim() !== '' && !note) return fail(C.INVALID_INPUT, `note is at most ${MAX_NOTE} characters`, ['input', 'note']);
    const now = this.deps.now();
    const alert = await this.deps.prisma.coldChainAlert.findFirst({ where: { id: alertId, tenantId: v.tenantId } });
    if (!alert) return fail(C.ALERT_NOT_FOUND, 'No such cold-chain alert', ['input', 'alertId']);
    const data = { acknowledgedAt: now, acknowledgedBy: v.userId ?? null, acknowledgeNote: note };
    const { count } = await this.deps.prisma.coldChainAlert.updateMany({ where: { id: alert.id, tenantId: v.tenantId, acknowledgedAt: null }, data });
    if (count !== 1) return fail(C.ALREADY_ACKNOWLEDGED, 'The alert was acknowledged already', ['input', 'alertId']);
    const updated = { ...alert, ...data };
    this.publish(updated);
    return ok(updated);
  }

  /**
   * Escalates every alert (all tenants: a system job) that nobody acknowledged within the configured minutes of
   * its start: marks it, writes a `cold_chain.alert_escalated` event (outbox: notifications, on-call) and pushes
   * the change live. Each alert escalates once (conditional update). Returns how many escalated.
   */
  async escalateDue(): Promise<number> {
    const now = this.deps.now();
    const cutoff = new Date(now.getTime() - this.escalateAfterMinutes * 60_000);
    const due = await this.deps.prisma.coldChainAlert.findMany({
      where: { acknowledgedAt: null, escalatedAt: null, recordedAt: { lte: cutoff } },
      orderBy: { recordedAt: 'asc' },
      take: 200,
    });
    let escalated = 0;
    for (const a of due) {
      if (!escalationDue(a, now, this.escalateAfterMinutes)) continue;
      const done = await this.deps.prisma.$transaction(async (tx) => {
        const { count } = await tx.coldChainAlert.updateMany({ where: { id: a.id, tenantId: a.tenantId, acknowledgedAt: null, escalatedAt: null }, data: { escalatedAt: now } });
        if (count !== 1) return false;
        await enqueue(tx, SOURCE, [
          {
            type: 'cold_chain.alert_escalated',
            tenantId: a.tenantId,
            aggregateId: a.id,
            payload: {
              alertId: a.id, vehicleId: a.vehicleId, shipmentId: a.shipmentId, startedAt: a.recordedAt.toISOString(), endedAt: a.endedAt?.toISOString() ?? null,
              durationSeconds: excursionSeconds(a), minReadingC: a.minReadingC ?? a.temperatureC, maxReadingC: a.maxReadingC ?? a.temperatureC,
              range: { minC: a.rangeMinC, maxC: a.limitC }, unacknowledgedMinutes: this.escalateAfterMinutes, at: now.toISOString(),
            },
          },
        ]);
        return true;
      });
      if (!done) continue;
      escalated++;
      log.warn('cold-chain alert escalated', { tenantId: a.tenantId, alertId: a.id, vehicleId: a.vehicleId });
      this.publish({ ...a, escalatedAt: now });
    }
    if (escalated) this.deps.outboxWritten();
    return escalated;
  }

  /** Runs escalateDue every `intervalMs` until stopped (errors are logged, the next run retries). */
  startEscalation(intervalMs: number): { stop(): Promise<void> } {
    let running: Promise<unknown> = Promise.resolve();
    const timer = setInterval(() => {
      running = this.escalateDue().catch((error: unknown) => log.warn('cold-chain escalation failed', { error: String(error) }));
    }, intervalMs);
    timer.unref?.();
    return {
      async stop() {
        clearInterval(timer);
        await running;
      },
    };
  }

  private publish(alert: ColdChainAlert): void {
    const bus = this.deps.bus;
    if (!bus) return;
    const event = { id: newEventId(), type: ALERT_TOPIC, tenantId: alert.tenantId, aggregateId: alert.vehicleId, payload: toWire(alert), occurredAt: this.deps.now().toISOString(), source: SOURCE };
    bus.publish([event]).catch((error: unknown) => log.warn(`${ALERT_TOPIC} publish failed`, { aggregateId: alert.id, error: String(error) }));
  }
}
