import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { print, type DocumentNode } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { MikroORM } from '@mikro-orm/postgresql';
import { ConfigError, loadConfig } from '../src/config/config';
import { ormConfig } from '../src/config/mikro-orm.config';
import { canonicalJson, ensureIdempotencyKey } from '../src/common/idempotency';
import { Migration20261206090000_idempotencyKeyedHashes } from '../migrations/Migration20261206090000_idempotencyKeyedHashes';
import { AdjustStockDocument, ImportOrdersDocument, PlaceOrderDocument, RecordInteractionDocument } from './generated/graphql';
import { createLocation, createProduct, receive, sql } from './support/commerce';
import { newCustomerRef } from './support/interactions';
import { startTestServer, TOKENS, unique, type TestServer } from './support/server';

/**
 * Idempotency of the four keyed writes (placeOrder, importOrders, adjustStock, recordInteraction),
 * which share one module: one lock scheme, one canonical input, one keyed hash, one replay rule and
 * one IDEMPOTENCY_CONFLICT wording. INGEST writes first; ADMIN is "another writer" (allowed on all four).
 */

let env: TestServer;
/** One product in stock at one warehouse, for the commerce writes. */
const shop = { sku: '', warehouseId: '' };
beforeAll(async () => {
  env = await startTestServer();
  shop.sku = (await createProduct(env, { price: '10.00' })).sku;
  shop.warehouseId = (await createLocation(env, 'WAREHOUSE')).id;
  await receive(env, shop.sku, shop.warehouseId, 100_000);
});
afterAll(() => env.stop());

type Transport = 'http' | 'ws';

/** One operation over graphql-ws (a mutation answers once, then completes). */
async function overWs<R, V>(server: TestServer, document: TypedDocumentNode<R, V>, variables: V, token: string): Promise<R> {
  const client = server.ws(token);
  try {
    return await new Promise<R>((resolve, reject) => {
      client.subscribe<R>(
        { query: print(document as DocumentNode), variables: variables as Record<string, unknown> },
        {
          next: (result) => (result.errors?.length ? reject(new Error(JSON.stringify(result.errors))) : resolve(result.data as R)),
          error: reject,
          complete: () => undefined,
        },
      );
    });
  } finally {
    await client.dispose();
  }
}

function send<R, V>(server: TestServer, document: TypedDocumentNode<R, V>, variables: V, token: string, transport: Transport): Promise<R> {
  return transport === 'ws' ? overWs(server, document, variables, token) : server.ok(document, variables, token);
}

/** What any of the four writes answered, in one shape. */
interface Outcome {
  id: string | null;
  created: boolean;
  code: string | null;
  message: string | null;
}

interface Write {
  name: string;
  table: string;
  hashColumn: string;
  /** A fresh key with some content. */
  input(): Record<string, unknown>;
  /** The same key with other content. */
  other(input: Record<string, unknown>): Record<string, unknown>;
  run(server: TestServer, input: Record<string, unknown>, token: string, transport?: Transport): Promise<Outcome>;
}

function payloadOutcome(payload: { created: boolean; userErrors: { code: string; message: string }[] }, id: string | null): Outcome {
  return { id, created: payload.created, code: payload.userErrors[0]?.code ?? null, message: payload.userErrors[0]?.message ?? null };
}

