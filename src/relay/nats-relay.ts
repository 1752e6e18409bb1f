import { Client } from 'pg';
import { connect, headers, JSONCodec, nanos, RetentionPolicy, StorageType, type JetStreamClient, type JetStreamManager, type NatsConnection, type NatsError } from 'nats';
import type { NatsRelayConfig } from '../config/config';
import { numbered } from '../database/sql';
import { comparePositions, decodeEventCursor, encodeEventCursor, LOG_START, maxPosition, positionOf, type LogPosition } from '../modules/events/event-cursor';
import { EVENT_NOTIFY_CHANNEL } from '../modules/events/event-log';
import { hiddenEventTypes } from '../common/role-policy';
import type { Principal } from '../common/principal';
import { payloadFor } from '../modules/events/event-payload';
import { matchesFilter, readLog, type EventRow, type LogFilter, type SqlRunner } from '../modules/events/event-reader';
import type { Logger } from '../server/logger';

export interface NatsRelayOptions {
  databaseUrl: string;
  nats: NatsRelayConfig;
  log: Logger;
  statementTimeoutMs?: number;
  /** Called after each acknowledged publish batch (metrics). */
  onPublished?: (count: number) => void;
  /** Events read and published per round; the position is stored after each round. */
  batchSize?: number;
  /** Safety-net poll when no notification arrives. */
  pollIntervalMs?: number;
  /** How often an instance on standby tries to take the relay lock. */
  standbyRetryMs?: number;
}

/** The message each event becomes on NATS (JSON). */
export interface RelayedEvent {
  eventId: string;
  /** The event's cursor: a GraphQL subscriber can resume from it (`after`). */
  cursor: string;
  type: string;
  occurredAt: string;
  customerId: string | null;
  payload: unknown;
}

const MAX_BACKOFF_MS = 10_000;
/**
 * Expected as the stream's last message id by a publish at or behind the stream's head: no message has
 * it, so JetStream acknowledges such a publish only as a duplicate (it checks duplicates first) and
 * refuses an event it never got instead of appending it behind later ones.
 */
const NOT_A_MESSAGE_ID = 'omni360:not-a-message-id';
/** How long JetStream remembers message ids: a batch published again within it is dropped as duplicate. */
const DUPLICATE_WINDOW_MS = 2 * 60_000;

/** A subject token per dot-separated part of the type; anything NATS would read as a wildcard is replaced. */
export function subjectFor(prefix: string, type: string): string {
  const tokens = type.split('.').map((token) => token.replace(/[^A-Za-z0-9_-]/g, '_') || '_');
  return `${prefix}.${tokens.join('.')}`;
}

/** The name of a relay's row in relay_position (and of its advisory lock). */
export function relayName(nats: Pick<NatsRelayConfig, 'stream'>): string {
  return `nats:${nats.stream}`;
}

/** The position a relay stored, or undefined before its first publish. */
export async function storedRelayPosition(run: SqlRunner, name: string): Promise<LogPosition | undefined> {
  const [row] = await run<{ xid: string; id: string }>(`select xid::text as xid, id::text as id from relay_position where name = ?`, [name]);
  return row ? positionOf(row) : undefined;
}

/**
 * Relays the durable event log to NATS JetStream, in log order, at least once: each event is published
 * to `<prefix>.<event type>` with its event id as the JetStream message id (so the stream drops a repeat
 * inside its duplicate window), and the relay's position is stored in relay_position only after the
 * publishes were acknowledged. A restart resumes from the stored position.
 *
 * One instance relays at a time: the one holding a session-level advisory lock on its dedicated
 * connection; the others stand by and retry. Everything the relay does in PostgreSQL (lock, LISTEN, log
 * reads, position writes) goes over that one connection, so losing it stops the relay at its next
 * statement, and it must reach PostgreSQL directly, not through a transaction-pooling PgBouncer.
 */
export class NatsRelay {
  readonly name: string;
  private stopped = true;
  private loop: Promise<void> | undefined;
  private client: Client | undefined;
  private nc: NatsConnection | undefined;
  private active = false;
  private wakeUp: (() => void) | undefined;
  /** A notification that arrived while publishing: the next wait returns at once. */
  private woken = false;
  private readonly codec = JSONCodec<RelayedEvent>();
  /**
   * The relay is an export out of omni360's trust boundary (erasure and role checks cannot reach a
   * stream), so it reads the log as a configured role (OMNI360_NATS_RELAY_ROLE), through the role
   * policy's own code: event types the role may not read are skipped (hiddenEventTypes, the filter of
   * `events` and subscriptions) and payloads are masked as that role reads them (payloadFor).
   */
  private readonly principal: Principal;
  private readonly filter: LogFilter;

