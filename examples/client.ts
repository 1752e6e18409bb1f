/**
 * A small typed omni360 client, built on the documents that `npm run codegen` generates from
 * examples/operations/*.graphql into examples/generated/graphql.ts. Copy the operations you need, run
 * GraphQL Code Generator against schema/schema.graphql (see the README), and every request, variable and
 * result below is checked by the TypeScript compiler.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import {
  ChannelAnalyticsDocument, Customer360Document, CustomerSearchDocument, InteractionAddedDocument, PlaceOrderDocument,
  RecordInteractionDocument,
  type Channel, type InteractionAddedSubscription, type PlaceOrderInput, type RecordInteractionInput,
} from './generated/graphql';

/** A GraphQL error as omni360 sends it: the code says what happened (FORBIDDEN, QUERY_TOO_COMPLEX, ...). */
export class Omni360Error extends Error {
  constructor(readonly errors: { message: string; extensions?: { code?: string } }[]) {
    super(errors.map((error) => `${error.extensions?.code ?? 'ERROR'}: ${error.message}`).join('; '));
    this.name = 'Omni360Error';
  }
}

export class Omni360Client {
  private ws: Client | undefined;

  /** `url` is the GraphQL endpoint (http://host:4000/graphql); `token` an API key or a JWT. */
  constructor(
    private readonly url: string,
    private readonly token: string,
  ) {}

  /** One query or mutation over HTTP; result and variables are typed by the document. */
  async request<Result, Variables>(document: TypedDocumentNode<Result, Variables>, variables: Variables): Promise<Result> {
    const response = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
      body: JSON.stringify({ query: print(document), variables }),
    });
    const body = (await response.json()) as { data?: Result; errors?: { message: string; extensions?: { code?: string } }[] };
    if (body.errors?.length) throw new Omni360Error(body.errors);
    return body.data as Result;
  }

  /** A subscription over graphql-ws on the same URL; returns a function that unsubscribes. */
  subscribe<Result, Variables>(document: TypedDocumentNode<Result, Variables>, variables: Variables, onData: (data: Result) => void, onError: (error: unknown) => void = () => undefined): () => void {
    this.ws ??= createClient({
      url: this.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${this.token}` },
      // No silent retries: graphql-ws would resubscribe with the variables of the first subscribe (a
      // stale `after`), repeating events. followInteractions reconnects itself, from its last cursor.
      retryAttempts: 0,
    });
    return this.ws.subscribe<Result>(
      { query: print(document), variables: variables as Record<string, unknown> },
      { next: (result) => (result.errors?.length ? onError(new Omni360Error(result.errors as never)) : onData(result.data as Result)), error: onError, complete: () => undefined },
    );
  }

  async close(): Promise<void> {
    await this.ws?.dispose();
  }

  // --- the example operations -------------------------------------------------------------------------

  /** Everything the customer-360 page shows, in one round trip. */
  customer360(id: string, channel: Channel = 'WEB') {
    return this.request(Customer360Document, { id, channel });
  }

  searchCustomers(search: string, after?: string) {
    return this.request(CustomerSearchDocument, { search, first: 20, after });
  }

  /** Idempotent: retrying with the same (source, externalId) returns the same order. */
  async placeOrder(input: PlaceOrderInput) {
    const { placeOrder } = await this.request(PlaceOrderDocument, { input });
    if (placeOrder.userErrors.length) throw new Error(placeOrder.userErrors.map((error) => `${error.code}: ${error.message}`).join('; '));
    return placeOrder.order!;
  }

  async recordInteraction(input: RecordInteractionInput) {
    const { recordInteraction } = await this.request(RecordInteractionDocument, { input });
    return recordInteraction;
  }

  channelAnalytics(from: Date, to: Date) {
    return this.request(ChannelAnalyticsDocument, { from: from.toISOString(), to: to.toISOString() });
  }

  /**
   * Follows new interactions, resuming after `lastCursor` (the cursor of the last event processed, kept
   * by the caller, e.g. in its own database), and keeps following across dropped connections, server
   * restarts and crashes: after a close it waits (exponential backoff with jitter, 250 ms doubling up
   * to 15 s, reset by the next event) and subscribes again after the last event it delivered, so
   * nothing is missed and nothing repeated. Errors a retry cannot fix (a bad token, an expired cursor,
   * a refused document) go to `onError` and end the follow. Returns a function that stops it.
   */
  followInteractions(
    lastCursor: string | null,
    onEvent: (event: InteractionAddedSubscription['interactionAdded']) => void,
    onError: (error: unknown) => void = () => undefined,
    on: { reconnecting?: (attempt: number, delayMs: number, cause: unknown) => void } = {},
  ): () => void {
    let cursor = lastCursor;
    let stopped = false;
    let attempt = 0;
    let timer: NodeJS.Timeout | undefined;
    let unsubscribe: (() => void) | undefined;
    const start = () => {
      if (stopped) return;
      unsubscribe = this.subscribe(InteractionAddedDocument, cursor ? { after: cursor } : {}, (data) => {
        attempt = 0;
        onEvent(data.interactionAdded);
        cursor = data.interactionAdded.cursor;
      }, (error) => {
        if (stopped) return;
        if (!isRetryable(error)) {
          stopped = true;
          onError(error);
          return;
        }
        const delayMs = Math.round(Math.min(15_000, 250 * 2 ** attempt) * (0.5 + Math.random() / 2));
        attempt += 1;
        on.reconnecting?.(attempt, delayMs, error);
        timer = setTimeout(start, delayMs);
      });
    };
    start();
    return () => {
      stopped = true;
      clearTimeout(timer);
      unsubscribe?.();
    };
  }
}

/**
 * Close codes worth a retry (docs/events.md lists them all): the connection went away (1001 shutdown,
 * 1006 dropped, 1011/1012/1013 server trouble, restart, slow subscriber), or the server closed for a
 * reason that passes (4408/4504 timeouts, 4500 internal error). GraphQL errors (an array or an
 * Omni360Error: a bad cursor, a refused document) and 4400/4401/4403/4406/4409 are for a human.
 */
function isRetryable(error: unknown): boolean {
  if (Array.isArray(error) || error instanceof Omni360Error) return false;
  // Anything else without a close code (the socket could not even connect: server down): retry.
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code !== 'number' || ![4400, 4401, 4403, 4406, 4409, 4429].includes(code);
}
