import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { migrateUp } from '../src/database/migrate';
import { withDatabaseName } from './database';
import { percentile, postJson } from './load';
import { RECORD_INTERACTION } from './queries';
import { freePort, ServerProcess, sleep } from '../test/support/server-process';

/**
 * Scenario (e), webhooks (`npm run bench:webhooks`; docs in bench/README.md): the server as `npm start`
 * runs it, WEBHOOKS webhooks (default 20; half owned by an ADMIN key, half by a PARTNER key, so two
 * executions per event) on interactionAdded pointing at a receiver in this process, and an open-loop
 * write load of recordInteraction at BENCH_WRITE_RATE/s (default 200). Measured: deliveries per second
 * acknowledged by the receiver, and the delivery latency from sending the write to receiving the
 * webhook (p50, p99). A throw-away database of its own, so it never touches another run's dataset.
 */

const ADMIN = 'bench-admin-key-0123456789abcdef';
const PARTNER = 'bench-partner-key-0123456789abcd';
const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const WEBHOOKS = num('BENCH_WEBHOOKS', 20);
const RATE = num('BENCH_WRITE_RATE', 200);
const SECONDS = num('BENCH_DURATION', 20);
const WARMUP = num('BENCH_WARMUP', 5);
const CONNECTIONS = num('BENCH_CONNECTIONS', 16);
const CUSTOMERS = 200;
const DATABASE = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const log = (message: string) => process.stderr.write(`[bench:webhooks] ${message}\n`);

const DOCUMENT = 'subscription { interactionAdded { eventId interaction { id externalId channel direction body occurredAt customer { id displayName } } } }';

