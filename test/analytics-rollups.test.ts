import { Client } from 'pg';
import {
  AnalyticsWindowDocument,
  EraseCustomerDocument,
  ImportOrdersDocument,
  MergeCustomersDocument,
  UndoMergeDocument,
  type AnalyticsWindowQuery,
} from './generated/graphql';
import { catalogue, CHANNEL_ORDER, DAY_MS, generateDataset, prng, setStatus, type Catalogue } from './support/analytics';
import { customer, order, sql } from './support/commerce';
import { record } from './support/interactions';
import { startTestServer, unique, type TestServer } from './support/server';

/**
 * Differential test of the analytics rollups (migration analyticsRollups): every figure of
 * analytics(from, to) must equal, to the last digit, the same figure computed by the test from the base
 * tables with the set-based SQL the service ran before the rollups existed, after writes of every
 * kind the triggers must follow: placed, cancelled, fulfilled and returned orders, imported history,
 * guest orders, back-dated resolutions, merges and an undone merge, an erasure. The figures are read
 * both from bitmaps with pending changes not compacted yet (migration analyticsPendingCompaction) and
 * after compaction.
 */
let env: TestServer;
let shop: Catalogue;
const now = Date.now();

const ORDER_STATEMENT = `select o.channel, o.currency, (count(*) filter (where o.status <> 'CANCELLED'))::int as "orderCount",
       coalesce(sum(o.total_cents) filter (where o.status in ('PLACED', 'FULFILLED')), 0)::text as cents
  from "order" o where o.placed_at >= $1 and o.placed_at < $2
 group by o.channel, o.currency having count(*) filter (where o.status <> 'CANCELLED') > 0
 order by array_position($3::text[], o.channel), o.currency`;
const INTERACTION_STATEMENT = `select i.channel, count(*)::int as count from interaction i where i.occurred_at >= $1 and i.occurred_at < $2
 group by i.channel order by array_position($3::text[], i.channel)`;
const RESOLUTION_STATEMENT = `select count(*)::int as resolved,
       (count(*) filter (where not exists (select 1 from interaction i where i.customer_id = c.customer_id and i.direction = 'INBOUND'
          and i.occurred_at > c.first_resolved_at and i.occurred_at <= c.first_resolved_at + make_interval(hours => 24 * 7))))::int as "firstContact"
  from conversation c where c.first_resolved_at >= $1 and c.first_resolved_at < $2`;
const RESPONSE_STATEMENT = `select avg(extract(epoch from c.first_response_at - c.first_inbound_at))::float8 as seconds
  from conversation c where c.opened_at >= $1 and c.opened_at < $2 and c.first_response_at is not null and c.first_inbound_at is not null
   and ($3::text is null or c.first_inbound_channel = $3::text)`;
const JOURNEY_STATEMENT = `select pairs.touch as "touchChannel", pairs.purchase as "purchaseChannel", count(*)::int as customers
  from (select distinct i.channel as touch, o.channel as purchase, o.customer_id
          from "order" o join interaction i on i.customer_id = o.customer_id
           and i.occurred_at >= o.placed_at - make_interval(hours => 24 * $3) and i.occurred_at < o.placed_at and i.channel <> o.channel
         where o.placed_at >= $1 and o.placed_at < $2 and o.status <> 'CANCELLED' and o.customer_id is not null) pairs
 group by pairs.touch, pairs.purchase
 order by customers desc, array_position($4::text[], pairs.touch), array_position($4::text[], pairs.purchase)`;
const OMNICHANNEL_STATEMENT = `select count(*)::int as active, (count(*) filter (where p.lo <> p.hi))::int as omnichannel
  from (select a.customer_id, min(a.channel) as lo, max(a.channel) as hi
          from (select o.customer_id, o.channel from "order" o where o.placed_at >= $1 and o.placed_at < $2 and o.customer_id is not null
                union all
                select i.customer_id, i.channel from interaction i where i.occurred_at >= $1 and i.occurred_at < $2) a
         group by a.customer_id) p`;

type Answer = AnalyticsWindowQuery['analytics'];

const ratio = (numerator: number, denominator: number) => (denominator > 0 ? numerator / denominator : null);

