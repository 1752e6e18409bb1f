import { Client as PgClient } from 'pg';
import {
  AdjustStockDocument, CommerceIdentifyDocument, PlaceOrderDocument, UpsertLocationDocument, UpsertProductDocument,
  type LocationCoreFragment, type OrderCoreFragment, type PlaceOrderInput, type ProductCoreFragment,
} from '../generated/graphql';
import { TOKENS, unique, type TestServer } from './server';

/** Factories for the commerce suites (catalogue, stock, orders, offers). Every value is unique to the run. */

export async function createProduct(
  env: TestServer,
  options: { sku?: string; name?: string; price?: string; currency?: string; active?: boolean; category?: string } = {},
): Promise<ProductCoreFragment> {
  const res = await env.ok(UpsertProductDocument, {
    input: {
      sku: options.sku ?? unique('SKU-'),
      name: options.name ?? 'Test product',
      category: options.category ?? null,
      price: { amount: options.price ?? '10.00', currencyCode: options.currency ?? 'PLN' },
      active: options.active ?? true,
    },
  });
  if (res.upsertProduct.userErrors.length) throw new Error(`upsertProduct: ${JSON.stringify(res.upsertProduct.userErrors)}`);
  return res.upsertProduct.product!;
}

export async function createLocation(env: TestServer, type: 'WAREHOUSE' | 'STORE', code: string = unique(`${type}-`)): Promise<LocationCoreFragment> {
  const res = await env.ok(UpsertLocationDocument, { input: { code, name: `${type} ${code}`, type } });
  if (res.upsertLocation.userErrors.length) throw new Error(`upsertLocation: ${JSON.stringify(res.upsertLocation.userErrors)}`);
  return res.upsertLocation.location!;
}

/** Receives `delta` units through adjustStock (as INGEST, like a warehouse system). */
export async function receive(env: TestServer, sku: string, locationId: string, delta: number): Promise<void> {
  const res = await env.ok(AdjustStockDocument, { input: { source: 'test-wms', externalId: unique('rcv-'), sku, locationId, delta, reason: 'receipt' } }, TOKENS.INGEST);
  if (res.adjustStock.userErrors.length) throw new Error(`adjustStock: ${JSON.stringify(res.adjustStock.userErrors)}`);
}

/** placeOrder that must succeed. */
export async function order(env: TestServer, input: Omit<PlaceOrderInput, 'source' | 'externalId'> & { source?: string; externalId?: string }, token = TOKENS.AGENT): Promise<OrderCoreFragment> {
  const res = await env.ok(PlaceOrderDocument, { input: { source: 'test-shop', externalId: unique('o-'), ...input } }, token);
  if (res.placeOrder.userErrors.length) throw new Error(`placeOrder: ${JSON.stringify(res.placeOrder.userErrors)}`);
  return res.placeOrder.order!;
}

export async function customer(env: TestServer, email: string = `${unique('buyer')}@example.com`): Promise<{ id: string; email: string }> {
  const res = await env.ok(CommerceIdentifyDocument, { input: { identities: [{ type: 'EMAIL', value: email }] } });
  return { id: res.identifyCustomer.customer!.id, email };
}

/** Direct SQL against the test database, for invariants the API does not expose (the stock ledger). */
export async function sql<T = Record<string, unknown>>(env: TestServer, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new PgClient({ connectionString: env.databaseUrl });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Every stock level whose on_hand / reserved differ from the sums of its ledger: must always be empty. */
export async function ledgerMismatches(env: TestServer): Promise<unknown[]> {
  return sql(
    env,
    `select s.product_id, s.location_id, s.on_hand, s.reserved, m.on_hand as ledger_on_hand, m.reserved as ledger_reserved
       from stock_level s
       full join (select product_id, location_id, sum(delta_on_hand)::int as on_hand, sum(delta_reserved)::int as reserved
                    from stock_movement group by product_id, location_id) m
         on m.product_id = s.product_id and m.location_id = s.location_id
      where s.on_hand is distinct from m.on_hand or s.reserved is distinct from m.reserved`,
  );
}
