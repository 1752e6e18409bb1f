import { trace } from '@opentelemetry/api';
import { node, tracing } from '@opentelemetry/sdk-node';
import { buildSchema, defaultFieldResolver, parse, type GraphQLObjectType, type OperationDefinitionNode } from 'graphql';
import { inExecuteSpan, traceResolvers } from '../src/observability/graphql-spans';
import { compiledExecutor } from '../src/server/compiled-execution';

/**
 * How src/observability/graphql-spans.ts marks what fails (the spans of a served request are
 * test/observability-spans.test.ts): a resolver that throws or rejects gives an error span whose
 * message has its SQL literals scrubbed, the execute span says the result had errors, and wrapping
 * twice wraps once.
 */

const exporter = new tracing.InMemorySpanExporter();
const provider = new node.NodeTracerProvider({ spanProcessors: [new tracing.SimpleSpanProcessor(exporter)] });
provider.register();
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
});

const schema = buildSchema(`
  type Query { thrown: String, rejected: String, item: Item }
  type Item { plain: String, computed: String, later: String, laterFails: String }
`);
const query = schema.getQueryType()!.getFields();
query.thrown.resolve = () => {
  throw new Error(`select * from identity where value = 'jane@example.com' failed`);
};
query.rejected.resolve = async () => Promise.reject(new Error('gone'));
query.item.resolve = async () => ({ plain: 'p' });
const item = schema.getType('Item') as GraphQLObjectType;
const fields = item.getFields();
fields.computed.resolve = () => 'c';
fields.later.resolve = async () => 'l';
fields.laterFails.resolve = async () => {
  throw new Error("where value = 'x@example.com'");
};
fields.plain.resolve = defaultFieldResolver;
traceResolvers(schema);
traceResolvers(schema);
const execute = compiledExecutor(schema, { trace: true });

async function run(text: string) {
  exporter.reset();
  const document = parse(text);
  const result = await execute({
    document,
    operation: document.definitions[0] as OperationDefinitionNode,
    operationName: undefined,
    variables: {},
    context: {} as never,
  });
  const spans = exporter.getFinishedSpans();
  return {
    result,
    spans,
    resolves: spans.filter((span) => span.name === 'graphql.resolve').length,
    byPath: new Map(spans.filter((span) => span.name === 'graphql.resolve').map((span) => [span.attributes['graphql.field.path'], span])),
  };
}

describe('GraphQL spans', () => {
  it('a root resolver that throws: an error span with the message scrubbed, and an execute span with errors', async () => {
    const { result, spans, byPath } = await run('query Failing { thrown }');
    expect(result.errors).toHaveLength(1);
    expect(byPath.get('thrown')?.status).toEqual({ code: 2, message: "select * from identity where value = '?' failed" });
    expect(JSON.stringify(byPath.get('thrown')?.events)).not.toContain('jane@example.com');
    expect(spans.find((span) => span.name === 'graphql.execute')?.status.code).toBe(2);
  });

  it('a root resolver that rejects, and a nested one: error spans; a field answered from its parent or synchronously: none; each wrapped once', async () => {
    const { result, byPath, resolves } = await run('{ rejected item { plain computed later laterFails } }');
    expect(result.errors?.map((error) => error.path?.join('.'))).toEqual(expect.arrayContaining(['rejected', 'item.laterFails']));
    expect(byPath.get('rejected')?.status.code).toBe(2);
    expect(byPath.get('item.laterFails')?.status).toEqual({ code: 2, message: "where value = '?'" });
    expect(byPath.get('item.later')?.status.code).toBe(0);
    expect([...byPath.keys()].sort()).toEqual(['item', 'item.later', 'item.laterFails', 'rejected']);
    // traceResolvers ran twice above: still one span per field.
    expect(resolves).toBe(4);
  });

  it('an execute step that throws ends its span as an error and rethrows', async () => {
    exporter.reset();
    await expect(inExecuteSpan(undefined, 'Broken', async () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect(exporter.getFinishedSpans().map((span) => [span.name, span.attributes['graphql.operation.name'], span.status.code])).toEqual([
      ['graphql.execute', 'Broken', 2],
    ]);
  });
});
