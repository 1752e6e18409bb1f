import { randomUUID } from 'node:crypto';
import type { GraphQLSchema } from 'graphql';
import { Pool, type PoolClient } from 'pg';
import type { Config, RoleName } from '../../config/config';
import type { AppState } from '../../context/context';
import { endPool } from '../../database/pools';
import { numbered } from '../../database/sql';
import type { ServerMetrics } from '../../observability/metrics';
import { comparePositions, encodeEventCursor, maxPosition, positionOf, type LogPosition } from '../events/event-cursor';
import { readLog, type EventRow, type SqlRunner } from '../events/event-reader';
import { formattedResult, openWebhookPipeline, type WebhookPipeline } from './webhook-execution';
import { postWebhook } from './webhook-sender';
import { signatureHeaders } from './webhook-signature';

/** Events read per webhook and round. */
const READ_BATCH = 200;
/** Deliveries one instance has in flight at once (different customers or webhooks). */
const MAX_IN_FLIGHT = 64;
/** A claim is made once this many slots are free (or nothing is in flight): fewer, larger claims. */
const CLAIM_AT = 16;
/**
 * Due deliveries a claim looks at: the heads among them (the earliest pending of their customer) are
 * claimed. Followers of a failing delivery wait with it (their next attempt moves with its), and
 * deliveries of a webhook that does not deliver are not due, so the window holds claimable heads.
 */
const CANDIDATES = 512;
/** Rows read for several webhooks are the same objects, so identical documents share one execution. */
const INTERNED_ROWS = 10_000;

export interface WebhookWorkerOptions {
  app: AppState;
  schema: GraphQLSchema;
  /** A session-capable URL (advisory locks): the direct URL when DATABASE_URL goes through a pooler. */
  databaseUrl: string;
  metrics?: ServerMetrics;
}

interface WebhookRow {
  id: string;
  status: string;
  query: string;
  operationName: string | null;
  variables: Record<string, unknown> | null;
  ownerRole: RoleName;
  ownerName: string;
  ownerVia: 'api-key' | 'jwt';
  positionXid: string;
  positionId: string;
  updatedAt: Date;
}

interface ClaimedDelivery {
  id: string;
  webhookId: string;
  body: string;
  attempts: number;
  windowStartedAt: Date;
  occurredAt: Date;
  leaseToken: string;
  url: string;
  secret: string;
  previousSecret: string | null;
}

const WEBHOOK_COLUMNS = `id, status, query, operation_name as "operationName", variables, owner_role as "ownerRole", owner_name as "ownerName",
  owner_via as "ownerVia", position_xid::text as "positionXid", position_id::text as "positionId", updated_at as "updatedAt"`;

/** The next retry delay: exponential from `baseMs`, capped at `maxMs`, with jitter over its upper half. */
export function retryDelayMs(attempts: number, baseMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(30, Math.max(0, attempts - 1)));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** The stable id of the delivery of one event to one webhook: the same on every retry and replay. */
export function deliveryIdOf(webhookId: string, eventId: string): string {
  return `${webhookId}.${eventId}`;
}

/**
 * Delivers webhooks, in every instance that runs it (they share the work through the database):
 * - evaluation: per ACTIVE webhook, under a session advisory lock (one instance at a time, no
 *   transaction id held while it works), read the log after the webhook's cursor with its document's
 *   filter, execute the document for each matching event as the owner, then in ONE short transaction
 *   insert the deliveries and move the cursor (only if nobody moved it meanwhile, e.g. a replay);
 * - sending: claim due deliveries with FOR UPDATE SKIP LOCKED and a lease, only the earliest pending
 *   delivery of each (webhook, customer), POST them signed, and record the outcome under the lease.
 *   A crash between a send and its record lets the lease expire: the delivery is sent again, with the
 *   same id. A failure is retried with exponential backoff and jitter; past the retry window the
 *   webhook turns FAILING and keeps its pending deliveries and cursor for resumeWebhook.
 */
export class WebhookWorker {
  private readonly pool: Pool;
  private readonly run: SqlRunner;
  private readonly pipelines = new Map<string, { version: string; pipeline: WebhookPipeline }>();
  private readonly interned = new Map<string, EventRow>();
  private stopped = true;
  private loops: Promise<void>[] = [];
  private wakeEvaluate: (() => void) | undefined;
  private wakeSend: (() => void) | undefined;
  private evaluatePending = false;
  private sendPending = false;
  private inFlight = 0;