const WRITES: Write[] = [
  {
    name: 'placeOrder',
    table: '"order"',
    hashColumn: 'request_hash',
    input: () => ({ source: 'idem-shop', externalId: unique('po-'), channel: 'WEB', locationId: shop.warehouseId, lines: [{ sku: shop.sku, quantity: 1 }] }),
    other: (input) => ({ ...input, lines: [{ sku: shop.sku, quantity: 2 }] }),
    async run(server, input, token, transport = 'http') {
      const res = await send(server, PlaceOrderDocument, { input } as never, token, transport);
      return payloadOutcome(res.placeOrder, res.placeOrder.order?.id ?? null);
    },
  },
  {
    name: 'importOrders',
    table: '"order"',
    hashColumn: 'request_hash',
    input: () => ({
      source: 'idem-pos',
      externalId: unique('io-'),
      channel: 'WEB',
      placedAt: '2024-05-01T10:00:00.000Z',
      lines: [{ sku: shop.sku, quantity: 1, unitPrice: { amount: '10.00', currencyCode: 'PLN' } }],
    }),
    other: (input) => ({ ...input, placedAt: '2024-05-02T10:00:00.000Z' }),
    async run(server, input, token, transport = 'http') {
      const res = await send(server, ImportOrdersDocument, { input: { orders: [input] } } as never, token, transport);
      expect(res.importOrders.userErrors).toEqual([]);
      const [result] = res.importOrders.results;
      return {
        id: result.order?.id ?? null,
        created: result.outcome === 'CREATED',
        code: result.code ?? null,
        message: result.code ? (result.reason ?? null) : null,
      };
    },
  },
  {
    name: 'adjustStock',
    table: 'stock_movement',
    hashColumn: 'request_hash',
    input: () => ({ source: 'idem-wms', externalId: unique('as-'), sku: shop.sku, locationId: shop.warehouseId, delta: 5, reason: 'receipt' }),
    other: (input) => ({ ...input, delta: 6 }),
    async run(server, input, token, transport = 'http') {
      const res = await send(server, AdjustStockDocument, { input } as never, token, transport);
      // A movement has no id in the API: the stock level stands for it (null when refused).
      return payloadOutcome(res.adjustStock, res.adjustStock.stockLevel?.location.id ?? null);
    },
  },
  {
    name: 'recordInteraction',
    table: 'interaction',
    hashColumn: 'input_hash',
    input: () => ({
      source: 'idem-desk',
      externalId: unique('ri-'),
      channel: 'EMAIL',
      direction: 'INBOUND',
      customer: newCustomerRef('idem'),
      subject: 'Invoice',
    }),
    other: (input) => ({ ...input, subject: 'Something else' }),
    async run(server, input, token, transport = 'http') {
      const res = await send(server, RecordInteractionDocument, { input } as never, token, transport);
      return payloadOutcome(res.recordInteraction, res.recordInteraction.interaction?.id ?? null);
    },
  },
];

async function storedRows(write: Write, input: Record<string, unknown>, server: TestServer = env): Promise<{ id: string; hash: string; created_by: string }[]> {
  return sql(server, `select id, ${write.hashColumn} as hash, created_by from ${write.table} where source = $1 and external_id = $2`, [
    input.source,
    input.externalId,
  ]);
}

const CROSS = WRITES.flatMap((write) => (['http', 'ws'] as const).map((transport) => [write.name, transport, write] as const));

