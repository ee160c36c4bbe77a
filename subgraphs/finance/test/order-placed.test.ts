// order.placed in the order-to-cash consumer on the driver path (src/events/order-placed.sql.ts), on PGlite and
// Postgres: the rows it writes (credit line, CREDIT_RESERVED posting and entries, DRAFT invoice, outbox payloads),
// the same posting as the Prisma path's (CreditService.reserve), its statement count, all or nothing, and — on
// Postgres — concurrent orders never both taking the last of a credit line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dec, money } from '@omniroute/core';
import { demoPlan } from '@omniroute/demo';
import { hasFastPath, PreludeDeclined, sqlSharedTransactionFor, sqlTransactionFor } from '@omniroute/db';
import { handleManyOnceSql, newEventId, type DomainEvent, type WrittenOutboxRow } from '@omniroute/events';
import { createTestDatabase } from '@omniroute/testkit';
import { create } from '../src/server.ts';
import { CONSUMER_GROUP, orderToCashEvents, orderToCashSql } from '../src/events/order-to-cash.ts';
import { writeOrderPlaced } from '../src/events/order-placed.sql.ts';
import { reservationPosting } from '../src/modules/credit/credit.service.ts';
import { postingRows } from '../src/modules/ledger/ledger.service.ts';
import { LAGOS, SECRET } from './helpers.ts';

const lagos = demoPlan().find((t) => t.id === LAGOS)!;

