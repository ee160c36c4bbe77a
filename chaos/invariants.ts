// What must hold after the faults, read straight from the databases and Redis (not through the API, which is
// what is under test): each check returns ok, a one-line summary and the offending rows (a few).
import pg from 'pg';
import { Redis } from 'ioredis';
import type { PlacedOrder } from './load.ts';

export interface Check {
  name: string;
  ok: boolean;
  summary: string;
  violations: unknown[];
}

export interface StockRow { tenantId: string; locationId: string; variantId: string; sku: string; onHand: number; reserved: number }

const HELD = new Set(['PENDING', 'CONFIRMED', 'PACKED']);
const SHIPPED = new Set(['DISPATCHED', 'DELIVERED']);
const ACTIVE = new Set(['CONFIRMED', 'PACKED', 'DISPATCHED', 'DELIVERED']);

export async function stockSnapshot(c: pg.Client): Promise<StockRow[]> {
  const r = await c.query(`SELECT s."tenantId", s."locationId", s."variantId", v."sku", s."onHand", s."reserved"
    FROM commerce."StockLevel" s JOIN commerce."ProductVariant" v ON v."id" = s."variantId"`);
  return r.rows;
}

const few = <T>(rows: T[]) => rows.slice(0, 10);

/** Every invariant of the issue; `keyPrefix` selects the suite's orders (their idempotency keys). */
export async function checkInvariants(opts: { databaseUrl: string; redisUrl: string; keyPrefix: string; initialStock: StockRow[]; clientOrders: PlacedOrder[]; unknownKeys: string[]; stackTraces: string[]; paymentKeyConflicts: string[] }): Promise<Check[]> {
  const c = new pg.Client({ connectionString: opts.databaseUrl });
  await c.connect();
  const checks: Check[] = [];
  try {
    // --- orders in a consistent final state
    const orders = (await c.query(`SELECT o."id", o."tenantId", o."status"::text AS status, o."idempotencyKey" AS key, o."locationId"
      FROM commerce."Order" o WHERE o."idempotencyKey" LIKE $1`, [`${opts.keyPrefix}%`])).rows as { id: string; tenantId: string; status: string; key: string; locationId: string }[];
    const ids = orders.map((o) => o.id);
    const byOrder = async (sql: string) => new Map(((await c.query(sql, [ids])).rows as { orderId: string; status: string; extra?: unknown }[]).map((r) => [r.orderId, r]));
    const shipments = await byOrder(`SELECT "orderId", "status"::text AS status FROM logistics."Shipment" WHERE "orderId" = ANY($1)`);
    const invoices = await byOrder(`SELECT "orderId", "status"::text AS status, ("issuedAt" IS NOT NULL) AS extra FROM finance."Invoice" WHERE "orderId" = ANY($1)`);
    const tasks = await byOrder(`SELECT "orderId", "status"::text AS status FROM workforce."Task" WHERE "orderId" = ANY($1) AND "kind"::text = 'DELIVERY'`);
    const bad: unknown[] = [];
    const counts: Record<string, number> = {};
    for (const o of orders) {
      counts[o.status] = (counts[o.status] ?? 0) + 1;
      const sh = shipments.get(o.id);
      const inv = invoices.get(o.id);
      const task = tasks.get(o.id);
      const why: string[] = [];
      if (ACTIVE.has(o.status)) {
        if (!sh || sh.status === 'CANCELLED') why.push(`shipment ${sh?.status ?? 'missing'}`);
        if (!inv || inv.status === 'VOID') why.push(`invoice ${inv?.status ?? 'missing'}`);
        if (!task || task.status === 'CANCELLED') why.push(`task ${task?.status ?? 'missing'}`);
        if (o.status === 'DISPATCHED' && sh && sh.status !== 'IN_TRANSIT') why.push(`DISPATCHED order, shipment ${sh.status}`);
        if (o.status === 'DELIVERED') {
          if (sh?.status !== 'DELIVERED') why.push(`DELIVERED order, shipment ${sh?.status}`);
          if (inv && !inv.extra) why.push('delivered, invoice not issued');
          if (task && task.status !== 'COMPLETED') why.push(`delivered, task ${task.status}`);
        }
        if (sh?.status === 'DELIVERED' && o.status !== 'DELIVERED') why.push(`shipment DELIVERED, order ${o.status}`);
      } else if (o.status === 'REJECTED' || o.status === 'CANCELLED') {
        if (sh && sh.status !== 'CANCELLED') why.push(`shipment ${sh.status}`);
        if (inv && inv.status !== 'VOID') why.push(`invoice ${inv.status}`);
        if (task && task.status !== 'CANCELLED' && task.status !== 'OPEN') why.push(`task ${task.status}`);
        if (task?.status === 'OPEN') why.push('task still OPEN');
      } else why.push(`status ${o.status}`);
      if (why.length) bad.push({ order: o.id, key: o.key, status: o.status, why: why.join('; ') });
    }
    // every order a client saw accepted is in the database, under its key
    const inDb = new Map(orders.map((o) => [o.key, o.id]));
    for (const o of opts.clientOrders) if (inDb.get(o.key) !== o.id) bad.push({ order: o.id, key: o.key, why: `accepted by the API but the database has ${inDb.get(o.key) ?? 'nothing'} for the key` });
    checks.push({
      name: 'orders consistent',
      ok: bad.length === 0 && orders.length > 0,
      summary: `${orders.length} orders (${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ')}); ${bad.length} inconsistent`,
      violations: few(bad),
    });

    // --- one order per idempotency key (the unique index says so; the clients' retries must agree)
    const dupOrders = (await c.query(`SELECT "tenantId", "idempotencyKey", count(*)::int AS n FROM commerce."Order" WHERE "idempotencyKey" LIKE $1 GROUP BY 1, 2 HAVING count(*) > 1`, [`${opts.keyPrefix}%`])).rows;
    const splitKeys = opts.clientOrders.filter((o) => o.ids.size > 1).map((o) => ({ key: o.key, ids: [...o.ids] }));
    const unknownPlaced = (await c.query(`SELECT count(*)::int AS n FROM commerce."Order" WHERE "idempotencyKey" = ANY($1)`, [opts.unknownKeys])).rows[0].n as number;
    checks.push({
      name: 'no duplicate order per key',
      ok: dupOrders.length === 0 && splitKeys.length === 0,
      summary: `${orders.length} keys, ${dupOrders.length} with several orders, ${splitKeys.length} answered with different orders; ${opts.unknownKeys.length} never answered (${unknownPlaced} of them placed)`,
      violations: few([...dupOrders, ...splitKeys]),
    });

    // --- one payment per key, invoices paid exactly what succeeded, nothing PENDING
    const dupPayments = (await c.query(`SELECT "tenantId", "idempotencyKey", count(*)::int AS n FROM finance."Payment" GROUP BY 1, 2 HAVING count(*) > 1`)).rows;
    const payments = (await c.query(`SELECT "status"::text AS status, count(*)::int AS n FROM finance."Payment" WHERE "idempotencyKey" LIKE '%chaos-pay-%' GROUP BY 1`)).rows as { status: string; n: number }[];
    const mismatched = (await c.query(`SELECT i."id", i."amountPaid"::text AS paid, coalesce(sum(p."amount" - p."refunded") FILTER (WHERE p."status"::text = 'SUCCEEDED'), 0)::text AS succeeded
      FROM finance."Invoice" i LEFT JOIN finance."Payment" p ON p."invoiceId" = i."id"
      WHERE i."orderId" = ANY($1) GROUP BY i."id" HAVING i."amountPaid" <> coalesce(sum(p."amount" - p."refunded") FILTER (WHERE p."status"::text = 'SUCCEEDED'), 0)`, [ids])).rows;
    const pending = payments.find((p) => p.status === 'PENDING')?.n ?? 0;
    checks.push({
      name: 'no duplicate payment per key',
      ok: dupPayments.length === 0 && opts.paymentKeyConflicts.length === 0 && mismatched.length === 0 && pending === 0,
      summary: `payments ${payments.map((p) => `${p.status} ${p.n}`).join(', ') || 'none'}; ${dupPayments.length} keys with several, ${opts.paymentKeyConflicts.length} answered with different payments, ${mismatched.length} invoices whose amount paid differs from their payments`,
      violations: few([...dupPayments, ...opts.paymentKeyConflicts, ...mismatched]),
    });

    // --- stock: reserved = initial + what open orders hold; on hand = initial − what left with dispatched orders
    const lines = (await c.query(`SELECT o."status"::text AS status, o."locationId", l."variantId", l."quantity" FROM commerce."OrderLine" l JOIN commerce."Order" o ON o."id" = l."orderId" WHERE o."idempotencyKey" LIKE $1`, [`${opts.keyPrefix}%`])).rows as { status: string; locationId: string; variantId: string; quantity: number }[];
    const expect = new Map(opts.initialStock.map((s) => [`${s.locationId}/${s.variantId}`, { ...s }]));
    for (const l of lines) {
      const e = expect.get(`${l.locationId}/${l.variantId}`);
      if (!e) continue;
      if (HELD.has(l.status)) e.reserved += l.quantity;
      if (SHIPPED.has(l.status)) e.onHand -= l.quantity;
    }
    const final = await stockSnapshot(c);
    const off = final.filter((f) => {
      const e = expect.get(`${f.locationId}/${f.variantId}`);
      return !e || e.onHand !== f.onHand || e.reserved !== f.reserved || f.reserved < 0 || f.onHand < f.reserved;
    }).map((f) => ({ sku: f.sku, locationId: f.locationId, onHand: f.onHand, reserved: f.reserved, expected: expect.get(`${f.locationId}/${f.variantId}`) }));
    checks.push({ name: 'stock conserved', ok: off.length === 0, summary: `${final.length} SKU × location rows, ${lines.length} order lines; ${off.length} off`, violations: few(off) });

    // --- ledger: every posting balances, so each currency sums to zero
    const ledger = (await c.query(`SELECT "tenantId", "currency"::text AS currency, sum("amount")::text AS sum, count(*)::int AS entries FROM finance."LedgerEntry" GROUP BY 1, 2`)).rows as { tenantId: string; currency: string; sum: string; entries: number }[];
    const unbalanced = ledger.filter((l) => Number(l.sum) !== 0);
    const postings = (await c.query(`SELECT p."id", sum(e."amount")::text AS sum FROM finance."LedgerPosting" p JOIN finance."LedgerEntry" e ON e."postingId" = p."id" GROUP BY p."id" HAVING sum(e."amount") <> 0`)).rows;
    checks.push({
      name: 'ledger balanced',
      ok: unbalanced.length === 0 && postings.length === 0,
      summary: ledger.map((l) => `${l.currency} ${l.entries} entries, Σ ${l.sum}`).join('; '),
      violations: few([...unbalanced, ...postings]),
    });

    // --- outbox: every row published
    const outbox: Record<string, number> = {};
    for (const schema of ['identity', 'commerce', 'logistics', 'finance', 'workforce']) {
      const has = (await c.query(`SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'OutboxEvent'`, [schema])).rowCount;
      if (!has) continue;
      outbox[schema] = (await c.query(`SELECT count(*)::int AS n FROM ${schema}."OutboxEvent" WHERE "publishedAt" IS NULL`)).rows[0].n;
    }
    const unpublished = Object.values(outbox).reduce((a, b) => a + b, 0);
    checks.push({ name: 'outbox published', ok: unpublished === 0, summary: `${unpublished} unpublished (${Object.entries(outbox).map(([k, v]) => `${k} ${v}`).join(', ')})`, violations: unpublished ? [outbox] : [] });
  } finally {
    await c.end();
  }

  // --- consumer groups caught up: nothing pending, nothing undelivered
  const groups = await consumerGroups(opts.redisUrl);
  const behind = groups.filter((g) => g.pending > 0 || g.lag !== 0);
  checks.push({
    name: 'consumer groups caught up',
    ok: behind.length === 0 && groups.length > 0,
    summary: `${groups.length} groups × streams; ${behind.length} behind`,
    violations: few(behind),
  });

  checks.push({ name: 'no stack trace reached a client', ok: opts.stackTraces.length === 0, summary: `${opts.stackTraces.length} responses with internals`, violations: few(opts.stackTraces) });
  return checks;
}

