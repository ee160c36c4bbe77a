// The floor of the domain bench (issue 17): what OrderDetail and orders(first: n) + OrderDetail cost on this machine
// with no GraphQL at all — the same data, fetched with the same SQL statements as the platform's loaders (one per
// table and wave, `= ANY($1)` batches, an order by id with its customer, an order's lines with their variants and
// products, and a shipment with its vehicle in one: commerce 2 for OrderDetail, 3 for a page; logistics 1, finance 2,
// workforce 1) through
// `pg`, and a JSON
// response written by hand. Its own process, like the platform's:
//   node --import tsx bench/domain/floor.ts '{"databaseUrl":"postgres://…"}'   → prints "FLOOR <port>" when ready.
// POST /order-detail {"id"} and POST /orders {"first"}, header x-tenant-id: the answers are the `data` the gateway
// gives for OrderDetail and ordersDetail(n) (the bench checks they deep-equal). No auth, no policies, no signed
// context: those are part of what the floor leaves out.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import pg from 'pg';
import { formatAmount, type CurrencyCode } from '@omniroute/core';
import { availableCredit } from '../../subgraphs/finance/src/modules/credit/credit.rules.ts';
import { amountDue } from '../../subgraphs/finance/src/modules/invoices/invoice.rules.ts';
import { levelFor } from '../../subgraphs/workforce/src/modules/guild/guild.ts';

type Row = Record<string, any>;
const { databaseUrl, poolSize = 10 } = JSON.parse(process.argv[2] ?? '{}') as { databaseUrl: string; poolSize?: number };

// numeric as text (the amounts are formatted from it), timestamps as UTC Dates — as the platform reads them.
const TYPES = {
  getTypeParser(oid: number, format?: string) {
    if (oid === 1114) return (v: string) => new Date(`${v.replace(' ', 'T')}Z`);
    return pg.types.getTypeParser(oid, format as never);
  },
};

