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
   * by the caller, e.g. in its own database) so that a reconnect misses nothing and repeats nothing.
   */
  followInteractions(lastCursor: string | null, onEvent: (event: InteractionAddedSubscription['interactionAdded']) => void, onError?: (error: unknown) => void): () => void {
    return this.subscribe(InteractionAddedDocument, lastCursor ? { after: lastCursor } : {}, (data) => onEvent(data.interactionAdded), onError);
  }
}
