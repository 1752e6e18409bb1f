import fs from 'node:fs';
import { once } from 'node:events';
import { mulberry32 } from '../src/common/prng';

/**
 * Generates a file of historical orders for `npm run import`, one JSON ImportOrderInput per line:
 *
 *   npx ts-node --transpile-only bench/generate-orders-ndjson.ts /tmp/orders.ndjson --count 10000 [--seed 42] [--source bench-pos]
 *   npx ts-node --transpile-only bench/generate-orders-ndjson.ts --seed-catalog      # once per database, with an ADMIN token
 *
 * The orders name the products and locations of BENCH_PRODUCTS / BENCH_LOCATIONS; `--seed-catalog`
 * upserts them through the API (OMNI360_URL, OMNI360_TOKEN). The same seed gives the same file.
 */

export const BENCH_PRODUCTS = Array.from({ length: 20 }, (_, index) => ({
  sku: `BENCH-${String(index + 1).padStart(3, '0')}`,
  name: `Bench product ${index + 1}`,
  priceCents: 990 + index * 1_250,
}));

export const BENCH_LOCATIONS = [
  { code: 'BENCH-WH-1', name: 'Bench warehouse', type: 'WAREHOUSE' },
  { code: 'BENCH-STORE-1', name: 'Bench store', type: 'STORE' },
] as const;

const CHANNELS = ['STORE', 'STORE', 'WEB', 'WEB', 'MOBILE_APP', 'PHONE', 'MARKETPLACE'] as const;
const STATUSES = ['FULFILLED', 'FULFILLED', 'FULFILLED', 'FULFILLED', 'RETURNED', 'CANCELLED'] as const;


function cents(value: number): string {
  return `${Math.trunc(value / 100)}.${String(value % 100).padStart(2, '0')}`;
}

export interface GenerateOptions {
  count: number;
  seed?: number;
  source?: string;
  /** Distinct customers the orders spread over (default count / 4); 30 % of orders are guests. */
  customers?: number;
}

/** The orders, lazily: a file of any size is written without holding it in memory. */
export function* generateOrders(options: GenerateOptions): Generator<Record<string, unknown>> {
  const random = mulberry32(options.seed ?? 42);
  const source = options.source ?? 'bench-pos';
  const customers = Math.max(1, options.customers ?? Math.ceil(options.count / 4));
  const now = Date.now();
  for (let index = 0; index < options.count; index++) {
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
    const channel = pick(CHANNELS);
    const lines = Array.from({ length: 1 + Math.floor(random() * 3) }, () => {
      const product = pick(BENCH_PRODUCTS);
      const quantity = 1 + Math.floor(random() * 3);
      const discount = random() < 0.2 ? Math.floor(product.priceCents * quantity * 0.1) : 0;
      return {
        sku: product.sku, quantity,
        unitPrice: { amount: cents(product.priceCents), currencyCode: 'PLN' },
        ...(discount ? { discount: { amount: cents(discount), currencyCode: 'PLN' } } : {}),
      };
    });
    const guest = random() < 0.3;
    const person = Math.floor(random() * customers);
    yield {
      source,
      externalId: `${source}-${options.seed ?? 42}-${index + 1}`,
      channel,
      ...(channel === 'STORE' ? { locationCode: 'BENCH-STORE-1' } : {}),
      ...(guest
        ? { guestIdentities: [{ type: 'EMAIL', value: `bench.guest.${index + 1}@example.com` }] }
        : { customer: { identities: [{ type: 'EMAIL', value: `bench.customer.${person + 1}@example.com` }] } }),
      placedAt: new Date(now - Math.floor(random() * 3 * 365 * 86_400_000)).toISOString(),
      status: pick(STATUSES),
      lines,
    };
  }
}

/** Writes the NDJSON file with back-pressure. */
export async function writeOrdersFile(file: string, options: GenerateOptions): Promise<void> {
  const out = fs.createWriteStream(file);
  for (const row of generateOrders(options)) {
    if (!out.write(`${JSON.stringify(row)}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** Upserts the bench catalogue through the API (needs an ADMIN token). */
export async function seedCatalog(url: string, token: string): Promise<void> {
  const post = async (query: string, variables: Record<string, unknown>) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
    const body = (await res.json()) as { errors?: unknown[] };
    if (!res.ok || body.errors) throw new Error(`seeding failed: HTTP ${res.status} ${JSON.stringify(body.errors ?? body)}`);
  };
  for (const product of BENCH_PRODUCTS) {
    await post('mutation($input: UpsertProductInput!) { upsertProduct(input: $input) { userErrors { code } } }', {
      input: { sku: product.sku, name: product.name, price: { amount: cents(product.priceCents), currencyCode: 'PLN' } },
    });
  }
  for (const location of BENCH_LOCATIONS) {
    await post('mutation($input: UpsertLocationInput!) { upsertLocation(input: $input) { userErrors { code } } }', { input: location });
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string): string | undefined => {
    const at = args.indexOf(`--${name}`);
    return at >= 0 ? args[at + 1] : undefined;
  };
  if (args.includes('--seed-catalog')) {
    await seedCatalog(process.env.OMNI360_URL ?? 'http://localhost:4000/graphql', process.env.OMNI360_TOKEN ?? '');
    console.log(`seeded ${BENCH_PRODUCTS.length} products and ${BENCH_LOCATIONS.length} locations`);
    return;
  }
  const file = args.find((arg, index) => !arg.startsWith('--') && !args[index - 1]?.startsWith('--'));
  if (!file) throw new Error('usage: generate-orders-ndjson.ts <out.ndjson> [--count 10000] [--seed 42] [--source bench-pos] | --seed-catalog');
  const count = Number(option('count') ?? 10_000);
  await writeOrdersFile(file, { count, seed: Number(option('seed') ?? 42), source: option('source') });
  console.log(`wrote ${count} orders to ${file}`);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
