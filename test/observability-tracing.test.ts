import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config/config';
import { createTestDatabase, TOKENS } from './support/server';

/**
 * OpenTelemetry tracing, switched on by OTEL_EXPORTER_OTLP_ENDPOINT: the real entry point (src/main.ts,
 * which must load the tracer before anything it instruments) runs as a child process and exports to a
 * dummy OTLP/HTTP receiver started here.
 */

const ROOT = path.resolve(__dirname, '..');

interface Export {
  path: string;
  body: string;
}

function startReceiver(): Promise<{ server: http.Server; port: number; exports: Export[] }> {
  const exports: Export[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      exports.push({ path: req.url ?? '', body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port, exports })));
}

async function waitFor<T>(what: string, check: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('tracing', () => {
  let child: ChildProcess | undefined;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let output = '';

  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGKILL');
    }
    await new Promise((resolve) => receiver.server.close(resolve));
  });

  it('is off by default and on with OTEL_EXPORTER_OTLP_ENDPOINT (or OMNI360_TRACING=true)', () => {
    expect(loadConfig({}).tracing.enabled).toBe(false);
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing).toMatchObject({ enabled: true, tracesUrl: 'http://collector:4318/v1/traces' });
    expect(loadConfig({ OMNI360_TRACING: 'true' }).tracing).toMatchObject({ enabled: true, tracesUrl: 'http://localhost:4318/v1/traces' });
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OMNI360_TRACING: 'false' }).tracing.enabled).toBe(false);
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
  });

  it('exports spans of a GraphQL request (HTTP, GraphQL parse/validate/execute/resolve, PostgreSQL) to the OTLP endpoint, without literal values', async () => {
    const databaseUrl = await createTestDatabase();
    child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: os.tmpdir(),
        NODE_ENV: 'test',
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: databaseUrl,
        LOG_LEVEL: 'info',
        OMNI360_API_KEYS: `ADMIN:admin-key:${TOKENS.ADMIN}`,
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.port}`,
        OTEL_BSP_SCHEDULE_DELAY: '200',
        OTEL_SERVICE_NAME: 'omni360-tracing-test',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // ts-node compiles the server on the way: slow on a loaded machine.
    const url = await waitFor('the server to listen', () => /"url":"(http:\/\/localhost:\d+\/graphql)"/.exec(output)?.[1], 100_000);

    const secret = 'traced.person@example.com';
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKENS.ADMIN}` },
      body: JSON.stringify({ query: `query TracedLookup { customerByIdentity(identity: { type: EMAIL, value: "${secret}" }) { id } }` }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: unknown }).data).toEqual({ customerByIdentity: null });

    const spans = () => receiver.exports.filter((entry) => entry.path === '/v1/traces').map((entry) => entry.body).join('\n');
    // The spans docs/observability.md names: parse, validate, execute (with the operation's name) and the
    // root field's resolver, plus the statement it sent.
    const named = ['graphql.parse', 'graphql.validate', 'graphql.execute', 'graphql.resolve', 'TracedLookup', 'customerByIdentity'];
    await waitFor('a trace export with the GraphQL and PostgreSQL spans', () =>
      named.every((name) => spans().includes(name)) && /pg\.query|postgresql/.test(spans()) ? true : undefined);
    const exported = spans();
    for (const name of named) expect(exported).toContain(name);
    expect(exported).toContain('graphql.field.path');
    expect(exported).toContain('omni360-tracing-test');
    expect(exported).toMatch(/POST/);
    expect(exported).not.toContain(secret);

    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child!.once('exit', resolve));
    expect(code).toBe(0);
  }, 150_000);
});