  constructor(private readonly options: NatsRelayOptions) {
    this.name = relayName(options.nats);
    this.principal = { role: options.nats.role, name: this.name, via: 'api-key' };
    this.filter = { excludedTypes: hiddenEventTypes(this.principal) };
  }

  /** Whether this instance holds the lock and publishes. */
  isActive(): boolean {
    return this.active;
  }

  /** Starts relaying in the background (never blocks start-up: NATS or the lock may come later). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.run();
  }

  /** Stops after the publish in flight, storing the position of every acknowledged event. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.wake();
    await this.loop;
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.stopped) {
      let failed = false;
      try {
        const relayed = await this.holdLockAndRelay();
        if (relayed) attempt = 0;
      } catch (error) {
        failed = true;
        if (!this.stopped) this.options.log.warn({ err: error, relay: this.name }, 'relay: stopped relaying; retrying');
      } finally {
        await this.release();
      }
      if (this.stopped) break;
      const delay = failed ? Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempt++) : (this.options.standbyRetryMs ?? 5_000);
      await this.sleep(delay);
    }
  }

  /** One term: connect, take the lock (or return false to stand by), relay until stopped or failed. */
  private async holdLockAndRelay(): Promise<boolean> {
    const client = new Client({
      connectionString: this.options.databaseUrl,
      application_name: 'omni360-relay',
      keepAlive: true,
      connectionTimeoutMillis: 5_000,
      statement_timeout: this.options.statementTimeoutMs || undefined,
      // A statement on a connection that silently died fails rather than hangs.
      query_timeout: 60_000,
    });
    this.client = client;
    // Errors surface on the next statement; an unhandled 'error' event must not crash the process.
    client.on('error', (error) => this.options.log.warn({ err: error, relay: this.name }, 'relay: database connection lost'));
    client.on('notification', () => this.wake());
    await client.connect();
    const run: SqlRunner = async <T>(sql: string, params: unknown[]) => (await client.query(numbered(sql), params)).rows as T[];
    const [lock] = await run<{ locked: boolean }>(`select pg_try_advisory_lock(hashtextextended(?, 0)) as locked`, [`omni360.relay:${this.name}`]);
    if (!lock.locked) return false; // another instance relays; stand by
    this.active = true;
    this.options.log.info({ relay: this.name }, 'relay: took the relay lock; publishing to NATS JetStream');
    await run(`listen ${EVENT_NOTIFY_CHANNEL}`, []);
    const { js, head } = await this.connectNats();
    await this.relay(run, js, head);
    return true;
  }

  /** Connects, creates or extends the stream, and returns where it ends (the position of its last event). */
  private async connectNats(): Promise<{ js: JetStreamClient; head: LogPosition | undefined }> {
    const { servers, stream, subjectPrefix } = this.options.nats;
    const nc = await connect({ servers, name: 'omni360-relay', maxReconnectAttempts: -1, reconnectTimeWait: 1_000, timeout: 5_000 });
    this.nc = nc;
    const jsm = await nc.jetstreamManager();
    const subjects = `${subjectPrefix}.>`;
    try {
      const info = await jsm.streams.info(stream);
      if (!info.config.subjects?.includes(subjects)) {
        await jsm.streams.update(stream, { subjects: [...(info.config.subjects ?? []), subjects] });
      }
    } catch (error) {
      const natsError = error as NatsError;
      if (natsError.api_error?.err_code !== 10059 && natsError.message !== 'stream not found') throw error;
      await jsm.streams.add({
        name: stream,
        subjects: [subjects],
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        duplicate_window: nanos(DUPLICATE_WINDOW_MS),
      });
      this.options.log.info({ stream, subjects }, 'relay: created the JetStream stream');
    }
    return { js: nc.jetstream(), head: await this.streamHead(jsm) };
  }

  /** The log position of the stream's last message when a relay published it (its cursor header), else undefined. */
  private async streamHead(jsm: JetStreamManager): Promise<LogPosition | undefined> {
    const { stream } = this.options.nats;
    const last = (await jsm.streams.info(stream)).state.last_seq;
    if (last === 0) return undefined;
    const message = await jsm.streams.getMessage(stream, { seq: last }).catch(() => undefined);
    const cursor = message?.header.get('Omni360-Cursor');
    if (!cursor) return undefined;
    try {
      return decodeEventCursor(cursor);
    } catch {
      return undefined;
    }
  }

