import { RefusedError } from '../../common/errors';
import { comparePositions, maxPosition, positionOf, type LogPosition } from './event-cursor';
import { matchesFilter, type EventRow, type LogFilter, type LogReadResult } from './event-reader';

/** How many rows one catch-up read fetches. */
export const CATCH_UP_BATCH = 500;
/** A live subscriber whose consumer lags this far behind stops receiving pushes and reads the log itself. */
const MAX_QUEUE = 2_000;

/** What a subscription asks the hub for. */
export interface LogSubscriptionSpec {
  /** Read by SQL (types, customers): narrows catch-up reads. */
  filter: LogFilter;
  /** Further test in code, applied to every event after the filter (catch-up and live). */
  matches: (event: EventRow) => boolean;
}

/** What a subscription needs from the hub: the shared head and ranged reads of the log. */
export interface LogSource {
  /** Everything up to this position was read by the hub and pushed to live subscriptions. */
  readonly head: LogPosition | undefined;
  readRange(after: LogPosition, upTo: LogPosition, filter: LogFilter, limit: number): Promise<LogReadResult>;
  /** Throws CURSOR_EXPIRED (or ends the subscription) when retention purged events after `position`. */
  checkNotExpired(position: LogPosition, purgedThrough: LogPosition | null): void;
  /** Waits before retrying after a failed read; resolves early when the subscription closes. */
  backoff(attempt: number, closed: Promise<void>): Promise<void>;
  release(subscription: LogSubscription): void;
}

/**
 * One subscriber's cursor-driven stream of the log, as an AsyncIterator. The same loop serves replay
 * and live delivery: while behind the hub's head it reads the log itself (from its own position up to
 * the head); once at the head it is "live" and the hub pushes every new batch it reads, filtered. The
 * position only ever moves forward, so there is no gap and no duplicate at the seam.
 *
 * Written by hand rather than as an async generator: `return()` must end a subscription that waits for
 * events at once (a suspended generator would only see it after the next event).
 */
export class LogSubscription implements AsyncIterableIterator<EventRow> {
  /** Everything up to here was read for this subscription (delivered or queued, when it matched). */
  position: LogPosition;
  live = false;
  private readonly queue: EventRow[] = [];
  private closed = false;
  private failure: unknown;
  private wakeUp: (() => void) | undefined;
  private readonly closedSignal: Promise<void>;
  private signalClosed!: () => void;
  /** The filter and the subscription's own test: live batches are not filtered by SQL. */
  private readonly accepts: (event: EventRow) => boolean;

  constructor(
    private readonly source: LogSource,
    readonly spec: LogSubscriptionSpec,
    start: LogPosition,
  ) {
    this.position = start;
    this.accepts = (event) => matchesFilter(spec.filter, event) && spec.matches(event);
    this.closedSignal = new Promise((resolve) => {
      this.signalClosed = resolve;
    });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Events read for this subscriber and not yet taken (at most MAX_QUEUE plus one batch). */
  get queued(): number {
    return this.queue.length;
  }

  /** Called by the hub with a batch it read after `position` (the shared read of one wake-up). */
  push(rows: EventRow[], newHead: LogPosition): void {
    if (this.closed || !this.live) return;
    for (const row of rows) {
      if (comparePositions(positionOf(row), this.position) > 0 && this.accepts(row)) this.queue.push(row);
    }
    this.position = maxPosition(this.position, newHead);
    // A slow consumer should not hold an unbounded queue: it drops to catch-up and reads the log later.
    if (this.queue.length > MAX_QUEUE) this.live = false;
    this.notify();
  }

  /** Wakes a consumer waiting for events or for the head to move. */
  notify(): void {
    const wake = this.wakeUp;
    this.wakeUp = undefined;
    wake?.();
  }

  /** Ends the subscription with an error (e.g. CURSOR_EXPIRED while replaying). */
  fail(error: unknown): void {
    this.failure = error;
    this.notify();
  }

  async next(): Promise<IteratorResult<EventRow>> {
    let attempt = 0;
    for (;;) {
      if (this.closed) return { value: undefined, done: true };
      if (this.failure !== undefined) {
        const failure = this.failure;
        this.close();
        throw failure;
      }
      const row = this.queue.shift();
      if (row) return { value: row, done: false };
      if (!this.live && this.source.head && comparePositions(this.position, this.source.head) < 0) {
        try {
          await this.catchUp(this.source.head);
          attempt = 0;
        } catch (error) {
          if (isCodedError(error)) this.fail(error);
          else await this.source.backoff(attempt++, this.closedSignal);
        }
        continue;
      }
      if (!this.live && this.source.head) {
        this.live = true;
        continue;
      }
      await new Promise<void>((resolve) => {
        this.wakeUp = resolve;
      });
    }
  }

  /** Reads the log from `position` up to the hub's head (one batch); joins the live stream at the head. */
  private async catchUp(target: LogPosition): Promise<void> {
    const result = await this.source.readRange(this.position, target, this.spec.filter, CATCH_UP_BATCH);
    if (this.closed) return;
    this.source.checkNotExpired(this.position, result.purgedThrough);
    for (const row of result.rows) if (this.accepts(row)) this.queue.push(row);
    this.position = result.rows.length < CATCH_UP_BATCH ? target : positionOf(result.rows.at(-1)!);
    // Synchronously with the check: the hub cannot move its head between the two.
    const head = this.source.head;
    if (head && comparePositions(this.position, head) >= 0) this.live = true;
  }

  async return(): Promise<IteratorResult<EventRow>> {
    this.close();
    return { value: undefined, done: true };
  }

  async throw(error?: unknown): Promise<IteratorResult<EventRow>> {
    this.close();
    throw error;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.source.release(this);
    this.signalClosed();
    this.notify();
  }
}

/** Refusals (CURSOR_EXPIRED) and errors with a GraphQL code end the subscription; anything else (a lost connection) is retried. */
function isCodedError(error: unknown): boolean {
  if (error instanceof RefusedError) return true;
  return typeof error === 'object' && error !== null && typeof (error as { extensions?: { code?: unknown } }).extensions?.code === 'string';
}
