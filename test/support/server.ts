import { randomBytes } from 'node:crypto';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type DocumentNode } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { Client as PgClient } from 'pg';
import request from 'supertest';
import WebSocket from 'ws';
import { loadConfig, type Config } from '../../src/config/config';
import { createServer, GRAPHQL_PATH, type OmniServer } from '../../src/server/app';
import { createLogger } from '../../src/server/logger';
import { withDatabaseName } from '../../src/database/scratch-database';
import { API_KEYS, TOKENS } from './tokens';

export { TOKENS } from './tokens';

async function adminQuery(sql: string): Promise<void> {
  const admin = new PgClient({ connectionString: withDatabaseName(process.env.OMNI360_TEST_SERVER_URL!, 'postgres') });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/**
 * A fresh database for one test file: cloned from the run's migrated template (fast), dropped by the
 * global teardown. Two servers of one file may share it (scale-out tests).
 */
export async function createTestDatabase(): Promise<string> {
  const name = `${process.env.OMNI360_TEST_RUN}_${randomBytes(4).toString('hex')}`;
  for (let attempt = 0; ; attempt++) {
    try {
      await adminQuery(`create database "${name}" template "${process.env.OMNI360_TEST_TEMPLATE}"`);
      break;
    } catch (error) {
      // Two files cloning the template at the same instant: PostgreSQL refuses one; try again.
      if (attempt >= 20 || !/being accessed by other users/.test(String(error))) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
    }
  }
  return withDatabaseName(process.env.OMNI360_TEST_SERVER_URL!, name);
}

export interface GraphQLResponse<T> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  /** The answer's own extensions, when it has any (e.g. `textBytes` with OMNI360_REPORT_TEXT_BYTES). */
  extensions?: Record<string, unknown>;
}

/** A GraphQL result as the client sees it, whatever the transport. */
export interface GraphQLAnswer {
  data?: unknown;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

export interface TestServer {
  server: OmniServer;
  url: string;
  wsUrl: string;
  databaseUrl: string;
  config: Config;
  /** Sends one operation over real HTTP; `token: null` sends none. */
  gql<R, V>(document: TypedDocumentNode<R, V> | DocumentNode | string, variables?: V, token?: string | null): Promise<GraphQLResponse<R>>;
  /** Like gql, but fails the test on any top-level error and returns data. */
  ok<R, V>(document: TypedDocumentNode<R, V> | DocumentNode | string, variables?: V, token?: string | null): Promise<R>;
  /** A graphql-ws client on the same port, authenticated with `token`. */
  ws(token?: string | null, options?: Partial<Parameters<typeof createClient>[0]>): Client;
  /**
   * Runs one operation over graphql-ws on a client of its own: the first result that carries errors,
   * else the last result when the operation completes, else the error the client reported.
   */
  wsOnce(query: string, variables?: Record<string, unknown>, token?: string | null): Promise<GraphQLAnswer>;
  /** Counts SQL statements this server sends while `work` runs. */
  countStatements(work: () => Promise<unknown>): Promise<{ count: number; statements: string[] }>;
  stop(): Promise<void>;
}

export interface TestServerOptions {
  databaseUrl?: string;
  env?: Record<string, string>;
}

/** Boots the real server (HTTP + WebSocket on one ephemeral port) against a real PostgreSQL. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const databaseUrl = options.databaseUrl ?? (await createTestDatabase());
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    OMNI360_API_KEYS: API_KEYS,
    // Fixed, so that every server of a test run (and a restart) compares the same keyed hashes.
    OMNI360_IDEMPOTENCY_KEY: 'test-idempotency-key-0000000000000000',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...options.env,
  });
  const server = await createServer(config, databaseUrl, createLogger(config.logLevel));
  const port = await server.listen();
  const url = `http://127.0.0.1:${port}${GRAPHQL_PATH}`;
  const wsUrl = `ws://127.0.0.1:${port}${GRAPHQL_PATH}`;
  const clients: Client[] = [];

  const gql: TestServer['gql'] = async (document, variables, token = TOKENS.ADMIN) => {
    const query = typeof document === 'string' ? document : print(document as DocumentNode);
    let req = request(server.httpServer).post(GRAPHQL_PATH).set('content-type', 'application/json');
    if (token !== null) req = req.set('authorization', `Bearer ${token}`);
    const res = await req.send({ query, variables });
    const answer = { status: res.status, data: res.body.data, errors: res.body.errors };
    return res.body.extensions === undefined ? answer : { ...answer, extensions: res.body.extensions };
  };

  const ws: TestServer['ws'] = (token = TOKENS.ADMIN, extra = {}) => {
    const client = createClient({
      url: wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: true,
      connectionParams: token === null ? {} : { authorization: `Bearer ${token}` },
      ...extra,
    });
    clients.push(client);
    return client;
  };

  return {
    server,
    url,
    wsUrl,
    databaseUrl,
    config,
    gql,
    ws,
    async wsOnce(query, variables, token = TOKENS.ADMIN) {
      const client = ws(token);
      try {
        return await new Promise<GraphQLAnswer>((resolve) => {
          let result: GraphQLAnswer = {};
          client.subscribe(
            { query, variables },
            {
              next: (value) => {
                result = value as GraphQLAnswer;
                if (result.errors) resolve(result);
              },
              error: (error) => resolve({ errors: error as GraphQLAnswer['errors'] }),
              complete: () => resolve(result),
            },
          );
        });
      } finally {
        await client.dispose();
      }
    },
    async ok(document, variables, token) {
      const res = await gql(document, variables, token);
      if (res.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(res.errors)}`);
      return res.data!;
    },
    async countStatements(work) {
      const knex = server.app.orm.em.getConnection().getKnex();
      const statements: string[] = [];
      const listener = (q: { sql: string }) => statements.push(q.sql);
      knex.on('query', listener);
      try {
        await work();
      } finally {
        knex.off('query', listener);
      }
      return { count: statements.length, statements };
    },
    async stop() {
      await Promise.all(clients.map((client) => client.dispose()));
      await server.stop();
    },
  };
}

/** A unique suffix so that tests sharing a database never collide on identities. */
export function unique(prefix = 't'): string {
  return `${prefix}${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}