export interface GroupState { stream: string; group: string; pending: number; lag: number | null }

/** XINFO GROUPS of every stream of the bus (prefix `omniroute`); lag computed when Redis cannot tell. */
export async function consumerGroups(redisUrl: string): Promise<GroupState[]> {
  const r = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
  try {
    const out: GroupState[] = [];
    const streams: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', 'omniroute:stream:*', 'COUNT', 200);
      cursor = next;
      streams.push(...keys);
    } while (cursor !== '0');
    for (const stream of streams) {
      const info = (await r.xinfo('STREAM', stream)) as unknown[];
      const last = String(fieldOf(info, 'last-generated-id'));
      for (const g of (await r.xinfo('GROUPS', stream)) as unknown[][]) {
        const pending = Number(fieldOf(g, 'pending'));
        const lagField = fieldOf(g, 'lag');
        const delivered = String(fieldOf(g, 'last-delivered-id'));
        const lag = lagField === null || lagField === undefined ? (delivered === last ? 0 : null) : Number(lagField);
        out.push({ stream, group: String(fieldOf(g, 'name')), pending, lag });
      }
    }
    return out;
  } finally {
    r.disconnect();
  }
}

function fieldOf(flat: unknown[], name: string): unknown {
  for (let i = 0; i < flat.length - 1; i += 2) if (flat[i] === name) return flat[i + 1];
  return undefined;
}
