import type { ApolloServerOptionsWithGateway } from '@apollo/server';
import { execute, getVariableValues, GraphQLError, type DocumentNode, type ExecutionResult, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { Context } from '../context/context';
import { inExecuteSpan } from '../observability/graphql-spans';
import { operationResolutionError } from './operation-resolution';

/**
 * Executes HTTP operations with graphql-jit: each document is compiled once into a JavaScript
 * function specialised to its selection (the same resolvers, the same schema), instead of graphql-js
 * walking the document again for every field of every row. A list page of 50 customers with their
 * last 20 orders is ~30,000 field completions; graphql-js allocated a resolve-info object and an
 * arguments object for each, which was a large share of the server's CPU and garbage.
 *
 * HTTP (through Apollo's executor hook) and graphql-ws queries and mutations run the same executor;
 * WebSocket subscriptions keep graphql-js's subscribe (one event at a time, nothing to gain).
 *
 * Compiled queries are cached per parsed document (the preparer, operation-preparation.ts, caches
 * documents per query text for every transport, so the same text brings the same DocumentNode) and
 * operation name.
 */
/** One operation to run, whichever transport brought it. */
export interface Operation {
  document: DocumentNode;
  /** The operation the document and name resolve to; undefined when they resolve to none. */
  operation: OperationDefinitionNode | undefined;
  /** The name the client sent (null or undefined: the document's only operation). */
  operationName: string | null | undefined;
  variables: Record<string, unknown> | null | undefined;
  context: Context;
}

export type Executor = (operation: Operation) => Promise<ExecutionResult>;

/**
 * The execute step of the request pipeline, for HTTP (through Apollo's executor hook, below) and
 * graphql-ws queries and mutations alike. With `trace`, each run is a `graphql.execute` span
 * (observability/graphql-spans.ts).
 */
export function compiledExecutor(schema: GraphQLSchema, options: { trace?: boolean } = {}): Executor {
  const compiled = new WeakMap<DocumentNode, Map<string, CompiledQuery>>();

  const run = async (request: Operation): Promise<ExecutionResult> => {
    const variables = request.variables ?? {};
    // No operation to run (several in the document and no name, or an unknown name): say which and run
    // nothing. With a null name graphql-js would run the document's only operation without a context.
    if (!request.operation) {
      const unresolved = operationResolutionError(request.document, request.operationName);
      if (unresolved) return { errors: [unresolved] };
      return execute({ schema, document: request.document, operationName: request.operationName, variableValues: variables }) as ExecutionResult;
    }
    // Variables are checked by graphql-js first, so a bad value gets graphql-js's error (which Apollo
    // answers as BAD_USER_INPUT with status 400); the compiled query coerces the raw values itself.
    const checked = getVariableValues(schema, request.operation.variableDefinitions ?? [], variables, { maxErrors: 50 });
    if (checked.errors) return { errors: checked.errors };
    const name = request.operation.name?.value;
    const key = name ?? '';
    let byName = compiled.get(request.document);
    if (!byName) {
      byName = new Map();
      compiled.set(request.document, byName);
    }
    let query = byName.get(key);
    if (!query) {
      const result = compileQuery(schema, request.document, name);
      if (!isCompiledQuery(result)) return result as ExecutionResult;
      query = result;
      byName.set(key, query);
    }
    const executed = await query.query(undefined, request.context, variables);
    const result: ExecutionResult = executed.errors ? { ...executed, errors: executed.errors.map(asGraphQLError) } : (executed as ExecutionResult);
    // Apollo keeps the answer's tree reachable after it is written (releaseRequest in context.ts); its
    // copy of the result shares this `data` object, so the tree is let go here.
    const data = executed.data as Record<string, unknown> | null | undefined;
    if (data) {
      request.context.onAnswered?.push(() => {
        for (const key of Object.keys(data)) data[key] = undefined;
      });
    }
    return result;
  };

  return options.trace ? (request) => inExecuteSpan(request.operation, request.operationName, () => run(request)) : run;
}

/** Apollo Server's gateway interface, as its public constructor options type it (`gateway`). */
export type ApolloGateway = ApolloServerOptionsWithGateway<Context>['gateway'];
type GatewayExecutor = NonNullable<Awaited<ReturnType<ApolloGateway['load']>>['executor']>;

/**
 * The executor plugged into Apollo Server through its `gateway` option (public, typed by
 * @apollo/server-gateway-interface; meant for Apollo Gateway, used here with one fixed schema): plugins,
 * error formatting and the HTTP protocol stay Apollo's (parsing and validation are the preparer's:
 * apollo-preparation.ts). Apollo's `operationName`
 * is the resolved operation's (null when none resolves), so the name the client sent is taken from the
 * request; `operation` is typed as always present but is undefined when no operation resolves.
 * test/compiled-execution.test.ts pins what this relies on (Apollo Server 5, the interface's major 2).
 */
export function compiledExecutionGateway(schema: GraphQLSchema, executor: Executor): ApolloGateway {
  const gatewayExecutor: GatewayExecutor = (request) =>
    executor({
      document: request.document,
      operation: request.operation as OperationDefinitionNode | undefined,
      operationName: request.request.operationName,
      variables: request.request.variables,
      context: request.context as Context,
    });
  return {
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: '' });
      return () => undefined;
    },
    async load() {
      return { executor: gatewayExecutor };
    },
    async stop() {},
  };
}

/**
 * graphql-jit reports errors with its own error type, which leaves `extensions` undefined when the
 * thrown error had none; Apollo (and formatError) expect graphql-js's GraphQLError, whose extensions
 * default to {} and come from the original error.
 */
function asGraphQLError(error: GraphQLError): GraphQLError {
  const converted = new GraphQLError(error.message, {
    path: error.path,
    originalError: error.originalError ?? undefined,
    extensions: error.extensions ?? undefined,
  });
  if (error.locations) Object.assign(converted, { locations: error.locations });
  return converted;
}
