import { context, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import {
  defaultFieldResolver,
  isObjectType,
  type GraphQLFieldResolver,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { scrubSqlLiterals } from './logging';

/**
 * The GraphQL spans of docs/observability.md, made by omni360 itself. OpenTelemetry's GraphQL
 * instrumentation makes its execute and resolver spans by wrapping graphql-js's `execute`, which the
 * compiled executor (server/compiled-execution.ts) does not call: so the execute span is opened here
 * around every query and mutation (HTTP and WebSocket run the same executor), and the resolvers are
 * wrapped in the schema itself, which graphql-jit compiles in. Span names and attributes follow the
 * instrumentation's (`graphql.execute`, `graphql.resolve`, `graphql.operation.*`, `graphql.field.*`).
 *
 * Spans go to whatever tracer provider is registered (the Node SDK that tracing.ts starts; a test's
 * in-memory exporter); without one, @opentelemetry/api's no-op tracer. The server wires both in only when
 * tracing is on (config.tracing.enabled), so an untraced server runs none of this.
 */

const tracer = () => trace.getTracer('omni360-graphql');

/** Root types: every resolver of theirs gets an active span (the statements it sends nest under it). */
const ROOT_TYPES = new Set(['Query', 'Mutation', 'Subscription']);

const TRACED = Symbol('omni360.traced');

/** Runs one operation inside a `graphql.execute` span, ended when the result is there. */
export async function inExecuteSpan<T extends { errors?: readonly unknown[] }>(
  operation: OperationDefinitionNode | undefined,
  operationName: string | null | undefined,
  run: () => Promise<T>,
): Promise<T> {
  const type = operation?.operation ?? 'query';
  const name = operation?.name?.value ?? operationName ?? undefined;
  return tracer().startActiveSpan(
    'graphql.execute',
    { attributes: { 'graphql.operation.type': type, ...(name ? { 'graphql.operation.name': name } : {}) } },
    async (span) => {
      try {
        const result = await run();
        if (result.errors?.length) span.setStatus({ code: SpanStatusCode.ERROR, message: `${result.errors.length} error(s)` });
        return result;
      } catch (error) {
        fail(span, error);
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/**
 * Wraps the non-trivial resolvers of `schema` in `graphql.resolve` spans: every root field (an active
 * span, so the statements a mutation sends are its children), and every other field whose resolver
 * waits for something (returns a promise: a loader, a query), timed from the call to the answer. A field
 * answered from its parent (graphql-js's default resolver, a masked or computed value) makes no span, as
 * with the instrumentation's `ignoreTrivialResolveSpans`. Idempotent.
 */
export function traceResolvers(schema: GraphQLSchema): void {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    const root = ROOT_TYPES.has(type.name);
    for (const field of Object.values(type.getFields())) {
      const resolve = field.resolve;
      if (!resolve || resolve === defaultFieldResolver || (resolve as { [TRACED]?: true })[TRACED]) continue;
      const traced: GraphQLFieldResolver<unknown, unknown> = root ? rootSpan(resolve) : waitingSpan(resolve);
      Object.defineProperty(traced, TRACED, { value: true });
      field.resolve = traced;
    }
  }
}

function attributes(info: GraphQLResolveInfo): Record<string, string> {
  return {
    'graphql.field.name': info.fieldName,
    'graphql.field.path': pathOf(info.path),
    'graphql.field.type': String(info.returnType),
    'graphql.parent.type': info.parentType.name,
  };
}

function rootSpan(resolve: GraphQLFieldResolver<unknown, unknown>): GraphQLFieldResolver<unknown, unknown> {
  return (source, args, ctx, info) =>
    tracer().startActiveSpan('graphql.resolve', { attributes: attributes(info) }, (span) => {
      let value: unknown;
      try {
        value = resolve(source, args, ctx, info);
      } catch (error) {
        fail(span, error);
        span.end();
        throw error;
      }
      return settle(span, value);
    });
}

function waitingSpan(resolve: GraphQLFieldResolver<unknown, unknown>): GraphQLFieldResolver<unknown, unknown> {
  return (source, args, ctx, info) => {
    const startTime = Date.now();
    const value = resolve(source, args, ctx, info);
    if (!(value instanceof Promise)) return value;
    return settle(tracer().startSpan('graphql.resolve', { attributes: attributes(info), startTime }, context.active()), value);
  };
}

function settle(span: Span, value: unknown): unknown {
  if (!(value instanceof Promise)) {
    span.end();
    return value;
  }
  return value.then(
    (resolved) => {
      span.end();
      return resolved;
    },
    (error: unknown) => {
      fail(span, error);
      span.end();
      throw error;
    },
  );
}

/** The error's type and its message with SQL string literals scrubbed (a driver's message quotes the statement). */
function fail(span: Span, error: unknown): void {
  const message = scrubSqlLiterals(error instanceof Error ? error.message : String(error));
  span.recordException({ name: error instanceof Error ? error.name : 'Error', message });
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}

function pathOf(path: GraphQLResolveInfo['path'] | undefined): string {
  const keys: (string | number)[] = [];
  for (let at = path; at; at = at.prev) keys.push(at.key);
  return keys.reverse().join('.');
}
