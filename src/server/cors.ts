import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Which browser origins may call the API: the exact origins of OMNI360_CORS_ORIGINS, or, when the
 * variable is unset outside production, any page served from this machine (`http://localhost:*`,
 * `http://127.0.0.1:*`, `http://[::1]:*`), which is where front-end dev servers run.
 *
 * Credentials policy: omni360 authenticates by the `Authorization` header, never by cookies, so
 * `Access-Control-Allow-Credentials` is never sent: a browser page sends its token itself and an
 * ambient cookie can never act on a user's behalf.
 */
export interface CorsPolicy {
  /** Exact origins (`scheme://host[:port]`), as browsers send them in `Origin`. */
  origins: string[];
  /** Allow any loopback http origin (the development default). */
  loopback: boolean;
}

const LOOPBACK_ORIGIN = /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/;

/** Headers a browser page may read from an answer (besides the CORS-safelisted ones). */
const EXPOSED_HEADERS = 'x-request-id, retry-after';
/** How long a browser may cache a preflight answer, in seconds. */
const PREFLIGHT_MAX_AGE = '600';

export function originAllowed(policy: CorsPolicy, origin: string): boolean {
  return policy.origins.includes(origin) || (policy.loopback && LOOPBACK_ORIGIN.test(origin));
}

/**
 * A page's own origin is always allowed: GraphiQL, served by omni360 at /graphql, opens its WebSocket
 * from the server's origin. Compared by host only because the scheme may be rewritten by a proxy.
 */
function sameOrigin(origin: string, host: string | undefined): boolean {
  if (!host) return false;
  try {
    return new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}

/**
 * Adds CORS headers to an answer for an allowed origin, and answers a preflight (`OPTIONS` with
 * `Access-Control-Request-Method`) itself: 204 for an allowed origin, 403 with a JSON error for another.
 * Returns true when it answered. Requests without `Origin` (servers, CLIs) are not concerned.
 */
export function handleCors(policy: CorsPolicy, req: IncomingMessage, res: ServerResponse): boolean {
  const origin = req.headers.origin;
  const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
  if (origin === undefined) return false;
  res.setHeader('vary', 'Origin');
  const allowed = originAllowed(policy, origin) || sameOrigin(origin, req.headers.host);
  if (!allowed) {
    if (!preflight) return false; // no CORS headers: the browser withholds the answer from the page
    res.statusCode = 403;
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.end(JSON.stringify({ errors: [{ message: `Origin ${origin} is not allowed (OMNI360_CORS_ORIGINS).`, extensions: { code: 'FORBIDDEN' } }] }));
    req.resume();
    return true;
  }
  res.setHeader('access-control-allow-origin', origin);
  if (!preflight) {
    res.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
    return false;
  }
  res.statusCode = 204;
  res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
  // Whatever headers the page asks for (authorization, content-type, a client's own): they are only
  // read by the server, and which origins may send them is what this policy decides.
  const requested = req.headers['access-control-request-headers'];
  if (requested) res.setHeader('access-control-allow-headers', requested);
  res.setHeader('access-control-max-age', PREFLIGHT_MAX_AGE);
  res.setHeader('content-length', '0');
  res.end();
  req.resume();
  return true;
}

/** The WebSocket upgrade's check: browsers always send `Origin`; other clients need not. */
export function upgradeOriginAllowed(policy: CorsPolicy, req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  return origin === undefined || originAllowed(policy, origin) || sameOrigin(origin, req.headers.host);
}

/** Parses OMNI360_CORS_ORIGINS: exact origins, comma-separated; an error message for a value that is not one. */
export function parseCorsOrigins(raw: string): string[] | string {
  const origins: string[] = [];
  for (const part of raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)) {
    let parsed: URL;
    try {
      parsed = new URL(part);
    } catch {
      return `must be comma-separated origins such as https://app.example.com, got "${part}"`;
    }
    if (!['http:', 'https:'].includes(parsed.protocol) || part.includes('*') || parsed.origin !== part.replace(/\/$/, '')) {
      return `must be exact origins (scheme://host[:port], no path, no wildcard), got "${part}"`;
    }
    origins.push(parsed.origin);
  }
  return origins;
}
