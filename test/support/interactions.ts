import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import type { Client } from 'graphql-ws';
import { Client as PgClient } from 'pg';
import { RecordInteractionDocument, type RecordInteractionInput, type RecordInteractionMutation } from '../generated/graphql';
import { TOKENS, unique, type TestServer } from './server';

/** Records one interaction and fails the test on user errors. */
export async function record(
  env: TestServer,
  input: Partial<RecordInteractionInput> & Pick<RecordInteractionInput, 'customer'>,
  token: string = TOKENS.AGENT,
): Promise<NonNullable<RecordInteractionMutation['recordInteraction']['interaction']>> {
  const res = await env.ok(RecordInteractionDocument, {
    input: { source: 'test', externalId: unique('ext'), channel: 'CHAT', direction: 'INBOUND', ...input },
  }, token);
  if (res.recordInteraction.userErrors.length) throw new Error(`userErrors: ${JSON.stringify(res.recordInteraction.userErrors)}`);
  return res.recordInteraction.interaction!;
}

/** A customer reference by a fresh e-mail. */
export function newCustomerRef(prefix = 'c'): { identities: { type: 'EMAIL'; value: string }[] } {
  return { identities: [{ type: 'EMAIL', value: `${unique(prefix)}@example.com` }] };
}

export async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** What a subscription received so far. */
export interface Collected<T> {
  items: T[];
  errors: unknown[];
  completed: boolean;
  /** Resolves with the first `n` items; rejects on an error or after the timeout. */
  waitFor(n: number, timeoutMs?: number): Promise<T[]>;
  dispose(): void;
}

/** Subscribes over graphql-ws and collects every `data` it pushes. */
export function collect<T, V>(client: Client, document: TypedDocumentNode<T, V> | string, variables: V): Collected<T> {
  const collected: Collected<T> = {
    items: [],
    errors: [],
    completed: false,
    async waitFor(n, timeoutMs = 20_000) {
      await waitUntil(() => collected.items.length >= n || collected.errors.length > 0 || collected.completed, timeoutMs, `${n} events (got ${collected.items.length})`);
      if (collected.errors.length) throw new Error(`subscription error: ${JSON.stringify(collected.errors)}`);
      if (collected.items.length < n) throw new Error(`subscription completed after ${collected.items.length} of ${n} events`);
      return collected.items.slice(0, n);
    },
    dispose: () => undefined,
  };
  collected.dispose = client.subscribe<T>(
    { query: typeof document === 'string' ? document : print(document), variables: variables as Record<string, unknown> },
    {
      next: (result) => {
        if (result.errors?.length) collected.errors.push(result.errors);
        else collected.items.push(result.data as T);
      },
      error: (error) => collected.errors.push(error),
      complete: () => {
        collected.completed = true;
      },
    },
  );
  return collected;
}

/** How many subscriptions the server's hub has opened so far. */
export function subscriptionsOpened(env: TestServer): number {
  return env.server.app.events.stats().opened;
}

/**
 * Waits until the hub opened `count` subscriptions in total: a subscription without `after` delivers
 * what commits from then on, and graphql-ws has no acknowledgement to wait for instead.
 */
export function subscriptionsOpen(env: TestServer, count: number): Promise<void> {
  return waitUntil(() => subscriptionsOpened(env) >= count, 10_000, `${count} opened subscriptions`);
}

/** A raw connection to the test database, for what the API cannot do (old events, held transactions). */
export async function rawClient(env: TestServer): Promise<PgClient> {
  const client = new PgClient({ connectionString: env.databaseUrl });
  await client.connect();
  return client;
}
