import { execute, GraphQLError, type DocumentNode, type ExecutionResult, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { Context } from '../context/context';
import { operationResolutionError } from './operation-resolution';

/**
 * Executes HTTP operations with graphql-jit: each document is compiled once into a JavaScript
 * function specialised to its selection (the same resolvers, the same schema), instead of graphql-js
 * walking the document again for every field of every row. A list page of 50 customers with their
 * last 20 orders is ~30,000 field completions; graphql-js allocated a resolve-info object and an
 * arguments object for each, which was a large share of the server's CPU and garbage.
 *
 * Plugged into Apollo Server through its executor hook (the gateway interface, with one fixed schema):
 * parsing, validation, plugins, error formatting and the HTTP protocol stay Apollo's. WebSocket
 * subscriptions keep graphql-js's subscribe (one event at a time, nothing to gain).
 *
 * Compiled queries are cached per parsed document (Apollo caches parsed documents per query text,
 * so the same text brings the same DocumentNode) and operation name.
 */
export function compiledExecutionGateway(schema: GraphQLSchema) {
  const compiled = new WeakMap<DocumentNode, Map<string, CompiledQuery>>();

  const executor = async (request: GatewayRequest): Promise<ExecutionResult> => {
    const variables = request.request.variables ?? {};
    // No operation to run (several in the document and no name, or an unknown name): say which and run
    // nothing. Apollo's `operationName` is the resolved operation's (null here), so the name the client
    // sent is taken from the request: with null, graphql-js would run the document's only operation
    // without a context.
    if (!request.operation) {
      const unresolved = operationResolutionError(request.document, request.request.operationName);
      if (unresolved) return { errors: [unresolved] };
      return execute({ schema, document: request.document, operationName: request.request.operationName, variableValues: variables }) as ExecutionResult;
    }
    // Variables are checked by graphql-js first, so a bad value gets graphql-js's error (which Apollo
    // answers as BAD_USER_INPUT with status 400); the compiled query coerces the raw values itself.
    const checked = getVariableValues(schema, request.operation.variableDefinitions ?? [], variables, { maxErrors: 50 });
    if (checked.errors) return { errors: checked.errors };
    const operationName = request.operationName ?? '';
    let byName = compiled.get(request.document);
    if (!byName) {
      byName = new Map();
      compiled.set(request.document, byName);
    }
    let query = byName.get(operationName);
    if (!query) {
      const result = compileQuery(schema, request.document, request.operationName ?? undefined);
      if (!isCompiledQuery(result)) return result as ExecutionResult;
      query = result;
      byName.set(operationName, query);
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

  return {
    onSchemaLoadOrUpdate(callback: (schemaContext: { apiSchema: GraphQLSchema; coreSupergraphSdl: string }) => void) {
      callback({ apiSchema: schema, coreSupergraphSdl: '' });
      return () => undefined;
    },
    async load() {
      return { executor };
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

/** The parts of Apollo's gateway request context used here. */
interface GatewayRequest {
  document: DocumentNode;
  operationName: string | null;
  operation: OperationDefinitionNode | undefined;
  context: Context;
  request: { variables?: Record<string, unknown>; operationName?: string | null };
}
