import type { IncomingMessage } from 'node:http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { GraphQLInstrumentation } from '@opentelemetry/instrumentation-graphql';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { scrubSqlLiterals } from './logging';
import type { TracingSettings } from './tracing-settings';

export interface Tracing {
  /** Flushes spans still buffered and stops the SDK (call on shutdown, after the server stopped). */
  shutdown(): Promise<void>;
}

/** How long a shutdown waits for the last spans to reach the collector. */
const SHUTDOWN_FLUSH_MS = 3_000;

/** Probes and scrapes: frequent, uninteresting, and they would drown real traces. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Starts OpenTelemetry tracing: HTTP, Express, PostgreSQL and GraphQL spans exported over OTLP/HTTP
 * (the GraphQL execute and resolver spans come from graphql-spans.ts, wired in by the server).
 * Must run before those libraries are loaded (main.ts requires it first), because instrumentation works by
 * patching modules as they are required. No personal data in spans: GraphQL literals are replaced by
 * "*" (allowValues: false), SQL string literals by '?' and parameters never recorded, and query strings
 * are dropped from URLs.
 */
export function startTracing(settings: TracingSettings): Tracing {
  const sdk = new NodeSDK({
    serviceName: settings.serviceName,
    traceExporter: new OTLPTraceExporter({ url: settings.tracesUrl }),
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req: IncomingMessage) => UNTRACED_PATHS.has((req.url ?? '').split('?')[0]),
        // GET /graphql?query=... may carry literals: keep the path only.
        requestHook: (span, req) => {
          const url = 'url' in req && typeof req.url === 'string' ? req.url : undefined;
          if (url?.includes('?')) {
            const path = url.split('?')[0];
            span.setAttribute('http.target', path);
            span.setAttribute('url.path', path);
            span.setAttribute('url.query', '');
            span.setAttribute('http.url', path);
          }
        },
      }),
      new ExpressInstrumentation(),
      // Background readers (the event hub, the relay) poll the database: only statements inside a traced
      // request become spans.
      new PgInstrumentation({
        requireParentSpan: true,
        enhancedDatabaseReporting: false,
        // MikroORM sends statements with their values inlined: keep the statement's shape, not its values.
        requestHook: (span, { query }) => {
          const text = scrubSqlLiterals(query.text);
          span.setAttribute('db.query.text', text);
          if ((span as unknown as { attributes?: Record<string, unknown> }).attributes?.['db.statement'] !== undefined) span.setAttribute('db.statement', text);
        },
      }),
      // Parse and validate spans (and the execute span of subscription events, which graphql-js runs).
      // Resolver spans are omni360's own (graphql-spans.ts: the compiled executor calls the resolvers
      // itself), so the instrumentation's would only double them on subscription events.
      new GraphQLInstrumentation({ allowValues: false, mergeItems: true, ignoreResolveSpans: true }),
    ],
  });
  sdk.start();
  return {
    // An unreachable collector must not hold the shutdown for the exporter's full timeout.
    shutdown: () =>
      Promise.race([
        sdk.shutdown(),
        new Promise<void>((resolve) => setTimeout(resolve, SHUTDOWN_FLUSH_MS).unref()),
      ]),
  };
}