describe.each(['pglite', 'postgres'] as const)('order.placed on the driver path (%s)', (kind) => {
  let sg: Awaited<ReturnType<typeof create>>;
  let drop = async () => {};
  let handle: (e: DomainEvent) => Promise<boolean>;

  beforeAll(async () => {
    const database = kind === 'postgres' ? await createTestDatabase('finance_o2c') : undefined;
    if (database) drop = database.drop;
    // no bus: no consumers, relay or jobs; the reconciler far off, so the statements counted are the handler's own
    sg = await create({ secret: SECRET, databaseUrl: database?.url, reconcileIntervalMs: 3_600_000 });
    await sg.seed();
    handle = orderToCashEvents(sg.prisma, sg.services);
  });
  afterAll(async () => {
    await sg?.close();
    await drop();
  });

  let n = 0;
  const placed = (customerId: string, paymentTerms: string, amount: string, orderId = `ord_OP_${kind}_${++n}`, currencyCode = 'NGN'): DomainEvent => ({
    id: newEventId(), type: 'order.placed', tenantId: LAGOS, aggregateId: orderId, source: 'commerce', occurredAt: new Date().toISOString(),
    payload: { orderId, number: `T-${orderId}`, customerId, paymentTerms, total: { amount, currencyCode }, lines: [{ sku: 'X', quantity: 1 }] },
  });
  const orderOf = (e: DomainEvent) => e.payload.orderId as string;
  /** Handles `e`, returning what it returned and the statements it ran (BEGIN/COMMIT are not counted). */
  async function counted(e: DomainEvent) {
    const texts: string[] = [];
    sg.db.stats.onStatement = (text) => void texts.push(text);
    try {
      return { handled: await handle(e), texts };
    } finally {
      sg.db.stats.onStatement = undefined;
    }
  }
  const line = (customerId: string) => sg.prisma.creditLine.findUniqueOrThrow({ where: { tenantId_customerId: { tenantId: LAGOS, customerId } } });
  const outbox = (orderId: string) => sg.prisma.outboxEvent.findMany({ where: { tenantId: LAGOS, aggregateId: orderId } });
  const postings = (orderId: string) =>
    sg.prisma.ledgerPosting.findMany({ where: { tenantId: LAGOS, description: `Credit reserved for order T-${orderId}` }, include: { entries: { orderBy: { amount: 'desc' } } } });
  const processed = (e: DomainEvent) => sg.prisma.processedEvent.count({ where: { consumer: CONSUMER_GROUP, eventId: e.id } });
  const sequence = async () => (await sg.prisma.invoiceSequence.findUniqueOrThrow({ where: { tenantId: LAGOS } })).lastNumber;

  it('takes the driver path', () => {
    expect(hasFastPath(sg.prisma)).toBe(true);
  });

  it('a NET order within credit: utilized, the CREDIT_RESERVED posting, the DRAFT invoice and credit.approved, in 3 statements', async () => {
    const customer = lagos.customers[0]!;
    const before = await line(customer.id);
    const seq = await sequence();
    const e = placed(customer.id, 'NET_14', '1234.5600');
    const t0 = new Date();
    const { handled, texts } = await counted(e);
    const t1 = new Date();
    expect(handled).toBe(true);
    expect(texts).toHaveLength(3); // ProcessedEvent; gate + invoice + credit line; every write

    const after = await line(customer.id);
    expect(dec(after.utilized).minus(dec(before.utilized)).toFixed()).toBe('1234.56');
    expect({ ...after, utilized: undefined, updatedAt: undefined }).toEqual({ ...before, utilized: undefined, updatedAt: undefined });
    expect(after.updatedAt.getTime()).toBeGreaterThanOrEqual(t0.getTime());
    expect(after.updatedAt.getTime()).toBeLessThanOrEqual(t1.getTime());

    const [invoice, ...more] = await sg.prisma.invoice.findMany({ where: { tenantId: LAGOS, orderId: orderOf(e) } });
    expect(more).toEqual([]);
    expect(invoice).toMatchObject({
      tenantId: LAGOS, number: `INV-LAG-${seq + 1}`, customerId: customer.id, status: 'DRAFT', paymentTerms: 'NET_14', onCredit: true, currency: 'NGN',
      issuedAt: null, dueDate: null, paidAt: null, voidedAt: null,
    });
    expect(dec(invoice!.total).toFixed()).toBe('1234.56');
    expect(dec(invoice!.amountPaid).toFixed()).toBe('0');
    expect(invoice!.id).toMatch(/^inv_/);
    expect(invoice!.createdAt.getTime()).toBeGreaterThanOrEqual(t0.getTime() - 1000);
    expect(invoice!.createdAt.getTime()).toBeLessThanOrEqual(t1.getTime() + 1000);
    expect(await sequence()).toBe(seq + 1);

    const [posting, ...others] = await postings(orderOf(e));
    expect(others).toEqual([]);
    expect(posting).toMatchObject({ tenantId: LAGOS, kind: 'CREDIT_RESERVED', currency: 'NGN', customerId: customer.id, invoiceId: null, paymentId: null, walletId: null, workerId: null });
    expect(posting!.id).toMatch(/^lgp_/);
    expect(posting!.postedAt.getTime()).toBeGreaterThanOrEqual(t0.getTime());
    expect(posting!.postedAt.getTime()).toBeLessThanOrEqual(t1.getTime());
    expect(posting!.entries.map((x) => ({ ...x, id: x.id.slice(0, 4), amount: dec(x.amount).toFixed() }))).toEqual([
      { id: 'lge_', tenantId: LAGOS, postingId: posting!.id, account: 'CREDIT_EXPOSURE', currency: 'NGN', amount: '1234.56', customerId: customer.id, walletId: null, workerId: null, createdAt: posting!.postedAt },
      { id: 'lge_', tenantId: LAGOS, postingId: posting!.id, account: 'CREDIT_COMMITMENT', currency: 'NGN', amount: '-1234.56', customerId: customer.id, walletId: null, workerId: null, createdAt: posting!.postedAt },
    ]);

    const events = await outbox(orderOf(e));
    expect(events.map((x) => ({ type: x.type, payload: x.payload, attempts: x.attempts, publishedAt: x.publishedAt }))).toEqual([
      { type: 'credit.approved', payload: { orderId: orderOf(e), customerId: customer.id, invoiceId: invoice!.id }, attempts: 0, publishedAt: null },
    ]);
    expect(events[0]!.id).toMatch(/^evt_/);
    expect(events[0]!.occurredAt.getTime()).toBeGreaterThanOrEqual(t0.getTime());
    expect(events[0]!.occurredAt.getTime()).toBeLessThanOrEqual(t1.getTime());
    expect(await processed(e)).toBe(1);
    expect(await sg.prisma.orderGate.findUnique({ where: { tenantId_orderId: { tenantId: LAGOS, orderId: orderOf(e) } } })).toEqual({ tenantId: LAGOS, orderId: orderOf(e), cancelledAt: null });

    // the posting is the Prisma path's (CreditService.reserve → LedgerService.post), but for its ids, time and reference
    const viaPrisma = `ord_OP_${kind}_prisma`;
    await sg.prisma.$transaction((tx) =>
      sg.services.credit.reserve(tx, { tenantId: LAGOS, customerId: customer.id, orderId: viaPrisma, orderNumber: `T-${viaPrisma}`, terms: 'NET_14', total: money('1234.5600', 'NGN') }));
    const [twin] = await postings(viaPrisma);
    const shape = (p: typeof posting) => ({ ...p, id: undefined, postedAt: undefined, description: undefined, entries: p!.entries.map((x) => ({ ...x, id: undefined, postingId: undefined, createdAt: undefined })) });
    expect(shape(posting)).toEqual(shape(twin));
    expect(dec((await line(customer.id)).utilized).minus(dec(after.utilized)).toFixed()).toBe('1234.56');
  });

  it('cash on delivery: no credit taken, no posting; the DRAFT invoice off credit', async () => {
    const customer = lagos.customers[1]!;
    const before = await line(customer.id);
    const e = placed(customer.id, 'CASH_ON_DELIVERY', '99000000.00');
    const { texts } = await counted(e);
    expect(texts).toHaveLength(3);
    expect(await line(customer.id)).toEqual(before);
    expect(await postings(orderOf(e))).toEqual([]);
    const invoice = await sg.prisma.invoice.findFirstOrThrow({ where: { tenantId: LAGOS, orderId: orderOf(e) } });
    expect(invoice).toMatchObject({ status: 'DRAFT', paymentTerms: 'CASH_ON_DELIVERY', onCredit: false });
    expect((await outbox(orderOf(e))).map((x) => x.payload)).toEqual([{ orderId: orderOf(e), customerId: customer.id, invoiceId: invoice.id }]);
  });

  it('above available credit: credit.rejected with reason, available and required; nothing else written', async () => {
    const customer = lagos.customers[1]!;
    const before = await line(customer.id);
    const seq = await sequence();
    const e = placed(customer.id, 'NET_7', '99000000.00');
    const { texts } = await counted(e);
    expect(texts).toHaveLength(3); // ProcessedEvent; gate + invoice + credit line; the outbox row
    expect(await line(customer.id)).toEqual(before);
    const available = dec(before.limit).minus(dec(before.utilized)).toFixed(2);
    expect((await outbox(orderOf(e))).map((x) => ({ type: x.type, payload: x.payload }))).toEqual([{
      type: 'credit.rejected',
      payload: { orderId: orderOf(e), customerId: customer.id, reason: 'INSUFFICIENT_CREDIT', available: { amount: available, currencyCode: 'NGN' }, required: { amount: '99000000.00', currencyCode: 'NGN' } },
    }]);
    expect(await sg.prisma.invoice.count({ where: { tenantId: LAGOS, orderId: orderOf(e) } })).toBe(0);
    expect(await postings(orderOf(e))).toEqual([]);
    expect(await sequence()).toBe(seq);
  });

  it('cancelled first, re-sent, or malformed: the event is recorded and nothing else is written', async () => {
    const customer = lagos.customers[0]!;
    const before = await line(customer.id);
    // cancelled before its order.placed came (the gate remembers it)
    const early = placed(customer.id, 'NET_30', '100.00');
    await sg.prisma.orderGate.create({ data: { tenantId: LAGOS, orderId: orderOf(early), cancelledAt: new Date() } });
    expect((await counted(early)).texts).toHaveLength(2);
    expect(await outbox(orderOf(early))).toEqual([]);
    expect(await sg.prisma.invoice.count({ where: { tenantId: LAGOS, orderId: orderOf(early) } })).toBe(0);
    expect((await sg.prisma.orderGate.findUniqueOrThrow({ where: { tenantId_orderId: { tenantId: LAGOS, orderId: orderOf(early) } } })).cancelledAt).not.toBeNull();
    // decided already: the same order placed again under another event id
    const first = placed(customer.id, 'NET_30', '100.00');
    await handle(first);
    const afterFirst = await line(customer.id);
    const again = { ...first, id: newEventId() };
    const r = await counted(again);
    expect(r).toEqual({ handled: true, texts: [expect.any(String), expect.any(String)] });
    expect(await line(customer.id)).toEqual(afterFirst);
    expect(await outbox(orderOf(first))).toHaveLength(1);
    expect(await postings(orderOf(first))).toHaveLength(1);
    // the same event redelivered: not handled at all (its ProcessedEvent row fails as a duplicate — on Postgres
    // together with the first statement that went with it, rolled back; a failed statement's text is not reported)
    const redelivered = await counted(first);
    expect(redelivered.handled).toBe(false);
    expect(redelivered.texts.length).toBeLessThanOrEqual(kind === 'postgres' ? 1 : 0);
    // malformed: acknowledged (recorded), nothing written
    const bad = placed(customer.id, 'NET_BOGUS', '100.00');
    expect(await counted(bad)).toEqual({ handled: true, texts: [expect.any(String)] });
    expect(await processed(bad)).toBe(1);
    expect(await sg.prisma.orderGate.count({ where: { tenantId: LAGOS, orderId: orderOf(bad) } })).toBe(0);
    expect(dec(afterFirst.utilized).minus(dec(before.utilized)).toFixed()).toBe('100');
  });

  it('all or nothing: the invoice refused (its number taken) leaves no credit, posting, event, gate or ProcessedEvent; the retry then succeeds', async () => {
    const customer = lagos.customers[0]!;
    await handle(placed(customer.id, 'CASH_ON_DELIVERY', '10.00')); // an invoice with the last number
    const seq = await sequence();
    await sg.prisma.invoiceSequence.update({ where: { tenantId: LAGOS }, data: { lastNumber: seq - 1 } });
    const before = await line(customer.id);
    const e = placed(customer.id, 'NET_14', '500.00');
    await expect(handle(e)).rejects.toMatchObject({ code: '23505' });
    expect(await line(customer.id)).toEqual(before);
    expect(await postings(orderOf(e))).toEqual([]);
    expect(await outbox(orderOf(e))).toEqual([]);
    expect(await processed(e)).toBe(0);
    expect(await sg.prisma.orderGate.count({ where: { tenantId: LAGOS, orderId: orderOf(e) } })).toBe(0);
    expect(await sequence()).toBe(seq - 1);

    await sg.prisma.invoiceSequence.update({ where: { tenantId: LAGOS }, data: { lastNumber: seq } });
    expect(await handle(e)).toBe(true);
    expect(dec((await line(customer.id)).utilized).minus(dec(before.utilized)).toFixed()).toBe('500');
    expect((await sg.prisma.invoice.findFirstOrThrow({ where: { tenantId: LAGOS, orderId: orderOf(e) } })).number).toBe(`INV-LAG-${seq + 1}`);
    expect(await postings(orderOf(e))).toHaveLength(1);
    expect(await processed(e)).toBe(1);
  });

  // The write is the transaction's `last` (its COMMIT in the same round trip), so its own checks are in the statement:
  // a credit line it did not update fails it, and nothing of it is committed.
  it('the final write checks itself: a credit line not updated fails the statement and commits nothing', async () => {
    const customer = lagos.customers[1]!;
    const orderId = `ord_OP_${kind}_guard`;
    const at = new Date();
    const seq = await sequence();
    const total = money('25.00', 'NGN');
    const writes = {
      tenantId: LAGOS,
      credit: { lineId: 'crl_not_there', amount: '25.00', at, posting: postingRows(reservationPosting({ tenantId: LAGOS, customerId: customer.id, orderNumber: `T-${orderId}`, total }), at) },
      events: [{ type: 'credit.approved', tenantId: LAGOS, aggregateId: orderId, payload: { orderId } }],
      invoice: { id: `inv_guard_${kind}`, tenantId: LAGOS, orderId, customerId: customer.id, terms: 'NET_14' as const, total, onCredit: true },
    };
    await expect(sqlTransactionFor(sg.prisma)((_sql, last) => writeOrderPlaced(last, writes))).rejects.toThrow(/0 credit lines updated/);
    expect(await sg.prisma.invoice.count({ where: { tenantId: LAGOS, orderId } })).toBe(0);
    expect(await postings(orderId)).toEqual([]);
    expect(await outbox(orderId)).toEqual([]);
    expect(await sequence()).toBe(seq);
  });

  // A consumer group's queued events in one transaction (handleManyOnceSql; the bus never puts two of one customer
  // in a batch): each decided as it would be alone, all recorded, the outbox rows handed on; on Postgres the
  // statements of every event go in one round trip per step.
  it('events handled together (handleManyOnceSql): each decided as alone, all recorded; one already processed declines them all', async () => {
    const [c0, c1, c2, c3] = lagos.customers;
    await sg.prisma.creditLine.update({ where: { tenantId_customerId: { tenantId: LAGOS, customerId: c3!.id } }, data: { limit: 1000, utilized: 0, heldAt: null } });
    const within = placed(c0!.id, 'NET_14', '40.00');
    const cash = placed(c1!.id, 'CASH_ON_DELIVERY', '55.00');
    const over = placed(c3!.id, 'NET_7', '1000.01');
    const cancelled = placed(c2!.id, 'NET_7', '10.00');
    await sg.prisma.orderGate.create({ data: { tenantId: LAGOS, orderId: orderOf(cancelled), cancelledAt: new Date() } });
    const rejectedOrder = `ord_OP_${kind}_rejected_${++n}`;
    const rejected: DomainEvent = { ...placed(c2!.id, 'NET_7', '1.00', rejectedOrder), id: newEventId(), type: 'order.rejected', payload: { orderId: rejectedOrder, customerId: c2!.id, reason: 'x' } };
    const before = { c0: await line(c0!.id), c3: await line(c3!.id) };
    const events = [within, cash, over, cancelled, rejected];
    const written: WrittenOutboxRow[] = [];
    const work = orderToCashSql();
    const texts: string[] = [];
    sg.db.stats.onStatement = (text) => void texts.push(text);
    try {
      await handleManyOnceSql(sqlSharedTransactionFor(sg.prisma), CONSUMER_GROUP, events, (e, sql, last) => work(e, sql, last, written));
    } finally {
      sg.db.stats.onStatement = undefined;
    }
    // one ProcessedEvent statement for all; two steps for the orders decided, one for the cancelled and the rejected
    expect(texts).toHaveLength(1 + 2 + 2 + 2 + 1 + 1);
    for (const e of events) expect(await processed(e)).toBe(1);
    expect(dec((await line(c0!.id)).utilized).minus(dec(before.c0.utilized)).toFixed()).toBe('40');
    expect(await line(c3!.id)).toEqual(before.c3);
    const types = async (e: DomainEvent) => (await outbox(orderOf(e))).map((x) => x.type);
    expect([await types(within), await types(cash), await types(over), await types(cancelled), await types(rejected)]).toEqual([['credit.approved'], ['credit.approved'], ['credit.rejected'], [], []]);
    // the answers are handed on as written (no poll of the outbox for them)
    expect(written.map((w) => [w.type, w.aggregateId]).sort()).toEqual([['credit.approved', orderOf(within)], ['credit.approved', orderOf(cash)], ['credit.rejected', orderOf(over)]].sort());
    expect(await sg.prisma.orderGate.findUnique({ where: { tenantId_orderId: { tenantId: LAGOS, orderId: rejectedOrder } } })).toEqual({ tenantId: LAGOS, orderId: rejectedOrder, cancelledAt: null });

    // one of them processed already: nothing of the others is kept (their events are then handled one by one)
    const fresh = placed(c0!.id, 'NET_14', '5.00');
    const line0 = await line(c0!.id);
    await expect(handleManyOnceSql(sqlSharedTransactionFor(sg.prisma), CONSUMER_GROUP, [fresh, within], (e, sql, last) => work(e, sql, last, []))).rejects.toBeInstanceOf(PreludeDeclined);
    expect(await processed(fresh)).toBe(0);
    expect(await outbox(orderOf(fresh))).toEqual([]);
    expect(await line(c0!.id)).toEqual(line0);
    expect(await handle(fresh)).toBe(true);
    expect(await handle(within)).toBe(false);
    expect(dec((await line(c0!.id)).utilized).minus(dec(line0.utilized)).toFixed()).toBe('5');
  });

  it('order.rejected on the driver path: without a DRAFT invoice the gate alone; with one the invoice is voided (through Prisma)', async () => {
    const customer = lagos.customers[0]!;
    const rejection = (orderId: string): DomainEvent => ({ ...placed(customer.id, 'NET_7', '1.00', orderId), id: newEventId(), type: 'order.rejected', payload: { orderId, customerId: customer.id, reason: 'OUT_OF_STOCK' } });
    const none = rejection(`ord_OP_${kind}_nodraft`);
    const r = await counted(none);
    expect(r).toEqual({ handled: true, texts: [expect.any(String), expect.any(String)] }); // ProcessedEvent; the gate and the invoice looked for
    expect(await processed(none)).toBe(1);
    expect(await counted(none)).toMatchObject({ handled: false });

    const e = placed(customer.id, 'NET_7', '20.00');
    await handle(e);
    const before = await line(customer.id);
    const drafted = rejection(orderOf(e));
    expect(await handle(drafted)).toBe(true);
    const invoice = await sg.prisma.invoice.findFirstOrThrow({ where: { tenantId: LAGOS, orderId: orderOf(e) } });
    expect(invoice.status).toBe('VOID');
    expect(dec(before.utilized).minus(dec((await line(customer.id)).utilized)).toFixed()).toBe('20');
    expect((await outbox(invoice.id)).map((x) => x.type)).toEqual(['invoice.voided']);
    expect(await processed(drafted)).toBe(1);
  });

  it.runIf(kind === 'postgres')('concurrent orders on one credit line: exactly as many approved as it holds, utilized never above the limit', async () => {
    const customer = lagos.customers[2]!;
    await sg.prisma.creditLine.update({ where: { tenantId_customerId: { tenantId: LAGOS, customerId: customer.id } }, data: { limit: 1000, utilized: 0, heldAt: null } });
    const events = Array.from({ length: 10 }, () => placed(customer.id, 'NET_7', '300.00'));
    expect(await Promise.all(events.map((e) => handle(e)))).toEqual(events.map(() => true));
    const answers = (await Promise.all(events.map((e) => outbox(orderOf(e))))).map((rows) => rows.map((r) => r.type));
    expect(answers.filter((a) => a[0] === 'credit.approved')).toHaveLength(3);
    expect(answers.filter((a) => a[0] === 'credit.rejected')).toHaveLength(7);
    expect(dec((await line(customer.id)).utilized).toFixed()).toBe('900');
  });
});
