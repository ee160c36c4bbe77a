import { createHash } from 'node:crypto';
import {
  UserErrorCode as E, authorize, Decimal, fail, log, newId, ok, pageWindow, toConnection, type Connection, type ConnectionArgs, type CurrencyCode, type Result, type Viewer,
} from '@omniroute/core';
import type { Payment, Payout, PrismaClient, SettlementLine, SettlementReport } from '../../generated/prisma/client.ts';
import { isUniqueViolation, TX_OPTIONS, type Tx } from '../../db.ts';
import type { LedgerService } from '../ledger/ledger.service.ts';
import { settlementFee } from '../ledger/ledger.rules.ts';

import type { ProviderAccountService } from '../payments/provider-accounts.service.ts';
import { RAILS, RAIL_SLUGS, type RailAccount, type RailName } from '../payments/rails/rail.ts';
import { startOfDay } from '../collections/collections.rules.ts';
import { matchStatus, readReport, ReportError, type ReportLine } from './settlement.rules.ts';
import { settlementPolicies } from './settlement.policies.ts';

const DAY = 86_400_000;
const MAX_REPORT_BYTES = 5 * 1024 * 1024;

export interface ImportInput { provider: RailName; reportDate: Date; fileName: string; csv: string }

/**
 * Settlement: imports each provider's settlement report (its CSV), matches every settled transaction to our payment
 * or payout by reference and amount, and reports what does not match on either side and the fees. The daily job
 * fetches yesterday's report of every provider account and imports it; the same file imported twice is one report.
 */