  /**
   * Reads the log from the stored position and publishes it, round after round, until stopped. Events at
   * or before `head` (the stream's last event when the term began) were published by an earlier term
   * that stopped before storing its position: they are published again expecting a duplicate.
   */
  private async relay(run: SqlRunner, js: JetStreamClient, head: LogPosition | undefined): Promise<void> {
    const limit = this.options.batchSize ?? 200;
    const stored = await storedRelayPosition(run, this.name);
    let position = stored ?? LOG_START;
    let repoll = 0;
    while (!this.stopped) {
      const result = await readLog(run, { after: position, limit });
      if (result.purgedThrough && comparePositions(position, result.purgedThrough) < 0) {
        // Retention deleted events after our position: they cannot be relayed any more.
        if (stored) this.options.log.error({ relay: this.name, from: String(position.id), purgedThrough: String(result.purgedThrough.id) }, 'relay: events were purged before they were relayed; continuing after the purge');
        position = result.purgedThrough;
        continue;
      }
      let acked = position;
      let published = 0;
      let passed = 0;
      try {
        for (const row of result.rows) {
          if (this.stopped) break;
          // An event the relay's role may not read is passed over (the position moves past it all the same).
          if (matchesFilter(this.filter, row)) {
            await this.publish(js, row, !!head && comparePositions(positionOf(row), head) <= 0);
            published += 1;
          } else {
            passed += 1;
          }
          acked = positionOf(row);
        }
      } finally {
        if (published + passed > 0) {
          // Stored only after the acknowledgements: a crash before this line publishes the batch again.
          await this.storePosition(run, acked);
          if (published > 0) this.options.onPublished?.(published);
        }
      }
      const full = result.rows.length === limit;
      if (this.stopped) break;
      position = full ? acked : maxPosition(acked, { xid: result.horizon, id: 0n });
      if (full) continue;
      // Events behind a running transaction: look again soon (backing off to the poll).
      repoll = result.pending ? Math.min(1_000, repoll ? repoll * 2 : 20) : 0;
      await this.sleep(repoll || (this.options.pollIntervalMs ?? 1_000));
    }
  }

  /**
   * Publishes one event and waits for JetStream's acknowledgement. `behindHead`: the stream already ends
   * with a later event, so this one should be a duplicate; if JetStream never got it, it became readable
   * only after later events were published (which the log's horizon exists to prevent): it is published
   * anyway, after them, so that nothing is lost, and logged as an error since consumers see it out of order.
   */
  private async publish(js: JetStreamClient, row: EventRow, behindHead = false): Promise<void> {
    const { subjectPrefix, stream } = this.options.nats;
    const cursor = encodeEventCursor(positionOf(row));
    const occurredAt = row.occurredAt instanceof Date ? row.occurredAt.toISOString() : new Date(row.occurredAt).toISOString();
    const message: RelayedEvent = {
      eventId: row.id,
      cursor,
      type: row.type,
      occurredAt,
      customerId: row.customerId,
      // As the relay's role reads it (masked for ANALYST and PARTNER): erasure cannot reach what NATS holds.
      payload: payloadFor(this.principal, row.payload),
    };
    const send = (expectDuplicate: boolean) => {
      // Fresh headers per publish: the client writes the expectations into the headers it is given.
      const h = headers();
      h.set('Omni360-Event-Type', row.type);
      h.set('Omni360-Cursor', cursor);
      return js.publish(subjectFor(subjectPrefix, row.type), this.codec.encode(message), {
        msgID: row.id,
        headers: h,
        expect: expectDuplicate ? { streamName: stream, lastMsgID: NOT_A_MESSAGE_ID } : { streamName: stream },
        timeout: 10_000,
      });
    };
    if (!behindHead) {
      await send(false);
      return;
    }
    try {
      await send(true);
    } catch (error) {
      if (!/wrong last msg ?id/i.test((error as NatsError).api_error?.description ?? (error as Error).message)) throw error;
      this.options.log.error({ relay: this.name, eventId: row.id, cursor }, 'relay: event published out of log order (later events were on the stream already)');
      await send(false);
    }
  }

  private async storePosition(run: SqlRunner, position: LogPosition): Promise<void> {
    await run(
      `insert into relay_position (name, xid, id, updated_at) values (?, ?::xid8, ?::bigint, now())
       on conflict (name) do update set xid = excluded.xid, id = excluded.id, updated_at = excluded.updated_at`,
      [this.name, position.xid.toString(), position.id.toString()],
    );
  }

  private async release(): Promise<void> {
    this.active = false;
    const nc = this.nc;
    const client = this.client;
    this.nc = undefined;
    this.client = undefined;
    await nc?.close().catch(() => undefined);
    // Ending the session releases the advisory lock: a standby instance takes over.
    await client?.end().catch(() => undefined);
  }

  private wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Waits `ms`, or less when a notification or stop() wakes the relay. */
  private sleep(ms: number): Promise<void> {
    if (this.stopped || this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = undefined;
        this.woken = false;
        done();
      };
    });
  }
}
