import { badUserInput } from '../../common/errors';
import { isIdOf } from '../../common/ids';
import { createContext, type Context } from '../../context/context';
import { resolveSurvivorId } from '../customers/customer.service';
import { decodeEventCursor } from './event-cursor';
import type { EventRow, LogFilter } from './event-reader';
import type { SubscriptionStart } from './event-hub';

export interface LogStreamOptions {
  /** The client's cursor: replay every retained matching event after it, then continue live. */
  after?: string | null;
  filter: LogFilter;
  matches: (event: EventRow) => boolean;
}

/**
 * Opens a subscription on the durable log. Each event is resolved with a FRESH context (new
 * EntityManager fork, new loaders) carrying the subscriber's principal: data never leaks from one event
 * to the next, and personal data is masked per the subscriber's role as on HTTP.
 */
export async function openLogStream(ctx: Context, options: LogStreamOptions): Promise<AsyncIterableIterator<EventRow>> {
  const start: SubscriptionStart = options.after ? { after: decodeEventCursor(options.after) } : { now: true };
  const stream = await ctx.app.events.subscribe(start, { filter: options.filter, matches: options.matches });
  const iterator: AsyncIterableIterator<EventRow> = {
    [Symbol.asyncIterator]: () => iterator,
    async next() {
      const result = await stream.next();
      if (!result.done) {
        // graphql-js resolves one event completely before it asks for the next: swapping here is safe.
        const fresh = createContext(ctx.app, ctx.principal);
        ctx.em = fresh.em;
        ctx.loaders = fresh.loaders;
        ctx.requestId = fresh.requestId;
      }
      return result;
    },
    return: () => stream.return!(),
    throw: (error?: unknown) => stream.throw!(error),
  };
  return iterator;
}

/** A customer id argument as every id it may appear under in the log: itself and its survivor. */
export async function customerIdsOf(ctx: Context, customerId: string, argument: string): Promise<string[]> {
  const survivor = isIdOf('Customer', customerId) ? await resolveSurvivorId(ctx.em, customerId) : undefined;
  if (!survivor) throw badUserInput(`No customer ${customerId}.`, argument);
  return [...new Set([customerId, survivor])];
}
