import { RefusedError } from '../../common/errors';

/** Error codes of the event log (top-level errors: they concern queries and subscriptions). */
export const EventErrorCode = {
  /** Events after the cursor were purged by retention: resuming from it would silently skip them. */
  CURSOR_EXPIRED: 'CURSOR_EXPIRED',
} as const;

export function cursorExpired(retentionDays: number): RefusedError {
  return new RefusedError(
    EventErrorCode.CURSOR_EXPIRED,
    `This cursor is older than the retention window (${retentionDays} days): events after it were purged. Start again without a cursor and reconcile.`,
  );
}