/** The answer analytics(from, to) must give, from the base tables alone. */
async function reference(from: Date, to: Date, channel: string, windowDays: number): Promise<Answer> {
  const channels = `{${CHANNEL_ORDER.join(',')}}`;
  const revenue = await sql<{ channel: string; currency: string; orderCount: number; cents: string }>(env, ORDER_STATEMENT, [from, to, channels]);
  const [resolution] = await sql<{ resolved: number; firstContact: number }>(env, RESOLUTION_STATEMENT, [from, to]);
  const [overall] = await sql<{ seconds: number | null }>(env, RESPONSE_STATEMENT, [from, to, null]);
  const [byChannel] = await sql<{ seconds: number | null }>(env, RESPONSE_STATEMENT, [from, to, channel]);
  const [omni] = await sql<{ active: number; omnichannel: number }>(env, OMNICHANNEL_STATEMENT, [from, to]);
  return {
    revenueByChannel: revenue.map((row) => ({
      channel: row.channel,
      orderCount: row.orderCount,
      revenue: { amount: cents(row.cents), currencyCode: row.currency },
    })),
    interactionsByChannel: await sql(env, INTERACTION_STATEMENT, [from, to, channels]),
    firstContactResolutionRate: ratio(resolution.firstContact, resolution.resolved),
    averageFirstResponseSeconds: overall.seconds,
    byChannel: byChannel.seconds,
    crossChannelJourneys: await sql(env, JOURNEY_STATEMENT, [from, to, windowDays, channels]),
    defaultJourneys: await sql(env, JOURNEY_STATEMENT, [from, to, 30, channels]),
    omnichannelCustomerShare: ratio(omni.omnichannel, omni.active),
  } as Answer;
}

