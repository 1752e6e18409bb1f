import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import pino from 'pino';

/** The response header carrying the request id (also accepted from the caller, e.g. a gateway). */
export const REQUEST_ID_HEADER = 'x-request-id';

/** What a caller-supplied request id may look like: an id, never free text that would land in logs. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * Gives every HTTP request an id, echoed in the `x-request-id` response header and used by the
 * GraphQL context and the logs: the caller's own id when it is a plain token, a new UUID otherwise.
 */
export function requestIdMiddleware(): RequestHandler {
  return (req, res, next) => {
    const id = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
    res.locals.requestId = id;
    res.setHeader(REQUEST_ID_HEADER, id);
    next();
  };
}

/** The caller's request id when it is a plain token, else a new UUID. */
export function requestIdFrom(given: string | string[] | undefined): string {
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** The request id the middleware assigned (a new one if it did not run). */
export function requestIdOf(res: { locals?: Record<string, unknown> } | undefined): string {
  const id = res?.locals?.requestId;
  return typeof id === 'string' ? id : randomUUID();
}

/** Error properties that describe what failed without carrying values (PostgreSQL and MikroORM errors). */
const SAFE_ERROR_KEYS = ['type', 'name', 'code', 'sqlState', 'constraint', 'table', 'column', 'routine', 'severity'] as const;

/**
 * SQL string literals become '?': MikroORM inlines parameters into the statements it sends, so a
 * statement in an error message or a trace may hold personal values.
 */
export function scrubSqlLiterals(text: string): string {
  return text.replace(/'(?:[^']|'')*'/g, "'?'");
}

function scrub(text: unknown): string | undefined {
  return typeof text === 'string' ? scrubSqlLiterals(text) : undefined;
}

/**
 * pino's `err` serializer, minus personal data: database drivers put the failing statement WITH its
 * parameters into the message, and PostgreSQL's `detail` repeats the conflicting value ("Key
 * (value)=(jane@example.com) already exists"). Only the type, code, scrubbed message and stack, and the
 * names of the constraint/table/column are kept.
 */
export function safeErrorSerializer(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: scrub(String(error)) };
  const full = pino.stdSerializers.err(error) as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = { message: scrub(full.message), stack: scrub(full.stack) };
  for (const key of SAFE_ERROR_KEYS) if (typeof full[key] === 'string' || typeof full[key] === 'number') out[key] = full[key];
  if (error.cause instanceof Error) out.cause = safeErrorSerializer(error.cause);
  return out;
}
