import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The `data` of an interactionAdded delivery: the union of what the tests' documents select (each
 * selects a subset, hence the optional fields).
 */
export interface InteractionAddedData {
  interactionAdded: {
    eventId: string;
    cursor?: string;
    interaction: {
      id: string;
      subject?: string | null;
      customer: { id: string; firstName?: string | null; email?: string | null };
    };
  };
}

/** One POST a receiver got, with what it answered. */
export interface ReceivedDelivery {
  id: string;
  timestamp: string;
  signature: string;
  rawBody: string;
  body: {
    deliveryId: string;
    eventId: string;
    cursor: string;
    eventType: string;
    subscription: string;
    data: InteractionAddedData | null;
    errors?: { message: string; extensions?: Record<string, unknown> }[];
  };
  status: number;
  at: number;
}

export interface WebhookReceiver {
  url: string;
  /** Every request, in arrival order. */
  received: ReceivedDelivery[];
  /** The requests answered 2xx, in arrival order. */
  acknowledged(): ReceivedDelivery[];
  /** Decides the status of each request (default 200); may wait first. */
  respond: (delivery: Omit<ReceivedDelivery, 'status' | 'at'>) => number | Promise<number>;
  close(): Promise<void>;
}

/** A real HTTP receiver on loopback: records every POST and answers what `respond` decides. */
export async function startReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedDelivery[] = [];
  const receiver: WebhookReceiver = {
    url: '',
    received,
    acknowledged: () => received.filter((delivery) => delivery.status >= 200 && delivery.status < 300),
    respond: () => 200,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const delivery = {
        id: String(req.headers['webhook-id']),
        timestamp: String(req.headers['webhook-timestamp']),
        signature: String(req.headers['webhook-signature']),
        rawBody,
        body: JSON.parse(rawBody) as ReceivedDelivery['body'],
      };
      const status = await receiver.respond(delivery);
      // Recorded when answered: the order of acknowledgements is the order of answers.
      received.push({ ...delivery, status, at: Date.now() });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return receiver;
}
