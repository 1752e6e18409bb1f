import { connect, headers, JSONCodec, type JetStreamManager, type NatsConnection } from 'nats';
import pino from 'pino';
import { Client } from 'pg';
import { loadConfig, type NatsRelayConfig } from '../src/config/config';
import type { RoleName } from '../src/config/roles';
import { canReadType } from '../src/common/role-policy';
import { createLocation, createProduct, order, receive } from './support/commerce';
import { numbered } from '../src/database/sql';
import { encodeEventCursor } from '../src/modules/events/event-cursor';
import { NatsRelay, storedRelayPosition, subjectFor, type RelayedEvent } from '../src/relay/nats-relay';
import { createLogger } from '../src/server/logger';
import { IdentifyCustomerDocument } from './generated/graphql';
import { startTestServer, unique, type TestServer } from './support/server';

/**
 * The NATS JetStream relay against the local NATS server (NATS_URL; .ci/run exports it when 127.0.0.1:4222
 * answers). Each test uses its own subject prefix and stream, deleted afterwards.
 */
const NATS_URL = process.env.NATS_URL;
const describeNats = NATS_URL ? describe : describe.skip;
if (!NATS_URL) {
  console.warn('relay-jetstream tests SKIPPED: NATS_URL is not set (e.g. NATS_URL=nats://127.0.0.1:4222 with a JetStream-enabled nats-server)');
}

const log = createLogger('silent');
const codec = JSONCodec<RelayedEvent>();

let env: TestServer;
let nc: NatsConnection;
let jsm: JetStreamManager;
const streams: string[] = [];

function natsConfig(role: RoleName = 'ANALYST'): NatsRelayConfig {
  const id = unique('r');
  const stream = `OMNI360_TEST_${id.toUpperCase()}`;
  streams.push(stream);
  return { servers: [NATS_URL!], subjectPrefix: `omni360test.${id}`, stream, role };
}

async function eventIdsInLogOrder(databaseUrl = env.databaseUrl): Promise<{ id: string; type: string }[]> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<{ id: string; type: string }>('select e.id::text as id, e.type from event e order by e.xid, e.id')).rows;
  } finally {
    await client.end();
  }
}

async function createCustomers(n: number, target = env): Promise<void> {
  for (let i = 0; i < n; i++) {
    const res = await target.ok(IdentifyCustomerDocument, {
      input: { identities: [{ type: 'EMAIL', value: `${unique('relay.')}@example.com` }], profile: { firstName: 'Ada', lastName: `Relay${i}` }, channel: 'WEB' },
    });
    expect(res.identifyCustomer.userErrors).toEqual([]);
  }
}

/** Messages in the stream; 0 until the relay created it. */
async function streamCount(stream: string): Promise<number> {
  try {
    return (await jsm.streams.info(stream)).state.messages;
  } catch (error) {
    if ((error as Error).message === 'stream not found') return 0;
    throw error;
  }
}

