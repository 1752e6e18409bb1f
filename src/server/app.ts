import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { MikroORM } from '@mikro-orm/postgresql';
import express from 'express';
import { getOperationAST, GraphQLError, type ExecutionResult } from 'graphql';
import { WebSocketServer, type ServerOptions as WsServerOptions } from 'ws';
import type { Config } from '../config/config';
import { ormConfig } from '../config/mikro-orm.config';
import { checkDurableSettings } from '../database/durability';
import { useNamedStatements } from '../database/sql';
import { unauthenticated, writerOf, type Principal } from '../common/auth';
import { createContext, type AppState, type Context } from '../context/context';
import { modules } from '../modules';
import { PgEventHub } from '../modules/events/event-hub';
import { wireModules } from '../modules/wiring';
import { WebhookWorker } from '../modules/webhooks/webhook-worker';
import { compiledExecutionPlugin, compiledExecutor } from './compiled-execution';
import { traceResolvers } from '../observability/graphql-spans';
import { Authenticator, closeAtExpiry, hasExpired } from './authenticate';
import { handleCors, upgradeOriginAllowed } from './cors';
import { mountGraphiql } from './graphiql';
import { connectionAuthorization, refuseConnection } from './ws-auth';
import { legacyJsonStatusPlugin } from './legacy-json-status';
import { RateLimiter, rateLimited } from './rate-limit';
import { RequestTimeouts } from './request-timeout';
import { documentRequestOf, resolveTrustedDocument, resolveWsDocument, trustedDocumentsPlugin } from './trusted-documents';
import { answerHttpError, BODY_TOO_LARGE, graphqlPostHandler, INTERNAL_ERROR, MALFORMED_BODY, MAX_BODY_BYTES, type GraphQLHttpRequest } from './graphql-http';
import { formatError, operationNameOf, OperationLog, startOperation, withRequestId } from './operation-pipeline';
import { preparerFor } from './operation-preparation';
import { apolloPreparation } from './apollo-preparation';
import { sharedSubscribe } from './shared-subscriptions';

export { formatError };
import { overBudget, resetBudget, textBytes, tooLargeResult, withheldResult } from './response-budget';
import { admitSubscription, serveGraphqlWs, tooManySubscriptions, type WsExtra, type WsTransport } from './websocket';
import type { Logger } from './logger';
import { buildOmniSchema } from './schema';
// --- operations: metrics, request ids, NATS relay (docs/observability.md, docs/scaling.md) ---
import { requestIdMiddleware, requestIdOf } from '../observability/logging';
import { logLagAt, ormPools, ServerMetrics } from '../observability/metrics';
import { NatsRelay, relayName, storedRelayPosition } from '../relay/nats-relay';
import { monitorReplicaLag } from '../database/replica-lag';

export const GRAPHQL_PATH = '/graphql';

export interface OmniServer {
  app: AppState;
  httpServer: http.Server;
  /** Resolves once the server listens; `port` is the bound port (useful with PORT=0). */
  listen(): Promise<number>;
  /** Graceful stop: stop accepting, finish in-flight requests, close sockets with 1001, close the pool. */
  stop(): Promise<void>;
  /** Prometheus metrics (unless OMNI360_METRICS=false). */
  metrics?: ServerMetrics;
  /** The NATS JetStream relay (when NATS_URL is set). */
  relay?: NatsRelay;
  /** graphql-ws transport: connections, slow subscribers closed, peak unread bytes. */
  websocket: WsTransport;
  /** The webhook delivery worker (unless OMNI360_WEBHOOK_WORKER=false). */
  webhooks?: WebhookWorker;
}


