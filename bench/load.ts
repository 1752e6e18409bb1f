import http from 'node:http';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

/** What one measured load run produced. */
export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  /** Latencies in ms of the requests sent and answered inside the window, sorted (reads): rounds pool them for their percentiles. */
  latencies?: number[];
  /** Responses with an HTTP status other than 2xx. */
  non2xx: number;
  /** Connection errors, timeouts, and 2xx responses that carry GraphQL errors or the wrong data. */
  errors: number;
  firstError?: string;
}

export interface ReadLoad {
  url: string;
  headers: Record<string, string>;
  connections: number;
  /** Load before the measured window: the server reaches steady state (JIT, caches, a full pipeline). */
  warmupSeconds: number;
  /** The window's length, when it holds `minRequests` answers by then; else it stays open until it does or reaches `maxSeconds`. */
  seconds: number;
  minRequests?: number;
  maxSeconds?: number;
  /** The body of the next request (rotating ids or cursors). */
  nextBody: () => string;
  /** Undefined when the response body is right, else what is wrong with it. */
  check: (body: string) => string | undefined;
  /** Called when the measured window opens and closes (CPU and memory sampling). */
  onWindowStart?: () => void;
  onWindowEnd?: () => void;
}

/**
 * One continuous autocannon run of warm-up + measured seconds, with a fresh body per request and every
 * response body checked. Only responses that arrive inside the measured window count for req/s, and
 * only requests also sent inside it for latency, so the window sees a server in steady state with
 * `connections` requests always in flight (two separate runs would leave the warm-up's abandoned
 * requests running into the measurement; a request sent in the warm-up carries its start into the
 * percentiles, and a later round's warm-up of 2 s is only two or three answers per connection of a page
 * that takes a second at 32 connections).
 * Errors count over the whole run: a scenario with any is reported as failed.
 *
 * A page answered at a few dozen per second would leave a window of `seconds` with too few answers for
 * a p99 (and the second-slowest one for it): the window then stays open until it holds `minRequests`,
 * up to `maxSeconds`.
 */
export function runReadLoad(load: ReadLoad): Promise<LoadResult> {
  let badBodies = 0;
  let non2xx = 0;
  let firstError: string | undefined;
  const latencies: number[] = [];
  let arrivals = 0;
  let windowOpen = false;
  let windowStarted = 0;
  let windowEnded = 0;
  const minRequests = load.minRequests ?? 0;
  const longest = Math.max(load.seconds, load.maxSeconds ?? load.seconds);
  let extending: NodeJS.Timeout | undefined;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: load.url,
        connections: load.connections,
        duration: load.warmupSeconds + longest,
        timeout: 60,
        headers: { 'content-type': 'application/json', ...load.headers },
        method: 'POST',
        requests: [
          {
            setupRequest: (request) => ({ ...request, method: 'POST', body: load.nextBody() }),
            onResponse: (status, body) => {
              if (status < 200 || status >= 300) {
                non2xx++;
                firstError ??= `HTTP ${status}: ${body.slice(0, 300)}`;
                return;
              }
              const problem = load.check(body);
              if (problem) {
                badBodies++;
                firstError ??= problem;
              }
            },
          },
        ],
      },
      (error, result) => {
        clearTimeout(opening);
        clearTimeout(closing);
        clearInterval(extending);
        if (error) return reject(error);
        if (windowOpen) close();
        if (result.errors > 0 || result.timeouts > 0) firstError ??= `${result.errors} connection errors, ${result.timeouts} timeouts`;
        latencies.sort((a, b) => a - b);
        const seconds = ((windowEnded || performance.now()) - windowStarted) / 1000;
        resolve({
          requests: arrivals,
          seconds,
          rps: arrivals / seconds,
          p50: percentile(latencies, 50),
          p99: percentile(latencies, 99),
          latencies,
          non2xx,
          errors: result.errors + result.timeouts + badBodies,
          firstError,
        });
      },
    );
    instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
      if (!windowOpen) return;
      arrivals++;
      if (performance.now() - responseTime >= windowStarted) latencies.push(responseTime);
    });
    instance.on('error', () => undefined);
    const close = () => {
      windowOpen = false;
      windowEnded = performance.now();
      load.onWindowEnd?.();
    };
    const opening = setTimeout(() => {
      windowOpen = true;
      windowStarted = performance.now();
      load.onWindowStart?.();
    }, load.warmupSeconds * 1000);
    const finish = () => {
      close();
      instance.stop();
    };
    const closing = setTimeout(() => {
      if (latencies.length >= minRequests || longest <= load.seconds) return finish();
      extending = setInterval(() => {
        if (latencies.length >= minRequests || performance.now() - windowStarted >= longest * 1000) {
          clearInterval(extending);
          finish();
        }
      }, 50);
    }, (load.warmupSeconds + load.seconds) * 1000);
  });
}

