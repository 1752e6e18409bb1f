import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import type { Context } from '../context/context';
import { REQUEST_ID_HEADER, requestIdFrom } from '../observability/logging';
import type { Logger } from './logger';

/** What the GraphQL context is made from, whichever HTTP path carried the request. */
export interface GraphQLHttpRequest {
  method: string;
  headers: IncomingMessage['headers'];
  body: unknown;
  query: Record<string, unknown>;
  requestId: string;
  /** The HTTP response: what the request's clock (request-timeout.ts) is kept by. */
  response: ServerResponse;
}

/** The body limit of POST /graphql and the answers to a body that is too large or not JSON. */
export const MAX_BODY_BYTES = 1024 * 1024;
export const BODY_TOO_LARGE = 'Request body too large (limit 1 MiB).';
export const MALFORMED_BODY = 'Malformed request body: send JSON.';
export const INTERNAL_ERROR = 'Internal server error';

export interface GraphQLPostOptions {
  apollo: ApolloServer<Context>;
  context: (request: GraphQLHttpRequest) => Promise<Context>;
  /** Runs `next` as the request's clock starts (RequestTimeouts.middleware). */
  around: (req: IncomingMessage, res: ServerResponse, next: () => void) => void;
  path: string;
  log: Logger;
}

/**
 * `POST /graphql` with a JSON body on `node:http` directly, in front of Express. Express's router, its
 * body parser and its response helpers cost a fifth of the throughput of the customer-360 page and a
 * third of the objects a trivial request leaves for the old generation (bench/README.md). Everything
 * else (GET, other content types or encodings, other paths) goes to Express as before, and this path
 * answers as that one does: the request id header, the 1 MiB limit, the same coded errors for a body
 * that is too large or not JSON, and Apollo's own handling (CSRF prevention, errors, status codes).
 * Returns false for a request it does not take.
 */
export function graphqlPostHandler(options: GraphQLPostOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    if (req.method !== 'POST' || req.url !== options.path || !isPlainJson(req)) return false;
    const requestId = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
    res.setHeader(REQUEST_ID_HEADER, requestId);
    const declared = Number(req.headers['content-length']);
    if (declared > MAX_BODY_BYTES) {
      answerHttpError(res, 413, BODY_TOO_LARGE);
      req.resume();
      return true;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    // A client that goes away mid-body: nothing to answer (and no unhandled 'error' event).
    req.on('error', () => {
      refused = true;
    });
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        refused = true;
        answerHttpError(res, 413, BODY_TOO_LARGE);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (refused) return;
      const body = parseBody(Buffer.concat(chunks, size).toString('utf8'));
      if (body === MALFORMED) {
        answerHttpError(res, 400, MALFORMED_BODY);
        return;
      }
      options.around(req, res, () => {
        void answer(options, req, res, { method: 'POST', headers: req.headers, body, query: {}, requestId, response: res }).catch((error) => {
          options.log.error({ requestId, err: error }, 'unexpected HTTP error');
          if (!res.headersSent) answerHttpError(res, 500, INTERNAL_ERROR, requestId);
          else res.destroy();
        });
      });
    });
    return true;
  };
}

async function answer(options: GraphQLPostOptions, req: IncomingMessage, res: ServerResponse, request: GraphQLHttpRequest): Promise<void> {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  const response = await options.apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: 'POST', headers, search: '', body: request.body },
    context: () => options.context(request),
  });
  for (const [key, value] of response.headers) res.setHeader(key, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') {
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

/** `application/json`, in UTF-8 (or no charset), not compressed: what this path parses; the rest goes to Express. */
function isPlainJson(req: IncomingMessage): boolean {
  const [type, ...params] = (req.headers['content-type'] ?? '').toLowerCase().split(';').map((part) => part.trim());
  if (type !== 'application/json') return false;
  if (params.some((param) => param.startsWith('charset=') && param !== 'charset=utf-8' && param !== 'charset="utf-8"')) return false;
  const encoding = req.headers['content-encoding'];
  return encoding === undefined || encoding.toLowerCase() === 'identity';
}

const MALFORMED = Symbol('malformed');

/** Like Express's JSON parser (strict): an object or an array; an empty body is `{}`. */
function parseBody(text: string): unknown {
  const start = text.trimStart();
  if (start === '') return {};
  if (start[0] !== '{' && start[0] !== '[') return MALFORMED;
  try {
    return JSON.parse(text);
  } catch {
    return MALFORMED;
  }
}

/**
 * The one answer of both HTTP stacks (this path and Express's error handler in app.ts) to a request
 * refused or failed before GraphQL ran: a coded JSON error, never Express's HTML page with a stack. A
 * 5xx is an internal error and carries the request id, like one from GraphQL (operation-pipeline.ts).
 */
export function answerHttpError(res: ServerResponse, status: number, message: string, requestId?: string): void {
  const internal = status >= 500;
  const extensions = { code: internal ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST', ...(internal && requestId ? { requestId } : {}) };
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify({ errors: [{ message, extensions }] }));
}
