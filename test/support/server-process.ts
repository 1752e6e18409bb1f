import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { API_KEYS } from './tokens';

/**
 * The real server as a child process (src/main.ts through ts-node, as `npm start` runs it), for the
 * tests that kill and restart it (npm run test:faults), the bench and the scripts. Node built-ins only,
 * no jest: bench/ and scripts/ import it too.
 */
export const ROOT = path.resolve(__dirname, '../..');

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A TCP port nobody listens on now (asked from the kernel). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** True when something accepts TCP connections on 127.0.0.1:`port` within `timeoutMs`. */
export function portAnswers(port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const done = (answers: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answers);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface ServerProcessOptions {
  /** OMNI360_API_KEYS; the suite's TOKENS by default. */
  apiKeys?: string;
  /** More environment (added to, or replacing, the defaults below); `undefined` removes a default. */
  env?: Record<string, string | undefined>;
  /** Arguments after src/main.ts (`--demo`). */
  args?: string[];
  /** `npm start -- <args>` in a process group of its own, as a terminal runs it: signals reach npm and the server (Ctrl-C). */
  viaNpm?: boolean;
  /** Copies the server's output to this process's stderr as it comes (the bench). */
  echo?: boolean;
  readyTimeoutMs?: number;
}

export interface ServerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The real server as a child process; `databaseUrl` undefined means its embedded PostgreSQL. */
export class ServerProcess {
  private child: ChildProcess | undefined;
  private output: string[] = [];
  private stderrText = '';
  private exit: Promise<ServerExit> = Promise.resolve({ code: null, signal: null });
  private outputClosed: Promise<void> = Promise.resolve();
  private outputOpen = false;
  starts = 0;

  constructor(
    readonly port: number,
    private readonly databaseUrl: string | undefined,
    private readonly options: ServerProcessOptions = {},
  ) {}

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** What the server wrote on stderr since its last start. */
  get stderr(): string {
    return this.stderrText;
  }

  /** Resolves when the current process exits. */
  get exited(): Promise<ServerExit> {
    return this.exit;
  }

  /**
   * Resolves when every process that held the server's stdout and stderr has exited: through npm, the
   * server itself may outlive npm (a Ctrl-C ends npm at once while the server finishes its shutdown).
   */
  get ended(): Promise<void> {
    return this.outputClosed;
  }

  /** Starts the server and waits until /readyz answers 200; returns the milliseconds that took. */
  async start(): Promise<number> {
    if (this.running) throw new Error('the server is already running');
    const began = Date.now();
    const env: Record<string, string | undefined> = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(this.port),
      DATABASE_URL: this.databaseUrl,
      OMNI360_API_KEYS: this.options.apiKeys ?? API_KEYS,
      OMNI360_RATE_LIMIT_PER_SECOND: '0',
      OMNI360_METRICS: 'false',
      LOG_LEVEL: 'warn',
      ...this.options.env,
    };
    for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name];
    const args = this.options.args ?? [];
    const child = this.options.viaNpm
      ? spawn('npm', ['start', ...(args.length ? ['--', ...args] : [])], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
      : spawn(process.execPath, ['-r', require.resolve('ts-node/register/transpile-only'), 'src/main.ts', ...args], {
          cwd: ROOT,
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
    this.output = [];
    this.stderrText = '';
    const keep = (chunk: Buffer) => {
      this.output.push(chunk.toString());
      if (this.output.length > 200) this.output.splice(0, this.output.length - 200);
      if (this.options.echo) process.stderr.write(chunk);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', (chunk: Buffer) => {
      this.stderrText += chunk.toString();
      keep(chunk);
    });
    this.exit = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    this.outputOpen = true;
    const closed = (stream: NodeJS.ReadableStream) => new Promise<void>((resolve) => stream.once('close', resolve));
    this.outputClosed = Promise.all([closed(child.stdout!), closed(child.stderr!)]).then(() => {
      this.outputOpen = false;
    });
    this.child = child;
    this.starts += 1;
    const timeoutMs = this.options.readyTimeoutMs ?? 120_000;
    for (;;) {
      if (!this.running) throw new Error(`server exited with ${child.exitCode ?? child.signalCode} during start-up:\n${this.tail()}`);
      try {
        const res = await fetch(`${this.baseUrl}/readyz`, { signal: AbortSignal.timeout(1_000) });
        if (res.status === 200) return Date.now() - began;
      } catch {
        // not listening yet
      }
      if (Date.now() - began > timeoutMs) throw new Error(`server not ready after ${timeoutMs / 1000} s:\n${this.tail()}`);
      await sleep(100);
    }
  }

  /** Waits until the server's output matches `pattern` (its output ended: an error with its output). */
  async waitForOutput(pattern: RegExp, timeoutMs = 120_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = this.output.join('').match(pattern);
      if (match) return match;
      if (!this.outputOpen) throw new Error(`server exited before printing ${pattern}:\n${this.tail()}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}:\n${this.tail()}`);
      await sleep(100);
    }
  }

  /** Sends `signal` (to the whole process group when started through npm) and waits for the exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<ServerExit> {
    const child = this.child;
    if (this.options.viaNpm && child && (this.running || this.outputOpen)) {
      // The group: npm, its shell and the server, which may outlive npm.
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // the group is gone
      }
    } else if (child && this.running) child.kill(signal);
    return this.exit;
  }

  tail(lines = 40): string {
    return this.output.join('').split('\n').slice(-lines).join('\n');
  }
}