async function main(): Promise<void> {
  const name = `omni360_bench_webhooks_${process.pid}`;
  const admin = new Client({ connectionString: withDatabaseName(DATABASE, 'postgres') });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  const databaseUrl = withDatabaseName(DATABASE, name);
  let server: ServerProcess | undefined;
  const receiverServer = http.createServer();
  try {
    await migrateUp(databaseUrl);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/graphql`;
    // The server's own output goes to this process's stderr, beside the bench's log.
    server = new ServerProcess(port, databaseUrl, {
      apiKeys: `ADMIN:bench-admin:${ADMIN},PARTNER:bench-partner:${PARTNER}`,
      env: { OMNI360_WEBHOOK_ALLOW_PRIVATE: 'true', OMNI360_METRICS: undefined },
      echo: true,
    });
    await server.start();
    const gql = async <T>(query: string, variables: Record<string, unknown>, token = ADMIN): Promise<T> => {
      const res = await postJson(url, { authorization: `Bearer ${token}` }, JSON.stringify({ query, variables }));
      const body = JSON.parse(res.text) as { data: T; errors?: unknown[] };
      if (body.errors?.length) throw new Error(JSON.stringify(body.errors));
      return body.data;
    };

    const customers: string[] = [];
    for (let i = 0; i < CUSTOMERS; i += 10) {
      const ids = await Promise.all(
        Array.from({ length: 10 }, async (_, j) => {
          const data = await gql<{ identifyCustomer: { customer: { id: string } } }>(
            `mutation($input: IdentifyCustomerInput!) { identifyCustomer(input: $input) { customer { id } } }`,
            {
              input: {
                identities: [{ type: 'EMAIL', value: `bench-${i + j}@webhooks.example.com` }],
                profile: { firstName: `Bench${i + j}`, lastName: 'Hook' },
                channel: 'WEB',
              },
            },
          );
          return data.identifyCustomer.customer.id as string;
        }),
      );
      customers.push(...ids);
    }

    // The receiver: acknowledges at once, records when each write's delivery arrived.
    const sentAt = new Map<string, number>();
    const latencies: number[] = [];
    let measuring = false;
    let acknowledged = 0;
    receiverServer.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        res.writeHead(200).end();
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data?: { interactionAdded?: { interaction?: { externalId?: string } } } };
        const sent = sentAt.get(body.data?.interactionAdded?.interaction?.externalId ?? '');
        if (sent === undefined) return;
        acknowledged += 1;
        if (measuring) latencies.push(performance.now() - sent);
      });
    });
    await new Promise<void>((resolve) => receiverServer.listen(0, '127.0.0.1', resolve));
    const receiverUrl = `http://127.0.0.1:${(receiverServer.address() as net.AddressInfo).port}/hook`;
    for (let i = 0; i < WEBHOOKS; i++) {
      const data = await gql<{ createWebhook: { userErrors: { code: string; message: string }[] } }>(
        `mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { id } userErrors { code message } } }`,
        { input: { url: receiverUrl, subscription: DOCUMENT } },
        i % 2 ? PARTNER : ADMIN,
      );
      if (data.createWebhook.userErrors.length) throw new Error(JSON.stringify(data.createWebhook.userErrors));
    }

    const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
    let writeErrors = 0;
    let written = 0;
    const write = (n: number) =>
      new Promise<void>((resolve) => {
        const externalId = `w${n}`;
        const body = JSON.stringify({
          query: RECORD_INTERACTION,
          variables: {
            input: { source: 'bench-e', externalId, channel: 'CHAT', direction: 'INBOUND', customer: { id: customers[n % CUSTOMERS] }, body: `message ${n}` },
          },
        });
        sentAt.set(externalId, performance.now());
        const request = http.request(
          url,
          {
            agent,
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}`, 'content-length': Buffer.byteLength(body) },
          },
          (response) => {
            response.resume();
            response.on('end', () => {
              if (response.statusCode === 200) written += 1;
              else writeErrors += 1;
              resolve();
            });
          },
        );
        request.on('error', () => {
          writeErrors += 1;
          resolve();
        });
        request.end(body);
      });

    // Open loop at RATE/s: WARMUP s unmeasured, then SECONDS s measured.
    let n = 0;
    const inFlight = new Set<Promise<void>>();
    const run = async (seconds: number) => {
      const started = performance.now();
      let due = 0;
      while (performance.now() - started < seconds * 1000) {
        const target = Math.floor(((performance.now() - started) / 1000) * RATE) + 1;
        while (due < target) {
          due += 1;
          const pending = write(n++).finally(() => inFlight.delete(pending));
          inFlight.add(pending);
        }
        await sleep(2);
      }
    };
    log(`${WEBHOOKS} webhooks, ${RATE} writes/s: ${WARMUP} s warm-up`);
    await run(WARMUP);
    await Promise.all(inFlight);
    const warmExpected = written * WEBHOOKS;
    for (const deadline = Date.now() + 30_000; acknowledged < warmExpected && Date.now() < deadline;) await sleep(50);
    const cpuBefore = process.cpuUsage();
    const firstMeasured = n;
    const writtenBefore = written;
    const ackedBefore = acknowledged;
    measuring = true;
    const started = performance.now();
    log(`${SECONDS} s measured`);
    await run(SECONDS);
    await Promise.all(inFlight);
    const writesMeasured = written - writtenBefore;
    const expected = writesMeasured * WEBHOOKS;
    for (const deadline = Date.now() + 60_000; acknowledged - ackedBefore < expected && Date.now() < deadline;) await sleep(20);
    const elapsed = (performance.now() - started) / 1000;
    const delivered = acknowledged - ackedBefore;
    latencies.sort((a, b) => a - b);
    const result = {
      webhooks: WEBHOOKS,
      writeRate: RATE,
      writes: writesMeasured,
      writeErrors,
      writesPerSecond: +(writesMeasured / SECONDS).toFixed(1),
      deliveries: delivered,
      expectedDeliveries: expected,
      // Over the measured window plus the time the last deliveries took to arrive.
      deliveriesPerSecond: +(delivered / elapsed).toFixed(1),
      drainSeconds: +(elapsed - SECONDS).toFixed(2),
      latencyP50Ms: +percentile(latencies, 50).toFixed(1),
      latencyP99Ms: +percentile(latencies, 99).toFixed(1),
      latencyMaxMs: +(latencies.at(-1) ?? NaN).toFixed(1),
      firstMeasuredWrite: firstMeasured,
      cpus: os.cpus().length,
      loadAverage: os
        .loadavg()
        .map((value) => value.toFixed(2))
        .join(', '),
      benchCpuSeconds: +((process.cpuUsage(cpuBefore).user + process.cpuUsage(cpuBefore).system) / 1e6).toFixed(1),
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await server?.kill('SIGTERM');
    receiverServer.close();
    await admin.query(`drop database if exists "${name}" with (force)`).catch(() => undefined);
    await admin.end();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
