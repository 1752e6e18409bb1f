import type { Context } from '../../context/context';
import { InvalidArgumentError } from '../../common/errors';
import { hiddenEventTypes } from '../../common/role-policy';
import { cutPage, pageSize, toConnection, type Connection } from '../../common/pagination';
import { query } from '../../database/sql';
import { comparePositions, decodeEventCursor, encodeEventCursor, LOG_START, positionOf } from './event-cursor';
import { countLog, readLog, type EventRow, type LogFilter, type SqlRunner } from './event-reader';
import { cursorExpired } from './event.errors';
import type { EventType } from './event.type';

/** A log row as the Event type exposes it. */
export function toEventType(row: EventRow): EventType {
  return {
    eventId: row.id,
    cursor: encodeEventCursor(positionOf(row)),
    type: row.type,
    occurredAt: row.occurredAt as Date,
    customerId: row.customerId,
    payload: row.payload,
  };
}

function requestRunner(ctx: Context): SqlRunner {
  return <T>(sql: string, params: unknown[]) => query<T>(ctx.em, sql, params);
}

/**
 * `events(after, first, types)`: the log for partners that poll. Pages follow the commit-ordered cursor,
 * so concatenated pages are the log with no gap and no duplicate; a cursor whose successors were purged
 * by retention is CURSOR_EXPIRED, never a silent gap.
 */
export async function listEvents(ctx: Context, args: { after?: string | null; first?: number | null; types?: string[] | null }): Promise<Connection<EventType>> {
  const size = pageSize(args.first);
  const after = args.after ? decodeEventCursor(args.after) : LOG_START;
  if (args.types && (args.types.length > 50 || args.types.some((type) => type.length === 0 || type.length > 100 || type.includes('\u0000')))) {
    throw new InvalidArgumentError('types takes at most 50 non-empty type names', 'types');
  }
  // The role policy: events revealing a type the role may not read (order.*, stock.*, ...) are left out.
  const excludedTypes = hiddenEventTypes(ctx.principal);
  const filter: LogFilter | undefined = args.types || excludedTypes.length
    ? { ...(args.types && { types: args.types }), ...(excludedTypes.length && { excludedTypes }) }
    : undefined;
  const run = requestRunner(ctx);
  const result = await readLog(run, { after, filter, limit: size + 1 });
  if (args.after && result.purgedThrough && comparePositions(after, result.purgedThrough) < 0) throw cursorExpired(ctx.config.eventRetentionDays);
  return toConnection(cutPage(result.rows, size), Boolean(args.after), positionOf, toEventType, () => countLog(run, filter), encodeEventCursor);
}
