import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BENCH_LOCATIONS, BENCH_PRODUCTS, writeOrdersFile } from '../bench/generate-orders-ndjson';
import type { ImportSummary } from '../src/cli/import-orders';
import {
  AvailabilityDocument, CommerceIdentifyDocument, ImportOrdersDocument, OrderDocument, UpdateOrderStatusDocument, UpsertLocationDocument,
  UpsertProductDocument, type ImportOrderInput,
} from './generated/graphql';
import { createLocation, createProduct, ledgerMismatches, receive } from './support/commerce';
import { startTestServer, TOKENS, unique, type TestServer } from './support/server';

let env: TestServer;
let dir: string;
beforeAll(async () => {
  env = await startTestServer();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omni360-import-'));
});
afterAll(async () => {
  await env.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function line(sku: string, quantity: number, unit: string, discount?: string) {
  return { sku, quantity, unitPrice: { amount: unit, currencyCode: 'PLN' }, ...(discount ? { discount: { amount: discount, currencyCode: 'PLN' } } : {}) };
}

describe('importOrders', () => {
  it('creates, skips and rejects per order with recorded prices, dates and statuses, and never touches stock', async () => {
    const product = await createProduct(env, { price: '50.00' });
    const store = await createLocation(env, 'STORE');
    const warehouse = await createLocation(env, 'WAREHOUSE');
    await receive(env, product.sku, store.id, 4);
    const source = unique('pos-');
    const email = `${unique('hist')}@example.com`;
    const orders: ImportOrderInput[] = [
      { source, externalId: '1', channel: 'STORE', locationCode: store.code, customer: { identities: [{ type: 'EMAIL', value: email }] }, placedAt: '2024-03-01T10:00:00Z', lines: [line(product.sku, 2, '45.00', '5.00')] },
      { source, externalId: '2', channel: 'WEB', placedAt: '2024-03-02T10:00:00Z', status: 'RETURNED', guestIdentities: [{ type: 'PHONE', value: '+48 601 000 111' }], lines: [line(product.sku, 1, '47.50')] },
      { source, externalId: '3', channel: 'WEB', placedAt: '2024-03-03T10:00:00Z', lines: [line('NO-SUCH-SKU-IMPORT', 1, '1.00')] },
      { source, externalId: '4', channel: 'WEB', placedAt: '2024-03-03T10:00:00Z', lines: [line(product.sku, 0, '1.00')] },
      { source, externalId: '5', channel: 'STORE', locationCode: warehouse.code, placedAt: '2024-03-03T10:00:00Z', lines: [line(product.sku, 1, '1.00')] },
      { source, externalId: '6', channel: 'WEB', placedAt: '2024-03-03T10:00:00Z', lines: [line(product.sku, 1, '1.00'), { ...line(product.sku, 1, '1.00'), unitPrice: { amount: '1.00', currencyCode: 'EUR' } }] },
      { source, externalId: '7', channel: 'WEB', locationCode: 'NO-SUCH-LOCATION', placedAt: '2024-03-03T10:00:00Z', lines: [line(product.sku, 1, '1.00')] },
      { source, externalId: '8', channel: 'WEB', placedAt: '2999-01-01T00:00:00Z', lines: [line(product.sku, 1, '1.00')] },
      { source, externalId: '1', channel: 'STORE', locationCode: store.code, customer: { identities: [{ type: 'EMAIL', value: email }] }, placedAt: '2024-03-01T10:00:00Z', lines: [line(product.sku, 2, '45.00', '5.00')] },
      { source, externalId: '9', channel: 'WEB', placedAt: '2024-03-03T10:00:00Z', lines: [line(product.sku, 1, '1.00', '2.00')] },
    ];
    const first = await env.ok(ImportOrdersDocument, { input: { orders } }, TOKENS.INGEST);
    const payload = first.importOrders;
    expect(payload.userErrors).toEqual([]);
    expect({ created: payload.created, skipped: payload.skipped, rejected: payload.rejected }).toEqual({ created: 2, skipped: 1, rejected: 7 });
    expect(payload.results.map((result) => [result.externalId, result.outcome, result.code])).toEqual([
      ['1', 'CREATED', null], ['2', 'CREATED', null], ['3', 'REJECTED', 'UNKNOWN_PRODUCT'], ['4', 'REJECTED', 'INVALID_VALUE'],
      ['5', 'REJECTED', 'INVALID_VALUE'], ['6', 'REJECTED', 'INVALID_VALUE'], ['7', 'REJECTED', 'NOT_FOUND'], ['8', 'REJECTED', 'INVALID_VALUE'],
      ['1', 'SKIPPED', null], ['9', 'REJECTED', 'INVALID_VALUE'],
    ]);
    expect(payload.results[3].reason).toContain('quantity');
    expect(payload.results[8].order!.id).toBe(payload.results[0].order!.id);
    const storeOrder = (await env.ok(OrderDocument, { id: payload.results[0].order!.id })).order!;
    expect(storeOrder).toMatchObject({
      imported: true, status: 'FULFILLED', placedAt: '2024-03-01T10:00:00.000Z', location: { id: store.id },
      total: { amount: '85.00' }, subtotal: { amount: '90.00' }, discountTotal: { amount: '5.00' },
    });
    expect(storeOrder.lines.map((l) => [l.unitPrice.amount, l.discount.amount, l.total.amount])).toEqual([['45.00', '5.00', '85.00']]);
    expect((await env.ok(AvailabilityDocument, { sku: product.sku })).availability).toMatchObject({ onHand: 4, reserved: 0 });

    // The same batch again: everything that was created is skipped, the rest rejected again.
    const again = await env.ok(ImportOrdersDocument, { input: { orders } }, TOKENS.INGEST);
    expect({ created: again.importOrders.created, skipped: again.importOrders.skipped, rejected: again.importOrders.rejected }).toEqual({ created: 0, skipped: 3, rejected: 7 });
    const changed = await env.ok(ImportOrdersDocument, { input: { orders: [{ ...orders[1], status: 'FULFILLED' }] } }, TOKENS.INGEST);
    expect(changed.importOrders.results[0]).toMatchObject({ outcome: 'REJECTED', code: 'IDEMPOTENCY_CONFLICT' });

    // Status changes of history never touch stock.
    const returned = await env.ok(UpdateOrderStatusDocument, { input: { orderId: payload.results[0].order!.id, status: 'RETURNED' } });
    expect(returned.updateOrderStatus.userErrors).toEqual([]);
    expect((await env.ok(AvailabilityDocument, { sku: product.sku })).availability).toMatchObject({ onHand: 4, reserved: 0 });
    expect(await ledgerMismatches(env)).toEqual([]);

    // An imported guest order is claimed like a live one.
    const claimer = await env.ok(CommerceIdentifyDocument, { input: { identities: [{ type: 'PHONE', value: '601000111' }] } });
    expect((await env.ok(OrderDocument, { id: payload.results[1].order!.id })).order!.customer).toEqual({ id: claimer.identifyCustomer.customer!.id });
  });

  it('refuses more than 1000 orders per call as a whole', async () => {
    const order = { source: 'big', externalId: 'x', channel: 'WEB', placedAt: '2024-01-01T00:00:00Z', lines: [line('X', 1, '1.00')] };
    const res = await env.ok(ImportOrdersDocument, { input: { orders: Array.from({ length: 1001 }, (_, i) => ({ ...order, externalId: String(i) })) } } as never);
    expect(res.importOrders).toMatchObject({ created: 0, results: [], userErrors: [expect.objectContaining({ code: 'INVALID_VALUE', field: ['input', 'orders'] })] });
  });
});

function runCli(file: string, args: string[] = []): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const root = path.resolve(__dirname, '..');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'node_modules/ts-node/dist/bin.js'), '--transpile-only', 'src/cli/import-orders.ts', file, ...args], {
      cwd: root,
      env: { ...process.env, OMNI360_URL: env.url, OMNI360_TOKEN: TOKENS.INGEST },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run import', () => {
  it('imports a generated file of 2,500 orders with a progress bar; a second run reports all skipped', async () => {
    for (const product of BENCH_PRODUCTS) {
      await env.ok(UpsertProductDocument, { input: { sku: product.sku, name: product.name, price: { amount: (product.priceCents / 100).toFixed(2), currencyCode: 'PLN' } } });
    }
    for (const location of BENCH_LOCATIONS) await env.ok(UpsertLocationDocument, { input: { ...location } });
    const file = path.join(dir, 'orders.ndjson');
    await writeOrdersFile(file, { count: 2_500, seed: 7, source: 'bench-test', customers: 150 });

    const first = await runCli(file, ['--json']);
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.stdout) as ImportSummary;
    expect(summary).toMatchObject({ read: 2_500, created: 2_500, skipped: 0, rejected: 0, rejections: [] });
    expect(first.stderr).toContain('\r[');
    expect(first.stderr).toContain('100%');

    const second = await runCli(file, ['--json']);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ read: 2_500, created: 0, skipped: 2_500, rejected: 0 });
  }, 120_000);

  it('reports every rejected line with its reason, also for lines that are not JSON or not an ImportOrderInput', async () => {
    const file = path.join(dir, 'bad.ndjson');
    const good = { source: 'bad-file', channel: 'WEB', placedAt: '2024-01-01T00:00:00Z', lines: [line(BENCH_PRODUCTS[0].sku, 1, '9.90')] };
    fs.writeFileSync(file, [
      JSON.stringify({ ...good, externalId: 'ok-1' }),
      '{ this is not json',
      JSON.stringify({ ...good, externalId: 'fax', channel: 'FAX' }),
      '',
      JSON.stringify({ ...good, externalId: 'nosku', lines: [line('NO-SUCH-SKU-CLI', 1, '1.00')] }),
      JSON.stringify({ ...good, externalId: 'ok-2' }),
    ].join('\n'));
    const run = await runCli(file);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('5 orders read');
    expect(run.stdout).toMatch(/created\s+2/);
    expect(run.stdout).toMatch(/skipped\s+0/);
    expect(run.stdout).toMatch(/rejected\s+3/);
    expect(run.stdout).toMatch(/line 2: INVALID_JSON /);
    expect(run.stdout).toMatch(/line 3 bad-file\/fax: INVALID_INPUT .*FAX/);
    expect(run.stdout).toMatch(/line 5 bad-file\/nosku: UNKNOWN_PRODUCT No product with sku "NO-SUCH-SKU-CLI"/);
  }, 60_000);

  it('stops with exit code 2 and a message when the token is refused', async () => {
    const file = path.join(dir, 'one.ndjson');
    fs.writeFileSync(file, `${JSON.stringify({ source: 's', externalId: 'e', channel: 'WEB', placedAt: '2024-01-01T00:00:00Z', lines: [] })}\n`);
    const root = path.resolve(__dirname, '..');
    const child = spawn(process.execPath, [path.join(root, 'node_modules/ts-node/dist/bin.js'), '--transpile-only', 'src/cli/import-orders.ts', file], {
      cwd: root, env: { ...process.env, OMNI360_URL: env.url, OMNI360_TOKEN: TOKENS.ANALYST },
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain('refused the token');
  }, 60_000);
});
