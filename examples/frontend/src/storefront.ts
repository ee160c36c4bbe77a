// The example frontend's logic: typed calls, typed results (a typo in a field below is a type error).
import { createClient } from './client.ts';
import { StorefrontCatalog, StorefrontOrder } from './operations.ts';

export async function orderSummary(url: string, apiKey: string, orderId: string): Promise<string> {
  const execute = createClient({ url, apiKey });
  const r = await execute(StorefrontOrder, { id: orderId });
  const o = r.data?.order;
  if (!o) return `order ${orderId}: ${r.errors?.[0]?.extensions?.code ?? 'not found'}`;
  const lines = o.lines.map((l) => `${l.quantity} × ${l.variant.product.name} (${l.variant.sku}) at ${l.unitPrice.amount}`);
  return [`order ${o.number} (${o.status}): ${o.total.amount} ${o.total.currencyCode}`, ...lines].join('\n');
}

export async function customerNames(url: string, apiKey: string, first = 5): Promise<string[]> {
  const execute = createClient({ url, apiKey });
  const r = await execute(StorefrontCatalog, { first });
  return r.data?.customers.edges.map((e) => e.node.name) ?? [];
}
