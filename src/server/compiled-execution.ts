import { HeaderMap, type ApolloServerPlugin, type GraphQLRequestListener, type GraphQLResponse, type HTTPGraphQLHead } from '@apollo/server';
import { execute, getVariableValues, GraphQLError, type DocumentNode, type ExecutionResult, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { Context } from '../context/context';
import { inExecuteSpan } from '../observability/graphql-spans';
import { operationResolutionError } from './operation-resolution';
import type { OperationLog } from './operation-pipeline';
import { heldToOwnWrites, withoutWriterGuards } from './role-policy';

/**
 * Executes HTTP operations with graphql-jit: each document is compiled once into a JavaScript
 * function specialised to its selection (the same resolvers, the same schema), instead of graphql-js
 * walking the document again for every field of every row. A list page of 50 customers with their
 * last 20 orders is ~30,000 field completions; graphql-js allocated a resolve-info object and an
 * arguments object for each, which was a large share of the server's CPU and garbage.
 *
 * HTTP (through Apollo's `responseForOperation` plugin hook, below) and graphql-ws queries and
 * mutations run the same executor; WebSocket subscriptions keep graphql-js's subscribe (one event at a
 * time, nothing to gain).
 *
 * Compiled queries are cached per parsed document (the preparer, operation-preparation.ts, caches
 * documents per query text for every transport, so the same text brings the same DocumentNode),
 * operation name, and whether the reader is held to its own writes (INGEST: compiled with the writer
 * guards; everyone else: without them, role-policy.ts).
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
 * The execute step of the request pipeline, for HTTP (compiledExecutionPlugin, below) and
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
    // Compiled apart for INGEST, whose reads the writer guards check, and for every other reader, whose
    // compiled query reads those fields without them (role-policy.ts).
    const writer = heldToOwnWrites(request.context.principal);
    const key = `${writer ? 'writer' : 'reader'}:${name ?? ''}`;
    let byName = compiled.get(request.document);
    if (!byName) {
      byName = new Map();
      compiled.set(request.document, byName);
    }
    let query = byName.get(key);
    if (!query) {
      const compile = () => compileQuery(schema, request.document, name);
      const result = writer ? compile() : withoutWriterGuards(schema, compile);
      if (!isCompiledQuery(result)) return result as ExecutionResult;
      query = result;
      byName.set(key, query);
    }
    const executed = await query.query(undefined, request.context, variables);
    return executed.errors ? { ...executed, errors: executed.errors.map(asGraphQLError) } : (executed as ExecutionResult);
  };

  return options.trace ? (request) => inExecuteSpan(request.operation, request.operationName, () => run(request)) : run;
}

/**
 * The execute step of HTTP, plugged into Apollo Server through its public plugin hook
 * `responseForOperation`: once Apollo has resolved the operation and the plugins have passed it
 * (`didResolveOperation`: the preparer's limits and role policy), the first plugin whose hook answers
 * gives the response and Apollo executes nothing itself. This plugin comes after the preparation's
 * (whose hook answers refusals) and answers every other operation with the compiled executor; the
 * plugins' `willSendResponse` (budget, timeouts, log, metrics) then run as for any response.
 *
 * Apollo does not run its own post-execution steps for a plugin's response, so they are here: the
 * errors go through the one log and formatter (`OperationLog.formatErrors`, as on graphql-ws: an
 * unexpected error logged with its stack, masked with the request id), the status comes from the
 * errors' `extensions.http` (401 for an expired token, ...), and an answer without data (variables that
 * do not coerce) is a 400, as Apollo Server 5 answers it. A failure of the executor itself is a 500.
 *
 * Why not Apollo's `gateway` option (how this ran before): for every request Apollo built a gateway
 * request context whose `response.http` has `status` getter and setter closures, and objects built
 * with fresh accessor closures keep what those capture (the request's whole state) alive through V8's
 * young collections: every request of a page was copied and promoted (bench/README, "Young
 * collections"). test/compiled-execution.test.ts pins the hook's contract.
 */
export function compiledExecutionPlugin(executor: Executor, operations: OperationLog, suggestions: boolean): ApolloServerPlugin<Context> {
  const listener: GraphQLRequestListener<Context> = {
    async responseForOperation({ document, operation, request, contextValue }) {
      let result: ExecutionResult;
      try {
        result = await executor({ document, operation, operationName: request.operationName, variables: request.variables, context: contextValue });
      } catch (error) {
        const failure = error instanceof GraphQLError ? error : new GraphQLError(error instanceof Error ? error.message : String(error), { originalError: error as Error });
        return answer({ errors: [failure] }, operations, contextValue.requestId, suggestions, 500);
      }
      return answer(result, operations, contextValue.requestId, suggestions);
    },
  };
  return { requestDidStart: async () => listener };
}

/** Apollo's response for an execution result: formatted errors, the status and headers they carry. */
function answer(result: ExecutionResult, operations: OperationLog, requestId: string, suggestions: boolean, fallbackStatus?: number): GraphQLResponse {
  const http: HTTPGraphQLHead = { status: undefined, headers: new HeaderMap() };
  if (!result.errors?.length) return { http, body: { kind: 'single', singleResult: result } };
  for (const error of result.errors) {
    const head = error.extensions?.http as { status?: unknown; headers?: unknown } | undefined;
    if (typeof head?.status === 'number') http.status = head.status;
    if (head?.headers instanceof Map) for (const [name, value] of head.headers) http.headers.set(String(name), String(value));
  }
  http.status ??= fallbackStatus ?? (result.data === undefined ? 400 : undefined);
  return { http, body: { kind: 'single', singleResult: { ...result, errors: operations.formatErrors(result.errors, requestId, suggestions) } } };
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