/** Every message of the stream, in stream order, through an ordered consumer. */
async function consumeAll(stream: string): Promise<{ subject: string; msgId: string | undefined; event: RelayedEvent }[]> {
  const expected = await streamCount(stream);
  const consumer = await nc.jetstream().consumers.get(stream);
  const out: { subject: string; msgId: string | undefined; event: RelayedEvent }[] = [];
  while (out.length < expected) {
    const batch = await consumer.fetch({ max_messages: expected - out.length, expires: 2_000 });
    for await (const message of batch) out.push({ subject: message.subject, msgId: message.headers?.get('Nats-Msg-Id'), event: codec.decode(message.data) });
  }
  return out;
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describeNats('NATS JetStream relay', () => {
  beforeAll(async () => {
    env = await startTestServer();
    nc = await connect({ servers: NATS_URL! });
    jsm = await nc.jetstreamManager();
  });
  afterAll(async () => {
    for (const stream of streams) await jsm?.streams.delete(stream).catch(() => undefined);
    await nc?.close();
    await env?.stop();
  });

  it('relays every event in log order across a restart in the middle, none missing, each once', async () => {
    const nats = natsConfig();
    await createCustomers(16);
    const before = await eventIdsInLogOrder();
    expect(before.length).toBeGreaterThanOrEqual(16);

    // First run: stopped in the middle of the backlog, after its second batch of four.
    let published = 0;
    let stopping: Promise<void> | undefined;
    const first: NatsRelay = new NatsRelay({
      databaseUrl: env.databaseUrl, nats, log, batchSize: 4,
      onPublished: (n) => {
        published += n;
        if (published >= 8) stopping ??= first.stop();
      },
    });
    first.start();
    try {
      await waitFor('the first relay to stop', () => stopping !== undefined);
    } finally {
      await (stopping ?? first.stop());
    }
    const afterFirst = await streamCount(nats.stream);
    expect(afterFirst).toBe(8);
    expect(afterFirst).toBeLessThan(before.length);

    // Written while no relay runs.
    await createCustomers(5);
    const all = await eventIdsInLogOrder();

    const second = new NatsRelay({ databaseUrl: env.databaseUrl, nats, log, batchSize: 4 });
    second.start();
    try {
      await waitFor('every event on the stream', async () => (await streamCount(nats.stream)) >= all.length);
    } finally {
      await second.stop();
    }

    const messages = await consumeAll(nats.stream);
    // In log order, none missing, none twice.
    expect(messages.map((message) => message.msgId)).toEqual(all.map((event) => event.id));
    expect(messages.map((message) => message.event.eventId)).toEqual(all.map((event) => event.id));
    expect(messages.map((message) => message.subject)).toEqual(all.map((event) => `${nats.subjectPrefix}.${event.type}`));
    expect(messages[0].event.cursor).toEqual(expect.any(String));
  });

  it('publishes again after a crash before the position was stored, and JetStream drops every repeat', async () => {
    const nats = natsConfig();
    await createCustomers(3);
    const all = await eventIdsInLogOrder();
    const relay = new NatsRelay({ databaseUrl: env.databaseUrl, nats, log, batchSize: 50 });
    relay.start();
    try {
      await waitFor('the backlog on the stream', async () => (await streamCount(nats.stream)) >= all.length);
    } finally {
      await relay.stop();
    }

    // A crash between the acknowledgements and storing the position: the position is lost.
    const client = new Client({ connectionString: env.databaseUrl });
    await client.connect();
    await client.query('delete from relay_position where name = $1', [relay.name]);
    let republished = 0;
    const again = new NatsRelay({ databaseUrl: env.databaseUrl, nats, log, batchSize: 50, onPublished: (n) => (republished += n) });
    again.start();
    try {
      await waitFor('the backlog published again', () => republished >= all.length);
    } finally {
      await again.stop();
      await client.end();
    }
    // Publishes were acknowledged as duplicates: the stream still holds each event once, in order.
    const messages = await consumeAll(nats.stream);
    expect(messages.map((message) => message.msgId)).toEqual(all.map((event) => event.id));
    const ids = messages.map((message) => message.msgId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('applies the role policy of its role: PARTNER gets no order, stock or catalogue event and masked payloads, ADMIN everything in clear', async () => {
    const messageId = `<${unique('relaymsg')}@mail.example.com>`;
    const recorded = await env.gql<{ recordInteraction: { userErrors: unknown[] } }, Record<string, unknown>>(
      `mutation ($input: RecordInteractionInput!) { recordInteraction(input: $input) { userErrors { code } } }`,
      { input: { source: 'relay-test', externalId: messageId, channel: 'CHAT', direction: 'INBOUND', subject: 'Parcel for Grace Hopper', customer: { identities: [{ type: 'EMAIL', value: `${unique('relay.')}@example.com` }] } } },
    );
    expect(recorded.data?.recordInteraction.userErrors).toEqual([]);
    // Order, stock and catalogue events come last: the PARTNER relay's stored position must move past them too.
    const product = await createProduct(env);
    const warehouse = await createLocation(env, 'WAREHOUSE');
    await receive(env, product.sku, warehouse.id, 3);
    await order(env, { channel: 'WEB', customer: { identities: [{ type: 'EMAIL', value: `${unique('relay.buyer')}@example.com` }] }, lines: [{ sku: product.sku, quantity: 1 }] });
    const all = await eventIdsInLogOrder();
    const published: Record<string, RelayedEvent[]> = {};
    for (const role of ['PARTNER', 'ADMIN'] as const) {
      const nats = natsConfig(role);
      const relay = new NatsRelay({ databaseUrl: env.databaseUrl, nats, log, batchSize: 50 });
      relay.start();
      try {
        const expected = all.filter((event) => role === 'ADMIN' || !/^(order|stock|product|location|offer)\./.test(event.type)).length;
        await waitFor(`${role}: the backlog on the stream`, async () => (await streamCount(nats.stream)) >= expected);
        const client = new Client({ connectionString: env.databaseUrl });
        await client.connect();
        try {
          const run = async <T,>(sql: string, params: unknown[]) => (await client.query(numbered(sql), params)).rows as T[];
          await waitFor(`${role}: the position past the last event`, async () => String((await storedRelayPosition(run, relay.name))?.id) === all.at(-1)!.id);
        } finally {
          await client.end();
        }
      } finally {
        await relay.stop();
      }
      published[role] = (await consumeAll(nats.stream)).map((message) => message.event);
    }
    const types = (role: string) => new Set(published[role].map((event) => event.type.split('.')[0]));
    expect([...types('PARTNER')].filter((type) => ['order', 'stock', 'product', 'location', 'offer'].includes(type))).toEqual([]);
    expect([...types('ADMIN')]).toEqual(expect.arrayContaining(['order', 'stock', 'product', 'location', 'customer']));
    expect(published.ADMIN.map((event) => event.eventId)).toEqual(all.map((event) => event.id));
    // Payloads as the role reads them: the subject and the Message-ID masked for PARTNER, in clear for ADMIN.
    for (const secret of ['Grace Hopper', messageId]) {
      expect(JSON.stringify(published.PARTNER)).not.toContain(secret);
      expect(JSON.stringify(published.ADMIN)).toContain(secret);
    }
  });

  it('publishes an event that became readable only after later ones were on the stream, after them, and logs it as out of log order', async () => {
    const nats = natsConfig();
    await createCustomers(3);
    const client = new Client({ connectionString: env.databaseUrl });
    await client.connect();
    const log = (await client.query<{ id: string; xid: string; type: string }>('select e.id::text as id, e.xid::text as xid, e.type from event e order by e.xid, e.id')).rows;
    await client.end();
    const newest = log[log.length - 1];
    // What an earlier term leaves when it published the newest event before the older ones were readable
    // and stopped before storing its position: a stream ending with an event the log has others before.
    await jsm.streams.add({ name: nats.stream, subjects: [`${nats.subjectPrefix}.>`], duplicate_window: 120_000_000_000 });
    const cursor = encodeEventCursor({ xid: BigInt(newest.xid), id: BigInt(newest.id) });
    const h = headers();
    h.set('Omni360-Cursor', cursor);
    await nc.jetstream().publish(subjectFor(nats.subjectPrefix, newest.type), codec.encode({ eventId: newest.id, cursor, type: newest.type, occurredAt: '', customerId: null, payload: {} }), {
      msgID: newest.id,
      headers: h,
    });

    const lines: string[] = [];
    const captured = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    const relay = new NatsRelay({ databaseUrl: env.databaseUrl, nats, log: captured, batchSize: 50 });
    relay.start();
    try {
      await waitFor('every event on the stream', async () => (await streamCount(nats.stream)) >= log.length);
      await new Promise((resolve) => setTimeout(resolve, 200)); // a repeat of the newest would show now
    } finally {
      await relay.stop();
    }
    // Nothing lost, nothing twice: the older events follow the newest one, each logged as out of order.
    const messages = await consumeAll(nats.stream);
    expect(messages.map((message) => message.msgId)).toEqual([newest.id, ...log.slice(0, -1).map((event) => event.id)]);
    const errors = lines.map((line) => JSON.parse(line) as { msg: string; eventId: string });
    expect(errors.map((error) => error.eventId)).toEqual(log.slice(0, -1).map((event) => event.id));
    expect(new Set(errors.map((error) => error.msg))).toEqual(new Set(['relay: event published out of log order (later events were on the stream already)']));
  });

  it('lets one instance relay at a time: a second one stands by and takes over when the first stops', async () => {
    const nats = natsConfig();
    const a = new NatsRelay({ databaseUrl: env.databaseUrl, nats, log, standbyRetryMs: 100 });
    const b = new NatsRelay({ databaseUrl: env.databaseUrl, nats, log, standbyRetryMs: 100 });
    a.start();
    try {
      await waitFor('a to take the lock', () => a.isActive());
      b.start();
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(b.isActive()).toBe(false);
      await a.stop();
      await waitFor('b to take over', () => b.isActive());
      await createCustomers(2);
      const all = await eventIdsInLogOrder();
      await waitFor('every event on the stream', async () => (await streamCount(nats.stream)) >= all.length);
      const messages = await consumeAll(nats.stream);
      expect(messages.map((message) => message.msgId)).toEqual(all.map((event) => event.id));
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it('runs inside the server when NATS_URL is set, masks personal payload values, and reports itself in /metrics', async () => {
    const nats = natsConfig();
    const server = await startTestServer({
      databaseUrl: env.databaseUrl,
      env: { NATS_URL: NATS_URL!, OMNI360_NATS_SUBJECT_PREFIX: nats.subjectPrefix, OMNI360_NATS_STREAM: nats.stream },
    });
    try {
      expect(server.server.relay).toBeDefined();
      await waitFor('the server relay to take the lock', () => server.server.relay!.isActive());
      await createCustomers(1, server);
      const recorded = await server.gql<{ recordInteraction: { userErrors: unknown[] } }, Record<string, unknown>>(
        `mutation ($input: RecordInteractionInput!) { recordInteraction(input: $input) { userErrors { code } } }`,
        {
          input: {
            source: 'relay-test', externalId: unique('x'), channel: 'CHAT', direction: 'INBOUND', subject: 'Parcel for Ada Lovelace',
            customer: { identities: [{ type: 'EMAIL', value: `${unique('relay.')}@example.com` }] },
          },
        },
      );
      expect(recorded.errors).toBeUndefined();
      expect(recorded.data?.recordInteraction.userErrors).toEqual([]);
      const all = await eventIdsInLogOrder();
      await waitFor('the new event on the stream', async () => (await streamCount(nats.stream)) >= all.length);
      const messages = await consumeAll(nats.stream);
      expect(messages.map((message) => message.msgId)).toEqual(all.map((event) => event.id));
      // Personal values (names, e-mail addresses) leave masked unless OMNI360_NATS_PERSONAL_DATA=true.
      const interaction = messages.find((message) => message.event.type === 'interaction.recorded');
      expect(interaction?.subject).toBe(`${nats.subjectPrefix}.interaction.recorded`);
      const subject = (interaction!.event.payload as { subject: string }).subject;
      expect(typeof subject).toBe('string');
      expect(subject).not.toBe('Parcel for Ada Lovelace');
      expect(JSON.stringify(messages.map((message) => message.event.payload))).not.toMatch(/Lovelace|relay\.[a-z0-9]+@example\.com/);

      const metrics = await fetch(server.url.replace('/graphql', '/metrics')).then((res) => res.text());
      expect(metrics).toMatch(/^omni360_relay_active 1$/m);
      expect(metrics).toMatch(/^omni360_relay_lag_events 0$/m);
      expect(Number(/^omni360_relay_events_published_total (\d+)$/m.exec(metrics)?.[1])).toBe(all.length);
    } finally {
      await server.stop();
    }
  });
});

describe('relay configuration (always runs)', () => {
  it('is off by default; NATS_URL switches it on; names are validated', () => {
    expect(loadConfig({}).nats).toEqual({ servers: [], subjectPrefix: 'omni360', stream: 'OMNI360_EVENTS', role: 'ANALYST' });
    expect(loadConfig({ NATS_URL: 'nats://a:4222, tls://b:4222', OMNI360_NATS_SUBJECT_PREFIX: 'acme.omni360', OMNI360_NATS_STREAM: 'ACME_EVENTS' }).nats)
      .toMatchObject({ servers: ['nats://a:4222', 'tls://b:4222'], subjectPrefix: 'acme.omni360', stream: 'ACME_EVENTS' });
    expect(() => loadConfig({ NATS_URL: 'http://a:4222' })).toThrow(/NATS_URL/);
    expect(() => loadConfig({ OMNI360_NATS_SUBJECT_PREFIX: 'omni.*' })).toThrow(/OMNI360_NATS_SUBJECT_PREFIX/);
    expect(() => loadConfig({ OMNI360_NATS_STREAM: 'has.dot' })).toThrow(/OMNI360_NATS_STREAM/);
  });

  it('reads the log as OMNI360_NATS_RELAY_ROLE (default ANALYST); the older OMNI360_NATS_PERSONAL_DATA=true stands for ADMIN; INGEST is refused', () => {
    expect(loadConfig({ OMNI360_NATS_RELAY_ROLE: 'PARTNER' }).nats.role).toBe('PARTNER');
    expect(loadConfig({ OMNI360_NATS_PERSONAL_DATA: 'true' }).nats.role).toBe('ADMIN');
    expect(() => loadConfig({ OMNI360_NATS_PERSONAL_DATA: 'true', OMNI360_NATS_RELAY_ROLE: 'PARTNER' })).toThrow(/OMNI360_NATS_PERSONAL_DATA/);
    expect(() => loadConfig({ OMNI360_NATS_RELAY_ROLE: 'ROOT' })).toThrow(/OMNI360_NATS_RELAY_ROLE/);
    // Refused because the role policy gives INGEST no event log (the config says so without importing it).
    expect(canReadType({ role: 'INGEST', name: 'x', via: 'api-key' }, 'Event')).toBe(false);
    expect(() => loadConfig({ OMNI360_NATS_RELAY_ROLE: 'INGEST' })).toThrow(/OMNI360_NATS_RELAY_ROLE/);
  });

  it('maps event types to subjects without wildcards', () => {
    expect(subjectFor('omni360', 'order.placed')).toBe('omni360.order.placed');
    expect(subjectFor('p', 'weird type.*.>')).toBe('p.weird_type._._');
  });
});
