import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, portAnswers, ServerProcess } from './support/server-process';

/**
 * A newcomer's first hour (issue 14, point 7; npm run test:faults, since it starts the server three
 * times): the README's command `npm start -- --demo` on a bare setup (no DATABASE_URL, no API keys:
 * an embedded PostgreSQL in a fresh data directory), run through npm in a process group of its own as
 * a terminal runs it. It measures the time to /readyz and to the demo data, checks that a second start
 * says where the ADMIN key is, and that Ctrl-C (SIGINT to the group) exits with code 0, with no stack
 * trace on stderr and the embedded PostgreSQL stopped. The README quotes the times this prints.
 */

jest.setTimeout(600_000);

/** A V8 stack frame (`    at fn (file.js:1:2)`), as an uncaught error prints it. */
const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m;

/** PostgreSQL processes whose command line names `dir`. */
function postgresProcessesOf(dir: string): string[] {
  return execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(dir) && /postgres/.test(line));
}

/** The process group of `pid`, from /proc/<pid>/stat (the fifth field, after the command name). */
function processGroup(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

describe('the first hour on a fresh clone: npm start -- --demo', () => {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'omni360-first-hour-'));
  const dataDir = path.join(workDir, 'data');
  let pgPort: number;
  let server: ServerProcess;
  let key: string;
  let customers: number;

  /** The number of customers, asked with the printed key. */
  async function customerCount(): Promise<number> {
    const res = await fetch(`${server.baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: '{ customers(first: 1) { totalCount } }' }),
    });
    return ((await res.json()) as { data: { customers: { totalCount: number } } }).data.customers.totalCount;
  }

  beforeAll(async () => {
    // The embedded PostgreSQL runs as an unprivileged user when the suite runs as root: it must reach the directory.
    fs.chmodSync(workDir, 0o755);
    pgPort = await freePort();
    server = new ServerProcess(await freePort(), undefined, {
      viaNpm: true,
      args: ['--demo'],
      // Exactly a newcomer's environment: the defaults of the server, nothing of the suite's.
      env: {
        NODE_ENV: undefined,
        OMNI360_API_KEYS: undefined,
        OMNI360_RATE_LIMIT_PER_SECOND: undefined,
        OMNI360_METRICS: undefined,
        LOG_LEVEL: undefined,
        OMNI360_DATA_DIR: dataDir,
        OMNI360_EMBEDDED_PG_PORT: String(pgPort),
      },
      readyTimeoutMs: 300_000,
    });
  });

  afterAll(async () => {
    // Never leave a server or a postgres of this test behind, whatever failed.
    await server.kill('SIGKILL');
    for (const line of postgresProcessesOf(workDir)) {
      try {
        process.kill(Number(line.trim().split(/\s+/)[0]), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  /**
   * Ctrl-C reaches npm, its shell and the server at once. npm ends by the signal, as any program
   * interrupted in a terminal does (the shell shows 130); the server finishes its shutdown: "stopped" is
   * what it logs just before exit(0) (an error or a shutdown past its grace period logs otherwise and
   * exits 1). Nothing like a stack trace on stderr, and the embedded PostgreSQL is stopped.
   */
  async function expectCleanCtrlC(): Promise<void> {
    expect(postgresProcessesOf(dataDir).length).toBeGreaterThan(0);
    // Regression: the postmaster was in the terminal's group, took the Ctrl-C as "fast shutdown" and cut
    // the server's connections under it (each logged with a stack). It leads a group of its own now.
    const postmaster = Number(fs.readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
    expect(processGroup(postmaster)).toBe(postmaster);
    const npm = await server.kill('SIGINT');
    expect(npm.signal === 'SIGINT' || npm.code === 130).toBe(true);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([server.ended, new Promise((resolve) => (timer = setTimeout(resolve, 60_000)))]);
    clearTimeout(timer);
    expect(server.tail(20)).toMatch(/"msg":"stopped"\}\n/);
    expect(server.tail(20)).not.toMatch(/error during shutdown|shutdown took too long|"stack":/);
    expect(server.stderr).not.toMatch(STACK_FRAME);
    expect(server.stderr).not.toMatch(/\b(Error|ERR!|npm error)\b/);
    expect(await portAnswers(pgPort)).toBe(false);
    expect(postgresProcessesOf(dataDir)).toEqual([]);
    expect(fs.existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
  }

  it('first start: ready, then the demo data, the printed key works; Ctrl-C exits 0 without a stack trace', async () => {
    const began = Date.now();
    const readyMs = await server.start();
    const printed = await server.waitForOutput(/Open GraphiQL with it: http:\/\/localhost:\d+\/graphql#token=(\S+)/, 300_000);
    const demoMs = Date.now() - began;
    key = printed[1];
    // 1,000 customers and the near-duplicates the demo plants for duplicateCandidates.
    customers = await customerCount();
    expect(customers).toBeGreaterThanOrEqual(1_000);
    console.log(
      `first start (npm start -- --demo, Node ${process.version}): /readyz after ${(readyMs / 1000).toFixed(1)} s, demo data after ${(demoMs / 1000).toFixed(1)} s`,
    );
    await expectCleanCtrlC();
  });

  it('second start: says where the ADMIN key is, serves the same data; Ctrl-C exits 0 without a stack trace', async () => {
    const readyMs = await server.start();
    await server.waitForOutput(/omni360 is ready/);
    expect(server.tail(1_000)).toContain(`The ADMIN API key is in ${dataDir}/admin-api-key`);
    expect(server.tail(1_000)).not.toContain(key);
    // The demo is not loaded twice: the database was not empty.
    expect(await customerCount()).toBe(customers);
    console.log(`second start (Node ${process.version}): /readyz after ${(readyMs / 1000).toFixed(1)} s`);
    await expectCleanCtrlC();
  });
});
