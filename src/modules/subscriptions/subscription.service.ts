import { principalKey } from '../../common/auth';
import { hiddenEventTypes } from '../../common/role-policy';
import { InvalidArgumentError } from '../../common/errors';
import { isIdOf } from '../../common/ids';
import { PerObject } from '../../common/memo';
import { createContext, type Context } from '../../context/context';
import { resolveSurvivorId } from '../customers/customer.service';
import { decodeEventCursor } from '../events/event-cursor';
import type { EventRow, LogFilter } from '../events/event-reader';
import type { SubscriptionStart } from '../events/event-hub';

export interface LogStreamOptions {
  /** The client's cursor: replay every retained matching event after it, then continue live. */
  after?: string | null;
  filter: LogFilter;
  matches: (event: EventRow) => boolean;
}

/**
 * Opens a subscription on the durable log. Each event is resolved with a FRESH context (its own
 * EntityManager view, new loaders) carrying the subscriber's principal: data never leaks from one event
 * to the next, and personal data is masked per the subscriber's role as on HTTP. Live subscribers of
 * one instance with the same principal share that context per event (eventContext).
 */
export async function openLogStream(ctx: Context, options: LogStreamOptions): Promise<AsyncIterableIterator<EventRow>> {
  const start: SubscriptionStart = options.after ? { after: decodeEventCursor(options.after) } : { now: true };
  // The role policy: a subscription never delivers, live or replayed, an event of a type its role may not read.
  const excludedTypes = hiddenEventTypes(ctx.principal);
  const filter = excludedTypes.length ? { ...options.filter, excludedTypes } : options.filter;
  const stream = await ctx.app.events.subscribe(start, { filter, matches: options.matches });
  const iterator: AsyncIterableIterator<EventRow> = {
    [Symbol.asyncIterator]: () => iterator,
    async next() {
      const result = await stream.next();
      if (!result.done) {
        // graphql-js resolves one event completely before it asks for the next: swapping here is safe.
        const fresh = eventContext(ctx, result.value);
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

const eventContexts = new PerObject<EventRow, Context>();

/**
 * The context an event is resolved with for this subscriber. The hub pushes the SAME row object to
 * every live subscription of the instance, so subscribers with the same principal (role, name, kind
 * of credential: what masking and writer checks read) share one context, and with it one loader per
 * entity: 100 partners' interactionAdded read each new interaction with one statement, not 100. Rows
 * a subscription reads for itself (replay from a cursor) are its own, and so is their context. The
 * context lives as long as the row is referenced by some subscriber's queue.
 */
function eventContext(ctx: Context, event: EventRow): Context {
  return eventContexts.get(event, principalKey(ctx.principal), () => createContext(ctx.app, ctx.principal));
}

/** A customer id argument as every id it may appear under in the log: itself and its survivor. */
export async function customerIdsOf(ctx: Context, customerId: string, argument: string): Promise<string[]> {
  const survivor = isIdOf('Customer', customerId) ? await resolveSurvivorId(ctx.em, customerId) : undefined;
  if (!survivor) throw new InvalidArgumentError(`No customer ${customerId}.`, argument);
  return [...new Set([customerId, survivor])];
}