/** Cents as the API prints an amount: at least one digit before the point, two after. */
function cents(value: string): string {
  const negative = value.startsWith('-');
  const digits = (negative ? value.slice(1) : value).padStart(3, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

/** Whole-year, day-aligned, cut at odd instants, inside one day, three years, cell boundaries: the rollups and the raw partial days. */
function windows(): { from: Date; to: Date; channel: string; windowDays: number }[] {
  const random = prng(4_242);
  const list = [
    { from: new Date(now - 365 * DAY_MS), to: new Date(now), channel: 'CHAT', windowDays: 30 },
    { from: new Date(Math.floor(now / DAY_MS - 400) * DAY_MS), to: new Date(Math.floor(now / DAY_MS) * DAY_MS), channel: 'EMAIL', windowDays: 30 },
    { from: new Date(now - 3 * 365 * DAY_MS), to: new Date(now + DAY_MS), channel: 'PHONE', windowDays: 14 },
    { from: new Date(now - 50 * DAY_MS - 3_600_123), to: new Date(now - 50 * DAY_MS + 7_200_456), channel: 'CHAT', windowDays: 30 },
  ];
  // Whole cells of 4^level days (rollup-window.ts), and a day more or less at each end: an off-by-one
  // bucket or cell boundary moves a day's customers in or out of these.
  const today = Math.floor(now / DAY_MS);
  for (let level = 1; level <= 5; level++) {
    const span = 4 ** level;
    const start = (Math.floor(today / span) - 1) * span;
    for (const [head, tail] of [
      [0, 0],
      [-1, 1],
      [1, -1],
      [0, -1],
      [1, 0],
    ]) {
      list.push({ from: new Date((start + head) * DAY_MS), to: new Date((start + span + tail) * DAY_MS), channel: 'EMAIL', windowDays: 30 });
    }
  }
  for (let index = 0; index < 8; index++) {
    const start = now - random.next() * 700 * DAY_MS;
    list.push({
      from: new Date(Math.round(start)),
      to: new Date(Math.round(start + random.next() * 300 * DAY_MS)),
      channel: random.pick(['CHAT', 'EMAIL', 'PHONE', 'SMS']),
      windowDays: random.pick([30, 30, 7]),
    });
  }
  return list;
}

async function expectRawFigures(): Promise<void> {
  for (const window of windows()) await expectWindow(window);
}

async function expectWindow(window: { from: Date; to: Date; channel: string; windowDays: number }): Promise<void> {
  const answer = (
    await env.ok(AnalyticsWindowDocument, {
      from: window.from.toISOString(),
      to: window.to.toISOString(),
      channel: window.channel as never,
      windowDays: window.windowDays,
    })
  ).analytics;
  expect({ window, answer }).toEqual({ window, answer: await reference(window.from, window.to, window.channel, window.windowDays) });
}

beforeAll(async () => {
  env = await startTestServer();
  shop = await catalogue(env);
  // Customer numbers from just below the end of the first bitmap chunk (16,384 numbers): the customers
  // straddle two chunks, so a chunk or bit mistake shows in the figures.
  await sql(env, `select setval('analytics_customer_number_seq', 16372)`);
  const { customerIds } = await generateDataset(env, shop, { seed: 16_016, customers: 30, historyDays: 700 });
  // First resolutions back-dated with SQL (the API resolves "now"): the conversation trigger follows them.
  const random = prng(16);
  const resolved = await sql<{ id: string; opened_at: Date }>(env, `select id, opened_at from conversation where first_resolved_at is not null order by id`);
  for (const conversation of resolved) {
    const at = new Date(conversation.opened_at.getTime() + random.next() * (now - conversation.opened_at.getTime()));
    await sql(env, `update conversation set first_resolved_at = $2 where id = $1`, [conversation.id, at]);
  }
  // Imported history, guest orders among it, some of it cancelled or returned.
  const imported = await env.ok(ImportOrdersDocument, {
    input: {
      orders: Array.from({ length: 24 }, (_, index) => ({
        source: 'legacy',
        externalId: unique('legacy-'),
        channel: (['STORE', 'WEB', 'PHONE', 'MARKETPLACE'] as const)[index % 4],
        locationId: index % 4 === 0 ? shop.storeId : shop.warehouseId,
        customer: index % 5 === 4 ? null : { id: customerIds[index % customerIds.length] },
        placedAt: new Date(now - (20 + index * 29.3) * DAY_MS).toISOString(),
        status: (['FULFILLED', 'CANCELLED', 'RETURNED', 'FULFILLED'] as const)[index % 4],
        lines: [{ sku: shop.pln[index % shop.pln.length], quantity: 1 + (index % 3), unitPrice: { amount: '12.34', currencyCode: 'PLN' } }],
      })),
    },
  });
  expect(imported.importOrders.created).toBe(24);
  // A guest order placed then cancelled.
  const guest = await order(env, { channel: 'WEB', lines: [{ sku: shop.pln[0], quantity: 1 }], placedAt: new Date(now - 3 * DAY_MS).toISOString() });
  await setStatus(env, guest.id, 'CANCELLED');
  // Contacts shortly before orders in other channels, so that 30-day journeys exist on both sides of merges.
  for (const customerId of customerIds.slice(0, 8)) {
    await record(env, { customer: { id: customerId }, channel: 'SMS', direction: 'INBOUND', occurredAt: new Date(now - 40 * DAY_MS).toISOString() });
    await order(env, {
      channel: 'MOBILE_APP',
      locationId: shop.warehouseId,
      customer: { id: customerId },
      lines: [{ sku: shop.pln[1], quantity: 1 }],
      placedAt: new Date(now - 30 * DAY_MS).toISOString(),
    });
  }
}, 300_000);
afterAll(() => env.stop());

describe('analytics rollups', () => {
  it('number channels as the Channel enum does (the bits of the customer cells)', async () => {
    const rows = await sql<{ index: number }>(env, `select analytics_channel_index(c) as index from unnest($1::text[]) with ordinality as u(c, n) order by n`, [
      `{${CHANNEL_ORDER.join(',')}}`,
    ]);
    expect(rows.map((row) => row.index)).toEqual(CHANNEL_ORDER.map((_, index) => index));
  });

  it('answer exactly the figures of the raw rows after orders, statuses, imports and resolutions', async () => {
    await expectRawFigures();
  });

  it('follow merges, an undone merge and an erasure', async () => {
    const ids = (
      await sql<{ id: string }>(
        env,
        `select c.id from customer c where exists (select 1 from "order" o where o.customer_id = c.id)
       and exists (select 1 from interaction i where i.customer_id = c.id) order by c.id limit 6`,
      )
    ).map((row) => row.id);
    const kept = await env.ok(MergeCustomersDocument, { input: { survivorId: ids[0], mergedId: ids[1] } });
    expect(kept.mergeCustomers.userErrors).toEqual([]);
    const undone = await env.ok(MergeCustomersDocument, { input: { survivorId: ids[2], mergedId: ids[3] } });
    expect(undone.mergeCustomers.userErrors).toEqual([]);
    await expectRawFigures();
    const undo = await env.ok(UndoMergeDocument, { input: { mergeId: undone.mergeCustomers.merge!.id } });
    expect(undo.undoMerge.userErrors).toEqual([]);
    const erased = await env.ok(EraseCustomerDocument, { input: { customerId: ids[4] } });
    expect(erased.eraseCustomer.userErrors).toEqual([]);
    // A status change and a late inbound contact after all that.
    const [last] = await sql<{ id: string }>(env, `select id from "order" where customer_id = $1 and status = 'PLACED' order by id limit 1`, [ids[0]]);
    if (last) await setStatus(env, last.id, 'CANCELLED');
    await record(env, { customer: { id: ids[0] }, channel: 'EMAIL', direction: 'INBOUND', occurredAt: new Date(now - 2 * DAY_MS).toISOString() });
    await expectRawFigures();
  });

  it('stay exact when two transactions change orders of one customer at once', async () => {
    const buyer = await customer(env);
    const placedAt = (hours: number) => new Date(Math.floor(now / DAY_MS - 5) * DAY_MS + hours * 3_600_000).toISOString();
    await record(env, { customer: { id: buyer.id }, channel: 'EMAIL', direction: 'INBOUND', occurredAt: placedAt(-30) });
    const orders = [];
    for (const [channel, hours] of [
      ['WEB', 9],
      ['STORE', 15],
    ] as const) {
      orders.push(
        await order(env, {
          channel,
          locationId: channel === 'STORE' ? shop.storeId : shop.warehouseId,
          customer: { id: buyer.id },
          lines: [{ sku: shop.pln[2], quantity: 1 }],
          placedAt: placedAt(hours),
        }),
      );
    }
    const [first, second] = [new Client({ connectionString: env.databaseUrl }), new Client({ connectionString: env.databaseUrl })];
    await Promise.all([first.connect(), second.connect()]);
    try {
      await first.query('begin');
      await first.query(`update "order" set status = 'CANCELLED' where id = $1`, [orders[0].id]);
      await second.query('begin');
      const [{ pid }] = (await second.query<{ pid: number }>('select pg_backend_pid() as pid')).rows;
      const cancelled = second.query(`update "order" set status = 'CANCELLED' where id = $1`, [orders[1].id]);
      // The second cancellation's trigger waits for the first transaction (its customer's lock) ...
      await waitForLock(pid);
      await first.query('commit');
      // ... and then recomputes the customer's cells with the first cancellation committed.
      await cancelled;
      await second.query('commit');
    } finally {
      await Promise.all([first.end(), second.end()]);
    }
    await expectRawFigures();
    expect(await rollups()).toEqual(await rebuiltSnapshot(SNAPSHOT));
  });

  it('count a customer once across the whole days and the raw partial days at the ends of a window', async () => {
    // A contact in the window's first, partial day; orders in a whole day and in the last, partial day:
    // one customer, two channels, one journey pair, from bitmaps and raw rows together.
    const buyer = await customer(env);
    const day = Math.floor(now / DAY_MS) - 10;
    const at = (days: number, hours: number) => new Date((day + days) * DAY_MS + hours * 3_600_000).toISOString();
    await record(env, { customer: { id: buyer.id }, channel: 'SMS', direction: 'INBOUND', occurredAt: at(0, 20) });
    for (const placedAt of [at(1, 12), at(5, 2)]) {
      await order(env, { channel: 'WEB', locationId: shop.warehouseId, customer: { id: buyer.id }, lines: [{ sku: shop.pln[0], quantity: 1 }], placedAt });
    }
    // Past the first chunk of customer numbers (see beforeAll): a chunk mistake splits this customer in two.
    const [numbered] = await sql<{ number: number }>(env, `select number from analytics_customer_number where customer_id = $1`, [buyer.id]);
    expect(numbered.number).toBeGreaterThanOrEqual(16_384);
    await expectWindow({ from: new Date(at(0, 10)), to: new Date(at(5, 3)), channel: 'SMS', windowDays: 30 });
  });

  it('read committed changes not compacted yet, and the same figures once they are compacted', async () => {
    const held = await holdCompaction();
    try {
      const pendingBefore = await pendingRows();
      // A new customer: two channels and a journey pair in whole days (bits to set) ...
      const buyer = await customer(env);
      const day = Math.floor(now / DAY_MS) - 12;
      const at = (days: number, hours: number) => new Date((day + days) * DAY_MS + hours * 3_600_000).toISOString();
      await record(env, { customer: { id: buyer.id }, channel: 'CHAT', direction: 'INBOUND', occurredAt: at(0, 9) });
      await order(env, {
        channel: 'WEB',
        locationId: shop.warehouseId,
        customer: { id: buyer.id },
        lines: [{ sku: shop.pln[0], quantity: 1 }],
        placedAt: at(2, 11),
      });
      // ... and a cancelled order of a customer with a 30-day journey (bits to clear).
      const [journey] = await sql<{ id: string }>(
        env,
        `select id from "order" where channel = 'MOBILE_APP' and status = 'PLACED' and customer_id is not null order by id limit 1`,
      );
      await setStatus(env, journey.id, 'CANCELLED');
      // Read right after the writes: nothing of them is in the bitmaps yet.
      expect(await pendingRows()).toBeGreaterThan(pendingBefore);
      await expectRawFigures();
      expect(await pendingRows()).toBeGreaterThan(pendingBefore);
    } finally {
      await held.release();
    }
    // Released, the server's own compaction may fold them before compact() does: what counts is that
    // the pending rows are gone and the figures the same.
    await compact();
    expect(await pendingRows()).toBe(0);
    await expectRawFigures();
  });

  it('combine the pending changes of concurrent transactions, and leave those of open ones to a later compaction', async () => {
    const held = await holdCompaction();
    const [first, second] = [new Client({ connectionString: env.databaseUrl }), new Client({ connectionString: env.databaseUrl })];
    await Promise.all([first.connect(), second.connect()]);
    let released = false;
    try {
      // Two customers with a journey pair (EMAIL -> WEB) in the same whole days: the same bitmaps.
      const day = Math.floor(now / DAY_MS) - 20;
      const orders = [];
      for (let index = 0; index < 2; index++) {
        const buyer = await customer(env);
        await record(env, { customer: { id: buyer.id }, channel: 'EMAIL', direction: 'INBOUND', occurredAt: new Date(day * DAY_MS + 3_600_000).toISOString() });
        orders.push(
          await order(env, {
            channel: 'WEB',
            locationId: shop.warehouseId,
            customer: { id: buyer.id },
            lines: [{ sku: shop.pln[1], quantity: 1 }],
            placedAt: new Date((day + 2) * DAY_MS + 3_600_000).toISOString(),
          }),
        );
      }
      const status = (client: Client, id: string, value: string) => client.query(`update "order" set status = $2 where id = $1`, [id, value]);
      await first.query('begin');
      await status(first, orders[0].id, 'CANCELLED');
      await second.query('begin');
      await status(second, orders[1].id, 'CANCELLED');
      // Both open: their pending changes are not read.
      await expectRawFigures();
      await first.query('commit');
      // One key changed by three committed transactions (+1 placed, -1, +1, -1): a sum of 0 flips nothing.
      for (const value of ['PLACED', 'CANCELLED']) {
        await first.query('begin');
        await status(first, orders[0].id, value);
        await first.query('commit');
      }
      await expectRawFigures();
      expect(await pendingRows()).toBeGreaterThan(0);
      await held.release();
      released = true;
      // The second transaction is still open: the compaction (the server's own, or compact() if that has
      // not run yet) folds everything but its changes ...
      await compact();
      expect(await pendingRows()).toBe(0);
      await expectRawFigures();
      // ... which are read, pending, once it commits, and then compacted.
      await second.query('commit');
      await expectRawFigures();
      await compact();
      expect(await pendingRows()).toBe(0);
      await expectRawFigures();
    } finally {
      if (!released) await held.release();
      await Promise.all([first.end(), second.end()]);
    }
  });

  it("set a customer number's bit in a cell bitmap exactly where its cell has that channel or journey pair", async () => {
    await compact();
    // Features recomputed here from the cells (channel bits 0..10, 11 + pair), against the bits set.
    const [row] = await sql<{ features: number; mismatches: number }>(
      env,
      `with expected as (
         select c.customer_id, c.level, c.bucket, f.feature
           from analytics_customer_cell c
          cross join lateral (select b::smallint as feature from generate_series(0, 10) as b where c.channels & (1 << b) <> 0
                              union all select (11 + p)::smallint from unnest(c.journeys) as p) f),
       actual as (
         select n.customer_id, m.level, m.bucket, m.feature
           from analytics_cell_bitmap m
           join analytics_customer_number n on n.number / 16384 = m.chunk and get_bit(m.bits, n.number % 16384) = 1)
       select (select count(*) from expected)::int as features,
              (select count(*) from expected e full join actual a using (customer_id, level, bucket, feature)
                where e.customer_id is null or a.customer_id is null)::int as mismatches`,
    );
    expect(row.features).toBeGreaterThan(100);
    expect(row.mismatches).toBe(0);
  });

  it('hold what a rebuild from the base tables holds', async () => {
    expect(await rollups()).toEqual(await rebuiltSnapshot(SNAPSHOT));
  });
});

/** The rollups' content; day rows summed over their shards (writers spread them, a rebuild writes shard 0). */
const SNAPSHOT = `select
   (select json_agg(t order by t.day, t.channel, t.currency) from (select day, channel, currency, sum(counted) as counted, sum(cents) as cents
      from analytics_order_day group by 1, 2, 3 having sum(counted) <> 0 or sum(cents) <> 0) t) as orders,
   (select json_agg(t order by t.day, t.channel) from (select day, channel, sum(count) as count
      from analytics_interaction_day group by 1, 2 having sum(count) <> 0) t) as interactions,
   (select json_agg(t order by t.day, t.channel) from (select day, channel, sum(conversations) as conversations, sum(seconds) as seconds
      from analytics_response_day group by 1, 2 having sum(conversations) <> 0) t) as responses,
   (select json_agg(t order by t.day) from (select day, sum(resolved) as resolved, sum(first_contact) as first_contact
      from analytics_resolution_day group by 1 having sum(resolved) <> 0) t) as resolution_days,
   (select json_agg(t order by t.conversation_id) from analytics_resolution t) as resolutions,
   (select json_agg(t order by t.customer_id, t.level, t.bucket) from analytics_customer_cell t) as cells,
   (select json_agg(t order by t.level, t.bucket, t.feature, t.chunk) from (select level, bucket, feature, chunk, bits::text as bits
      from analytics_cell_bitmap where bit_count(bits) > 0) t) as bitmaps`;

async function rollups(): Promise<unknown> {
  await compact();
  return (await sql(env, SNAPSHOT))[0];
}

/** The advisory lock analytics_compact_pending() takes: while a test holds it, no compaction runs. */
const COMPACTION_LOCK = `hashtextextended('omni360.analytics_compact_pending', 0)`;

/** Folds the pending bitmap changes now (after a run of the server's under way); the rows folded. */
async function compact(): Promise<number> {
  const [row] = await sql<{ folded: number }>(env, `select analytics_compact_pending(true) as folded`);
  return row.folded;
}

/** Committed changes not compacted into the bitmaps yet. */
async function pendingRows(): Promise<number> {
  const [row] = await sql<{ rows: number }>(env, `select count(*)::int as rows from analytics_cell_pending`);
  return row.rows;
}

/** Keeps the server's compaction (and compact()) from running until `release`. */
async function holdCompaction(): Promise<{ release(): Promise<void> }> {
  const client = new Client({ connectionString: env.databaseUrl });
  await client.connect();
  await client.query(`select pg_advisory_lock(${COMPACTION_LOCK})`);
  return {
    release: async () => {
      await client.query(`select pg_advisory_unlock(${COMPACTION_LOCK})`);
      await client.end();
    },
  };
}

/** Until the backend `pid` waits for a lock (the test's other transaction). */
async function waitForLock(pid: number): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const [row] = await sql<{ waiting: boolean }>(env, `select wait_event_type = 'Lock' as waiting from pg_stat_activity where pid = $1`, [pid]);
    if (row?.waiting) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`backend ${pid} never waited for a lock`);
}

/** The rollups as analytics_rebuild() recomputes them, inside a transaction that is rolled back. */
async function rebuiltSnapshot(snapshot: string): Promise<unknown> {
  const client = new Client({ connectionString: env.databaseUrl });
  await client.connect();
  try {
    await client.query('begin');
    await client.query('select analytics_rebuild()');
    return (await client.query(snapshot)).rows[0];
  } finally {
    await client.query('rollback');
    await client.end();
  }
}
