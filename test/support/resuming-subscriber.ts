import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

/** What a resuming subscriber follows and where it is: the cursor of the last event it processed. */
export interface ResumingFeed {
  field: 'interactionAdded' | 'orderPlaced';
  cursor: string;
  /** Connections that were up and ended (attempts while the server is down do not count). */
  resumes: number;
  onEvent(eventId: string): void;
}

/**
 * A subscriber that resumes by cursor, as a client of the contract would: one graphql-ws connection at
 * a time; whenever it ends (a server died, a proxy cut it), it connects again with `after` = the cursor
 * of the last event it processed, after `pauseMs()`. Runs until `stop()`.
 */
export async function followResuming(wsUrl: string, token: string, feed: ResumingFeed, stop: () => boolean, pauseMs: () => number): Promise<void> {
  while (!stop()) {
    const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true, connectionParams: { authorization: `Bearer ${token}` } });
    let connected = false;
    client.on('connected', () => {
      connected = true;
    });
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (stop()) {
          clearInterval(poll);
          resolve();
        }
      }, 100);
      const done = () => {
        clearInterval(poll);
        resolve();
      };
      client.subscribe<Record<string, { eventId: string; cursor: string }>>(
        { query: `subscription($after: String) { ${feed.field}(after: $after) { eventId cursor } }`, variables: { after: feed.cursor } },
        {
          next: (result) => {
            const event = result.data?.[feed.field];
            if (!event) return;
            feed.onEvent(event.eventId);
            feed.cursor = event.cursor;
          },
          error: done,
          complete: done,
        },
      );
    });
    await client.dispose();
    if (!stop()) {
      if (connected) feed.resumes += 1;
      await new Promise((resolve) => setTimeout(resolve, pauseMs()));
    }
  }
}