describe('replays and conflicts', () => {
  it.each(CROSS)(
    "regression: a replay of the same input by another writer returned the first writer's record (%s over %s)",
    async (_name, transport, write) => {
      const input = write.input();
      const first = await write.run(env, input, TOKENS.INGEST);
      expect(first).toMatchObject({ created: true, code: null });
      const [row] = await storedRows(write, input);

      const byOther = await write.run(env, input, TOKENS.ADMIN, transport);
      expect(byOther).toMatchObject({ id: null, created: false, code: 'IDEMPOTENCY_CONFLICT' });
      // The wording names the caller's own key and never the other writer's record.
      expect(byOther.message).toContain(String(input.externalId));
      expect(byOther.message).not.toContain(row.id);

      const own = await write.run(env, input, TOKENS.INGEST, transport);
      expect(own).toMatchObject({ id: first.id, created: false, code: null });
      expect(await storedRows(write, input)).toHaveLength(1);
    },
  );

  it.each(WRITES.map((write) => [write.name, write] as const))(
    'IDEMPOTENCY_CONFLICT names no stored record, for any writer (regression: placeOrder, importOrders and recordInteraction named it) (%s)',
    async (_name, write) => {
      const input = write.input();
      await write.run(env, input, TOKENS.INGEST);
      const [row] = await storedRows(write, input);
      for (const token of [TOKENS.INGEST, TOKENS.ADMIN]) {
        const conflict = await write.run(env, write.other(input), token);
        expect(conflict).toMatchObject({ id: null, created: false, code: 'IDEMPOTENCY_CONFLICT' });
        expect(conflict.message).not.toContain(row.id);
      }
      // Nothing of the refused content was stored.
      expect(await storedRows(write, input)).toEqual([row]);
    },
  );

  it.each(WRITES.map((write) => [write.name, write] as const))(
    'records once under eight identical requests at once, the rest are replays (%s)',
    async (_name, write) => {
      const input = write.input();
      const outcomes = await Promise.all(Array.from({ length: 8 }, () => write.run(env, input, TOKENS.INGEST)));
      expect(outcomes.filter((outcome) => outcome.created)).toHaveLength(1);
      expect(outcomes.map((outcome) => outcome.code)).toEqual(Array(8).fill(null));
      expect(new Set(outcomes.map((outcome) => outcome.id)).size).toBe(1);
      expect(await storedRows(write, input)).toHaveLength(1);
    },
  );

  it.each(WRITES.map((write) => [write.name, write] as const))(
    'records one of two different inputs sent at once on one key; the other is IDEMPOTENCY_CONFLICT (%s)',
    async (_name, write) => {
      const input = write.input();
      const outcomes = await Promise.all([write.run(env, input, TOKENS.INGEST), write.run(env, write.other(input), TOKENS.INGEST)]);
      expect(outcomes.filter((outcome) => outcome.created)).toHaveLength(1);
      expect(outcomes.filter((outcome) => outcome.code === 'IDEMPOTENCY_CONFLICT')).toHaveLength(1);
      expect(await storedRows(write, input)).toHaveLength(1);
    },
  );
});

describe('what the input hash covers', () => {
  it('regression: placeOrder idempotency ignored profile.city', async () => {
    const email = `${unique('city')}@example.com`;
    const input = {
      source: 'idem-shop',
      externalId: unique('city-'),
      channel: 'WEB',
      locationId: shop.warehouseId,
      lines: [{ sku: shop.sku, quantity: 1 }],
      customer: { identities: [{ type: 'EMAIL', value: email }], profile: { firstName: 'Ewa', city: 'Kraków' } },
    };
    const write = WRITES[0];
    expect(await write.run(env, input, TOKENS.INGEST)).toMatchObject({ created: true, code: null });
    const moved = await write.run(env, { ...input, customer: { ...input.customer, profile: { firstName: 'Ewa', city: 'Gdańsk' } } }, TOKENS.INGEST);
    expect(moved).toMatchObject({ created: false, code: 'IDEMPOTENCY_CONFLICT' });
    // Blanks around a profile value are not a different input.
    const padded = await write.run(env, { ...input, customer: { ...input.customer, profile: { firstName: ' Ewa ', city: 'Kraków ' } } }, TOKENS.INGEST);
    expect(padded).toMatchObject({ created: false, code: null });
  });

  it('regression: recordInteraction compared identities un-normalised for idempotency (unlike placeOrder)', async () => {
    const local = unique('norm');
    const input = {
      source: 'idem-desk',
      externalId: unique('norm-'),
      channel: 'PHONE',
      direction: 'INBOUND',
      subject: 'Call back',
      customer: {
        identities: [
          { type: 'EMAIL', value: `${local}@Example.COM` },
          { type: 'PHONE', value: '+48 601 234 567' },
        ],
      },
    };
    const write = WRITES[3];
    const first = await write.run(env, input, TOKENS.INGEST);
    expect(first).toMatchObject({ created: true, code: null });
    // The same identities written another way, in another order, are the same input.
    const same = await write.run(
      env,
      {
        ...input,
        customer: {
          identities: [
            { type: 'PHONE', value: '601234567' },
            { type: 'EMAIL', value: ` ${local}@example.com ` },
          ],
        },
      },
      TOKENS.INGEST,
    );
    expect(same).toMatchObject({ id: first.id, created: false, code: null });
    const other = await write.run(env, { ...input, customer: { identities: [{ type: 'PHONE', value: '601234568' }] } }, TOKENS.INGEST);
    expect(other).toMatchObject({ created: false, code: 'IDEMPOTENCY_CONFLICT' });
  });
});

