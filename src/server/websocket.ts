import type { IncomingMessage } from 'node:http';
import { CloseCode, handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import { GraphQLError } from 'graphql';
import type { RawData, WebSocket, WebSocketServer } from 'ws';
import type { Logger } from './logger';
import type { OperationRecord } from './operation-pipeline';

/**
 * Close code and reason for a client that does not read what it subscribed to (see docs/reliability.md):
 * 1013 "Try Again Later", which graphql-ws clients retry. (4429 was used before: graphql-ws reads it as
 * its own fatal "too many initialisation requests" and gives up for good.)
 */
export const SLOW_SUBSCRIBER_CLOSE_CODE = 1013;
export const SLOW_SUBSCRIBER_REASON = 'subscriber too slow; resume with your last cursor';

/** What every graphql-ws context carries in `extra`: the socket, its upgrade request, and our bookkeeping. */
export interface WsExtra {
  socket: WebSocket;
  request: IncomingMessage;
  /** Ids of the subscription operations this connection has running (queries and mutations not counted). */
  subscriptions: Set<string>;
  /** The log record of each operation running on this connection, by operation id (operation-pipeline.ts). */
  operations: Map<string, OperationRecord>;
}

export interface WsTransportOptions {
  /** Data queued for one client above which it is closed with 1013 instead of buffered further. */
  maxBufferedBytes: number;
  /** Ping interval; a client that has not answered the previous ping by the next one is dropped. */
  keepAliveMs?: number;
  log: Logger;
}

export interface WsTransportStats {
  connections: number;
  /** Connections closed as too slow (1013) since start. */
  closedTooSlow: number;
  /** The most data ever queued for one client, measured before each send. */
  peakBufferedBytes: number;
}

export interface WsTransport {
  stats(): WsTransportStats;
  dispose(): Promise<void>;
}

/**
 * graphql-ws on a `ws` server, like graphql-ws's own `useServer`, with one difference that matters for
 * memory: a send never waits for the client to read. Instead, the data already queued for the socket is
 * checked before each send, and a client holding more than `maxBufferedBytes` unread is closed with
 * 1013 ("subscriber too slow; resume with your last cursor") and its subscriptions freed at once. So a
 * client that stops reading costs at most the bound plus one message, and it loses nothing: it resumes
 * from the cursor of the last event it processed.
 */
export function serveGraphqlWs<P extends Record<string, unknown> | undefined>(
  wsServer: WebSocketServer,
  options: ServerOptions<P, WsExtra>,
  transport: WsTransportOptions,
): WsTransport {
  const server = makeServer<P, WsExtra>(options);
  const keepAliveMs = transport.keepAliveMs ?? 12_000;
  const counters = { closedTooSlow: 0, peakBufferedBytes: 0 };
  wsServer.options.handleProtocols = handleProtocols;

  wsServer.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    let released = false;
    let tooSlow = false;
    let answered = true;
    // Size of the message sent last: one answer may be larger than the bound (up to the response
    // limit), and the message after it must not find the client "too slow" for not having read it yet.
    let lastSent = 0;

    const ping = setInterval(() => {
      if (!answered) {
        socket.terminate();
        return;
      }
      answered = false;
      if (socket.readyState === socket.OPEN) socket.ping();
    }, keepAliveMs);
    ping.unref();
    socket.on('pong', () => {
      answered = true;
    });

    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) => {
          if (tooSlow || socket.readyState !== socket.OPEN) return;
          const queued = socket.bufferedAmount;
          counters.peakBufferedBytes = Math.max(counters.peakBufferedBytes, queued);
          if (queued - lastSent > transport.maxBufferedBytes) {
            closeTooSlow(queued);
            return;
          }
          lastSent = data.length;
          // Not awaiting the flush: a stalled reader must not park the operation (and its events) here.
          socket.send(data, (error) => {
            if (error && !tooSlow) transport.log.debug({ err: error }, 'websocket send failed');
          });
        },
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', async (data: RawData) => {
            // After a slow-subscriber close the connection is over, even if the client still talks.
            if (tooSlow) return;
            try {
              await handle(String(data));
            } catch (error) {
              transport.log.error({ err: error }, 'websocket message handling failed');
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            }
          }),
      },
      { socket, request, subscriptions: new Set(), operations: new Map() },
    );

    const release = (code: number, reason: string) => {
      if (released) return;
      released = true;
      clearInterval(ping);
      void Promise.resolve(closed(code, reason)).catch((error) => transport.log.warn({ err: error }, 'websocket close handling failed'));
    };

    const closeTooSlow = (queued: number) => {
      tooSlow = true;
      counters.closedTooSlow += 1;
      transport.log.warn({ bufferedBytes: queued, limit: transport.maxBufferedBytes }, `websocket client too slow: closing with ${SLOW_SUBSCRIBER_CLOSE_CODE}`);
      // The close frame queues behind the unread data; ws destroys the socket if the client never
      // answers it (closeTimeout). The subscriptions end now, not then.
      socket.close(SLOW_SUBSCRIBER_CLOSE_CODE, SLOW_SUBSCRIBER_REASON);
      release(SLOW_SUBSCRIBER_CLOSE_CODE, SLOW_SUBSCRIBER_REASON);
    };

    socket.once('error', (error) => {
      transport.log.warn({ err: error }, 'websocket error');
      socket.close(CloseCode.InternalServerError, 'Internal server error');
    });
    socket.once('close', (code, reason) => release(code, String(reason)));
  });

  return {
    stats: () => ({ connections: wsServer.clients.size, ...counters }),
    dispose: async () => {
      for (const client of wsServer.clients) client.close(1001, 'Going away');
      wsServer.removeAllListeners();
      await new Promise<void>((resolve, reject) => wsServer.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

/**
 * Counts a new subscription operation against the connection's limit; false when the connection
 * already runs `max` of them (the caller answers TOO_MANY_SUBSCRIPTIONS and the connection stays up).
 * `running` is graphql-ws's own record of the connection's operations: an id it no longer holds has
 * ended, whichever way, and no longer counts.
 */
export function admitSubscription(extra: WsExtra, id: string, max: number, running: Record<string, unknown>): boolean {
  for (const counted of extra.subscriptions) if (!(counted in running)) extra.subscriptions.delete(counted);
  if (extra.subscriptions.size >= max) return false;
  extra.subscriptions.add(id);
  return true;
}

export function tooManySubscriptions(max: number): GraphQLError {
  return new GraphQLError(`This connection already runs ${max} subscriptions, the most one connection may; complete one first or open another connection.`, {
    extensions: { code: 'TOO_MANY_SUBSCRIPTIONS', limit: max },
  });
}
