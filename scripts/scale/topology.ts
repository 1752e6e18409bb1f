import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { sleep } from '../../test/support/server-process';

/**
 * The parts of the scale-out topology (docs/scaling.md) as real processes on 127.0.0.1: a PostgreSQL
 * primary and a streaming replica (pg_basebackup), PgBouncer in transaction mode, omni360 instances,
 * HAProxy. Every process is registered with its Topology and stopped by stopAll(), also on failure.
 */

// The port and timing helpers every test and script that starts processes shares.
export { freePort, portAnswers, sleep } from '../../test/support/server-process';

export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (
    !(await Promise.resolve()
      .then(check)
      .catch(() => false))
  ) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** Where a program is: PATH, then the usual Debian places; undefined when absent. */
export function which(program: string, extra: string[] = []): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin', ...extra]) {
    const candidate = path.join(dir, program);
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** The PostgreSQL server binaries: `pg_config --bindir`, else Debian's 15. */
export function postgresBinDir(): string | undefined {
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
    if (fs.existsSync(path.join(dir, 'initdb'))) return dir;
  } catch {
    // no pg_config
  }
  const debian = '/usr/lib/postgresql/15/bin';
  return fs.existsSync(path.join(debian, 'initdb')) ? debian : undefined;
}

/** PostgreSQL and PgBouncer refuse to run as root: run them as this (existing) user. */
export const SERVICE_USER = 'postgres';

function asServiceUser(command: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [command, args];
  // setpriv execs the program itself (no forking wrapper), so signals reach it directly.
  return ['setpriv', ['--reuid', SERVICE_USER, '--regid', SERVICE_USER, '--init-groups', '--', command, ...args]];
}

export function runAsService(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
  const [cmd, argv] = asServiceUser(command, args);
  return execFileSync(cmd, argv, { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A long-running child process whose output is kept (the tail is printed when something fails). */
export class Service {
  private child: ChildProcess | undefined;
  private readonly output: string[] = [];

  constructor(
    readonly name: string,
    private readonly command: string,
    private readonly args: string[],
    private readonly options: { env?: NodeJS.ProcessEnv; cwd?: string; asServiceUser?: boolean } = {},
  ) {}

  start(): void {
    const [cmd, argv] = this.options.asServiceUser ? asServiceUser(this.command, this.args) : [this.command, this.args];
    const child = spawn(cmd, argv, { env: this.options.env ?? process.env, cwd: this.options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => {
      this.output.push(chunk.toString());
      if (this.output.length > 300) this.output.splice(0, this.output.length - 300);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.child = child;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  tail(lines = 30): string {
    return this.output.join('').split('\n').slice(-lines).join('\n');
  }
}

/** One PostgreSQL cluster (data directory + port), run as the service user with pg_ctl. */
export class PgCluster {
  constructor(
    readonly name: string,
    private readonly bin: string,
    readonly dataDir: string,
    readonly port: number,
  ) {}

  url(database = 'postgres', applicationName?: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}${applicationName ? `?application_name=${applicationName}` : ''}`;
  }

  initdb(): void {
    runAsService(path.join(this.bin, 'initdb'), ['-D', this.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--locale=C']);
    fs.appendFileSync(path.join(this.dataDir, 'postgresql.conf'), this.settings());
    fs.appendFileSync(path.join(this.dataDir, 'pg_hba.conf'), 'host replication postgres 127.0.0.1/32 trust\n');
  }

  /** A streaming replica of `primary`, made with pg_basebackup (-R writes primary_conninfo and standby.signal). */
  basebackupFrom(primary: PgCluster): void {
    runAsService(path.join(this.bin, 'pg_basebackup'), [
      '-h',
      '127.0.0.1',
      '-p',
      String(primary.port),
      '-U',
      'postgres',
      '-D',
      this.dataDir,
      '-R',
      '-X',
      'stream',
      '-c',
      'fast',
      '--no-sync',
    ]);
    fs.appendFileSync(path.join(this.dataDir, 'postgresql.conf'), this.settings());
  }

  private settings(): string {
    return [
      '',
      `port = ${this.port}`,
      `listen_addresses = '127.0.0.1'`,
      `unix_socket_directories = ''`,
      'max_connections = 300',
      'wal_level = replica',
      'max_wal_senders = 5',
      'hot_standby = on',
      // Analytics on the standby must not be cancelled by the replay of vacuum on the primary.
      'hot_standby_feedback = on',
      'shared_buffers = 128MB',
      'synchronous_commit = on',
      'fsync = on',
      `log_min_messages = warning`,
      '',
    ].join('\n');
  }

  start(): void {
    runAsService(path.join(this.bin, 'pg_ctl'), ['-D', this.dataDir, '-l', path.join(this.dataDir, 'server.log'), '-w', '-t', '60', 'start']);
  }

  stop(): void {
    if (!fs.existsSync(path.join(this.dataDir, 'postmaster.pid'))) return;
    try {
      runAsService(path.join(this.bin, 'pg_ctl'), ['-D', this.dataDir, '-m', 'immediate', '-w', '-t', '30', 'stop']);
    } catch {
      // already stopped
    }
  }

  /** Every process of the cluster: the postmaster and its children (backends, walsender, ...). */
  pids(): number[] {
    const postmaster = Number(fs.readFileSync(path.join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const pids = [postmaster];
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (ppid === postmaster) pids.push(Number(entry));
      } catch {
        // exited meanwhile
      }
    }
    return pids;
  }

  async sql<T>(text: string, params: unknown[] = [], database = 'postgres'): Promise<T[]> {
    const client = new Client({ connectionString: this.url(database), application_name: 'omni360-scale-check' });
    await client.connect();
    try {
      return (await client.query(text, params)).rows as T[];
    } finally {
      await client.end();
    }
  }
}

/** CPU seconds (user + system) a set of processes has used so far. */
export function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // exited
    }
  }
  return ticks / 100;
}
