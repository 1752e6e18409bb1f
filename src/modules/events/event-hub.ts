import { Client, Pool, type PoolClient } from 'pg';
import type { Config } from '../../config/config';
import { endPool } from '../../database/pools';
import { numbered } from '../../database/sql';
import type { Logger } from '../../server/logger';
import { comparePositions, LOG_START, maxPosition, positionOf, snapshotVisibility, type LogPosition } from './event-cursor';
import { cursorExpired } from './event.errors';
import { currentSnapshot, readLog, type EventRow, type LogFilter, type LogReadResult, type SqlRunner } from './event-reader';
import { EVENT_NOTIFY_CHANNEL } from './event-log';
import { createNextPartition, purgeStep } from './event-retention';
import { LogSubscription, type LogSource, type LogSubscriptionSpec } from './log-subscription';

/** PostgreSQL's deadlock_detected: the transaction it rolled back to break a deadlock, which did nothing. */
const DEADLOCK_DETECTED = '40P01';
const DEADLOCK_RETRIES = 3;

/** Where a subscription starts: after a client's cursor, or at "now". */
export type SubscriptionStart = { after: LogPosition } | { now: true };

/**
 * Process-wide fan-out of the event log to subscriptions. One LISTEN connection per instance wakes
 * readers; readers read the log from their cursor. Notifications only wake: the log is the truth.
 */
export interface EventHub {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Opens a stream of matching events; throws CURSOR_EXPIRED when retention purged events after the cursor. */
  subscribe(start: SubscriptionStart, spec: LogSubscriptionSpec): Promise<AsyncIterableIterator<EventRow>>;
  /** Deletes events older than the retention window; returns how many. */
  purgeExpired(): Promise<number>;
  /** Creates the event partitions the sequence will need next; returns how many it created. */
  maintainPartitions(): Promise<number>;
  /**
   * Subscriptions of this instance: active now, opened since start, and events read for them but not
   * yet taken by their consumers (bounded per subscription; for metrics and tests).
   */
  stats(): { active: number; opened: number; queued: number };
}

export interface PgEventHubOptions {
  databaseUrl: string;
  config: Pick<Config, 'eventRetentionDays' | 'dbStatementTimeoutMs' | 'eventPartitionSize'>;
  log: Logger;
  /** Safety-net poll: a lost notification delays delivery by at most this long. */
  pollIntervalMs?: number;
  purgeIntervalMs?: number;
  /** How often the partitions the event sequence needs next are created ahead of it. */
  partitionIntervalMs?: number;
}

const SHARED_BATCH = 1_000;
const MAX_RECONNECT_DELAY_MS = 10_000;

/**
 * The event hub of one server instance:
 * - one dedicated connection LISTENs on EVENT_NOTIFY_CHANNEL and is re-established with backoff;
 * - each wake-up (notification, 1 s poll, or a short re-poll while events wait behind a running
 *   transaction) reads the log ONCE from the hub's head and pushes the batch to every live subscription;
 * - subscriptions behind the head (replaying from a cursor) read the log themselves up to the head;
 * - a periodic purge enforces retention.
 * Its own small pool keeps log reads off the request pool.
 */
export class PgEventHub implements EventHub, LogSource {
  private readonly pool: Pool;
  private listener: Client | undefined;
  private readonly subscriptions = new Set<LogSubscription>();
  private current: LogPosition | undefined;
  private reading = false;
  private again = false;
  private stopped = false;
  private reconnectAttempt = 0;
  private repollDelay = 0;
  private timers: NodeJS.Timeout[] = [];
  private repollTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private purging: Promise<number> | undefined;
  private maintaining: Promise<number> | undefined;
  private opened = 0;

  constructor(private readonly options: PgEventHubOptions) {
    this.pool = new Pool({
      connectionString: options.databaseUrl,
      max: 4,
      connectionTimeoutMillis: 5_000,
      statement_timeout: options.config.dbStatementTimeoutMs || undefined,
      application_name: 'omni360-event-hub',
    });
    // An idle connection that dies must not crash the process; the next read reconnects.
    this.pool.on('error', (error) => options.log.warn({ err: error }, 'event hub: idle connection lost'));
  }

  get head(): LogPosition | undefined {
    return this.current;
  }

  private readonly run: SqlRunner = async <T>(sql: string, params: unknown[]) => (await this.pool.query(numbered(sql), params)).rows as T[];