/** A plain POST, for probes and cursor walks. */
export async function postJson(url: string, headers: Record<string, string>, body: string): Promise<{ status: number; text: string }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: response.status, text: await response.text() };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export interface WriteLoad {
  url: string;
  wsUrl: string;
  token: string;
  connections: number;
  seconds: number;
  rate: number;
  subscribers: number;
  customerIds: string[];
  /** Unique per run, so externalIds never repeat (the write is idempotent on them). */
  tag: string;
  /** The documents: the mutation and the subscription. */
  mutation: string;
  subscription: string;
  /** Called right before the first measured write: the caller's CPU window starts here. */
  onSendStart?: () => void;
}

export interface WriteResult extends LoadResult {
  deliveries: number;
  expectedDeliveries: number;
  deliveryP50: number;
  deliveryP99: number;
  subscribersConnected: number;
  /** Writes that were due but never sent because `connections` requests were still in flight. */
  notSent: number;
}

interface Subscriber {
  client: Client;
  dispose: () => void;
}

/**
 * Scenario (d): `subscribers` graphql-ws clients subscribe to interactionAdded; then recordInteraction is
 * sent at a steady `rate` (open loop: one request every 1/rate s, at most `connections` in flight on
 * keep-alive sockets) for `seconds`. Write latency is per request; delivery latency is the time from
 * sending a mutation to each subscriber receiving its event, matched by externalId.
 */
