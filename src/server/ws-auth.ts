import type { WebSocket } from 'ws';

/** What a wrong form of WebSocket authentication is told (a close reason holds at most 123 bytes). */
export const WS_AUTH_EXPECTED = 'Forbidden: send connectionParams { authorization: "Bearer <token>" }';
export const WS_AUTH_REFUSED = 'Forbidden: unknown or invalid token';

/**
 * The token of a graphql-ws `connection_init`, in the forms clients commonly send: `authorization` or
 * `Authorization` at the top of connectionParams, or inside `headers` (as Apollo's and Hasura's
 * examples do). Undefined when none of them is there.
 */
export function connectionAuthorization(params: Record<string, unknown> | undefined | null): unknown {
  if (!params || typeof params !== 'object') return undefined;
  const headers = typeof params.headers === 'object' && params.headers !== null ? (params.headers as Record<string, unknown>) : {};
  return params.authorization ?? params.Authorization ?? headers.authorization ?? headers.Authorization;
}

/**
 * Closes with 4403 and a reason that says what was expected: graphql-ws alone would say only
 * "Forbidden". The server's own 4403 that follows is ignored by `ws` (the first close frame wins).
 */
export function refuseConnection(socket: WebSocket, authorization: unknown): void {
  const wellFormed = typeof authorization === 'string' && /^Bearer\s+\S+$/i.test(authorization.trim());
  socket.close(4403, wellFormed ? WS_AUTH_REFUSED : WS_AUTH_EXPECTED);
}
