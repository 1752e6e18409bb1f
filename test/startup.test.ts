import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import WebSocket from 'ws';
import { createTestDatabase } from './support/server';
import { SERVER_NODE_FLAGS } from '../bench/bench-config';

/**
 * `npm install && npm start` on a bare machine: the real src/main.ts, spawned as `npm start` runs it,
 * with no DATABASE_URL and no API keys. It must initialise an embedded PostgreSQL in the data directory,
 * print a generated ADMIN key once with the GraphiQL URL, serve, shut down gracefully on SIGTERM (the
 * in-flight request completes, sockets close with 1001, exit code 0, no postgres left), and come back
 * on the same data directory with the data and the stored key, printing no key. A first start that
 * fails must neither keep a key nobody saw nor leave a cluster the next start cannot use.
 */

const ROOT = path.resolve(__dirname, '..');
const START_TIMEOUT_MS = 120_000;

jest.setTimeout(180_000);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

interface Running {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: ChildProcessWithoutNullStreams[] = [];

/** Fails instead of hanging when something the test waits for never happens. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]);
}

function start(env: Record<string, string>): Running {
  // What `npm start` runs (node with the server's V8 flags, ts-node, src/main.ts), minus npm in between, so that signals
  // reach the server process itself.
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, '-r', 'ts-node/register/transpile-only', 'src/main.ts'], { cwd: ROOT, env, stdio: 'pipe' });
  children.push(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, output: () => output, exited };
}

async function waitFor(running: Running, pattern: RegExp, timeoutMs = START_TIMEOUT_MS): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = running.output().match(pattern);
    if (match) return match;
    if (running.child.exitCode !== null) throw new Error(`server exited (${running.child.exitCode}) before printing ${pattern}:\n${running.output()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}:\n${running.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function gql(port: number, key: string, query: string, variables?: Record<string, unknown>): Promise<{ status: number; body: { data?: Record<string, unknown>; errors?: unknown[] } }> {
  const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as { data?: Record<string, unknown>; errors?: unknown[] } };
}

/** PostgreSQL processes whose command line names this data directory. */
function postgresProcessesOf(dataDir: string): string[] {
  const lines = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).split('\n');
  return lines.filter((line) => line.includes(dataDir) && /postgres/.test(line));
}

/**
 * A graphql-ws connection, acknowledged; `closed` resolves its close code when the server closes it
 * (wrapped in an object: an async function returning a bare promise would wait for it).
 */