export class SettlementService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly accounts: ProviderAccountService,
    private readonly ledger: LedgerService,
    private readonly timeoutMs = 10_000,
  ) {}

  /** `importSettlementReport` (FINANCE, ADMIN): a report uploaded by hand. */
  async importFor(viewer: Viewer | null, input: ImportInput): Promise<Result<SettlementReport>> {
    const v = authorize(settlementPolicies['Mutation.importSettlementReport'], viewer);
    return this.import(v.tenantId, input);
  }

  async import(tenantId: string, input: ImportInput): Promise<Result<SettlementReport>> {
    const bad = (message: string, field: string) => fail<SettlementReport>('INVALID_REPORT', message, ['input', field]);
    if (!input.fileName || input.fileName.length > 200) return fail(E.INVALID_INPUT, 'fileName must be 1–200 characters', ['input', 'fileName']);
    if (Buffer.byteLength(input.csv) > MAX_REPORT_BYTES) return bad('the report is larger than 5 MB', 'csv');
    const account = await this.prisma.paymentProviderConfig.findUnique({ where: { tenantId_rail: { tenantId, rail: input.provider } } });
    if (!account) return fail(E.PROVIDER_NOT_CONFIGURED, `The tenant has no ${input.provider} account`, ['input', 'provider']);
    const currency = account.currencies[0] as CurrencyCode;
    const checksum = createHash('sha256').update(input.csv).digest('hex');
    const earlier = await this.prisma.settlementReport.findUnique({ where: { tenantId_rail_checksum: { tenantId, rail: input.provider, checksum } } });
    if (earlier) {
      // a report imported before its fees were posted gets them now (once: see postFees)
      await this.prisma.$transaction((tx) => this.postFees(tx, tenantId, earlier.id, input.provider), TX_OPTIONS);
      return ok(earlier);
    }
    let lines: ReportLine[];
    try {
      lines = readReport(input.provider, input.csv, currency);
    } catch (e) {
      if (e instanceof ReportError) return bad(e.message, 'csv');
      throw e;
    }
    const matched = await this.match(tenantId, input.provider, lines);
    const count = (s: string) => matched.filter((m) => m.status === s).length;
    const reportDate = startOfDay(input.reportDate);
    const id = newId('stl');
    try {
      return ok(await this.prisma.$transaction(async (tx) => {
        const report = await tx.settlementReport.create({
          data: {
            id, tenantId, rail: input.provider, reportDate, fileName: input.fileName, checksum, currency: lines[0]?.currency ?? currency,
            lineCount: lines.length, matched: count('MATCHED'), mismatched: count('AMOUNT_MISMATCH') + count('STATUS_MISMATCH'), unmatched: count('UNMATCHED'),
            feeTotal: lines.reduce((s, l) => s.plus(l.fee), new Decimal(0)),
          },
        });
        await tx.settlementLine.createMany({
          data: matched.map((m) => ({
            id: newId('stn'), tenantId, reportId: id, kind: m.line.kind, reference: m.line.reference.slice(0, 200), amount: m.line.amount, fee: m.line.fee, currency: m.line.currency,
            occurredAt: m.line.occurredAt, status: m.status, paymentId: m.paymentId, payoutId: m.payoutId, raw: m.line.raw,
          })),
        });
        await this.postFees(tx, tenantId, id, input.provider);
        return report;
      }, TX_OPTIONS));
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      return ok((await this.prisma.settlementReport.findUnique({ where: { tenantId_rail_checksum: { tenantId, rail: input.provider, checksum } } }))!);
    }
  }

  /**
   * Posts the provider's fee of every line of a report that has one (SETTLEMENT_FEE: PROVIDER_FEES debit, CASH credit),
   * exactly once per provider transaction: the line is marked in the posting's transaction, and a line whose
   * transaction (rail, kind, reference) had its fee posted from an earlier, overlapping report is marked without
   * posting again. Imports of one rail are serialised by an advisory lock so two overlapping files cannot both post.
   */
  private async postFees(tx: Tx, tenantId: string, reportId: string, rail: RailName): Promise<number> {
    await tx.$queryRaw`SELECT pg_advisory_xact_lock(hashtext(${`settlement-fees:${tenantId}:${rail}`}))::text`;
    const lines = await tx.settlementLine.findMany({ where: { reportId, feePostedAt: null, fee: { gt: 0 } }, orderBy: { id: 'asc' } });
    let posted = 0;
    const now = new Date();
    for (const l of lines) {
      const before = await tx.settlementLine.findFirst({ where: { tenantId, kind: l.kind, reference: l.reference, feePostedAt: { not: null }, report: { rail } }, select: { id: true } });
      if (!before) {
        await this.ledger.post(tx, settlementFee({ tenantId, currency: l.currency as CurrencyCode, paymentId: l.paymentId }, l.fee, `${rail} ${l.reference}`), now);
        posted++;
      }
      await tx.settlementLine.update({ where: { id: l.id }, data: { feePostedAt: now } });
    }
    return posted;
  }

  /** Each line with the payment or payout it names (by the provider's reference, receipt, or our id) and how they compare. */
  private async match(tenantId: string, rail: RailName, lines: ReportLine[]) {
    const refs = [...new Set(lines.flatMap((l) => [l.reference, l.altReference, l.reference.toLowerCase()]).filter((r): r is string => !!r))];
    const byRef = <T extends { id: string; reference: string | null; receipt: string | null }>(rows: T[]) => {
      const m = new Map<string, T>();
      for (const r of rows) for (const k of [r.id, r.reference, r.receipt]) if (k) m.set(k, r);
      return m;
    };
    const or = [{ id: { in: refs } }, { reference: { in: refs } }, { receipt: { in: refs } }];
    const [payments, payouts] = await Promise.all([
      this.prisma.payment.findMany({ where: { tenantId, rail, OR: or } }).then(byRef<Payment>),
      this.prisma.payout.findMany({ where: { tenantId, rail, OR: or } }).then(byRef<Payout>),
    ]);
    return lines.map((line) => {
      const keys = [line.reference, line.altReference, line.reference.toLowerCase()].filter((k): k is string => !!k);
      const payment = line.kind === 'COLLECTION' ? keys.map((k) => payments.get(k)).find(Boolean) ?? null : null;
      const payout = line.kind === 'PAYOUT' ? keys.map((k) => payouts.get(k)).find(Boolean) ?? null : null;
      const ours = payment ?? payout;
      return { line, status: matchStatus(line, ours), paymentId: payment?.id ?? null, payoutId: payout?.id ?? null };
    });
  }

  /** Our side of a report: SUCCEEDED payments and payouts of its rail and day that no line of it names. */
  async unmatchedOurs(r: SettlementReport): Promise<{ payments: Payment[]; payouts: Payout[] }> {
    const from = r.reportDate;
    const to = new Date(from.getTime() + DAY);
    const lines = await this.prisma.settlementLine.findMany({ where: { reportId: r.id }, select: { paymentId: true, payoutId: true } });
    const seenPayments = lines.map((l) => l.paymentId).filter((x): x is string => !!x);
    const seenPayouts = lines.map((l) => l.payoutId).filter((x): x is string => !!x);
    const [payments, payouts] = await Promise.all([
      this.prisma.payment.findMany({ where: { tenantId: r.tenantId, rail: r.rail, status: 'SUCCEEDED', receivedAt: { gte: from, lt: to }, id: { notIn: seenPayments } }, orderBy: { id: 'asc' } }),
      this.prisma.payout.findMany({ where: { tenantId: r.tenantId, rail: r.rail, status: 'SUCCEEDED', settledAt: { gte: from, lt: to }, id: { notIn: seenPayouts } }, orderBy: { id: 'asc' } }),
    ]);
    return { payments, payouts };
  }

  async get(viewer: Viewer | null, id: string): Promise<SettlementReport | null> {
    const v = authorize(settlementPolicies['Query.settlementReport'], viewer);
    return this.prisma.settlementReport.findFirst({ where: { id, tenantId: v.tenantId } });
  }

  async list(viewer: Viewer | null, filter: { provider?: RailName | null }, args: ConnectionArgs): Promise<Connection<SettlementReport>> {
    const v = authorize(settlementPolicies['Query.settlementReports'], viewer);
    const { first, afterId } = pageWindow(args);
    const rows = await this.prisma.settlementReport.findMany({
      where: { tenantId: v.tenantId, ...(filter.provider ? { rail: filter.provider } : {}), ...(afterId ? { id: { lt: afterId } } : {}) },
      orderBy: { id: 'desc' }, take: first + 1,
    });
    return toConnection(rows, first, afterId);
  }

  lines(r: SettlementReport, status?: string | null): Promise<SettlementLine[]> {
    return this.prisma.settlementLine.findMany({ where: { reportId: r.id, ...(status ? { status: status as never } : {}) }, orderBy: { occurredAt: 'asc' } });
  }

  /** `reconcileSettlements` (FINANCE, ADMIN): fetch and import one day's report of each of the tenant's provider accounts. */
  async reconcileFor(viewer: Viewer | null, reportDate: Date, now = new Date()): Promise<Result<SettlementReport[]>> {
    const v = authorize(settlementPolicies['Mutation.reconcileSettlements'], viewer);
    if (startOfDay(reportDate) > startOfDay(now)) return fail(E.INVALID_INPUT, 'reportDate must be today or earlier', ['input', 'reportDate']);
    return ok(await this.reconcileTenant(v.tenantId, reportDate));
  }

  /** The daily job: yesterday's report of every provider account of every tenant. */
  async runDaily(now = new Date()): Promise<number> {
    const day = new Date(startOfDay(now).getTime() - DAY);
    const tenants = await this.prisma.paymentProviderConfig.findMany({ where: { enabled: true }, distinct: ['tenantId'], select: { tenantId: true } });
    let imported = 0;
    for (const { tenantId } of tenants) imported += (await this.reconcileTenant(tenantId, day)).length;
    return imported;
  }

  private async reconcileTenant(tenantId: string, reportDate: Date): Promise<SettlementReport[]> {
    const out: SettlementReport[] = [];
    for (const rail of RAILS) {
      const account = await this.accounts.account(tenantId, rail);
      if (!account) continue;
      const csv = await this.fetchReport(account, reportDate);
      if (csv === null) continue;
      const r = await this.import(tenantId, { provider: rail, reportDate, fileName: `${RAIL_SLUGS[rail]}-${startOfDay(reportDate).toISOString().slice(0, 10)}.csv`, csv });
      if (r.ok) out.push(r.value);
      else log.warn('finance: settlement report not imported', { tenantId, rail, errors: r.errors.map((e) => e.message) });
    }
    return out;
  }

  /**
   * One day's report from the provider. Real accounts deliver these as portal exports or SFTP drops; the sandbox
   * serves them at `/sandbox/reports/<rail>?date=` with the account's own credentials, which this fetch uses.
   */
  private async fetchReport(a: RailAccount, day: Date): Promise<string | null> {
    const basic = (u?: string, p?: string) => `Basic ${Buffer.from(`${u ?? ''}:${p ?? ''}`).toString('base64')}`;
    const authorization = a.rail === 'MPESA' ? basic(a.secrets.consumerKey, a.secrets.consumerSecret) : a.rail === 'MTN_MOMO' ? basic(a.secrets.apiUser, a.secrets.apiKey) : `Bearer ${a.secrets.secretKey}`;
    const url = `${a.baseUrl}/sandbox/reports/${RAIL_SLUGS[a.rail]}?date=${startOfDay(day).toISOString().slice(0, 10)}`;
    try {
      const res = await fetch(url, { headers: { authorization }, signal: AbortSignal.timeout(this.timeoutMs) });
      if (res.status !== 200) {
        log.warn('finance: no settlement report from the provider', { rail: a.rail, tenantId: a.tenantId, status: res.status });
        return null;
      }
      return await res.text();
    } catch (error) {
      log.warn('finance: settlement report fetch failed', { rail: a.rail, tenantId: a.tenantId, error: String(error) });
      return null;
    }
  }
}