  async start(): Promise<void> {
    this.stopped = false;
    await this.connectListener();
    await this.drain();
    const poll = setInterval(() => this.wake(), this.options.pollIntervalMs ?? 1_000);
    const purge = setInterval(() => void this.purgeExpired().catch(() => undefined), this.options.purgeIntervalMs ?? 3_600_000);
    const partitions = setInterval(() => void this.maintainPartitions().catch(() => undefined), this.options.partitionIntervalMs ?? 60_000);
    poll.unref();
    purge.unref();
    partitions.unref();
    this.timers.push(poll, purge, partitions);
    void this.maintainPartitions().catch(() => undefined).then(() => this.purgeExpired()).catch(() => undefined);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    clearTimeout(this.repollTimer);
    clearTimeout(this.reconnectTimer);
    for (const subscription of [...this.subscriptions]) subscription.close();
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
    await this.purging?.catch(() => undefined);
    await endPool(this.pool).catch(() => undefined);
  }

  stats(): { active: number; opened: number; queued: number } {
    let queued = 0;
    for (const subscription of this.subscriptions) queued += subscription.queued;
    return { active: this.subscriptions.size, opened: this.opened, queued };
  }

  async subscribe(start: SubscriptionStart, spec: LogSubscriptionSpec): Promise<LogSubscription> {
    if (this.stopped) throw new Error('the event hub is stopped');
    let subscription: LogSubscription;
    if ('after' in start) {
      // Fail at once (a subscription error) rather than after the first event.
      const probe = await readLog(this.run, { after: start.after, upTo: start.after, limit: 1 });
      this.checkNotExpired(start.after, probe.purgedThrough);
      subscription = new LogSubscription(this, spec, start.after);
    } else {
      // "From now on", exactly: every transaction the snapshot sees as finished happened before the
      // subscription and is skipped; every other one (running, or not started yet) is delivered.
      const snapshot = await currentSnapshot(this.run);
      const before = snapshotVisibility(snapshot);
      const matches = spec.matches;
      subscription = new LogSubscription(this, { ...spec, matches: (event) => !before(BigInt(event.xid)) && matches(event) }, {
        xid: BigInt(snapshot.split(':')[0]),
        id: 0n,
      });
    }
    this.subscriptions.add(subscription);
    this.opened += 1;
    return subscription;
  }

  release(subscription: LogSubscription): void {
    this.subscriptions.delete(subscription);
  }

  readRange(after: LogPosition, upTo: LogPosition, filter: LogFilter, limit: number): Promise<LogReadResult> {
    return readLog(this.run, { after, upTo, filter, limit });
  }

  checkNotExpired(position: LogPosition, purgedThrough: LogPosition | null): void {
    if (purgedThrough && comparePositions(position, purgedThrough) < 0) throw cursorExpired(this.options.config.eventRetentionDays);
  }

  backoff(attempt: number, closed: Promise<void>): Promise<void> {
    const delay = Math.min(5_000, 200 * 2 ** attempt);
    return Promise.race([closed, new Promise<void>((resolve) => setTimeout(resolve, delay).unref())]);
  }

