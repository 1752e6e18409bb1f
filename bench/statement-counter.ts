import { TcpProxy } from '../test/support/tcp-proxy';

/**
 * A loopback TCP proxy in front of PostgreSQL that counts the SQL statements its clients send: every
 * simple-protocol Query ('Q') and every extended-protocol Execute ('E') message, as PostgreSQL sees them
 * (transaction control and session settings included). Used in a separate, unmeasured pass of the bench,
 * so its cost never enters a throughput figure.
 */
export class StatementCounter {
  count = 0;
  private readonly proxy: TcpProxy;

  constructor(targetHost: string, targetPort: number) {
    this.proxy = new TcpProxy(targetHost, targetPort, () => {
      const parser = new FrontendParser((type) => {
        if (type === 0x51 || type === 0x45) this.count++;
      });
      return (chunk) => parser.push(chunk);
    });
  }

  /** Listens on a free loopback port; returns it. */
  start(): Promise<number> {
    return this.proxy.start();
  }

  stop(): Promise<void> {
    return this.proxy.stop();
  }
}

/**
 * The frontend side of PostgreSQL's wire protocol, message by message: first an untyped startup packet
 * (or an SSL/GSS encryption request, after which the startup packet follows), then typed messages
 * (1 byte type, 4 bytes length including itself).
 */
class FrontendParser {
  private buffer: Buffer = Buffer.alloc(0);
  private started = false;

  constructor(private readonly onMessage: (type: number) => void) {}

  push(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    for (;;) {
      if (!this.started) {
        if (this.buffer.length < 8) return;
        const length = this.buffer.readInt32BE(0);
        if (this.buffer.length < length) return;
        const code = this.buffer.readInt32BE(4);
        // 80877103: SSLRequest, 80877104: GSSENCRequest; the real startup packet comes next.
        if (code !== 80877103 && code !== 80877104) this.started = true;
        this.buffer = this.buffer.subarray(length);
        continue;
      }
      if (this.buffer.length < 5) return;
      const length = this.buffer.readInt32BE(1);
      if (this.buffer.length < 1 + length) return;
      this.onMessage(this.buffer[0]);
      this.buffer = this.buffer.subarray(1 + length);
    }
  }
}
