import { getOperationAST, GraphQLError, type DocumentNode, type GraphQLFormattedError } from 'graphql';
import { AuthenticationError, AuthorizationError } from 'type-graphql';
import { RefusedError } from '../common/errors';
import { isDatabaseUnavailable, isStatementTimeout } from '../database/errors';
import { isTokenLimitError } from './limits';
import { withoutSuggestions } from './operation-preparation';
import { RESPONSE_TOO_LARGE } from './response-budget';
import type { Logger } from './logger';

// The steps of the request pipeline that HTTP (both stacks), graphql-ws and webhooks share after the
// preparation of a document (operation-preparation.ts) and around execution (compiled-execution.ts):
// the error formatter and the log (an unexpected error with its request id and stack, one line per
// operation). Its own file so that modules (webhooks) can use it without importing app.ts.

export const KNOWN_CODES = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED',
  'QUERY_TOO_COMPLEX',
  'PERSISTED_QUERY_NOT_FOUND',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
  'RATE_LIMITED',
  'CURSOR_EXPIRED',
  'DATABASE_UNAVAILABLE',
  'TIMEOUT',
  'TOO_MANY_SUBSCRIPTIONS',
  'TRUSTED_DOCUMENT_REQUIRED',
  RESPONSE_TOO_LARGE,
]);

/**
 * The one error formatter for HTTP and WebSocket: known codes pass through, authorization errors of
 * type-graphql become FORBIDDEN/UNAUTHENTICATED, a service's RefusedError (InvalidArgumentError: BAD_USER_INPUT) keeps its code,
 * everything else is masked as an internal error with the request id (the stack goes to the log only).
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown, requestId?: string, suggestions = true): GraphQLFormattedError {
  if (!suggestions && /^Variable "\$/.test(formatted.message)) {
    // Coercion names the schema's enum values and input fields: no hints where the schema is not advertised.
    formatted = { ...formatted, message: withoutSuggestions(formatted.message) };
  }
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  if (isTokenLimitError(formatted.message)) {
    return { message: formatted.message.replace(/^Syntax Error: /, ''), extensions: { code: 'QUERY_TOO_COMPLEX' } };
  }
  if (original instanceof RefusedError) {
    // A service refused the request (an argument, an expired cursor): the code says why.
    return { ...formatted, extensions: { code: original.code, argument: original.argument } };
  }
  if (original instanceof AuthorizationError) {
    return { message: 'Your role may not perform this operation.', path: formatted.path, locations: formatted.locations, extensions: { code: 'FORBIDDEN' } };
  }
  if (original instanceof AuthenticationError) {
    return { message: 'Authentication required.', path: formatted.path, locations: formatted.locations, extensions: { code: 'UNAUTHENTICATED' } };
  }
  if (isDatabaseUnavailable(original)) {
    return { message: 'The database is unavailable; retry shortly.', path: formatted.path, extensions: { code: 'DATABASE_UNAVAILABLE' } };
  }
  if (isStatementTimeout(original)) {
    return {
      message: 'The operation took too long and was cancelled; ask for less (smaller pages, narrower filters).',
      path: formatted.path,
      extensions: { code: 'TIMEOUT' },
    };
  }
  const code = formatted.extensions?.code as string | undefined;
  if ((!code || code === 'INTERNAL_SERVER_ERROR') && error instanceof GraphQLError && !error.path) {
    // graphql-js refusing the request itself: variables that do not coerce, an operation type this
    // schema does not serve. The client's fault, and safe to show.
    if (/^Variable "\$/.test(formatted.message)) {
      return { message: formatted.message, locations: formatted.locations, extensions: { code: 'BAD_USER_INPUT' } };
    }
    if (!error.originalError) return { message: formatted.message, locations: formatted.locations, extensions: { code: 'BAD_REQUEST' } };
  }
  if (code && KNOWN_CODES.has(code)) {
    const { stacktrace: _stack, http: _http, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  return {
    message: 'Internal server error',
    path: formatted.path,
    locations: formatted.locations,
    extensions: { code: 'INTERNAL_SERVER_ERROR', ...(requestId ? { requestId } : {}) },
  };
}

/** What the log says of one operation, whichever transport ran it. */
export interface OperationRecord {
  requestId: string;
  /** The operation's name: the client's, or the document's once it is parsed; null for an anonymous one. */
  operation: string | null;
  role: string | null;
  started: bigint;
  failed: boolean;
}

export function startOperation(requestId: string, role: string | undefined, operation: string | null | undefined): OperationRecord {
  return { requestId, role: role ?? null, operation: operation ?? null, started: process.hrtime.bigint(), failed: false };
}

/** The operation's name as the log gives it: the one resolved from the document, else the client's. */
export function operationNameOf(document: DocumentNode, operationName: string | null | undefined): string | null {
  return getOperationAST(document, operationName)?.name?.value ?? operationName ?? null;
}

/**
 * The log step. `unexpected` logs an error that formatError masks (what is not one of the known
 * codes) at `error` with the request id and its stack, and a coded failure of the server
 * (DATABASE_UNAVAILABLE, TIMEOUT) at `warn` with the request id; `finished` writes the one
 * "graphql request" line of an operation (docs/observability.md).
 */
export class OperationLog {
  constructor(private readonly log: Logger) {}

  /** Logs `error` when the client gets it masked as INTERNAL_SERVER_ERROR; true then. */
  unexpected(error: GraphQLError, requestId: string): boolean {
    const code = formatError(error.toJSON(), error).extensions?.code;
    if (code === 'DATABASE_UNAVAILABLE' || code === 'TIMEOUT') {
      // Coded for the client, but the server's trouble, not the client's: worth a line with the request id.
      this.log.warn({ requestId, code, err: error.originalError ?? error }, 'operation failed');
      return false;
    }
    if (code !== 'INTERNAL_SERVER_ERROR') return false;
    this.log.error({ requestId, err: error.originalError ?? error }, 'unexpected error');
    return true;
  }

  /** The format step with the log: each error formatted as HTTP does, a masked one logged and given the request id. */
  format(errors: readonly GraphQLError[], record: OperationRecord, suggestions: boolean): GraphQLFormattedError[] {
    record.failed = true;
    return this.formatErrors(errors, record.requestId, suggestions);
  }

  /** `format` for a request whose log line is written elsewhere (HTTP: the logging plugin in app.ts). */
  formatErrors(errors: readonly GraphQLError[], requestId: string, suggestions: boolean): GraphQLFormattedError[] {
    return errors.map((error) => {
      this.unexpected(error, requestId);
      return formatError(error.toJSON(), error, requestId, suggestions);
    });
  }

  finished(record: OperationRecord): void {
    this.log.info(
      {
        requestId: record.requestId,
        operation: record.operation,
        role: record.role,
        ms: Number(process.hrtime.bigint() - record.started) / 1e6,
        outcome: record.failed ? 'error' : 'ok',
      },
      'graphql request',
    );
  }
}

/** An internal error carries the request id, so that a user can quote it and the log line is found. */
export function withRequestId(error: GraphQLFormattedError, requestId: string): GraphQLFormattedError {
  return error.extensions?.code === 'INTERNAL_SERVER_ERROR' ? { ...error, extensions: { ...error.extensions, requestId } } : error;
}
