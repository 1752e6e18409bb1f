import { createSourceEventStream, execute, print, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { principalKey } from '../common/auth';
import { PerObject } from '../common/memo';
import type { Context } from '../context/context';
import { overBudget, resetBudget, tooLargeResult } from './response-budget';

/** Per event (the row object the event hub pushes to every live subscription): results by operation key. */
const results = new PerObject<object, Promise<ExecutionResult>>();

/**
 * graphql-ws's `subscribe`, with one result per event for identical subscriptions. A subscription is a
 * source stream of events plus an execution of the selection for each of them; the hub pushes the SAME
 * event object to every live subscription of the instance, so subscribers running the same document,
 * operation and variables with the same principal (what masking and authorisation read) get the one
 * execution of the first of them instead of each its own: 100 partners listening to interactionAdded
 * cost one execution per interaction, not 100. Each subscriber keeps its own stream, cursor, filters
 * and error handling; only the result of an event is shared, and it lives as long as the event does.
 */
export async function sharedSubscribe(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const source = await createSourceEventStream(args);
  if (!isAsyncIterable(source)) return source;
  const key = executionKey(args);
  const resultOf = (event: unknown): Promise<ExecutionResult> => eventResult(args, key, event);
  const iterator = source[Symbol.asyncIterator]();
  const mapped: AsyncIterableIterator<ExecutionResult> = {
    [Symbol.asyncIterator]: () => mapped,
    async next() {
      const next = await iterator.next();
      if (next.done) return { value: undefined, done: true };
      try {
        return { value: await resultOf(next.value), done: false };
      } catch (error) {
        // As graphql-js does: an execution that throws ends the stream (and frees its log subscription).
        await iterator.return?.();
        throw error;
      }
    },
    async return() {
      await iterator.return?.();
      return { value: undefined, done: true };
    },
    async throw(error?: unknown) {
      await iterator.return?.();
      throw error;
    },
  };
  return mapped;
}

/** What makes two executions of one event interchangeable: principal, operation, variables, document. */
export function executionKey(args: ExecutionArgs): string {
  return [
    principalKey((args.contextValue as Context | undefined)?.principal),
    args.operationName ?? '',
    JSON.stringify(args.variableValues ?? {}),
    print(args.document),
  ].join('\n');
}

/**
 * One event's result for a subscription operation, as graphql-js computes it (the operation executed
 * with the event as root value), shared by every execution with the same key on the same event object.
 * Webhooks (modules/webhooks/webhook-execution.ts) execute their events through it too.
 */
export function eventResult(args: ExecutionArgs, key: string, event: unknown): Promise<ExecutionResult> {
  const run = async () => {
    // Each event is one answer, with its own response-size budget; past it, the answer is the coded
    // error (decided here, so every subscriber and webhook sharing this result gets the error, never
    // the emptied text).
    const context = args.contextValue as Context | undefined;
    resetBudget(context);
    const result = await execute({ ...args, rootValue: event });
    return context && overBudget(context) ? tooLargeResult(context) : result;
  };
  if (typeof event !== 'object' || event === null) return run();
  return results.get(event, key, run);
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof (value as AsyncIterable<unknown> | null)?.[Symbol.asyncIterator] === 'function';
}
