import { timingSafeEqual } from 'node:crypto';
import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Context } from '../context/context';

/** A knex (tarn) connection pool, as far as metrics read it. */
export interface PoolLike {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
}

/** How far event delivery trails the log: events not yet delivered, and how long the oldest has waited. */
export interface LogLag {
  events: number;
  seconds: number;
}

/** What the metrics read when Prometheus scrapes (gauges are computed then, never kept up to date). */
export interface MetricsSources {
  websocketConnections(): number;
  subscriptionsActive(): number;
  pools(): { name: string; pool: PoolLike | undefined }[];
  /** Undefined while unknown (the hub has not read the log yet, or the database does not answer). */
  eventLogLag(): Promise<LogLag | undefined>;
  /** The NATS relay's lag (from its stored position); undefined when no relay is configured. */
  relayLag?(): Promise<LogLag | undefined>;
  /** 1 while this instance holds the relay lock and publishes. */
  relayActive?(): number;
  /** Deliveries not yet acknowledged, per webhook (read from the database: every instance sees all). */
  webhookQueue?(): Promise<{ webhook: string; pending: number }[]>;
}

const PREFIX = 'omni360_';
/** Operation names are chosen by clients: past this many distinct names, new ones count as "other". */
const MAX_OPERATION_LABELS = 200;
const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,99}$/;
const ERROR_CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

let processRegistry: Registry | undefined;

