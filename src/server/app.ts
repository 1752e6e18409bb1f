import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { MikroORM } from '@mikro-orm/postgresql';
import express from 'express';
import { GraphQLError, parse, validate, type ExecutionArgs, type GraphQLFormattedError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { AuthenticationError, AuthorizationError } from 'type-graphql';
import { WebSocketServer } from 'ws';
import type { Config } from '../config/config';
import { ormConfig } from '../config/mikro-orm.config';
import { checkDurableSettings } from '../database/durability';
import { isDatabaseUnavailable, isStatementTimeout } from '../database/errors';
import type { Principal } from '../common/auth';
import { createContext, type AppState, type Context } from '../context/context';
import { PgEventHub } from '../modules/events/event-hub';
import { Authenticator } from './authenticate';
import { mountGraphiql } from './graphiql';
import { RateLimiter, rateLimited } from './rate-limit';
import { enforceLimits, isTokenLimitError, tooComplex, type QueryLimits } from './limits';
import type { Logger } from './logger';
import { buildOmniSchema } from './schema';

export const GRAPHQL_PATH = '/graphql';

export interface OmniServer {
  app: AppState;
  httpServer: http.Server;
  /** Resolves once the server listens; `port` is the bound port (useful with PORT=0). */
  listen(): Promise<number>;
  /** Graceful stop: stop accepting, finish in-flight requests, close sockets with 1001, close the pool. */
  stop(): Promise<void>;
}

const KNOWN_CODES = new Set([
  'UNAUTHENTICATED', 'FORBIDDEN', 'BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_PARSE_FAILED',
  'QUERY_TOO_COMPLEX', 'PERSISTED_QUERY_NOT_FOUND', 'OPERATION_RESOLUTION_FAILURE', 'BAD_REQUEST', 'RATE_LIMITED',
  'CURSOR_EXPIRED', 'DATABASE_UNAVAILABLE', 'TIMEOUT',
]);

/**
 * The one error formatter for HTTP and WebSocket: known codes pass through, authorization errors of
 * type-graphql become FORBIDDEN/UNAUTHENTICATED, everything else is masked as an internal error with the
 * request id (the stack goes to the log only).
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown, requestId?: string): GraphQLFormattedError {
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  if (isTokenLimitError(formatted.message)) {
    return { message: formatted.message.replace(/^Syntax Error: /, ''), extensions: { code: 'QUERY_TOO_COMPLEX' } };
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
    return { message: 'The operation took too long and was cancelled; ask for less (smaller pages, narrower filters).', path: formatted.path, extensions: { code: 'TIMEOUT' } };
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

/** Depth, cost, alias and directive limits, checked once the operation and its variables are known. */
function limitsPlugin(limits: QueryLimits): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operationName, request }) {
          enforceLimits(limits, document, operationName, request.variables);
        },
      };
    },
  };
}

/**
 * graphql-ws gets the same treatment as HTTP: parse with the token limit, validate, enforce limits, and
 * a fresh context per operation.
 */
function prepareWsOperation(
  schema: ExecutionArgs['schema'],
  limits: QueryLimits,
  payload: { query: string; operationName?: string | null; variables?: Record<string, unknown> | null },
  contextValue: Context,
): ExecutionArgs | readonly GraphQLError[] {
  let document;
  try {
    document = parse(payload.query, { maxTokens: limits.maxTokens });
  } catch (error) {
    if (isTokenLimitError(error)) return [tooComplex((error as GraphQLError).message.replace(/^Syntax Error: /, ''))];
    return [error instanceof GraphQLError ? error : new GraphQLError('Malformed document', { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
  }
  const errors = validate(schema, document);
  if (errors.length > 0) {
    return errors.map((error) => new GraphQLError(error.message, { nodes: error.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }));
  }
  try {
    enforceLimits(limits, document, payload.operationName, payload.variables);
  } catch (error) {
    return [error as GraphQLError];
  }
  return { schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue };
}

function loggingPlugin(log: Logger): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ contextValue }) {
      const started = process.hrtime.bigint();
      return {
        async didEncounterErrors({ errors }) {
          for (const error of errors) {
            const code = error.extensions?.code as string | undefined;
            const original = error.originalError;
            if (!code || !KNOWN_CODES.has(code)) {
              if (!(original instanceof AuthorizationError) && !(original instanceof AuthenticationError)) {
                log.error({ requestId: contextValue.requestId, err: original ?? error }, 'unexpected error');
              }
            }
          }
        },
        async willSendResponse({ response, operationName }) {
          if (response.body.kind === 'single' && response.body.singleResult.errors) {
            response.body.singleResult.errors = response.body.singleResult.errors.map((error) =>
              error.extensions?.code === 'INTERNAL_SERVER_ERROR' ? { ...error, extensions: { ...error.extensions, requestId: contextValue.requestId } } : error,
            );
          }
          log.info({
            requestId: contextValue.requestId,
            operation: operationName ?? null,
            role: contextValue.principal?.role ?? null,
            ms: Number(process.hrtime.bigint() - started) / 1e6,
            outcome: response.body.kind === 'single' && response.body.singleResult.errors?.length ? 'error' : 'ok',
          }, 'graphql request');
        },
      };
    },
  };
}