function poolFor(schema: string) {
  const url = new URL(databaseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return new pg.Pool({ connectionString: url.toString(), max: poolSize });
}
const db = { commerce: poolFor('commerce'), logistics: poolFor('logistics'), finance: poolFor('finance'), workforce: poolFor('workforce') };

// Named prepared statements, as the platform's driver path sends them (packages/db fast-sql.ts statementName): each
// text parsed once per connection.
const names = new Map<string, string>();
const named = (text: string) => names.get(text) ?? (names.set(text, `floor_${names.size}`), names.get(text)!);

/** The statement text of packages/db's byKeysInTenant: the platform's loaders send exactly this. */
async function byKeys(pool: pg.Pool, table: string, column: string, keys: string[], tenantId: string, orderBy = ''): Promise<Row[]> {
  if (keys.length === 0) return [];
  const text = `SELECT * FROM "${table}" WHERE "${column}" = ANY($1::text[]) AND "tenantId" = $2${orderBy ? ` ORDER BY ${orderBy}` : ''}`;
  return (await pool.query({ text, name: named(text), values: [[...new Set(keys)], tenantId], types: TYPES as never })).rows;
}
/**
 * The statement text of packages/db's byKeysInTenantJoined (an order with its customer, a shipment with its vehicle,
 * an order line with its variant and the variant's product), its rows split the same way: the other table's columns
 * come prefixed with `<relation>.`, the further one's with `<relation>.<relation>.`.
 */
type Join = { relation: string; table: string; on: string; columns: string[]; then?: Join };
async function byKeysJoined(pool: pg.Pool, table: string, column: string, keys: string[], tenantId: string, join: Join, orderBy = ''): Promise<Row[]> {
  if (keys.length === 0) return [];
  const prefix = `${join.relation}.`;
  const then = join.then;
  const nested = then ? `${prefix}${then.relation}.` : '';
  const other = join.columns.map((c) => `j."${c}" AS "${prefix}${c}"`);
  const further = then ? then.columns.map((c) => `k."${c}" AS "${nested}${c}"`) : [];
  const furtherJoin = then ? ` LEFT JOIN "${then.table}" k ON k."id" = j."${then.on}" AND k."tenantId" = j."tenantId"` : '';
  const text = `SELECT t.*, ${[...other, ...further].join(', ')} FROM "${table}" t LEFT JOIN "${join.table}" j ON j."id" = t."${join.on}" AND j."tenantId" = t."tenantId"${furtherJoin} WHERE t."${column}" = ANY($1::text[]) AND t."tenantId" = $2${orderBy ? ` ORDER BY ${orderBy}` : ''}`;
  const rows = (await pool.query({ text, name: named(text), values: [[...new Set(keys)], tenantId], types: TYPES as never })).rows as Row[];
  return rows.map((r) => {
    const own: Row = {};
    const ref: Row = {};
    const third: Row = {};
    for (const k in r) {
      if (nested && k.startsWith(nested)) third[k.slice(nested.length)] = r[k];
      else if (k.startsWith(prefix)) ref[k.slice(prefix.length)] = r[k];
      else own[k] = r[k];
    }
    if (then && ref.id != null) ref[then.relation] = third.id == null ? null : third;
    own[join.relation] = ref.id == null ? null : ref;
    return own;
  });
}
/** A table's columns as the migrations made them (the platform takes them from Prisma's `<Model>ScalarFieldEnum`: the same). */
const columnsOf = async (pool: pg.Pool, table: string) =>
  (await pool.query<{ c: string }>({ text: 'SELECT column_name AS c FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position', values: [table] })).rows.map((r) => r.c);
const PRODUCT: Join = { relation: 'product', table: 'Product', on: 'productId', columns: await columnsOf(db.commerce, 'Product') };
const VARIANT: Join = { relation: 'variant', table: 'ProductVariant', on: 'variantId', columns: await columnsOf(db.commerce, 'ProductVariant'), then: PRODUCT };
const CUSTOMER: Join = { relation: 'customer', table: 'Customer', on: 'customerId', columns: await columnsOf(db.commerce, 'Customer') };
const VEHICLE: Join = { relation: 'vehicle', table: 'Vehicle', on: 'vehicleId', columns: await columnsOf(db.logistics, 'Vehicle') };
const index = (rows: Row[], key: string) => new Map(rows.map((r) => [r[key] as string, r]));
const money = (amount: unknown, currency: string) => ({ amount: formatAmount(amount as string, currency as CurrencyCode), currencyCode: currency });

/** The OrderDetail selection for each order, in two waves of batched statements after the orders' (as the gateway's plan runs). */
async function details(orders: Row[], tenantId: string): Promise<Row[]> {
  const orderIds = orders.map((o) => o.id as string);
  const customerIds = orders.map((o) => o.customerId as string);
  const [customers, lines, shipments, invoices, credit] = await Promise.all([
    // an order read by id comes with its customer (as orderById reads it); a page of orders does not
    orders.every((o) => o.customer !== undefined) ? Promise.resolve(orders.map((o) => o.customer).filter(Boolean)) : byKeys(db.commerce, 'Customer', 'id', customerIds, tenantId),
    // an order's lines come with their variants and those with their products (as linesByOrderId reads them)
    byKeysJoined(db.commerce, 'OrderLine', 'orderId', orderIds, tenantId, VARIANT, '"orderId", "position"'),
    byKeysJoined(db.logistics, 'Shipment', 'orderId', orderIds, tenantId, VEHICLE),
    byKeys(db.finance, 'Invoice', 'orderId', orderIds, tenantId),
    byKeys(db.finance, 'CreditLine', 'customerId', customerIds, tenantId),
  ]);
  const workers = await byKeys(db.workforce, 'Worker', 'id', shipments.filter((s) => s.riderId).map((s) => s.riderId), tenantId);
  const variants = lines.map((l) => l.variant).filter(Boolean);
  const products = index(variants.map((v) => v.product).filter(Boolean), 'id');
  const vehicles = shipments.map((s) => s.vehicle).filter(Boolean);
  const customerBy = index(customers, 'id');
  const shipmentBy = index(shipments, 'orderId');
  const invoiceBy = index(invoices, 'orderId');
  const creditBy = index(credit, 'customerId');
  const variantBy = index(variants, 'id');
  const vehicleBy = index(vehicles, 'id');
  const workerBy = index(workers, 'id');
  const linesBy = new Map<string, Row[]>(orderIds.map((id) => [id, []]));
  for (const l of lines) linesBy.get(l.orderId)!.push(l);
  return orders.map((o) => {
    const c = customerBy.get(o.customerId)!;
    const cl = creditBy.get(o.customerId);
    const s = shipmentBy.get(o.id);
    const v = s?.vehicleId ? vehicleBy.get(s.vehicleId) : undefined;
    const w = s?.riderId ? workerBy.get(s.riderId) : undefined;
    const i = invoiceBy.get(o.id);
    return {
      number: o.number,
      status: o.status,
      total: money(o.total, o.currency),
      customer: {
        name: c.name,
        type: c.type,
        creditLine: cl ? { limit: money(cl.limit, cl.currency), available: money(availableCredit(cl.limit, cl.utilized), cl.currency) } : null,
      },
      lines: linesBy.get(o.id)!.map((l) => {
        const variant = variantBy.get(l.variantId)!;
        return { quantity: l.quantity, unitPrice: { amount: formatAmount(l.unitPrice, l.currency) }, variant: { sku: variant.sku, product: { name: products.get(variant.productId)!.name } } };
      }),
      shipment: s
        ? {
            status: s.status,
            vehicle: v
              ? { plate: v.plate, lastPosition: v.lastLat != null && v.lastLng != null && v.lastRecordedAt ? { lat: v.lastLat, lng: v.lastLng, recordedAt: (v.lastRecordedAt as Date).toISOString() } : null }
              : null,
            rider: w ? { name: w.name, level: { name: levelFor(w.xp).name } } : null,
          }
        : null,
      invoice: i ? { status: i.status, amountDue: money(amountDue(i as never), i.currency) } : null,
    };
  });
}

async function readJson(req: IncomingMessage): Promise<Row> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Row;
}