/**
 * prom-client's process metrics (CPU, memory, event-loop lag, GC), collected once per process: each
 * collection installs observers that are never removed, and every server of the process reports the
 * same process anyway.
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * The Prometheus metrics of one server instance, in their own registry (tests run two servers in one
 * process). Labels carry operation names and error codes only, never variables or personal data.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'operation' | 'outcome'>;
  private readonly duration: Histogram<'operation'>;
  private readonly errors: Counter<'code'>;
  private readonly relayPublished: Counter;
  private readonly webhookDeliveries: Counter<'webhook' | 'outcome'>;
  private readonly webhookLatency: Histogram;
  private readonly operationNames = new Set<string>();
  private sources: MetricsSources | undefined;

  constructor() {
    processMetrics();
    this.requests = new Counter({
      name: `${PREFIX}graphql_requests_total`,
      help: 'GraphQL requests over HTTP by operation name and outcome (ok, user_error: a payload with userErrors, error: top-level errors).',
      labelNames: ['operation', 'outcome'] as const,
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: `${PREFIX}graphql_request_duration_seconds`,
      help: 'Duration of GraphQL requests over HTTP, from parsing to the response, by operation name.',
      labelNames: ['operation'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.errors = new Counter({
      name: `${PREFIX}graphql_errors_total`,
      help: 'Errors by code: top-level GraphQL errors (FORBIDDEN, BAD_USER_INPUT, ...) and mutation userErrors (CONFLICT, ...).',
      labelNames: ['code'] as const,
      registers: [this.registry],
    });
    this.relayPublished = new Counter({
      name: `${PREFIX}relay_events_published_total`,
      help: 'Events this instance published to NATS JetStream (acknowledged, duplicates included).',
      registers: [this.registry],
    });
    this.webhookDeliveries = new Counter({
      name: `${PREFIX}webhook_deliveries_total`,
      help: 'Webhook delivery attempts of this instance by webhook id and outcome (delivered: a 2xx answer; failed: anything else, retried).',
      labelNames: ['webhook', 'outcome'] as const,
      registers: [this.registry],
    });
    this.webhookLatency = new Histogram({
      name: `${PREFIX}webhook_delivery_latency_seconds`,
      help: 'From an event\'s commit to the 2xx answer of a webhook it was delivered to (retries included).',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
      registers: [this.registry],
    });
    const self = this;
    new Gauge({
      name: `${PREFIX}webhook_queue_depth`,
      help: 'Webhook deliveries not yet acknowledged (waiting, in flight or waiting for a retry), by webhook id.',
      labelNames: ['webhook'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        const queue = await self.sources?.webhookQueue?.().catch(() => undefined);
        for (const { webhook, pending } of queue ?? []) this.set({ webhook }, pending);
      },
    });
    new Gauge({
      name: `${PREFIX}websocket_connections`,
      help: 'Open WebSocket connections (graphql-ws) of this instance.',
      registers: [this.registry],
      collect() {
        if (self.sources) this.set(self.sources.websocketConnections());
      },
    });
    new Gauge({
      name: `${PREFIX}subscriptions_active`,
      help: 'Open GraphQL subscriptions (event-log readers) of this instance.',
      registers: [this.registry],
      collect() {
        if (self.sources) this.set(self.sources.subscriptionsActive());
      },
    });
    const poolGauge = (name: string, help: string, read: (pool: PoolLike) => number) =>
      new Gauge({
        name: `${PREFIX}${name}`,
        help,
        labelNames: ['pool'] as const,
        registers: [this.registry],
        collect() {
          for (const { name: pool, pool: tarn } of self.sources?.pools() ?? []) if (tarn) this.set({ pool }, read(tarn));
        },
      });
    poolGauge('db_pool_used', 'Database connections in use, by pool (primary, read-1, ...).', (pool) => pool.numUsed());
    poolGauge('db_pool_free', 'Idle database connections, by pool.', (pool) => pool.numFree());
    poolGauge('db_pool_pending', 'Requests waiting for a database connection, by pool.', (pool) => pool.numPendingAcquires());
    const lagGauges = (what: string, read: (sources: MetricsSources) => Promise<LogLag | undefined> | undefined) => {
      // One read feeds both gauges of a scrape: the first collect() starts it, the second awaits it.
      let pending: Promise<LogLag | undefined> | undefined;
      const once = () => {
        pending ??= Promise.resolve(self.sources ? read(self.sources) : undefined)
          .catch(() => undefined)
          .finally(() => setImmediate(() => (pending = undefined)));
        return pending;
      };
      new Gauge({
        name: `${PREFIX}${what}_lag_events`,
        help: `Events in the log after the ${what === 'event_log' ? 'position the subscription hub has delivered' : "relay's stored position"} (capped at 100000).`,
        registers: [this.registry],
        async collect() {
          const lag = await once();
          if (lag) this.set(lag.events);
        },
      });
      new Gauge({
        name: `${PREFIX}${what}_lag_seconds`,
        help: `Age of the oldest event not yet ${what === 'event_log' ? 'delivered by the subscription hub' : 'relayed to NATS'} (0 when caught up).`,
        registers: [this.registry],
        async collect() {
          const lag = await once();
          if (lag) this.set(lag.seconds);
        },
      });
    };
    lagGauges('event_log', (sources) => sources.eventLogLag());
    lagGauges('relay', (sources) => sources.relayLag?.());
    new Gauge({
      name: `${PREFIX}relay_active`,
      help: '1 while this instance holds the relay lock and publishes to NATS, 0 on standby or without a relay.',
      registers: [this.registry],
      collect() {
        this.set(self.sources?.relayActive?.() ?? 0);
      },
    });
  }

  /** Connects the gauges to the running server's parts. */
  attach(sources: MetricsSources): void {
    this.sources = sources;
  }

  /** For the relay: counts acknowledged publishes. */
  relayPublishedEvents(count: number): void {
    this.relayPublished.inc(count);
  }

  /** For the webhook worker: one attempt's outcome, and the latency of a delivered event. */
  webhookAttempt(webhook: string, delivered: boolean, latencySeconds?: number): void {
    this.webhookDeliveries.inc({ webhook, outcome: delivered ? 'delivered' : 'failed' });
    if (delivered && latencySeconds !== undefined) this.webhookLatency.observe(latencySeconds);
  }

  /** A bounded, well-formed label for a client-chosen operation name. */
  private operationLabel(name: string | null | undefined): string {
    if (!name || !GRAPHQL_NAME.test(name)) return 'anonymous';
    if (this.operationNames.has(name)) return name;
    if (this.operationNames.size >= MAX_OPERATION_LABELS) return 'other';
    this.operationNames.add(name);
    return name;
  }

  private countError(code: unknown): void {
    this.errors.inc({ code: typeof code === 'string' && ERROR_CODE.test(code) ? code : 'INTERNAL_SERVER_ERROR' });
  }

  /** Apollo plugin: requests, latency and error codes per HTTP request. */
  apolloPlugin(): ApolloServerPlugin<Context> {
    const metrics = this;
    return {
      async contextCreationDidFail({ error }) {
        // Refused before parsing (unauthenticated, rate limited): no operation is known yet.
        metrics.requests.inc({ operation: 'anonymous', outcome: 'error' });
        metrics.countError((error as { extensions?: { code?: unknown } }).extensions?.code);
      },
      async requestDidStart() {
        const stopTimer = process.hrtime.bigint();
        return {
          async willSendResponse(requestContext) {
            const operation = metrics.operationLabel(requestContext.operationName ?? requestContext.operation?.name?.value);
            const body = requestContext.response.body;
            let outcome: 'ok' | 'user_error' | 'error' = 'ok';
            if (body.kind === 'single') {
              const { errors, data } = body.singleResult;
              for (const error of errors ?? []) metrics.countError(error.extensions?.code);
              if (errors?.length) outcome = 'error';
              else if (requestContext.operation?.operation === 'mutation' && data) {
                // userErrors sit in each top-level mutation payload: cheap to count, no walk of the tree.
                for (const payload of Object.values(data)) {
                  const userErrors = (payload as { userErrors?: { code?: unknown }[] } | null)?.userErrors;
                  if (!Array.isArray(userErrors) || userErrors.length === 0) continue;
                  outcome = 'user_error';
                  for (const userError of userErrors) metrics.countError(userError?.code);
                }
              }
            }
            metrics.requests.inc({ operation, outcome });
            metrics.duration.observe({ operation }, Number(process.hrtime.bigint() - stopTimer) / 1e9);
          },
        };
      },
    };
  }

  /**
   * GET /metrics in the Prometheus text format. With a token configured, only `Authorization: Bearer
   * <token>` gets through (401 otherwise); without one it is open, for a scraper on a private network.
   */
  handler(token: string | undefined): RequestHandler {
    const expected = token ? Buffer.from(`Bearer ${token}`) : undefined;
    return async (req, res) => {
      if (expected) {
        const given = Buffer.from(req.headers.authorization ?? '');
        if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
          res.status(401).set('www-authenticate', 'Bearer realm="metrics"').type('text/plain').send('metrics require the bearer token\n');
          return;
        }
      }
      try {
        const registry = Registry.merge([processMetrics(), this.registry]);
        const text = await registry.metrics();
        res.set('content-type', registry.contentType).set('cache-control', 'no-store').send(text);
      } catch {
        res.status(500).type('text/plain').send('metrics unavailable\n');
      }
    };
  }
}

/** The lag query: cheap on the (xid, id) index; the count stops at 100000 events. */
export const LAG_SQL = `select
  (select count(*) from (select 1 from event e where (e.xid, e.id) > (?::xid8, ?::bigint) limit 100000) s)::int as events,
  greatest(0, coalesce((select extract(epoch from (now() - e.occurred_at)) from event e
                         where (e.xid, e.id) > (?::xid8, ?::bigint) order by e.xid, e.id limit 1), 0))::float8 as seconds`;

/** Lag of a reader at `position` (a LogPosition), computed by one statement of `run`. */
export async function logLagAt(
  run: (sql: string, params: unknown[]) => Promise<{ events: number; seconds: number }[]>,
  position: { xid: bigint; id: bigint },
): Promise<LogLag> {
  const params = [position.xid.toString(), position.id.toString()];
  const [row] = await run(LAG_SQL, [...params, ...params]);
  return { events: Number(row.events), seconds: Number(row.seconds) };
}

// Read from knex's pools by the one adapter of knex's internals; re-exported where app.ts finds it.
export { ormPools } from '../database/knex-adapter';