/** Creates the HTTP + WebSocket server on one port, against an already reachable database URL. */
export async function createServer(config: Config, databaseUrl: string, log: Logger): Promise<OmniServer> {
  const orm = await MikroORM.init(ormConfig({ clientUrl: databaseUrl, poolMax: config.dbPoolMax, statementTimeoutMs: config.dbStatementTimeoutMs }));
  await checkDurableSettings(orm, log);
  // One LISTEN connection and one log reader per instance: fans the durable event log out to subscriptions.
  const events = new PgEventHub({ databaseUrl, config, log });
  const state: AppState = { config, orm, events, log };
  const authenticator = new Authenticator(config.apiKeys, config);
  const rateLimiter = new RateLimiter(config.rateLimit);
  const schema = buildOmniSchema();

  const app = express();
  app.disable('x-powered-by');
  const httpServer = http.createServer(app);
  const wsServer = new WebSocketServer({ server: httpServer, path: GRAPHQL_PATH, maxPayload: 1024 * 1024 });

  const wsCleanup = useServer<{ authorization?: unknown }, { principal?: Principal }>(
    {
      schema,
      connectionInitWaitTimeout: 5_000,
      onConnect: async (ctx) => {
        try {
          ctx.extra.principal = await authenticator.authenticate(ctx.connectionParams?.authorization);
          return true;
        } catch {
          return false; // graphql-ws closes with 4403 Forbidden
        }
      },
      onSubscribe: (ctx, _id, payload) => {
        const retryAfter = rateLimiter.take(ctx.extra.principal!.name);
        if (retryAfter > 0) return [rateLimited(retryAfter)];
        return prepareWsOperation(schema, config.limits, payload, createContext(state, ctx.extra.principal));
      },
      onError: (_ctx, _id, _payload, errors) => errors.map((error) => formatError(error.toJSON(), error)) as never,
      // Execution results (queries, mutations and every subscription event) get the HTTP error treatment.
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? ({ ...result, errors: result.errors.map((error) => formatError(error.toJSON(), error)) } as never) : undefined,
    },
    wsServer,
  );

  const apollo = new ApolloServer<Context>({
    schema,
    introspection: config.introspection,
    includeStacktraceInErrorResponses: false,
    allowBatchedHttpRequests: false,
    parseOptions: { maxTokens: config.limits.maxTokens },
    csrfPrevention: true,
    formatError: (formatted, error) => formatError(formatted, error),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      limitsPlugin(config.limits),
      loggingPlugin(log),
      { async serverWillStart() { return { async drainServer() { await wsCleanup.dispose(); } }; } },
    ],
  });
  await apollo.start();
  await events.start();

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await Promise.race([
        orm.em.getConnection().execute('select 1'),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2_000)),
      ]);
      res.json({ status: 'ready' });
    } catch {
      res.status(503).json({ status: 'unavailable', reason: 'database not reachable' });
    }
  });
  if (config.graphiql) mountGraphiql(app, GRAPHQL_PATH);
  app.use(
    GRAPHQL_PATH,
    express.json({ limit: '1mb' }),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const requestId = (typeof req.headers['x-request-id'] === 'string' && req.headers['x-request-id'].slice(0, 64)) || randomUUID();
        const principal = await authenticator.authenticate(req.headers.authorization);
        rateLimiter.enforce(principal.name);
        return createContext(state, principal, requestId);
      },
    }),
  );
  // Body-parser and other HTTP-level failures: a coded JSON error, never Express's HTML page with a stack.
  app.use((error: Error & { status?: number; type?: string }, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (res.headersSent) return next(error);
    const status = error.status && error.status >= 400 && error.status < 500 ? error.status : 500;
    if (status === 500) log.error({ err: error }, 'unexpected HTTP error');
    const message = status === 413 ? 'Request body too large (limit 1 MiB).' : status === 500 ? 'Internal server error' : 'Malformed request body: send JSON.';
    res.status(status).json({ errors: [{ message, extensions: { code: status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST' } }] });
  });

  let stopped: Promise<void> | undefined;
  return {
    app: state,
    httpServer,
    listen: () =>
      new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(config.port, config.host, () => {
          const address = httpServer.address();
          resolve(typeof address === 'object' && address ? address.port : config.port);
        });
      }),
    stop: () => {
      stopped ??= (async () => {
        for (const client of wsServer.clients) client.close(1001, 'Server shutting down');
        await apollo.stop();
        await state.events.stop();
        await orm.close(true);
      })();
      return stopped;
    },
  };
}
