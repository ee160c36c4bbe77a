// Issue 14: a delivery whose shipment.delivered never reached finance or workforce (lost to a crash, or to a Redis
// restarted without persistence) left the order delivered without an invoice and the rider without task credit,
// and nothing noticed. Logistics now records finance's and workforce's acknowledgements (invoice.issued,
// task.completed) and its reconcilers re-send the delivery when one is missing; a lost acknowledgement is re-sent
// by the consumer that had handled the delivery. Their stats are on logistics' /metrics.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { demoPlan } from '@omniroute/demo';
import { createEventBus, type EventBus } from '@omniroute/events';
import { eventually } from '@omniroute/testkit';
import { create, type LogisticsRuntime } from '../src/server.ts';
import { create as createFinance } from '../../finance/src/server.ts';
import { create as createWorkforce } from '../../workforce/src/server.ts';
import { client, CONFIRM, LAGOS, lagosAdmin, SECRET } from './helpers.ts';

const lagos = demoPlan().find((t) => t.id === LAGOS)!;
const inTransit = lagos.shipments.find((s) => s.status === 'IN_TRANSIT')!;

let bus: EventBus;
let logistics: LogisticsRuntime;
let finance: Awaited<ReturnType<typeof createFinance>>;
let workforce: Awaited<ReturnType<typeof createWorkforce>>;
let metricsUrl: string;
let graphqlUrl: string;
const stops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  // maxLen 0: a consumer group created later gets no history, so an event published before it existed is lost to it
  bus = createEventBus({ maxLen: 0, onError: () => undefined });
  // the reconcilers run only when the test says: a periodic run inside the waits below would re-send early
  logistics = await create({ secret: SECRET, bus, relayIntervalMs: 50, reconcileAfterMs: 300, reconcileIntervalMs: 0 });
  await logistics.seed();
  const running = await logistics.listen(0);
  stops.push(running.stop);
  graphqlUrl = running.url;
  metricsUrl = running.url.replace(/\/graphql$/, '/metrics');
}, 60_000);
afterAll(async () => {
  for (const s of stops.reverse()) await s();
  await workforce?.close();
  await finance?.close();
  await logistics?.close();
  await bus?.close();
});

const shipment = () => logistics.prisma.shipment.findUniqueOrThrow({ where: { id: inTransit.id } });
const invoiceOf = () => finance.prisma.invoice.findFirstOrThrow({ where: { tenantId: LAGOS, orderId: inTransit.orderId } });
const taskOf = () => workforce.prisma.task.findFirstOrThrow({ where: { tenantId: LAGOS, shipmentId: inTransit.id } });