  constructor(private readonly options: WebhookWorkerOptions) {
    this.pool = new Pool({
      connectionString: options.databaseUrl,
      // Three evaluation lanes hold one each (their advisory locks); claims and records share the rest.
      max: 8,
      connectionTimeoutMillis: 5_000,
      statement_timeout: options.app.config.dbStatementTimeoutMs || undefined,
      application_name: 'omni360-webhooks',
    });
    this.pool.on('error', (error) => options.app.log.warn({ err: error }, 'webhooks: idle connection lost'));
    this.run = async <T>(sql: string, params: unknown[]) => (await this.pool.query(numbered(sql), params)).rows as T[];
  }

  private get config() {
    return this.options.app.config.webhooks;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loops = [this.evaluateLoop(), this.sendLoop()];
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.wakeEvaluate?.();
    this.wakeSend?.();
    await Promise.allSettled(this.loops);
    for (const { pipeline } of this.pipelines.values()) await pipeline.close().catch(() => undefined);
    this.pipelines.clear();
    await endPool(this.pool).catch(() => undefined);
  }

  /** Wakes evaluation (new events, a resumed or replayed webhook) in this instance. */
  nudge(): void {
    this.evaluatePending = true;
    this.wakeEvaluate?.();
    this.sendPending = true;
    this.wakeSend?.();
  }

  /** Pending deliveries per webhook (the queue-depth gauge). */
  async queueDepth(): Promise<{ webhook: string; pending: number }[]> {
    const rows = await this.run<{ webhook: string; pending: string }>(
      `select webhook_id as webhook, count(*) as pending from webhook_delivery where status = 'PENDING' group by webhook_id`,
      [],
    );
    return rows.map((row) => ({ webhook: row.webhook, pending: Number(row.pending) }));
  }