export async function runWriteLoad(load: WriteLoad): Promise<WriteResult> {
  const sentAt = new Map<string, number>();
  const deliveryLatencies: number[] = [];
  let deliveries = 0;
  const seenByProbe = new Set<number>();
  let probeId = '';
  let subscriptionError: string | undefined;

  const subscribers: Subscriber[] = [];
  for (let index = 0; index < load.subscribers; index++) {
    const client = createClient({
      url: load.wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: false,
      connectionParams: { authorization: `Bearer ${load.token}` },
    });
    const dispose = client.subscribe<{ interactionAdded: { interaction: { externalId: string } } }>(
      { query: load.subscription },
      {
        next: (result) => {
          const externalId = result.data?.interactionAdded?.interaction?.externalId;
          if (!externalId) {
            subscriptionError ??= `subscription event without data: ${JSON.stringify(result).slice(0, 300)}`;
            return;
          }
          if (externalId === probeId) {
            seenByProbe.add(index);
            return;
          }
          const sent = sentAt.get(externalId);
          if (sent === undefined) return;
          deliveries++;
          deliveryLatencies.push(performance.now() - sent);
        },
        error: (error) => {
          subscriptionError ??= `subscription failed: ${JSON.stringify(error).slice(0, 300)}`;
        },
        complete: () => undefined,
      },
    );
    subscribers.push({ client, dispose });
  }

  const agent = new http.Agent({ keepAlive: true, maxSockets: load.connections });
  const target = new URL(load.url);
  const send = (externalId: string, customerId: string): Promise<{ ms: number; problem?: string }> =>
    new Promise((resolve) => {
      const body = JSON.stringify({
        query: load.mutation,
        variables: { input: { source: 'bench-d', externalId, channel: 'CHAT', direction: 'INBOUND', customer: { id: customerId }, body: `bench message ${externalId}` } },
      });
      const started = performance.now();
      sentAt.set(externalId, started);
      const request = http.request(
        { agent, host: target.hostname, port: target.port, path: target.pathname, method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${load.token}` } },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const ms = performance.now() - started;
            const text = Buffer.concat(chunks).toString('utf8');
            if (response.statusCode !== 200) return resolve({ ms, problem: `HTTP ${response.statusCode}: ${text.slice(0, 300)}` });
            try {
              const parsed = JSON.parse(text) as { data?: { recordInteraction?: { interaction?: unknown; userErrors: unknown[] } }; errors?: unknown[] };
              const payload = parsed.data?.recordInteraction;
              if (parsed.errors?.length || !payload?.interaction || payload.userErrors.length) return resolve({ ms, problem: text.slice(0, 300) });
              resolve({ ms });
            } catch {
              resolve({ ms, problem: `not JSON: ${text.slice(0, 300)}` });
            }
          });
        },
      );
      request.on('error', (error) => resolve({ ms: performance.now() - started, problem: error.message }));
      request.end(body);
    });

  try {
    // The subscriptions are live once a probe write reaches every subscriber.
    const probeDeadline = performance.now() + 20_000;
    for (let attempt = 0; seenByProbe.size < load.subscribers && performance.now() < probeDeadline; attempt++) {
      probeId = `${load.tag}-probe-${attempt}`;
      seenByProbe.clear();
      const probe = await send(probeId, load.customerIds[0]);
      if (probe.problem) throw new Error(`probe write failed: ${probe.problem}`);
      const waitUntil = performance.now() + 5_000;
      while (seenByProbe.size < load.subscribers && performance.now() < waitUntil) await new Promise((r) => setTimeout(r, 50));
    }
    const subscribersConnected = seenByProbe.size;
    if (subscriptionError && subscribersConnected === 0) throw new Error(subscriptionError);

    load.onSendStart?.();
    const latencies: number[] = [];
    let errors = 0;
    let firstError: string | undefined;
    // Open loop: a write is due every 1/rate s. At most `connections` are in flight; due writes wait in
    // a queue, and what is still queued when the time is up was never sent (the server fell behind).
    const queue: number[] = [];
    let scheduled = 0;
    let inFlight = 0;
    let idle: (() => void) | undefined;
    const pump = () => {
      while (inFlight < load.connections && queue.length > 0) {
        const n = queue.shift()!;
        const externalId = `${load.tag}-${n}`;
        inFlight++;
        void send(externalId, load.customerIds[(n + 1) % load.customerIds.length]).then((result) => {
          latencies.push(result.ms);
          if (result.problem) {
            errors++;
            firstError ??= result.problem;
            sentAt.delete(externalId);
          }
          inFlight--;
          pump();
          if (inFlight === 0) idle?.();
        });
      }
    };
    const started = performance.now();
    const windowMs = load.seconds * 1000;
    await new Promise<void>((resolve) => {
      const tick = () => {
        const elapsed = performance.now() - started;
        if (elapsed >= windowMs) return resolve();
        const due = Math.floor((elapsed / 1000) * load.rate) + 1;
        while (scheduled < due) queue.push(scheduled++);
        pump();
        setTimeout(tick, 2);
      };
      tick();
    });
    const notSent = queue.length;
    queue.length = 0;
    if (inFlight > 0) await new Promise<void>((resolve) => (idle = resolve));
    const seconds = windowMs / 1000;
    const okWrites = latencies.length - errors;
    const expectedDeliveries = okWrites * subscribersConnected;
    const drainUntil = performance.now() + 15_000;
    while (deliveries < expectedDeliveries && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 50));
    latencies.sort((a, b) => a - b);
    deliveryLatencies.sort((a, b) => a - b);
    if (subscribersConnected < load.subscribers) {
      firstError ??= `only ${subscribersConnected} of ${load.subscribers} subscribers received the probe${subscriptionError ? `: ${subscriptionError}` : ''}`;
    }
    if (deliveries < expectedDeliveries) firstError ??= `${expectedDeliveries - deliveries} of ${expectedDeliveries} deliveries missing after 15 s`;
    return {
      requests: latencies.length,
      seconds,
      rps: okWrites / seconds,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      non2xx: 0,
      errors: errors + (expectedDeliveries - deliveries) + (load.subscribers - subscribersConnected),
      firstError,
      deliveries,
      expectedDeliveries,
      deliveryP50: percentile(deliveryLatencies, 50),
      deliveryP99: percentile(deliveryLatencies, 99),
      subscribersConnected,
      notSent,
    };
  } finally {
    agent.destroy();
    for (const subscriber of subscribers) {
      subscriber.dispose();
      await subscriber.client.dispose();
    }
  }
}
