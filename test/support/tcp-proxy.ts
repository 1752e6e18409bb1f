import net from 'node:net';

/**
 * A loopback TCP proxy in front of PostgreSQL: `cut()` drops every connection and refuses new ones
 * (the database "goes away" without stopping the shared server), `restore()` lets traffic through again.
 * `watchClient`, when given, is made once per connection and sees every chunk the client sends (the
 * bench's statement counter reads the protocol with it). `clientDelayMs` holds what the client sends,
 * its end included, that long before passing it on (a far database, as a shutdown race sees it).
 */
export class TcpProxy {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private open = true;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
    private readonly watchClient?: () => (chunk: Buffer) => void,
    private readonly clientDelayMs = 0,
  ) {
    // Half-open when delaying: the client's end reaches the database late, and the database's end the client.
    this.server = net.createServer({ allowHalfOpen: clientDelayMs > 0 }, (client) => {
      if (!this.open) {
        client.destroy();
        return;
      }
      const upstream = net.connect(this.targetPort, this.targetHost);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      if (this.watchClient) client.on('data', this.watchClient());
      if (this.clientDelayMs) {
        client.on('data', (chunk) => setTimeout(() => upstream.write(chunk), this.clientDelayMs));
        client.on('end', () => setTimeout(() => upstream.end(), this.clientDelayMs));
        upstream.pipe(client);
      } else {
        client.pipe(upstream).pipe(client);
      }
    });
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this.port;
  }

  cut(): void {
    this.open = false;
    for (const socket of this.sockets) socket.destroy();
  }

  restore(): void {
    this.open = true;
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** `url` with its host and port replaced by the proxy's. */
export function throughProxy(url: string, proxy: TcpProxy): string {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(proxy.port);
  return parsed.toString();
}