/** The response-size budget on HTTP (response-budget.ts); graphql-ws applies it in onNext. */
function responseBudgetPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue, operation }) {
          if (response.body.kind === 'single' && contextValue.config?.limits.reportTextBytes) {
            const answer = response.body.singleResult;
            answer.extensions = { ...answer.extensions, textBytes: textBytes(contextValue) };
          }
          // A query that ran out of its text budget: one coded error, no partial data. A mutation keeps
          // what it did (ids, userErrors), with the error saying that text was withheld.
          if (!overBudget(contextValue) || response.body.kind !== 'single') return;
          const answer = response.body.singleResult;
          const { errors } = operation?.operation === 'mutation' ? withheldResult(contextValue, answer as ExecutionResult) : tooLargeResult(contextValue);
          response.body.singleResult = {
            data: operation?.operation === 'mutation' ? answer.data : null,
            errors: errors!.map((error) => (error instanceof GraphQLError ? error.toJSON() : error)),
          };
        },
      };
    },
  };
}


/** The log step of the pipeline on HTTP (both stacks): what graphql-ws does in its hooks (below). */
function loggingPlugin(operations: OperationLog): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ contextValue }) {
      const started = process.hrtime.bigint();
      return {
        async didEncounterErrors({ errors }) {
          for (const error of errors) operations.unexpected(error, contextValue.requestId);
        },
        async willSendResponse({ response, operationName, request }) {
          const result = response.body.kind === 'single' ? response.body.singleResult : undefined;
          if (result?.errors) result.errors = result.errors.map((error) => withRequestId(error, contextValue.requestId));
          operations.finished({
            requestId: contextValue.requestId,
            // As operationNameOf on WebSocket: the resolved operation's name, else the client's.
            operation: operationName ?? request.operationName ?? null,
            role: contextValue.principal?.role ?? null,
            started,
            failed: Boolean(result?.errors?.length),
          });
        },
      };
    },
  };
}