async function openSubscriptionSocket(port: number, key: string): Promise<{ closed: Promise<number> }> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/graphql`, 'graphql-transport-ws');
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  const ack = new Promise<string>((resolve) => socket.once('message', (data) => resolve(data.toString())));
  socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } }));
  expect(JSON.parse(await ack)).toEqual({ type: 'connection_ack' });
  return { closed };
}

/**
 * A request the server has started to read but not finished when SIGTERM arrives: headers and half of
 * the body now, the rest after `release` resolves. Resolves with the raw HTTP response.
 */
function slowRequest(port: number, key: string, query: string, release: Promise<void>): Promise<string> {
  const body = JSON.stringify({ query });
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(
        `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nAuthorization: Bearer ${key}\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body.slice(0, 10)}`,
      );
      void release.then(() => socket.write(body.slice(10)));
    });
    let response = '';
    socket.on('data', (chunk) => (response += chunk.toString()));
    socket.on('end', () => resolve(response));
    socket.on('error', reject);
  });
}

describe('npm start on a bare machine', () => {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'omni360-startup-'));
  const dataDir = path.join(workDir, 'data');
  let env: Record<string, string>;
  let port: number;
  let key: string;
  let customerId: string;

  beforeAll(async () => {
    // The embedded PostgreSQL runs as an unprivileged user when the suite runs as root: it must reach the directory.
    fs.chmodSync(workDir, 0o755);
    port = await freePort();
    const pgPort = await freePort();
    // No DATABASE_URL and no keys: exactly a newcomer's environment.
    env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? os.tmpdir(),
      PORT: String(port),
      HOST: '127.0.0.1',
      OMNI360_DATA_DIR: dataDir,
      OMNI360_EMBEDDED_PG_PORT: String(pgPort),
      LOG_LEVEL: 'info',
    };
  });

  afterAll(() => {
    // Belt and braces: never leave a server or a postgres of this test behind, whatever failed.
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const line of postgresProcessesOf(workDir)) {
      try {
        process.kill(Number(line.trim().split(/\s+/)[0]), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  it('first start: embedded PostgreSQL in the data dir, a printed ADMIN key and GraphiQL URL, served data; SIGTERM finishes the in-flight request and exits 0', async () => {
    const first = start(env);
    const printed = await waitFor(first, /Open GraphiQL with it: (http:\/\/localhost:(\d+)\/graphql)#token=(\S+)/);
    expect(Number(printed[2])).toBe(port);
    key = printed[3];
    expect(key).toMatch(/^omni_[A-Za-z0-9_-]{20,}$/);
    expect(first.output()).toContain(`A first ADMIN API key was generated and stored in ${dataDir}/admin-api-key`);
    expect(first.output().split(key).length - 1).toBe(2); // the key line and the URL, nothing else
    expect(fs.readFileSync(path.join(dataDir, 'admin-api-key'), 'utf8').trim()).toBe(key);
    expect(fs.statSync(path.join(dataDir, 'admin-api-key')).mode & 0o077).toBe(0);
    expect(fs.existsSync(path.join(dataDir, 'pg', 'PG_VERSION'))).toBe(true);
    expect(first.output()).toContain('"msg":"migrations applied"');
    expect(postgresProcessesOf(dataDir).length).toBeGreaterThan(0);

    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    expect((await gql(port, key, '{ viewer { role name } }')).body).toEqual({ data: { viewer: { role: 'ADMIN', name: 'bootstrap-admin' } } });
    expect((await gql(port, 'wrong-key', '{ viewer { role } }')).status).toBe(401);
    const created = await gql(port, key, 'mutation { identifyCustomer(input: { identities: [{ type: EMAIL, value: "first.start@example.com" }], profile: { firstName: "First" } }) { customer { id } userErrors { code } } }');
    customerId = (created.body.data!.identifyCustomer as { customer: { id: string } }).customer.id;
    expect(customerId).toMatch(/^cus_/);

    const { closed: socketClosed } = await openSubscriptionSocket(port, key);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const inFlight = slowRequest(port, key, `{ customer(id: "${customerId}") { id firstName } }`, released);
    await new Promise((resolve) => setTimeout(resolve, 300));

    first.child.kill('SIGTERM');
    // The socket is closed with 1001 (going away) while the HTTP request is still being received.
    expect(await within(socketClosed, 10_000, 'the WebSocket to be closed')).toBe(1001);
    await new Promise((resolve) => setTimeout(resolve, 300));
    release();
    const response = await within(inFlight, 15_000, 'the in-flight response');
    expect(response).toMatch(/^HTTP\/1\.1 200/);
    expect(response).toContain(`{"data":{"customer":{"id":"${customerId}","firstName":"First"}}}`);

    expect(await within(first.exited, 30_000, 'the server to exit')).toEqual({ code: 0, signal: null });
    expect(fs.existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
    expect(postgresProcessesOf(dataDir)).toEqual([]);
    // Nothing listens any more.
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });

  it('restart on the same data dir: the data is still there, the stored key works and is not printed again; SIGINT exits 0', async () => {
    const second = start(env);
    await waitFor(second, /omni360 is ready/);
    expect(second.output()).not.toContain(key);
    expect(second.output()).not.toContain('A first ADMIN API key');
    // ...but it says where the key is (it used to say nothing about it).
    expect(second.output()).toContain(`The ADMIN API key is in ${dataDir}/admin-api-key`);
    expect(second.output()).not.toContain('"msg":"migrations applied"');
    const read = await gql(port, key, `{ customer(id: "${customerId}") { id firstName email } }`);
    expect(read.body).toEqual({ data: { customer: { id: customerId, firstName: 'First', email: 'first.start@example.com' } } });

    second.child.kill('SIGINT');
    expect(await within(second.exited, 30_000, 'the server to exit')).toEqual({ code: 0, signal: null });
    expect(fs.existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
    expect(postgresProcessesOf(dataDir)).toEqual([]);
  });
  it('a first start that fails (database port taken) exits 1, keeps no key nobody saw, and the next start recovers and prints one', async () => {
    const otherDir = path.join(workDir, 'failing');
    const blocker = net.createServer();
    const pgPort = await freePort();
    await new Promise<void>((resolve) => blocker.listen(pgPort, '127.0.0.1', resolve));
    const failingEnv = { ...env, OMNI360_DATA_DIR: otherDir, OMNI360_EMBEDDED_PG_PORT: String(pgPort), PORT: String(await freePort()) };
    try {
      const failed = start(failingEnv);
      expect(await within(failed.exited, START_TIMEOUT_MS, 'the failed start to exit')).toEqual({ code: 1, signal: null });
      expect(failed.output()).toContain(`embedded PostgreSQL did not start on port ${pgPort}`);
      expect(failed.output()).not.toMatch(/omni_[A-Za-z0-9_-]{20,}/);
      // Regression: the key was kept although never printed, so no later start ever showed it.
      expect(fs.existsSync(path.join(otherDir, 'admin-api-key'))).toBe(false);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
    expect(postgresProcessesOf(otherDir)).toEqual([]);

    // Regression: the cluster was initialised but its database never created; the next start must create it.
    const recovered = start(failingEnv);
    const printed = await waitFor(recovered, /Open GraphiQL with it: http:\/\/localhost:\d+\/graphql#token=(\S+)/);
    const res = await gql(Number(failingEnv.PORT), printed[1], '{ customers(first: 1) { totalCount } }');
    expect(res.body).toEqual({ data: { customers: { totalCount: 0 } } });
    recovered.child.kill('SIGTERM');
    expect(await within(recovered.exited, 30_000, 'the server to exit')).toEqual({ code: 0, signal: null });
    expect(postgresProcessesOf(otherDir)).toEqual([]);
  });
  it('with DATABASE_URL: uses that server, starts no embedded PostgreSQL', async () => {
    const databaseUrl = await createTestDatabase();
    const ownDir = path.join(workDir, 'with-database-url');
    const ownEnv = { ...env, DATABASE_URL: databaseUrl, OMNI360_DATA_DIR: ownDir, PORT: String(await freePort()) };
    const running = start(ownEnv);
    const printed = await waitFor(running, /Open GraphiQL with it: http:\/\/localhost:\d+\/graphql#token=(\S+)/);
    expect(running.output()).not.toContain('embedded PostgreSQL');
    expect(fs.existsSync(path.join(ownDir, 'pg'))).toBe(false);
    expect(postgresProcessesOf(ownDir)).toEqual([]);
    const email = `with-url-${Date.now()}@example.com`;
    await gql(Number(ownEnv.PORT), printed[1], `mutation { identifyCustomer(input: { identities: [{ type: EMAIL, value: "${email}" }] }) { created } }`);
    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      expect((await db.query('select count(*)::int as n from identity where value = $1', [email])).rows[0].n).toBe(1);
    } finally {
      await db.end();
    }
    running.child.kill('SIGTERM');
    expect(await within(running.exited, 30_000, 'the server to exit')).toEqual({ code: 0, signal: null });
  });
});