  /** Coalesces wake-ups: at most one shared read runs; a wake-up during it schedules one more. */
  wake(): void {
    if (this.stopped) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      do {
        this.again = false;
        await this.readShared();
      } while (this.again && !this.stopped);
    } catch (error) {
      if (!this.stopped) this.options.log.warn({ err: error }, 'event hub: reading the log failed; retrying on the next poll');
    } finally {
      this.reading = false;
    }
  }

  /** One wake-up: reads every new readable event once and pushes it to the live subscriptions. */
  private async readShared(): Promise<void> {
    for (;;) {
      const from = this.current ?? LOG_START;
      const anyLive = [...this.subscriptions].some((subscription) => subscription.live);
      // Nobody at the head: only move the head (subscriptions behind it read for themselves).
      const limit = anyLive && this.current ? SHARED_BATCH : 0;
      const result = await readLog(this.run, { after: from, limit });
      if (this.stopped) return;
      const full = limit > 0 && result.rows.length === limit;
      const newHead = full ? positionOf(result.rows.at(-1)!) : maxPosition(from, { xid: result.horizon, id: 0n });
      this.current = newHead;
      for (const subscription of this.subscriptions) {
        // Synchronous with moving the head: live subscriptions were exactly at `from`. Rows were read
        // only when someone was live as the read began (limit > 0): a subscription that reached the head
        // during a read that fetched no rows must read (from, newHead] itself, or it would skip them.
        if (subscription.live && limit > 0) {
          subscription.push(result.rows, newHead);
        } else {
          subscription.live = false;
          subscription.notify();
        }
      }
      if (full) continue;
      this.scheduleRepoll(result.pending);
      return;
    }
  }

  /**
   * Events written by a transaction that committed while an older one still runs are not readable
   * yet, and the older transaction may never notify: look again soon (backing off to the poll).
   */
  private scheduleRepoll(pending: boolean): void {
    clearTimeout(this.repollTimer);
    if (!pending || this.subscriptions.size === 0) {
      this.repollDelay = 0;
      return;
    }
    this.repollDelay = Math.min(1_000, this.repollDelay ? this.repollDelay * 2 : 20);
    this.repollTimer = setTimeout(() => this.wake(), this.repollDelay);
    this.repollTimer.unref();
  }

  private async connectListener(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({ connectionString: this.options.databaseUrl, application_name: 'omni360-event-listener', keepAlive: true, connectionTimeoutMillis: 5_000 });
    const lost = (error?: Error) => {
      if (this.listener !== client) return;
      this.listener = undefined;
      client.removeAllListeners();
      client.on('error', () => undefined);
      void client.end().catch(() => undefined);
      if (!this.stopped) {
        this.options.log.warn({ err: error }, 'event hub: LISTEN connection lost; reconnecting');
        this.scheduleReconnect();
      }
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', () => this.wake());
    this.listener = client;
    try {
      await client.connect();
      await client.query(`listen ${EVENT_NOTIFY_CHANNEL}`);
      this.reconnectAttempt = 0;
      // Anything written while the connection was down is in the log: read it now.
      this.wake();
    } catch (error) {
      lost(error as Error);
    }
  }

  private scheduleReconnect(): void {
    const delay = Math.min(MAX_RECONNECT_DELAY_MS, 250 * 2 ** this.reconnectAttempt++);
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => void this.connectListener(), delay);
    this.reconnectTimer.unref();
  }

  /** Whether the LISTEN connection is up (for health checks and tests). */
  isListening(): boolean {
    return this.listener !== undefined && this.reconnectAttempt === 0;
  }

  purgeExpired(): Promise<number> {
    this.purging ??= this.purgeAll().finally(() => {
      this.purging = undefined;
    });
    return this.purging;
  }

  /**
   * Creates the event partitions the sequence will need next (event-retention.ts). Runs at start and
   * every minute: an event whose id no partition covers lands in the default partition meanwhile.
   */
  maintainPartitions(): Promise<number> {
    this.maintaining ??= this.inTransactions(async (run) => {
      const created = await createNextPartition(run, this.options.config.eventPartitionSize);
      return { count: created ? 1 : 0, more: created };
    }, 'creating event partitions').finally(() => {
      this.maintaining = undefined;
    });
    return this.maintaining;
  }

  private async purgeAll(): Promise<number> {
    const dropped: string[] = [];
    const total = await this.inTransactions(async (run) => {
      const step = await purgeStep(run, this.options.config.eventRetentionDays);
      if (step.dropped) dropped.push(step.dropped);
      return { count: step.deleted, more: step.more };
    }, 'purging expired events');
    if (total > 0) this.options.log.info({ deleted: total, partitionsDropped: dropped, retentionDays: this.options.config.eventRetentionDays }, 'expired events purged');
    return total;
  }

  /**
   * Runs `step` in a transaction of its own, again and again while it says there is more to do, each on
   * a pooled connection; returns the sum of its counts. A step PostgreSQL rolled back to break a deadlock
   * did nothing and runs again (a few times): its DDL takes the event table's strongest lock while
   * readers and writers of the log hold theirs.
   */
  private async inTransactions(step: (run: SqlRunner) => Promise<{ count: number; more: boolean }>, what: string): Promise<number> {
    let total = 0;
    let deadlocks = 0;
    for (;;) {
      if (this.stopped) return total;
      let client: PoolClient | undefined;
      let broken: unknown;
      // A checked-out client has no pool listener: a dropped connection between statements must not
      // become an unhandled 'error' event (the statement in flight fails and is handled below).
      const ignore = () => undefined;
      try {
        client = await this.pool.connect();
        client.on('error', ignore);
        const tx = client;
        const run: SqlRunner = async <T>(sql: string, params: unknown[]) => (await tx.query(numbered(sql), params)).rows as T[];
        await tx.query('begin');
        const result = await step(run);
        await tx.query('commit');
        total += result.count;
        if (!result.more) break;
      } catch (error) {
        await client?.query('rollback').catch(() => undefined);
        if ((error as { code?: string }).code === DEADLOCK_DETECTED && ++deadlocks <= DEADLOCK_RETRIES) {
          this.options.log.info({ err: error, attempt: deadlocks }, `event hub: ${what} chosen to break a deadlock, again`);
          continue;
        }
        broken = error;
        this.options.log.warn({ err: error }, `event hub: ${what} failed`);
        throw error;
      } finally {
        client?.removeListener('error', ignore);
        // A client that failed is destroyed rather than handed to the next reader.
        client?.release(broken ? true : undefined);
      }
    }
    return total;
  }
}


