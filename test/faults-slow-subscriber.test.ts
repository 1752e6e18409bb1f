import { print } from 'graphql';
import WebSocket from 'ws';
import { InteractionAddedDocument, type InteractionAddedSubscription } from './generated/graphql';
import { collect, newCustomerRef, record, waitUntil } from './support/interactions';
import { startTestServer, TOKENS, unique, type TestServer } from './support/server';

/**
 * Slow subscriber: a client that subscribes and then stops reading its socket. The server must not
 * buffer for it without bound: past OMNI360_WS_MAX_BUFFERED_BYTES of unread data it closes the socket
 * with 1013 and frees the subscription; the client resumes from its last cursor and loses nothing.
 */

const LIMIT = 512 * 1024;
const BODY = 'x'.repeat(90_000);
const MAX_RECORDS = 400;

let env: TestServer;
beforeAll(async () => {
  env = await startTestServer({
    env: { OMNI360_WS_MAX_BUFFERED_BYTES: String(LIMIT), OMNI360_RATE_LIMIT_PER_SECOND: '0', OMNI360_WS_KEEPALIVE_MS: '120000' },
  });
});
afterAll(() => env.stop());

type Event = InteractionAddedSubscription['interactionAdded'];

/** A raw graphql-transport-ws client, so that the test controls reading the socket itself. */
async function rawSubscriber(): Promise<{ socket: WebSocket; events: Event[]; closed: Promise<{ code: number; reason: string }> }> {
  const socket = new WebSocket(env.wsUrl, 'graphql-transport-ws');
  const events: Event[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const acked = new Promise<void>((resolve) => {
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { type: string; id?: string; payload?: { data?: InteractionAddedSubscription } };
      if (message.type === 'connection_ack') resolve();
      if (message.type === 'next' && message.payload?.data) events.push(message.payload.data.interactionAdded);
    });
  });
  socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${TOKENS.AGENT}` } }));
  await acked;
  socket.send(JSON.stringify({ id: 's1', type: 'subscribe', payload: { query: print(InteractionAddedDocument), variables: {} } }));
  return { socket, events, closed };
}

describe('a subscriber that stops reading', () => {
  it('is closed with 1013 (Try Again Later, which graphql-ws clients retry) past the buffer bound, its subscription freed, and resumes by cursor without loss', async () => {
    const customer = newCustomerRef('slow');
    const subscriber = await rawSubscriber();
    await waitUntil(() => env.server.app.events.stats().active === 1, 10_000, 'the subscription');

    // A first interaction proves the subscription is live before the client stops reading.
    const recorded: string[] = [];
    const first = await record(env, { customer, externalId: unique('slow-'), body: 'first' });
    recorded.push(first.externalId);
    await waitUntil(() => subscriber.events.length === 1, 10_000, 'the first event');
    subscriber.socket.pause();

    const rssBefore = process.memoryUsage().rss;
    let peakQueued = 0;
    let peakRss = rssBefore;
    const sample = setInterval(() => {
      peakQueued = Math.max(peakQueued, env.server.app.events.stats().queued);
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 10);
    try {
      while (env.server.websocket.stats().closedTooSlow === 0 && recorded.length < MAX_RECORDS) {
        const batch = await Promise.all(Array.from({ length: 4 }, () => record(env, { customer, externalId: unique('slow-'), body: BODY })));
        recorded.push(...batch.map((interaction) => interaction.externalId));
      }
    } finally {
      clearInterval(sample);
    }
    const stats = env.server.websocket.stats();
    console.log(`slow subscriber: closed after ${recorded.length} interactions (~${Math.round((recorded.length * BODY.length) / 1e6)} MB written); `
      + `peak unread ${stats.peakBufferedBytes} B (bound ${LIMIT}), peak hub queue ${peakQueued}, RSS +${Math.round((peakRss - rssBefore) / 1e6)} MB`);
    expect(stats.closedTooSlow).toBe(1);
    // Bounded: the bound plus at most one message (~90 kB here) was ever queued for the client.
    expect(stats.peakBufferedBytes).toBeLessThanOrEqual(LIMIT + 2 * BODY.length);
    expect(peakQueued).toBeLessThanOrEqual(10);
    // The subscription is freed at once, before the client reads anything.
    await waitUntil(() => env.server.app.events.stats().active === 0, 5_000, 'the subscription freed');

    // The client reads again: what was sent before the close, then the close frame with the clear code.
    subscriber.socket.resume();
    const close = await subscriber.closed;
    expect(close).toEqual({ code: 1013, reason: 'subscriber too slow; resume with your last cursor' });
    const seen = subscriber.events.map((event) => event.interaction.externalId);
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.length).toBeLessThan(recorded.length);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.every((externalId) => recorded.includes(externalId))).toBe(true);

    // Resuming from the last cursor delivers exactly the rest, in order.
    const rest = collect(env.ws(TOKENS.AGENT), InteractionAddedDocument, { after: subscriber.events.at(-1)!.cursor });
    const resumed = await rest.waitFor(recorded.length - seen.length, 30_000);
    const all = [...seen, ...resumed.map((event) => event.interactionAdded.interaction.externalId)];
    expect(new Set(all).size).toBe(all.length);
    expect(all.sort()).toEqual([...recorded].sort());
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(rest.items).toHaveLength(recorded.length - seen.length);
    rest.dispose();
  });

  it('keeps serving a client that reads, however much it receives', async () => {
    const before = env.server.websocket.stats().closedTooSlow;
    const customer = newCustomerRef('fast');
    const events = collect(env.ws(TOKENS.AGENT), InteractionAddedDocument, { filter: {} });
    await waitUntil(() => env.server.app.events.stats().active === 1, 10_000, 'the subscription');
    const externalIds: string[] = [];
    for (let i = 0; i < 10; i++) {
      const batch = await Promise.all(Array.from({ length: 4 }, () => record(env, { customer, externalId: unique('fast-'), body: BODY })));
      externalIds.push(...batch.map((interaction) => interaction.externalId));
    }
    const received = await events.waitFor(externalIds.length, 30_000);
    expect(received.map((event) => event.interactionAdded.interaction.externalId).sort()).toEqual([...externalIds].sort());
    expect(env.server.websocket.stats().closedTooSlow).toBe(before);
    events.dispose();
  });
});