describe('canonicalJson, the one encoding of an input', () => {
  it('sorts keys at every depth, treats absent and null alike, writes dates as ISO-8601 and keeps array order', () => {
    const at = new Date('2024-05-01T10:00:00Z');
    expect(canonicalJson({ b: 1, a: { d: null, c: [2, 1], e: undefined }, at, z: null })).toBe('{"a":{"c":[2,1]},"at":"2024-05-01T10:00:00.000Z","b":1}');
    expect(canonicalJson({ a: { c: [2, 1] }, b: 1, at })).toBe(canonicalJson({ at, b: 1, a: { c: [2, 1], d: undefined } }));
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
    expect(canonicalJson({ text: 'quote " and \\ and \u0000' })).toBe(JSON.stringify({ text: 'quote " and \\ and \u0000' }));
  });
});

describe('keyed input hashes', () => {
  const HASH = /^hmac1\.[0-9a-f]{8}\.[0-9a-f]{64}$/;

  it.each(WRITES.map((write) => [write.name, write] as const))(
    'regression: the stored input hash was a plain sha256 that confirms a guessed input (%s)',
    async (_name, write) => {
      const input = write.input();
      await write.run(env, input, TOKENS.INGEST);
      const [row] = await storedRows(write, input);
      expect(row.hash).toMatch(HASH);
    },
  );

  it("depends on the server key: the same input under another key hashes otherwise; instances with one key compare each other's hashes", async () => {
    const write = WRITES[3];
    const input = write.input();
    const other = await startTestServer({ env: { OMNI360_IDEMPOTENCY_KEY: 'another-idempotency-key-of-32-characters-or-more' } });
    const sameKey = await startTestServer({ databaseUrl: env.databaseUrl });
    try {
      await write.run(env, input, TOKENS.INGEST);
      await write.run(other, input, TOKENS.INGEST);
      const [mine] = await storedRows(write, input);
      const [theirs] = await storedRows(write, input, other);
      expect(theirs.hash).toMatch(HASH);
      expect(theirs.hash.split('.')[1]).not.toBe(mine.hash.split('.')[1]);
      expect(theirs.hash.split('.')[2]).not.toBe(mine.hash.split('.')[2]);
      // A second instance with the same key tells a replay from a different input.
      expect(await write.run(sameKey, input, TOKENS.INGEST)).toMatchObject({ created: false, code: null });
      expect(await write.run(sameKey, write.other(input), TOKENS.INGEST)).toMatchObject({ created: false, code: 'IDEMPOTENCY_CONFLICT' });
    } finally {
      await Promise.all([other.stop(), sameKey.stop()]);
    }
  });

  it("after a key change, a stored hash under the old key answers its own writer's replay and refuses other writers", async () => {
    const write = WRITES[0];
    const input = write.input();
    const first = await write.run(env, input, TOKENS.INGEST);
    const rotated = await startTestServer({
      databaseUrl: env.databaseUrl,
      env: { OMNI360_IDEMPOTENCY_KEY: 'a-rotated-idempotency-key-of-32-characters-or-more' },
    });
    try {
      expect(await write.run(rotated, input, TOKENS.INGEST)).toMatchObject({ id: first.id, created: false, code: null });
      expect(await write.run(rotated, input, TOKENS.ADMIN)).toMatchObject({ id: null, code: 'IDEMPOTENCY_CONFLICT' });
    } finally {
      await rotated.stop();
    }
  });

  it("the migration retires the plain sha256 hashes of existing rows; such a row answers its own writer's replays only", async () => {
    const inputs = WRITES.map((write) => write.input());
    await Promise.all(WRITES.map((write, index) => write.run(env, inputs[index], TOKENS.INGEST)));
    // Rows as the code before keyed hashes left them: a plain sha256 in hex.
    const plain = 'a3f1c2d4e5b6a7980112233445566778899aabbccddeeff00112233445566778';
    for (const [index, write] of WRITES.entries()) {
      await sql(env, `update ${write.table} set ${write.hashColumn} = $1 where source = $2 and external_id = $3`, [
        plain,
        inputs[index].source,
        inputs[index].externalId,
      ]);
    }
    const orm = await MikroORM.init(ormConfig({ clientUrl: env.databaseUrl, poolMax: 1 }));
    try {
      const migration = new Migration20261206090000_idempotencyKeyedHashes(orm.em.getDriver(), orm.config);
      await migration.up();
      for (const statement of migration.getQueries()) await orm.em.getConnection().execute(String(statement));
    } finally {
      await orm.close(true);
    }
    for (const [index, write] of WRITES.entries()) {
      const [row] = await storedRows(write, inputs[index]);
      expect({ write: write.name, hash: row.hash }).toEqual({ write: write.name, hash: 'retired' });
      expect(await write.run(env, inputs[index], TOKENS.INGEST)).toMatchObject({ created: false, code: null });
      expect(await write.run(env, inputs[index], TOKENS.ADMIN)).toMatchObject({ created: false, code: 'IDEMPOTENCY_CONFLICT' });
    }
    const left = await sql<{ n: string }>(
      env,
      `select (select count(*) from "order" where request_hash !~ '^(hmac1\\.|retired$)')
      + (select count(*) from interaction where input_hash !~ '^(hmac1\\.|retired$)')
      + (select count(*) from stock_movement where request_hash is not null and request_hash !~ '^(hmac1\\.|retired$)') as n`,
    );
    expect(Number(left[0].n)).toBe(0);
  });
});

