import { Omni360Client } from '../examples/client';
import { freePort, ServerProcess } from './support/server-process';
import { createTestDatabase, TOKENS, unique } from './support/server';

/**
 * The typed example follower (examples/client.ts, `followInteractions`) across a graceful restart and
 * a SIGKILL of the real server (npm run test:faults): it reconnects with backoff and resumes from the
 * cursor of the last event it delivered. Every interaction written (writes are retried with the same
 * idempotency key until acknowledged) is delivered exactly once: nothing missed, nothing repeated.
 */
const WRITES = 30;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let server: ServerProcess;
afterAll(async () => {
  await server?.kill('SIGKILL');
});

describe('examples/client.ts followInteractions', () => {
  it('misses nothing and repeats nothing across a restart and a SIGKILL', async () => {
    server = new ServerProcess(await freePort(), await createTestDatabase());
    await server.start();
    const client = new Omni360Client(`${server.baseUrl}/graphql`, TOKENS.AGENT);
    const delivered: string[] = [];
    const reconnects: unknown[] = [];
    const fatal: unknown[] = [];
    const stop = client.followInteractions(
      null,
      (event) => delivered.push(event.interaction.id),
      (error) => fatal.push(error),
      {
        reconnecting: (_attempt, _delay, cause) => reconnects.push(cause),
      },
    );
    await sleep(1_500); // without a cursor the follow starts at "now": let it subscribe first

    const customer = { identities: [{ type: 'EMAIL' as const, value: `${unique('follow')}@example.com` }] };
    const written: string[] = [];
    const write = async (n: number) => {
      // Retried with the same (source, externalId) until acknowledged: the server may be down.
      const deadline = Date.now() + 120_000;
      for (;;) {
        if (Date.now() > deadline) throw new Error(`write ${n} not acknowledged in 120 s; server output:\n${server.tail()}`);
        try {
          const recorded = await client.recordInteraction({
            source: 'resume-test',
            externalId: `w${n}`,
            channel: 'CHAT',
            direction: 'INBOUND',
            customer,
            body: `message ${n}`,
          });
          if (recorded.userErrors.length) throw new Error(JSON.stringify(recorded.userErrors));
          written.push(recorded.interaction!.id);
          return;
        } catch {
          await sleep(200);
        }
      }
    };

    for (let n = 1; n <= WRITES; n++) {
      await write(n);
      if (n === 10 || n === 20) {
        const started = Date.now();
        await server.kill(n === 10 ? 'SIGTERM' : 'SIGKILL'); // a deploy's graceful stop, then a crash
        const stopped = Date.now();
        await server.start();
        console.log(
          `${n === 10 ? 'SIGTERM' : 'SIGKILL'}: stopped in ${stopped - started} ms, started again in ${Date.now() - stopped} ms; ${delivered.length} delivered`,
        );
      }
      await sleep(50);
    }

    const deadline = Date.now() + 60_000;
    while (new Set(delivered).size < WRITES && Date.now() < deadline && fatal.length === 0) await sleep(100);
    await sleep(1_000); // a repeat would arrive now
    stop();
    await client.close();

    expect(fatal).toEqual([]);
    expect(new Set(written).size).toBe(WRITES);
    expect(delivered.length).toBe(new Set(delivered).size); // nothing repeated
    expect([...delivered].sort()).toEqual([...written].sort()); // nothing missed, nothing else
    expect(reconnects.length).toBeGreaterThanOrEqual(2);
    console.log(`follower: ${WRITES} interactions across a SIGTERM restart and a SIGKILL, ${reconnects.length} reconnect attempts`);
  }, 300_000);
});
