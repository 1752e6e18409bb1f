import { node, tracing } from '@opentelemetry/sdk-node';
import { trace } from '@opentelemetry/api';
import { startTestServer, TOKENS, type TestServer } from './support/server';
import { createPerson } from './support/customers';

/**
 * The GraphQL spans docs/observability.md names, under the compiled executor: a `graphql.execute` span per
 * query or mutation and `graphql.resolve` spans for non-trivial resolvers, over HTTP and WebSocket alike.
 * An in-memory exporter on the process's tracer provider collects them (the OTLP export of the real entry
 * point is test/observability-tracing.test.ts).
 */

const exporter = new tracing.InMemorySpanExporter();
const provider = new node.NodeTracerProvider({ spanProcessors: [new tracing.SimpleSpanProcessor(exporter)] });
provider.register();

let env: TestServer;
let customerId: string;
beforeAll(async () => {
  env = await startTestServer({ env: { OMNI360_TRACING: 'true' } });
  customerId = (await createPerson(env)).id;
});
afterAll(async () => {
  await env.stop();
  await provider.shutdown();
  trace.disable();
});

const QUERY = `query TracedPage($id: ID!) { customer(id: $id) { id firstName orders(first: 5) { totalCount } } }`;

type Span = tracing.ReadableSpan;

/** The spans of the one trace whose execute span names `operation`, once it has ended. */
async function traceOf(operation: string): Promise<{ execute: Span; spans: Span[] }> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const execute = exporter.getFinishedSpans().find((span) => span.name === 'graphql.execute' && span.attributes['graphql.operation.name'] === operation);
    if (execute) return { execute, spans: exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === execute.spanContext().traceId) };
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no graphql.execute span for ${operation}`);
}

const TRANSPORTS = {
  http: async (query: string, variables: Record<string, unknown>) => (await env.gql(query, variables, TOKENS.ADMIN)).data,
  websocket: (query: string, variables: Record<string, unknown>) =>
    new Promise<unknown>((resolve, reject) => {
      env.ws(TOKENS.ADMIN).subscribe({ query, variables }, { next: (result) => resolve(result.data), error: reject, complete: () => undefined });
    }),
};

describe.each(Object.keys(TRANSPORTS) as (keyof typeof TRANSPORTS)[])('over %s', (transport) => {
  it('a query is one graphql.execute span with resolver spans for the root field and the fields that wait for data', async () => {
    exporter.reset();
    const data = await TRANSPORTS[transport](QUERY, { id: customerId });
    expect(data).toMatchObject({ customer: { id: customerId, orders: { totalCount: 0 } } });
    const { execute, spans } = await traceOf('TracedPage');
    expect(execute.attributes).toMatchObject({ 'graphql.operation.type': 'query', 'graphql.operation.name': 'TracedPage' });
    const resolvers = spans.filter((span) => span.name === 'graphql.resolve');
    const byPath = new Map(resolvers.map((span) => [span.attributes['graphql.field.path'], span]));
    // The root field, as a child of the execute span.
    expect(byPath.get('customer')?.parentSpanContext?.spanId).toBe(execute.spanContext().spanId);
    expect(byPath.get('customer')?.attributes).toMatchObject({ 'graphql.field.name': 'customer', 'graphql.parent.type': 'Query' });
    // A field read through a loader (a promise) in the same trace; one answered from its parent (id, a masked first name) has none.
    expect(byPath.get('customer.orders')?.attributes).toMatchObject({ 'graphql.field.name': 'orders', 'graphql.parent.type': 'Customer' });
    expect(byPath.has('customer.id')).toBe(false);
    expect(byPath.has('customer.firstName')).toBe(false);
    // No value of the request in a span: the id was a variable.
    expect(JSON.stringify(spans.map((span) => span.attributes))).not.toContain(customerId);
    for (const span of resolvers) {
      expect(span.startTime[0] * 1e9 + span.startTime[1]).toBeGreaterThanOrEqual(execute.startTime[0] * 1e9 + execute.startTime[1]);
    }
  });
});