async function handle(req: IncomingMessage, res: ServerResponse) {
  const tenantId = String(req.headers['x-tenant-id'] ?? '');
  const body = await readJson(req);
  let data: Row;
  if (req.url === '/order-detail') {
    const [order] = await byKeysJoined(db.commerce, 'Order', 'id', [String(body.id)], tenantId, CUSTOMER);
    data = { order: order ? (await details([order], tenantId))[0]! : null };
  } else if (req.url === '/orders') {
    const first = Math.min(Number(body.first) || 10, 100);
    // the platform's page: newest first, one row more to know whether there is a next page
    const page = 'SELECT * FROM "Order" WHERE "tenantId" = $1 ORDER BY "placedAt" DESC, "id" DESC LIMIT $2';
    const rows = (await db.commerce.query({ text: page, name: named(page), values: [tenantId, first + 1], types: TYPES as never })).rows.slice(0, first);
    const d = await details(rows, tenantId);
    data = { orders: { edges: rows.map((o, k) => ({ node: { id: o.id, ...d[k] } })) } };
  } else {
    res.writeHead(404).end();
    return;
  }
  const text = JSON.stringify({ data });
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const server = createServer((req, res) => {
  handle(req, res).catch((e) => {
    res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ message: String(e) }] }));
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  process.stdout.write(`FLOOR ${port}\n`);
});
const stop = async () => {
  server.close();
  await Promise.all(Object.values(db).map((p) => p.end()));
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('disconnect', stop);
