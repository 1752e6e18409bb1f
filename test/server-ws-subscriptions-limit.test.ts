import { startTestServer, TOKENS, type TestServer } from './support/server';
import { waitUntil } from './support/interactions';

/** At most OMNI360_WS_MAX_SUBSCRIPTIONS subscriptions per connection; the next one gets a coded error. */

const MAX = 3;
let env: TestServer;
beforeAll(async () => {
  env = await startTestServer({ env: { OMNI360_WS_MAX_SUBSCRIPTIONS: String(MAX), OMNI360_RATE_LIMIT_PER_SECOND: '0' } });
});
afterAll(() => env.stop());

type Outcome = { errors?: { message: string; extensions?: Record<string, unknown> }[]; completed?: boolean };

describe('subscriptions per WebSocket connection', () => {
  it(`refuses subscription ${MAX + 1} with TOO_MANY_SUBSCRIPTIONS and keeps the connection usable`, async () => {
    const client = env.ws(TOKENS.AGENT);
    let closes = 0;
    client.on('closed', () => {
      closes += 1;
    });
    const outcomes: Outcome[] = [];
    const disposers: (() => void)[] = [];
    const subscribe = (index: number) => {
      outcomes[index] = {};
      disposers[index] = client.subscribe({ query: 'subscription { stockChanged { eventId } }' }, {
        next: () => undefined,
        error: (error) => {
          outcomes[index].errors = error as Outcome['errors'];
        },
        complete: () => {
          outcomes[index].completed = true;
        },
      });
    };
    for (let i = 0; i < MAX; i++) subscribe(i);
    await waitUntil(() => env.server.app.events.stats().active === MAX, 10_000, `${MAX} open subscriptions`);

    subscribe(MAX);
    await waitUntil(() => outcomes[MAX].errors !== undefined, 10_000, 'the refusal');
    expect(outcomes[MAX].errors).toEqual([expect.objectContaining({
      message: expect.stringMatching(new RegExp(`already runs ${MAX} subscriptions`)),
      extensions: { code: 'TOO_MANY_SUBSCRIPTIONS', limit: MAX },
    })]);
    // The first ones are untouched, and the connection still answers queries.
    expect(outcomes.slice(0, MAX).every((outcome) => !outcome.errors && !outcome.completed)).toBe(true);
    expect(env.server.app.events.stats().active).toBe(MAX);
    const viewer = await new Promise((resolve, reject) => {
      client.subscribe({ query: '{ viewer { role } }' }, { next: resolve, error: reject, complete: () => undefined });
    });
    expect(viewer).toEqual({ data: { viewer: { role: 'AGENT' } } });

    // Completing one frees its place.
    disposers[0]();
    await waitUntil(() => env.server.app.events.stats().active === MAX - 1, 10_000, 'one subscription freed');
    subscribe(MAX + 1);
    await waitUntil(() => env.server.app.events.stats().active === MAX, 10_000, 'the new subscription');
    expect(outcomes[MAX + 1].errors).toBeUndefined();
    expect(closes).toBe(0);
    for (const dispose of disposers) dispose();
  });

  it('counts per connection: another connection of the same key has its own allowance', async () => {
    await waitUntil(() => env.server.app.events.stats().active === 0, 10_000, 'the first test\'s subscriptions closed');
    const before = 0;
    const clients = [env.ws(TOKENS.AGENT), env.ws(TOKENS.AGENT)];
    const errors: unknown[] = [];
    const disposers = clients.flatMap((client) =>
      Array.from({ length: MAX }, () => client.subscribe({ query: 'subscription { stockChanged { eventId } }' }, {
        next: () => undefined, error: (error) => errors.push(error), complete: () => undefined,
      })));
    await waitUntil(() => env.server.app.events.stats().active === before + 2 * MAX, 10_000, `${2 * MAX} subscriptions`);
    expect(errors).toEqual([]);
    for (const dispose of disposers) dispose();
  });

  it('does not count queries and mutations against the limit', async () => {
    const client = env.ws(TOKENS.AGENT);
    const results = await Promise.all(Array.from({ length: MAX * 3 }, () => new Promise((resolve, reject) => {
      client.subscribe({ query: '{ viewer { role } }' }, { next: resolve, error: reject, complete: () => undefined });
    })));
    expect(results).toHaveLength(MAX * 3);
  });
});