it('a delivery finance and workforce never heard of: re-sent until the invoice is issued and the task credited, once', async () => {
  const r = await client(graphqlUrl)(lagosAdmin, CONFIRM, {
    i: { shipmentId: inTransit.id, recipientName: 'Shop owner', signatureRef: 'sig-1', lat: 6.6, lng: 3.35 },
  });
  expect(r.data.confirmDelivery.userErrors).toEqual([]);
  // published while neither consumer group existed: lost to them
  await eventually(async () => (await logistics.prisma.outboxEvent.findFirst({ where: { aggregateId: inTransit.id, type: 'shipment.delivered', publishedAt: { not: null } } })) !== null);

  finance = await createFinance({ secret: SECRET, bus, relayIntervalMs: 50, reconcileIntervalMs: 0, paymentPollMs: 0, overdueSweepMs: 0 });
  await finance.seed();
  stops.push((await finance.listen(0)).stop);
  workforce = await createWorkforce({ secret: SECRET, bus, relayIntervalMs: 50 });
  await workforce.seed();
  stops.push((await workforce.listen(0)).stop);
  expect((await invoiceOf()).status).toBe('DRAFT');
  expect((await taskOf()).status).not.toBe('COMPLETED');
  expect(await shipment()).toMatchObject({ status: 'DELIVERED', invoiceIssuedAt: null, taskCreditedAt: null });

  await new Promise((r) => setTimeout(r, 350)); // past reconcileAfterMs
  const [withoutInvoice, withoutCredit] = logistics.reconcilers;
  expect(await withoutInvoice!.runNow()).toMatchObject({ name: 'logistics.deliveries-without-invoice', stuck: 1, foundTotal: 1, repairedTotal: 1 });
  // the one re-send served both: the other job finds the shipment stuck but its event was re-sent just now
  expect(await withoutCredit!.runNow()).toMatchObject({ name: 'logistics.deliveries-without-task-credit', stuck: 1, repairedTotal: 0 });

  await eventually(async () => (await invoiceOf()).issuedAt !== null && (await taskOf()).status === 'COMPLETED');
  await eventually(async () => { const s = await shipment(); return s.invoiceIssuedAt !== null && s.taskCreditedAt !== null; });
  expect(await withoutInvoice!.runNow()).toMatchObject({ stuck: 0, foundTotal: 1 });
  expect(await withoutCredit!.runNow()).toMatchObject({ stuck: 0 });
  const credits = () => workforce.prisma.ledgerEntry.count({ where: { tenantId: LAGOS, taskId: { not: null } } });
  const postings = () => finance.prisma.ledgerPosting.count({ where: { tenantId: LAGOS } });
  const [creditsBefore, postingsBefore] = [await credits(), await postings()];

  // The acknowledgement is lost this time (invoice.issued never reached logistics): finance had handled the
  // delivery, so the re-sent delivery changes nothing there but makes finance re-send its invoice.issued.
  await logistics.prisma.shipment.update({ where: { id: inTransit.id }, data: { invoiceIssuedAt: null } });
  const issued = await invoiceOf();
  // marked published (a little after it was handled: the relay marks rows together), then made old
  await eventually(async () => (await finance.prisma.outboxEvent.findFirst({ where: { type: 'invoice.issued', aggregateId: issued.id, publishedAt: { not: null } } })) !== null);
  await finance.prisma.outboxEvent.updateMany({ where: { type: 'invoice.issued', aggregateId: issued.id }, data: { publishedAt: new Date(Date.now() - 120_000) } });
  await new Promise((r) => setTimeout(r, 350));
  expect(await withoutInvoice!.runNow()).toMatchObject({ stuck: 1, foundTotal: 2, repairedTotal: 2 });
  await eventually(async () => (await shipment()).invoiceIssuedAt !== null);
  expect(await invoiceOf()).toMatchObject({ status: issued.status, issuedAt: issued.issuedAt, amountPaid: issued.amountPaid }); // issued once
  expect(await postings()).toBe(postingsBefore); // nothing posted twice
  expect(await credits()).toBe(creditsBefore); // the rider credited once
  expect((await withoutInvoice!.runNow()).stuck).toBe(0);

  // every reconciler's stats on the owning process's /metrics
  const text = await (await fetch(metricsUrl)).text();
  const series = (name: string, reconciler: string) => Number(new RegExp(`^${name}\\{subgraph="logistics",reconciler="${reconciler}"\\} (\\S+)$`, 'm').exec(text)?.[1]);
  expect(series('omniroute_reconciler_runs_total', 'logistics.deliveries-without-invoice')).toBe(4);
  expect(series('omniroute_reconciler_found_total', 'logistics.deliveries-without-invoice')).toBe(2);
  expect(series('omniroute_reconciler_repaired_total', 'logistics.deliveries-without-invoice')).toBe(2);
  expect(series('omniroute_reconciler_stuck', 'logistics.deliveries-without-invoice')).toBe(0);
  expect(series('omniroute_reconciler_failures_total', 'logistics.deliveries-without-task-credit')).toBe(0);
  expect(series('omniroute_reconciler_last_run_timestamp_seconds', 'logistics.deliveries-without-task-credit')).toBeGreaterThan(Date.now() / 1000 - 60);
}, 90_000);