  private async evaluateLoop(): Promise<void> {
    while (!this.stopped) {
      this.evaluatePending = false;
      let more = false;
      try {
        more = await this.evaluateRound();
      } catch (error) {
        if (!this.stopped) this.options.app.log.warn({ err: error }, 'webhooks: evaluating events failed; retrying');
      }
      if (more || this.evaluatePending) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.config.pollMs);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.wakeEvaluate = () => {
          this.wakeEvaluate = undefined;
          done();
        };
      });
    }
  }

  /** One pass over the active webhooks; true when some had more to read than one batch. */
  private async evaluateRound(): Promise<boolean> {
    const webhooks = await this.run<WebhookRow>(`select ${WEBHOOK_COLUMNS} from webhook where status = 'ACTIVE' order by id`, []);
    const active = new Set(webhooks.map((webhook) => webhook.id));
    for (const [id, entry] of this.pipelines) {
      if (!active.has(id)) {
        this.pipelines.delete(id);
        void entry.pipeline.close().catch(() => undefined);
      }
    }
    let more = false;
    let next = 0;
    // A few at a time: each holds one connection of the worker's pool for its lock.
    await Promise.all(
      Array.from({ length: Math.min(3, webhooks.length) }, async () => {
        while (next < webhooks.length && !this.stopped) {
          const webhook = webhooks[next++];
          try {
            if (await this.evaluateWebhook(webhook.id)) more = true;
          } catch (error) {
            if (!this.stopped) this.options.app.log.warn({ err: error, webhook: webhook.id }, 'webhooks: evaluating a webhook failed; retrying');
          }
        }
      }),
    );
    if (this.interned.size > INTERNED_ROWS) this.interned.clear();
    return more;
  }

  private async evaluateWebhook(id: string): Promise<boolean> {
    const client = await this.pool.connect();
    const run: SqlRunner = async <T>(sql: string, params: unknown[]) => (await client.query(numbered(sql), params)).rows as T[];
    try {
      const [{ locked }] = await run<{ locked: boolean }>(`select pg_try_advisory_lock(hashtextextended(?, 0)) as locked`, [`omni360.webhook:${id}`]);
      if (!locked) return false; // another instance evaluates it now
      try {
        return await this.evaluateLocked(run, client, id);
      } finally {
        await run(`select pg_advisory_unlock(hashtextextended(?, 0))`, [`omni360.webhook:${id}`]);
      }
    } finally {
      client.release();
    }
  }

  private async evaluateLocked(run: SqlRunner, client: PoolClient, id: string): Promise<boolean> {
    const [webhook] = await run<WebhookRow>(`select ${WEBHOOK_COLUMNS} from webhook where id = ?`, [id]);
    if (!webhook || webhook.status !== 'ACTIVE') return false;
    const pipeline = await this.pipelineOf(webhook);
    if (!pipeline) return false;
    const position: LogPosition = { xid: BigInt(webhook.positionXid), id: BigInt(webhook.positionId) };
    const result = await readLog(run, { after: position, filter: pipeline.spec.filter, limit: READ_BATCH });
    if (result.purgedThrough && comparePositions(position, result.purgedThrough) < 0) {
      // Never a silent gap: the owner decides (replayWebhook from a cursor within retention).
      await this.markFailing(
        run,
        id,
        "Events after the webhook's cursor were purged by retention before they were evaluated; replay from a cursor within retention (replayWebhook) to go on.",
      );
      return false;
    }
    const deliveries: unknown[][] = [];
    const matching = result.rows.map((read) => this.intern(read)).filter((row) => pipeline.spec.matches(row));
    const results = await pipeline.evaluate(matching);
    for (const [index, row] of matching.entries()) {
      const outcome = formattedResult(results[index]);
      const body = JSON.stringify({
        deliveryId: deliveryIdOf(id, row.id),
        eventId: row.id,
        cursor: encodeEventCursor(positionOf(row)),
        eventType: row.type,
        occurredAt: new Date(row.occurredAt).toISOString(),
        subscription: pipeline.field,
        ...outcome,
      });
      deliveries.push([deliveryIdOf(id, row.id), id, row.id, row.xid, row.type, row.customerId ?? '', body, new Date(row.occurredAt)]);
    }
    const full = result.rows.length === READ_BATCH;
    const next = full ? positionOf(result.rows.at(-1)!) : maxPosition(position, { xid: result.horizon, id: 0n });
    if (deliveries.length === 0 && comparePositions(next, position) === 0) return false;
    await client.query('begin');
    try {
      if (deliveries.length > 0) {
        // A replayed event is delivered again under its id, as a fresh delivery.
        await run(
          `insert into webhook_delivery (id, webhook_id, event_id, event_xid, event_type, order_key, body, occurred_at, status, attempts)
           select d.id, d.webhook_id, d.event_id, d.event_xid, d.event_type, d.order_key, d.body, d.occurred_at, 'PENDING', 0
             from unnest(?::text[], ?::text[], ?::bigint[], ?::xid8[], ?::text[], ?::text[], ?::text[], ?::timestamptz[])
                  as d(id, webhook_id, event_id, event_xid, event_type, order_key, body, occurred_at)
           on conflict (id) do update set status = 'PENDING', body = excluded.body, attempts = 0, window_started_at = now(),
             next_attempt_at = now(), lease_until = null, lease_token = null, last_error = null, last_response_status = null,
             delivered_at = null, created_at = now()`,
          [0, 1, 2, 3, 4, 5, 6, 7].map((column) => deliveries.map((delivery) => delivery[column])),
        );
      }
      const moved = await run<{ id: string }>(
        `update webhook set position_xid = ?::xid8, position_id = ?::bigint
          where id = ? and position_xid = ?::xid8 and position_id = ?::bigint returning id`,
        [next.xid.toString(), next.id.toString(), id, webhook.positionXid, webhook.positionId],
      );
      // Moved meanwhile (replayWebhook): this round's work is void; the next one starts from there.
      await client.query(moved.length === 1 ? 'commit' : 'rollback');
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    }
    if (deliveries.length > 0) {
      this.sendPending = true;
      this.wakeSend?.();
    }
    return full;
  }

  private intern(row: EventRow): EventRow {
    const known = this.interned.get(row.id);
    if (known) return known;
    this.interned.set(row.id, row);
    return row;
  }

  /** The prepared document of a webhook, rebuilt when the webhook changed; undefined when it cannot run. */
  private async pipelineOf(webhook: WebhookRow): Promise<WebhookPipeline | undefined> {
    const version = `${new Date(webhook.updatedAt).getTime()}`;
    const known = this.pipelines.get(webhook.id);
    if (known?.version === version) return known.pipeline;
    if (known) await known.pipeline.close().catch(() => undefined);
    this.pipelines.delete(webhook.id);
    const revoked = revokedOwner(this.options.app.config, webhook);
    if (revoked) {
      await this.markFailing(this.run, webhook.id, revoked);
      return undefined;
    }
    const opened = await openWebhookPipeline(this.options.app, this.options.schema, {
      query: webhook.query,
      operationName: webhook.operationName,
      variables: webhook.variables,
      owner: { role: webhook.ownerRole, name: webhook.ownerName, via: webhook.ownerVia },
    });
    if (Array.isArray(opened)) {
      const message = (opened as { message: string }[]).map((error) => error.message).join('; ');
      await this.markFailing(this.run, webhook.id, `The subscription document no longer runs as its owner: ${message}`.slice(0, 1_000));
      return undefined;
    }
    const pipeline = opened as WebhookPipeline;
    this.pipelines.set(webhook.id, { version, pipeline });
    return pipeline;
  }

  private async markFailing(run: SqlRunner, id: string, reason: string): Promise<void> {
    await run(
      `with failing as (
         update webhook set status = 'FAILING', failing_since = now(), last_error = ? where id = ? and status = 'ACTIVE' returning id
       )
       -- Parked until resumeWebhook (which makes them due again): not due, they stay out of every claim.
       update webhook_delivery set next_attempt_at = 'infinity' where webhook_id in (select id from failing) and status = 'PENDING'`,
      [reason, id],
    );
    this.options.app.log.warn({ webhook: id, reason }, 'webhook marked FAILING');
  }

  private async sendLoop(): Promise<void> {
    while (!this.stopped) {
      this.sendPending = false;
      let claimed = 0;
      const room = MAX_IN_FLIGHT - this.inFlight;
      if (room >= CLAIM_AT || (room > 0 && this.inFlight === 0)) {
        try {
          const deliveries = await this.claim(room);
          claimed = deliveries.length;
          for (const delivery of deliveries) {
            this.inFlight += 1;
            void this.attempt(delivery).finally(() => {
              this.inFlight -= 1;
              this.sendPending = true;
              this.wakeSend?.();
            });
          }
        } catch (error) {
          if (!this.stopped) this.options.app.log.warn({ err: error }, 'webhooks: claiming deliveries failed; retrying');
        }
      }
      if (claimed > 0 && claimed === room) continue;
      if (this.sendPending && MAX_IN_FLIGHT - this.inFlight >= CLAIM_AT) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.config.pollMs);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.wakeSend = () => {
          this.wakeSend = undefined;
          done();
        };
      });
    }
    while (this.inFlight > 0) await sleep(10);
  }

  /**
   * Claims up to `limit` due deliveries: PENDING, due, unleased, of an ACTIVE webhook, and the earliest
   * pending one of their (webhook, customer) so that a customer's events go out in commit order. The
   * rows are locked with SKIP LOCKED while the lease is written, so instances claiming at the same
   * moment take different rows; the lease keeps them apart afterwards.
   */
  private async claim(limit: number): Promise<ClaimedDelivery[]> {
    // Long enough for the attempt (bounded by the timeout) and its record; short enough that a killed
    // instance's claims come back soon.
    const leaseMs = 2 * this.config.timeoutMs + 5_000;
    return this.run<ClaimedDelivery>(
      `with candidates as materialized (
         -- The longest-due deliveries, straight from the (status, next_attempt_at) index.
         select d.id, d.webhook_id, d.order_key, d.event_xid, d.event_id
           from webhook_delivery d
          where d.status = 'PENDING' and d.next_attempt_at <= now()
          order by d.status, d.next_attempt_at
          limit ?
       ),
       due as (
         select d.id
           from webhook_delivery d
           join candidates c on c.id = d.id
          where (d.lease_until is null or d.lease_until < now())
            and exists (select 1 from webhook w where w.id = d.webhook_id and w.status = 'ACTIVE')
            and not exists (
              select 1 from webhook_delivery p
               where p.webhook_id = c.webhook_id and p.order_key = c.order_key and p.status = 'PENDING'
                 and (p.event_xid, p.event_id) < (c.event_xid, c.event_id))
          limit ?
          for update of d skip locked
       )
       update webhook_delivery d
          set lease_until = now() + make_interval(secs => ? / 1000.0), lease_token = ?, attempts = d.attempts + 1, last_attempt_at = now(),
              -- The retry window runs from the first attempt, not from the time the delivery waited behind others.
              window_started_at = case when d.attempts = 0 then now() else d.window_started_at end
         from due, webhook w
        where d.id = due.id and w.id = d.webhook_id
       returning d.id, d.webhook_id as "webhookId", d.body, d.attempts, d.window_started_at as "windowStartedAt", d.occurred_at as "occurredAt",
                 d.lease_token as "leaseToken", w.url, w.secret,
                 case when w.previous_secret_expires_at > now() then w.previous_secret end as "previousSecret"`,
      [CANDIDATES, limit, leaseMs, randomUUID()],
    );
  }

  private delivered: { id: string; token: string; status: number; done: (recorded: boolean) => void; failed: (error: unknown) => void }[] = [];
  private flushing: Promise<void> | undefined;

  /**
   * Records an acknowledged delivery under its lease. Acknowledgements arriving together are written by
   * one statement: at thousands of deliveries a second, one UPDATE each would be the bottleneck.
   */
  private recordDelivered(delivery: ClaimedDelivery, status: number): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.delivered.push({ id: delivery.id, token: delivery.leaseToken, status, done: resolve, failed: reject });
      this.flushing ??= Promise.resolve().then(async () => {
        // Whatever else is acknowledged meanwhile joins this statement.
        await new Promise((wait) => setImmediate(wait));
        const batch = this.delivered.splice(0);
        this.flushing = undefined;
        try {
          const recorded = new Set(
            (
              await this.run<{ id: string }>(
                `update webhook_delivery d set status = 'DELIVERED', delivered_at = now(), lease_until = null, lease_token = null,
                    last_response_status = a.status, last_error = null
               from unnest(?::text[], ?::text[], ?::int[]) as a(id, token, status)
              where d.id = a.id and d.lease_token = a.token
             returning d.id`,
                [batch.map((entry) => entry.id), batch.map((entry) => entry.token), batch.map((entry) => entry.status)],
              )
            ).map((row) => row.id),
          );
          for (const entry of batch) entry.done(recorded.has(entry.id));
        } catch (error) {
          for (const entry of batch) entry.failed(error);
        }
      });
    });
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const secrets = delivery.previousSecret ? [delivery.secret, delivery.previousSecret] : [delivery.secret];
    const headers = signatureHeaders(secrets, delivery.id, Math.floor(Date.now() / 1000), delivery.body);
    const outcome = await postWebhook(delivery.url, headers, delivery.body, { timeoutMs: this.config.timeoutMs, allowPrivate: this.config.allowPrivate });
    try {
      if (outcome.ok) {
        if (await this.recordDelivered(delivery, outcome.status!)) {
          this.options.metrics?.webhookAttempt(delivery.webhookId, true, (Date.now() - new Date(delivery.occurredAt).getTime()) / 1000);
        }
        return;
      }
      this.options.metrics?.webhookAttempt(delivery.webhookId, false);
      const windowOver = Date.now() - new Date(delivery.windowStartedAt).getTime() >= this.config.retryWindowMs;
      const delay = windowOver ? 0 : retryDelayMs(delivery.attempts, this.config.backoffBaseMs, this.config.backoffMaxMs);
      // The customer's later deliveries wait as long as this one: they stay out of the claims' due range.
      await this.run(
        `with failed as (
           update webhook_delivery set lease_until = null, lease_token = null, last_response_status = ?, last_error = ?,
                  next_attempt_at = now() + make_interval(secs => ? / 1000.0)
            where id = ? and lease_token = ?
           returning webhook_id, order_key, event_xid, event_id, next_attempt_at
         )
         update webhook_delivery l set next_attempt_at = f.next_attempt_at
           from failed f
          where l.webhook_id = f.webhook_id and l.order_key = f.order_key and l.status = 'PENDING'
            and (l.event_xid, l.event_id) > (f.event_xid, f.event_id) and l.next_attempt_at < f.next_attempt_at`,
        [outcome.status, outcome.error, delay, delivery.id, delivery.leaseToken],
      );
      if (windowOver) {
        await this.markFailing(
          this.run,
          delivery.webhookId,
          `Delivery ${delivery.id} failed for the whole retry window: ${outcome.error ?? 'no answer'}`.slice(0, 1_000),
        );
      }
    } catch (error) {
      // The lease expires and the delivery is attempted again (same id): at least once.
      if (!this.stopped) this.options.app.log.warn({ err: error, delivery: delivery.id }, 'webhooks: recording an attempt failed');
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * Why a webhook's owner no longer holds the authority its deliveries run with, or undefined. A webhook
 * exports as its owner for as long as it lives, so the owner's credential must still exist: an API
 * key by name AND role in OMNI360_API_KEYS (a removed key, or one now configured with another role,
 * stops its webhooks: they turn FAILING, and resuming fails the same way), and JWT owners only while
 * the server accepts JWTs at all. A JWT subject's role cannot be looked up between tokens: an operator
 * deletes the webhooks of a subject who loses its role (docs/webhooks.md).
 */
export function revokedOwner(
  config: Pick<Config, 'apiKeys' | 'jwtSecret' | 'jwksUrl'>,
  webhook: Pick<WebhookRow, 'ownerRole' | 'ownerName' | 'ownerVia'>,
): string | undefined {
  if (webhook.ownerVia === 'api-key') {
    if (config.apiKeys.some((key) => key.name === webhook.ownerName && key.role === webhook.ownerRole)) return undefined;
    return `The owner's API key (${webhook.ownerName}, ${webhook.ownerRole}) is no longer configured: deliveries stop until it is, or an ADMIN deletes the webhook.`;
  }
  if (config.jwtSecret || config.jwksUrl) return undefined;
  return `The owner is a JWT subject (${webhook.ownerName}) and the server no longer accepts JWTs: deliveries stop until it does.`;
}