describe('OMNI360_IDEMPOTENCY_KEY', () => {
  it('refuses a key shorter than 32 characters', () => {
    expect(() => loadConfig({ OMNI360_IDEMPOTENCY_KEY: 'short' })).toThrow(ConfigError);
    expect(() => loadConfig({ OMNI360_IDEMPOTENCY_KEY: 'short' })).toThrow(/OMNI360_IDEMPOTENCY_KEY/);
    expect(loadConfig({ OMNI360_IDEMPOTENCY_KEY: 'k'.repeat(32) }).idempotencyKey).toBe('k'.repeat(32));
  });

  it('unset: generates a key once, stores it in the data directory (mode 600) and uses the stored one afterwards', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omni360-idem-'));
    try {
      const first = loadConfig({ OMNI360_DATA_DIR: dir });
      expect(first.idempotencyKey).toBeUndefined();
      const created = ensureIdempotencyKey(first);
      expect(created).toEqual({ file: path.join(dir, 'idempotency-key'), created: true });
      expect(first.idempotencyKey!.length).toBeGreaterThanOrEqual(32);
      expect(fs.statSync(created!.file).mode & 0o777).toBe(0o600);
      const second = loadConfig({ OMNI360_DATA_DIR: dir });
      expect(ensureIdempotencyKey(second)).toEqual({ file: created!.file, created: false });
      expect(second.idempotencyKey).toBe(first.idempotencyKey);
      // A configured key wins and nothing is read.
      expect(ensureIdempotencyKey(loadConfig({ OMNI360_DATA_DIR: dir, OMNI360_IDEMPOTENCY_KEY: 'k'.repeat(32) }))).toBeUndefined();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
