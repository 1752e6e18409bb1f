import { InvalidArgumentError } from '../../common/errors';

/**
 * A position in the event log: (transaction id, event id). Events are read in this order and only
 * once every transaction older than them has finished, so positions grow in the order events become
 * readable: a reader that has seen position N never later finds a new event before N.
 */
export interface LogPosition {
  xid: bigint;
  id: bigint;
}

/** The position before every event. */
export const LOG_START: LogPosition = { xid: 0n, id: 0n };

export function comparePositions(a: LogPosition, b: LogPosition): number {
  if (a.xid !== b.xid) return a.xid < b.xid ? -1 : 1;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  return 0;
}

export function maxPosition(a: LogPosition, b: LogPosition): LogPosition {
  return comparePositions(a, b) >= 0 ? a : b;
}

export function positionOf(row: { xid: string; id: string }): LogPosition {
  return { xid: BigInt(row.xid), id: BigInt(row.id) };
}

/** The opaque cursor clients see: base64url of "xid:id". */
export function encodeEventCursor(position: LogPosition): string {
  return Buffer.from(`${position.xid}:${position.id}`).toString('base64url');
}

/** Both halves of a position are PostgreSQL bigints (xid8 and the event id); larger ones fail in SQL. */
const MAX_BIGINT = 2n ** 63n - 1n;

/** Decodes an event cursor, or throws BAD_USER_INPUT naming the argument. */
export function decodeEventCursor(cursor: string, argument = 'after'): LogPosition {
  const match = /^(\d{1,20}):(\d{1,20})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match || Buffer.from(`${match[1]}:${match[2]}`).toString('base64url') !== cursor.replace(/=+$/, '')) {
    throw new InvalidArgumentError(`${argument} is not an event cursor`, argument);
  }
  const position = { xid: BigInt(match[1]), id: BigInt(match[2]) };
  if (position.xid > MAX_BIGINT || position.id > MAX_BIGINT) throw new InvalidArgumentError(`${argument} is not an event cursor`, argument);
  return position;
}

/**
 * The visibility test of a PostgreSQL snapshot (`xmin:xmax:xip,...`): true when a transaction had
 * committed (or aborted) when the snapshot was taken. Subscriptions without `after` skip events of
 * such transactions: they happened before the subscription.
 */
export function snapshotVisibility(snapshot: string): (xid: bigint) => boolean {
  const [xmin, xmax, xip = ''] = snapshot.split(':');
  const low = BigInt(xmin);
  const high = BigInt(xmax);
  const running = new Set(xip.split(',').filter(Boolean).map((xid) => BigInt(xid)));
  return (xid) => xid < low || (xid < high && !running.has(xid));
}