/** Creates the HTTP + WebSocket server on one port, against an already reachable database URL. */
export async function createServer(config: Config, databaseUrl: string, log: Logger): Promise<OmniServer> {
  useNamedStatements(config.dbPreparedStatements);
  // What the modules contribute to shared code (node types, customer data, timeline, ...) is installed
  // here, explicitly: importing a module registers nothing.
  wireModules(modules);
  const orm = await MikroORM.init(ormConfig({
    clientUrl: databaseUrl, poolMax: config.dbPoolMax, statementTimeoutMs: config.dbStatementTimeoutMs, replicaUrls: config.readReplicaUrls,
  }));
  await checkDurableSettings(orm, log);
  const replicaLag = monitorReplicaLag(orm, config.readReplicaUrls, config.readReplicaMaxLagMs);
  // Session connections (LISTEN, the relay's advisory lock) must bypass a transaction pooler.
  const sessionDatabaseUrl = config.directDatabaseUrl ?? databaseUrl;
  // One LISTEN connection and one log reader per instance: fans the durable event log out to subscriptions.
  const events = new PgEventHub({ databaseUrl: sessionDatabaseUrl, config, log });
  const authenticator = new Authenticator(config.apiKeys, config);
  const rateLimiter = new RateLimiter(config.rateLimit);
  const schema = buildOmniSchema();
  // The GraphQL spans of docs/observability.md: resolvers wrapped in the schema, execute in the executor.
  if (config.tracing.enabled) traceResolvers(schema);
  const executor = compiledExecutor(schema, { trace: config.tracing.enabled });
  const operationLog = new OperationLog(log);
  // Parse, breadth, validation, then the operation's limits and role policy: one preparation for HTTP
  // (through Apollo), graphql-ws and webhooks (operation-preparation.ts).
  const preparer = preparerFor(schema, config);
  const state: AppState = { config, orm, events, log, schema };
  // --- operations ---
  const metrics = config.metrics.enabled ? new ServerMetrics() : undefined;
  const relay = config.nats.servers.length > 0
    ? new NatsRelay({ databaseUrl: sessionDatabaseUrl, nats: config.nats, log, statementTimeoutMs: config.dbStatementTimeoutMs, onPublished: (n) => metrics?.relayPublishedEvents(n) })
    : undefined;

  const app = express();
  app.disable('x-powered-by');
  // No ETag: Express would hash every answer (a list page is ~200 KB) only to let a client skip a
  // download of data that was computed anyway; GraphQL answers are not cached by validators here.
  app.disable('etag');
  app.use(requestIdMiddleware());
  // POST /graphql with a JSON body is served on node:http directly (graphql-http.ts); the rest by Express.
  let graphqlPost: ((req: http.IncomingMessage, res: http.ServerResponse) => boolean) | undefined;
  const httpServer = http.createServer((req, res) => {
    // CORS first, for both stacks: a preflight is answered here, before CSRF prevention sees it.
    if (handleCors(config.cors, req, res)) return;
    if (graphqlPost?.(req, res)) return;
    app(req as express.Request, res as express.Response);
  });
  // closeTimeout (ws >= 8.19, not in @types/ws yet): a client that never answers our close frame (it
  // stopped reading) is dropped after 10 s rather than 30.
  // A browser page on an origin CORS does not allow may not open a socket either (it would carry no
  // cookie, but the same list governs both): its upgrade is refused with 403.
  const wsOptions: WsServerOptions & { closeTimeout: number } = {
    server: httpServer, path: GRAPHQL_PATH, maxPayload: 1024 * 1024, closeTimeout: 10_000,
    verifyClient: ({ req }, done) => (upgradeOriginAllowed(config.cors, req) ? done(true) : done(false, 403, 'Origin not allowed (OMNI360_CORS_ORIGINS)')),
  };
  const wsServer = new WebSocketServer(wsOptions);
  wsServer.on('error', (error) => log.error({ err: error }, 'websocket server error'));
  const requestTimeouts = new RequestTimeouts({ timeoutMs: config.requestTimeoutMs, orm, databaseUrl, log });
  requestTimeouts.install();

  const wsTransport = serveGraphqlWs<Record<string, unknown>>(
    wsServer,
    {
      schema,
      // Queries and mutations run the executor HTTP runs (compiled-execution.ts).
      execute: (args) =>
        executor({
          document: args.document,
          operation: getOperationAST(args.document, args.operationName) ?? undefined,
          operationName: args.operationName,
          variables: args.variableValues,
          context: args.contextValue as Context,
        }),
      // One execution per event for identical subscriptions (shared-subscriptions.ts).
      subscribe: sharedSubscribe,
      connectionInitWaitTimeout: 5_000,
      onConnect: async (ctx) => {
        const authorization = connectionAuthorization(ctx.connectionParams);
        try {
          const principal = await authenticator.authenticate(authorization);
          (ctx.extra as WsExtra & { principal?: Principal }).principal = principal;
          closeAtExpiry(ctx.extra.socket, principal);
          return true;
        } catch {
          refuseConnection(ctx.extra.socket, authorization); // 4403 with a reason saying what was expected
          return false;
        }
      },
      onSubscribe: (ctx, id, payload) => {
        const extra = ctx.extra as WsExtra & { principal?: Principal };
        // Each operation is a request of its own: its id, its log line (onError/onComplete).
        const record = startOperation(randomUUID(), extra.principal?.role, payload.operationName);
        extra.operations.set(id, record);
        // The expiry timer closes the socket; an operation that arrives first is refused all the same.
        if (hasExpired(extra.principal)) return [unauthenticated('The token expired.')];
        const retryAfter = rateLimiter.take(writerOf(extra.principal));
        if (retryAfter > 0) return [rateLimited(retryAfter)];
        let query: string;
        try {
          query = resolveWsDocument(config.trustedDocuments, extra.principal!.role, payload);
        } catch (error) {
          return [error as GraphQLError];
        }
        const { document, errors } = preparer.document(query);
        if (errors) return errors;
        record.operation = operationNameOf(document, payload.operationName);
        const refused = preparer.operation(document, payload.operationName, payload.variables, extra.principal);
        if (refused) return refused;
        const operation = getOperationAST(document, payload.operationName);
        if (operation?.operation === 'subscription' && !admitSubscription(extra, id, config.websocket.maxSubscriptions, ctx.subscriptions)) {
          return [tooManySubscriptions(config.websocket.maxSubscriptions)];
        }
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: createContext(state, extra.principal, record.requestId),
        };
      },
      onComplete: (ctx, id) => {
        ctx.extra.subscriptions.delete(id);
        const record = ctx.extra.operations.get(id);
        ctx.extra.operations.delete(id);
        if (record) operationLog.finished(record);
      },
      // Refused before execution, or a subscription's stream failed: formatted and logged as on HTTP.
      onError: (ctx, id, payload, errors) => {
        const record = ctx.extra.operations.get(id) ?? startOperation(randomUUID(), (ctx.extra as { principal?: Principal }).principal?.role, payload.operationName);
        ctx.extra.operations.delete(id);
        const formatted = operationLog.format(errors, record, config.fieldSuggestions);
        operationLog.finished(record);
        return formatted;
      },
      // Execution results (queries, mutations and every subscription event) get the HTTP error treatment.
      onNext: (ctx, id, payload, args, result) => {
        const context = args.contextValue as Context;
        if (overBudget(context)) {
          resetBudget(context);
          result = getOperationAST(args.document, args.operationName)?.operation === 'mutation' ? withheldResult(context, result) : tooLargeResult(context);
        }
        if (!result.errors) return undefined;
        const record = ctx.extra.operations.get(id) ?? startOperation(context.requestId, context.principal?.role, payload.operationName);
        return { ...result, errors: operationLog.format(result.errors, record, config.fieldSuggestions) } as never;
      },
    },
    { maxBufferedBytes: config.websocket.maxBufferedBytes, keepAliveMs: config.websocket.keepAliveMs, log },
  );

  // Apollo neither parses nor validates: it takes the preparer's documents (apollo-preparation.ts), so
  // the token limit, the introspection rule and hidden suggestions are the preparer's alone.
  const preparation = apolloPreparation(preparer, operationLog, config.fieldSuggestions);
  const apollo = new ApolloServer<Context>({
    // The schema, executed through compiled queries by a plugin (compiledExecutionPlugin): Apollo's own
    // executor never runs.
    schema,
    documentStore: preparation.documentStore,
    includeStacktraceInErrorResponses: false,
    // main.ts owns SIGTERM/SIGINT. Apollo's own handler (on outside NODE_ENV=test) would race it: the
    // second stop() waits on a barrier Apollo never resolves after a clean stop, hanging the shutdown,
    // and Apollo then re-sends the signal to the process.
    stopOnTerminationSignals: false,
    allowBatchedHttpRequests: false,
    // A request carrying `Authorization` passes CSRF prevention like one with Apollo's own headers: a
    // browser cannot send that header cross-origin without a preflight, which CORS answers (cors.ts),
    // and omni360 takes no cookies. So a plain GET query with a token works (urql's default), while a
    // simple cross-site request still has no way in; mutations never run over GET (Apollo answers 405).
    csrfPrevention: { requestHeaders: ['authorization', 'x-apollo-operation-name', 'apollo-require-preflight'] },
    // No "Did you mean ...?" hints where the schema is not advertised (production, by default): variable
    // coercion names enum values and input fields (validation messages are the preparer's).
    formatError: (formatted, error) => formatError(formatted, error, undefined, config.fieldSuggestions),
    plugins: [
      // In-flight requests get OMNI360_SHUTDOWN_GRACE_MS to finish; then their connections are closed.
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.shutdownGraceMs }),
      ApolloServerPluginLandingPageDisabled(),
      // omni360 sets no cache hints; the default cache-control plugin would wrap every field resolver.
      ApolloServerPluginCacheControlDisabled(),
      trustedDocumentsPlugin<Context>(config.trustedDocuments),
      preparation.plugin,
      // After the preparation's: its responseForOperation answers refusals, this one everything else.
      compiledExecutionPlugin(executor, operationLog, config.fieldSuggestions),
      responseBudgetPlugin(),
      legacyJsonStatusPlugin<Context>(),
      requestTimeouts.plugin<Context>(),
      loggingPlugin(operationLog),
      ...(metrics ? [metrics.apolloPlugin()] : []),
      { async serverWillStart() { return { async drainServer() { await wsTransport.dispose(); } }; } },
    ],
  });
  await apollo.start();
  await events.start();
  relay?.start();
  // Every instance may deliver webhooks: they share the work through the database (docs/webhooks.md).
  const webhooks = config.webhooks.worker ? new WebhookWorker({ app: state, schema, databaseUrl: sessionDatabaseUrl, metrics }) : undefined;
  state.webhooks = webhooks;
  webhooks?.start();
  const backgroundTasks = modules.flatMap((module) => module.backgroundTasks ?? []).map((task) => task.start(state, databaseUrl));
  if (metrics) {
    const run = async <T>(sql: string, params: unknown[]) => (await orm.em.getConnection().execute(sql, params as never[])) as T[];
    metrics.attach({
      websocketConnections: () => wsServer.clients.size,
      subscriptionsActive: () => events.stats().active,
      pools: () => ormPools(orm),
      eventLogLag: async () => (events.head ? logLagAt(run, events.head) : undefined),
      ...(relay && {
        relayLag: async () => logLagAt(run, (await storedRelayPosition(run, relayName(config.nats))) ?? { xid: 0n, id: 0n }),
        relayActive: () => (relay.isActive() ? 1 : 0),
      }),
      ...(webhooks && { webhookQueue: () => webhooks.queueDepth() }),
    });
    app.get('/metrics', metrics.handler(config.metrics.token));
  }

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        orm.em.getConnection().execute('select 1'),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('timeout')), 2_000);
        }),
      ]);
      res.json({ status: 'ready' });
    } catch {
      res.status(503).json({ status: 'unavailable', reason: 'database not reachable' });
    } finally {
      // A pending timer would keep a stopping process (and the test runner) alive for two seconds.
      clearTimeout(timer);
    }
  });
  if (config.graphiql) mountGraphiql(app, GRAPHQL_PATH);
  const graphqlContext = async (request: GraphQLHttpRequest): Promise<Context> => {
    const principal = await authenticator.authenticate(request.headers.authorization);
    rateLimiter.enforce(writerOf(principal));
    const documentRequest = documentRequestOf(request.method, request.body, request.query);
    // Roles held to trusted documents are refused here; the plugin hands Apollo a manifest's text.
    resolveTrustedDocument(config.trustedDocuments, principal.role, documentRequest);
    const ctx = createContext(state, principal, request.requestId);
    requestTimeouts.track(request.response, ctx.em);
    return ctx;
  };
  const timeoutClock = requestTimeouts.middleware();
  graphqlPost = graphqlPostHandler({
    apollo, context: graphqlContext, path: GRAPHQL_PATH, log,
    around: timeoutClock,
  });
  app.use(
    GRAPHQL_PATH,
    express.json({ limit: MAX_BODY_BYTES }),
    timeoutClock,
    expressMiddleware(apollo, {
      context: ({ req, res }) => graphqlContext({
        method: req.method, headers: req.headers, body: req.body, query: req.query as Record<string, unknown>, requestId: requestIdOf(res), response: res,
      }),
    }),
  );
  // Body-parser and other HTTP-level failures: a coded JSON error, never Express's HTML page with a stack.
  app.use((error: Error & { status?: number; type?: string }, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (res.headersSent) return next(error);
    const status = error.status && error.status >= 400 && error.status < 500 ? error.status : 500;
    const requestId = requestIdOf(res);
    if (status === 500) log.error({ requestId, err: error }, 'unexpected HTTP error');
    answerHttpError(res, status, status === 413 ? BODY_TOO_LARGE : status === 500 ? INTERNAL_ERROR : MALFORMED_BODY, requestId);
  });

  let stopped: Promise<void> | undefined;
  return {
    app: state,
    httpServer,
    metrics,
    relay,
    webhooks,
    websocket: wsTransport,
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
        await relay?.stop();
        await webhooks?.stop();
        await Promise.all(backgroundTasks.map((task) => task.stop()));
        await state.events.stop();
        await replicaLag.close();
        await orm.close(true);
      })();
      return stopped;
    },
  };
}
