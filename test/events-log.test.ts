import { EventsDocument, InteractionAddedDocument, type EventsQuery } from './generated/graphql';
import { Client as PgClient } from 'pg';
import { eventPartitions } from '../src/modules/events/event-retention';
import { collect, newCustomerRef, rawClient, record, waitUntil } from './support/interactions';
import { startTestServer, TOKENS, type TestServer } from './support/server';

let env: TestServer;
beforeAll(async () => {
  env = await startTestServer();
});
afterAll(() => env.stop());

type EventNode = EventsQuery['events']['edges'][number]['node'];

/** Reads the whole log through events(after) pages of `first`. */
async function readAll(server: TestServer, first: number, types?: string[], after: string | null = null, token = TOKENS.ADMIN): Promise<EventNode[]> {
  const out: EventNode[] = [];
  let cursor = after;
  for (;;) {
    const page: EventsQuery = await server.ok(EventsDocument, { first, after: cursor, types }, token);
    out.push(...page.events.edges.map((edge) => edge.node));
    if (!page.events.pageInfo.hasNextPage) return out;
    cursor = page.events.pageInfo.endCursor!;
  }
}

describe('events(after, first, types)', () => {
  it('pages the log with opaque cursors, filters by type and prefix, and masks personal payload values for PARTNER and ANALYST', async () => {
    const first = await record(env, { customer: newCustomerRef('log'), subject: 'Private subject', channel: 'EMAIL' });
    await record(env, { customer: { id: first.customer.id }, channel: 'SMS', direction: 'OUTBOUND' });

    const all = await readAll(env, 2);
    const byType = (type: string) => all.filter((event) => event.type === type);
    expect(byType('customer.created')).toHaveLength(1);
    expect(byType('interaction.recorded')).toHaveLength(2);
    expect(byType('conversation.updated').map((event) => event.payload.change)).toEqual(['opened', 'status']);
    expect(new Set(all.map((event) => event.eventId)).size).toBe(all.length);

    const recorded = byType('interaction.recorded')[0];
    expect(recorded).toMatchObject({ customerId: first.customer.id, occurredAt: expect.any(String) });
    expect(recorded.payload).toMatchObject({
      interactionId: first.id, conversationId: first.conversation.id, customerId: first.customer.id, channel: 'EMAIL', direction: 'INBOUND', subject: 'Private subject',
    });

    const page = await env.ok(EventsDocument, { first: 1, types: ['interaction.recorded'] });
    expect(page.events.edges[0].cursor).toBe(page.events.edges[0].node.cursor);
    expect(page.events.totalCount).toBe(2);
    const rest = await readAll(env, 10, ['interaction.recorded'], page.events.pageInfo.endCursor!);
    expect(rest.map((event) => event.eventId)).toEqual([byType('interaction.recorded')[1].eventId]);
    expect((await readAll(env, 10, ['customer.*', 'conversation.updated'])).map((event) => event.type).sort()).toEqual([
      'conversation.updated', 'conversation.updated', 'customer.created',
    ]);

    for (const token of [TOKENS.PARTNER, TOKENS.ANALYST]) {
      const masked = await readAll(env, 10, ['interaction.recorded'], null, token);
      expect(masked[0].payload).toMatchObject({ subject: '***', channel: 'EMAIL', interactionId: first.id });
    }
  });

  it('answers BAD_USER_INPUT for a malformed cursor or page size and FORBIDDEN for INGEST', async () => {
    for (const variables of [{ after: 'not-a-cursor' }, { after: Buffer.from('1:x').toString('base64url') }, { first: 0 }, { first: 101 }]) {
      const res = await env.gql(EventsDocument, variables);
      expect(res.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    }
    const ingest = await env.gql(EventsDocument, { first: 1 }, TOKENS.INGEST);
    expect(ingest.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
  });
});

describe('commit-ordered cursors under concurrent writers', () => {
  it('a reader polling events(after) while 10 writers record 20 interactions each (and slow transactions hold events back) sees the final log exactly: no gap, no duplicate', async () => {
    const before = await readAll(env, 100);
    let cursor = before.at(-1)?.cursor ?? null;
    const seen: EventNode[] = [];
    let writing = true;

    const writers = Array.from({ length: 10 }, (_, w) => (async () => {
      const customer = newCustomerRef(`w${w}`);
      const firstOne = await record(env, { customer, source: `writer-${w}` }, TOKENS.INGEST);
      for (let i = 1; i < 20; i++) await record(env, { customer: { id: firstOne.customer.id }, source: `writer-${w}` }, TOKENS.INGEST);
    })());
    // Transactions that take their event id early and commit late: a plain id order would skip them.
    const slow = Array.from({ length: 4 }, (_, s) => (async () => {
      const db = await rawClient(env);
      try {
        for (let round = 0; round < 3; round++) {
          await db.query('begin');
          await db.query(`insert into event (type, payload) values ('test.slow', $1)`, [JSON.stringify({ s, round })]);
          await db.query(`select pg_sleep($1)`, [0.2 + 0.15 * s]);
          await db.query('commit');
        }
      } finally {
        await db.end();
      }
    })());
    const done = Promise.all([...writers, ...slow]).finally(() => {
      writing = false;
    });

    let polls = 0;
    for (;;) {
      const stillWriting = writing;
      const page: EventsQuery = await env.ok(EventsDocument, { first: 7, after: cursor }, TOKENS.PARTNER);
      polls += 1;
      seen.push(...page.events.edges.map((edge) => edge.node));
      cursor = page.events.pageInfo.endCursor ?? cursor;
      if (!stillWriting && !page.events.pageInfo.hasNextPage) {
        // Finished writers may still sit just above the horizon for an instant: drain until the log agrees.
        const total = await env.ok(EventsDocument, { first: 1 });
        if (before.length + seen.length >= total.events.totalCount) break;
      }
      if (!page.events.pageInfo.hasNextPage) await new Promise((resolve) => setTimeout(resolve, 15));
    }
    await done;

    const finalLog = await readAll(env, 100);
    expect(finalLog.slice(before.length).map((event) => event.eventId)).toEqual(seen.map((event) => event.eventId));
    expect(new Set(seen.map((event) => event.eventId)).size).toBe(seen.length);
    expect(seen.filter((event) => event.type === 'interaction.recorded')).toHaveLength(200);
    expect(seen.filter((event) => event.type === 'test.slow')).toHaveLength(12);
    // The slow transactions did commit out of id order, and the cursor still missed nothing.
    const ids = seen.map((event) => Number(event.eventId));
    expect(ids.some((id, i) => i > 0 && id < ids[i - 1])).toBe(true);
    expect(polls).toBeGreaterThan(3);
  });
});

describe('the horizon', () => {
  it('holds events back while an older transaction of this database runs, but not for transactions of other databases', async () => {
    const own = await rawClient(env);
    const other = new PgClient({ connectionString: Object.assign(new URL(env.databaseUrl), { pathname: '/postgres' }).toString() });
    await other.connect();
    try {
      // An xid in another database of the cluster: delivery here does not wait for it.
      await other.query('begin');
      await other.query('select pg_current_xact_id()');
      const before = (await env.ok(EventsDocument, { first: 1, types: ['interaction.recorded'] })).events.totalCount;
      await record(env, { customer: newCustomerRef('horizon') });
      expect((await env.ok(EventsDocument, { first: 1, types: ['interaction.recorded'] })).events.totalCount).toBe(before + 1);

      // An older transaction of this database: a later commit is held back until it ends, then delivered.
      await own.query('begin');
      await own.query('select pg_current_xact_id()');
      const held = await record(env, { customer: newCustomerRef('held') });
      const visible = async () => (await readAll(env, 100, ['interaction.recorded'])).some((event) => event.payload.interactionId === held.id);
      expect(await visible()).toBe(false);
      await own.query('rollback');
      expect(await visible()).toBe(true);
    } finally {
      await other.query('rollback').catch(() => undefined);
      await other.end();
      await own.end();
    }
  });
});

describe('retention', () => {
  /** The event table's range partitions, by name, in id order. */
  async function partitions(db: PgClient): Promise<string[]> {
    const rows = await db.query<{ name: string }>(
      `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
        where i.inhparent = 'event'::regclass and c.relname <> 'event_default' order by c.relname`,
    );
    return rows.rows.map((row) => row.name);
  }

  /** The exclusive upper bound of the highest range partition. */
  async function rangeTop(db: PgClient): Promise<bigint> {
    const all = await eventPartitions(async <T>(sql: string, params: unknown[]) => (await db.query(sql, params)).rows as T[]);
    return all[all.length - 1].to;
  }

  it('drops the oldest partition once all its events are expired and answers CURSOR_EXPIRED for a cursor before it, on the query and on a subscription', async () => {
    const own = await startTestServer({ env: { OMNI360_EVENT_RETENTION_DAYS: '30' } });
    const db = await rawClient(own);
    try {
      // The purge every instance runs at start must be over before old events appear.
      await own.server.app.events.purgeExpired();
      expect(await partitions(db)).toEqual(expect.arrayContaining(['event_p0', 'event_p1000000']));
      await db.query(`insert into event (type, payload, occurred_at) select 'test.old', jsonb_build_object('n', n), now() - interval '40 days' from generate_series(1, 3) n`);
      // The partition of the old events stays while the sequence may still hand out ids inside it.
      expect(await own.server.app.events.purgeExpired()).toBe(0);
      // Only old events in event_p0 ([minvalue, 1000000)); what comes next lands in event_p1000000.
      await db.query(`delete from event where type <> 'test.old'`);
      await db.query(`select setval('event_id_seq', 999999)`);
      await record(own, { customer: newCustomerRef('ret') });
      const everything = await readAll(own, 100);
      const old = everything.filter((event) => event.type === 'test.old');
      expect(old).toHaveLength(3);

      expect(await own.server.app.events.purgeExpired()).toBe(3);
      expect(await partitions(db)).not.toContain('event_p0');
      const retained = await readAll(own, 100);
      expect(retained.map((event) => event.type)).not.toContain('test.old');
      expect(retained).toHaveLength(everything.length - 3);

      const expired = await own.gql(EventsDocument, { after: old[0].cursor, first: 10 }, TOKENS.PARTNER);
      expect(expired.data).toBeNull();
      expect(expired.errors?.map((error) => error.extensions?.code)).toEqual(['CURSOR_EXPIRED']);
      expect(expired.errors?.[0].message).toMatch(/retention/);
      // The last purged event's cursor lost nothing after it: it still resumes.
      const resumed = await readAll(own, 100, undefined, old[2].cursor);
      expect(resumed.map((event) => event.eventId)).toEqual(retained.map((event) => event.eventId));

      const subscription = collect(own.ws(TOKENS.PARTNER), InteractionAddedDocument, { after: old[0].cursor });
      await waitUntil(() => subscription.errors.length > 0, 10_000, 'the subscription error');
      expect(JSON.stringify(subscription.errors)).toContain('CURSOR_EXPIRED');
      expect(subscription.items).toEqual([]);

      // Purged once at start as well: a second instance clears what became old since (here an event in
      // the default partition, where ids land that no partition covers).
      await db.query(`insert into event (id, type, payload, occurred_at) values (9000000000000000, 'test.old', '{}', now() - interval '31 days')`);
      expect((await db.query(`select tableoid::regclass::text as part from event where id = 9000000000000000`)).rows[0].part).toBe('event_default');
      const second = await startTestServer({ databaseUrl: own.databaseUrl });
      try {
        await waitUntil(async () => (await db.query(`select count(*)::int as n from event where type = 'test.old'`)).rows[0].n === 0, 10_000, 'the start-up purge');
      } finally {
        await second.stop();
      }
    } finally {
      await db.end();
      await own.stop();
    }
  });

  it('never purges past the position a relay has published (bug: retention purged events the relay had not relayed yet)', async () => {
    const own = await startTestServer({ env: { OMNI360_EVENT_RETENTION_DAYS: '30' } });
    const db = await rawClient(own);
    try {
      // The start-up partition maintenance, and the purge the hub chains to it, end first: that purge,
      // started after the rows below were written and before the relay's position, removed all four.
      await own.server.app.events.maintainPartitions();
      await own.server.app.events.purgeExpired();
      await db.query(`delete from event`);
      await db.query(`insert into event (id, type, payload, occurred_at) select 9000000000000000 + n, 'test.old', jsonb_build_object('n', n), now() - interval '40 days' from generate_series(1, 4) n`);
      const rows = (await db.query<{ xid: string; id: string }>(`select xid::text, id::text from event order by id`)).rows;
      // A relay that published the first two of them only.
      await db.query(`insert into relay_position (name, xid, id) values ('nats:TEST', $1::xid8, $2::bigint)`, [rows[1].xid, rows[1].id]);
      expect(await own.server.app.events.purgeExpired()).toBe(2);
      expect((await db.query(`select id::text from event order by id`)).rows.map((row) => row.id)).toEqual([rows[2].id, rows[3].id]);
      // The same holds for a whole partition: one the relay has not finished stays.
      await db.query(`select setval('event_id_seq', 1999998)`);
      await db.query(`insert into event (type, payload, occurred_at) values ('test.old', '{}', now() - interval '40 days')`);
      await db.query(`select setval('event_id_seq', 2000001)`);
      // The empty event_p0 goes; event_p1000000 holds an event the relay has not published.
      expect(await own.server.app.events.purgeExpired()).toBe(0);
      expect((await partitions(db))[0]).toBe('event_p1000000');
      // Once the relay has published everything, both go.
      await db.query(`update relay_position set xid = pg_current_xact_id(), id = 9100000000000000`);
      expect(await own.server.app.events.purgeExpired()).toBe(3);
      expect(await partitions(db)).not.toContain('event_p1000000');
    } finally {
      await db.end();
      await own.stop();
    }
  });

  it('runs the partition maintenance again when PostgreSQL rolls it back to break a deadlock', async () => {
    const own = await startTestServer({ env: { OMNI360_EVENT_PARTITION_SIZE: '1000' } });
    const db = await rawClient(own);
    const blocker = await rawClient(own);
    try {
      await blocker.query(`set deadlock_timeout = '10s'`);
      let top = 0n;
      let outcome: { created?: number; error?: { code?: string } } = {};
      // The deadlock forms only when the reader asks for the default partition within the maintenance
      // backend's deadlock_timeout (1 s) of its wait; a test process slower than that (a loaded CI
      // machine) sees the maintenance give up at its lock_timeout instead (55P03) and sets it up again.
      for (let attempt = 1; attempt <= 3 && outcome.created === undefined; attempt++) {
        await own.server.app.events.maintainPartitions();
        // The sequence near the last partition's end: the maintenance has one to create.
        top = await rangeTop(db);
        await db.query(`select setval('event_id_seq', $1)`, [String(top - 500n)]);
        // A reader of the log holds the table; the maintenance reads the default partition, then waits for the table.
        await blocker.query('begin');
        await blocker.query('lock table event in access share mode');
        const maintained = own.server.app.events.maintainPartitions().then(
          (created) => ({ created }),
          (error: { code?: string }) => ({ error }),
        );
        // The maintenance's DDL waiting for its lock: found by its statement, since the lock it waits for
        // and the server's readers of the log queued behind it vary with timing.
        await waitUntil(async () =>
          (await db.query(`select 1 from pg_locks l join pg_stat_activity a on a.pid = l.pid where not l.granted and a.query like 'create table event_p%'`)).rowCount! > 0,
        );
        // The reader now wants the default partition whole: a cycle, which the maintenance's backend
        // (deadlock_timeout 1 s, the reader's 10 s) finds first and breaks by rolling itself back.
        await blocker.query('lock table event_default in access exclusive mode');
        await blocker.query('commit');
        outcome = await maintained;
        if (outcome.error && outcome.error.code !== '55P03') throw outcome.error;
      }
      expect(outcome.created).toBeGreaterThan(0);
      expect((await db.query(`select count(*)::int as n from pg_class where relname = $1`, [`event_p${top}`])).rows[0].n).toBe(1);
    } finally {
      await blocker.end();
      await db.end();
      await own.stop();
    }
  });

  it('creates the partitions the sequence needs next and moves events that landed in the default partition into them', async () => {
    const own = await startTestServer({ env: { OMNI360_EVENT_PARTITION_SIZE: '1000' } });
    const db = await rawClient(own);
    try {
      await own.server.app.events.maintainPartitions();
      // Ids past every partition land in the default partition until the maintenance catches up.
      const top = await rangeTop(db);
      await db.query(`select setval('event_id_seq', $1)`, [String(top + 1500n)]);
      await record(own, { customer: newCustomerRef('part') });
      const stray = (await db.query<{ part: string; id: string }>(`select tableoid::regclass::text as part, id::text from event where id > $1`, [String(top)])).rows;
      expect(stray.length).toBeGreaterThan(0);
      expect(new Set(stray.map((row) => row.part))).toEqual(new Set(['event_default']));
      expect(await own.server.app.events.maintainPartitions()).toBeGreaterThan(0);
      const moved = (await db.query<{ part: string; id: string }>(`select tableoid::regclass::text as part, id::text from event where id > $1 order by id`, [String(top)])).rows;
      expect(moved.map((row) => row.id)).toEqual(stray.map((row) => row.id).sort());
      expect(moved.every((row) => row.part !== 'event_default')).toBe(true);
      // Two partitions of headroom beyond the sequence.
      const last = (await db.query<{ last: string }>(`select last_value::text as last from event_id_seq`)).rows[0].last;
      expect(await rangeTop(db)).toBeGreaterThan(BigInt(last) + 2000n);
    } finally {
      await db.end();
      await own.stop();
    }
  });
});
