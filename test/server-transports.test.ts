import { Writable } from 'node:stream';
import { createClient, type Client } from 'graphql-ws';
import { Client as PgClient } from 'pg';
import pino from 'pino';
import WebSocket from 'ws';
import { loadConfig } from '../src/config/config';
import { safeErrorSerializer } from '../src/observability/logging';
import type { GraphQLFieldConfig, GraphQLFieldResolver, OperationDefinitionNode } from 'graphql';
import { createServer, GRAPHQL_PATH, type OmniServer } from '../src/server/app';
import { createTestDatabase, TOKENS } from './support/server';

/**
 * One request pipeline for every transport (issue 15, point 2): the node:http fast path (POST with a JSON
 * body), Express (GET /graphql) and graphql-ws answer the same operation with the same errors, give an
 * unexpected error a request id in `extensions` and log it with that id, log one "graphql request" line
 * per operation, and refuse an operation over a limit alike. Before execution, every transport runs the
 * one preparation (operation-preparation.ts): the same refusals, codes and log lines, the same parsed
 * document for the same text.
 */

interface Answer {
  data?: unknown;
  errors?: { message: string; path?: unknown[]; locations?: unknown[]; extensions?: Record<string, unknown> }[];
}

const lines: Record<string, unknown>[] = [];
let server: OmniServer;
let base: string;
/** A server configured as in production: no introspection, no field suggestions. */
let production: OmniServer;
let productionBase: string;
/** The operation (a node of the executed document) each run of `viewer` was resolved in. */
const viewerOperations: OperationDefinitionNode[] = [];
let databaseUrl: string;
const clients: Client[] = [];

beforeAll(async () => {
  databaseUrl = await createTestDatabase();
  const env = {
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'info',
    OMNI360_MAX_ALIASES: '3',
    OMNI360_MAX_TOKENS: '400',
    OMNI360_MAX_BREADTH: '20',
    OMNI360_MAX_DEPTH: '3',
    OMNI360_API_KEYS: Object.entries(TOKENS)
      .map(([role, secret]) => `${role}:${role.toLowerCase()}-key:${secret}`)
      .join(','),
  };
  const config = loadConfig(env);
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  server = await createServer(config, databaseUrl, pino({ level: 'info', serializers: { err: safeErrorSerializer } }, sink));
  base = `127.0.0.1:${await server.listen()}`;
  // Records the operation node graphql-jit compiled `viewer` into (it reads the resolver when compiling).
  const viewer = server.app.schema!.getQueryType()!.getFields().viewer as unknown as GraphQLFieldConfig<unknown, unknown>;
  const resolve = viewer.resolve as GraphQLFieldResolver<unknown, unknown>;
  viewer.resolve = (root, args, context, info) => {
    viewerOperations.push(info.operation);
    return resolve(root, args, context, info);
  };
  production = await createServer(
    loadConfig({ ...env, OMNI360_INTROSPECTION: 'false', OMNI360_FIELD_SUGGESTIONS: 'false' }),
    databaseUrl,
    pino({ level: 'silent' }),
  );
  productionBase = `127.0.0.1:${await production.listen()}`;
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.dispose()));
  await server.stop();
  await production.stop();
});

const headers = { authorization: `Bearer ${TOKENS.ADMIN}` };

/** What a request carries besides its text, and which server it goes to (`base` unless told). */
interface Send {
  operationName?: string;
  variables?: Record<string, unknown>;
  at?: string;
}

const TRANSPORTS: Record<string, (query: string, send?: Send) => Promise<Answer>> = {
  /** POST with a JSON body: answered on node:http directly (graphql-http.ts). */
  'node:http': async (query, { operationName, variables, at = base } = {}) => {
    const res = await fetch(`http://${at}${GRAPHQL_PATH}`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ query, operationName, variables }),
    });
    return (await res.json()) as Answer;
  },
  /** GET: Express and Apollo's Express integration. */
  express: async (query, { operationName, variables, at = base } = {}) => {
    const search = new URLSearchParams({ query, ...(operationName && { operationName }), ...(variables && { variables: JSON.stringify(variables) }) });
    const res = await fetch(`http://${at}${GRAPHQL_PATH}?${search}`, { headers });
    return (await res.json()) as Answer;
  },
  /** graphql-ws: a result (`next`) or the operation's `error` message. */
  websocket: (query, { operationName, variables, at = base } = {}) => {
    const client = createClient({ url: `ws://${at}${GRAPHQL_PATH}`, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true, connectionParams: headers });
    clients.push(client);
    return new Promise((resolve, reject) => {
      client.subscribe(
        { query, operationName, variables },
        {
          next: (result) => resolve(result as Answer),
          error: (error) => (Array.isArray(error) ? resolve({ errors: error }) : reject(error)),
          complete: () => undefined,
        },
      );
    });
  },
};

async function admin(sql: string): Promise<void> {
  const client = new PgClient({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** The log lines of one request id, once its "graphql request" line is written (after the answer on WebSocket). */
async function linesOf(requestId: string): Promise<Record<string, unknown>[]> {
  for (let attempt = 0; attempt < 50 && !lines.some((line) => line.requestId === requestId && line.msg === 'graphql request'); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return lines.filter((line) => line.requestId === requestId);
}

/** The log lines written since `before` about the operation named `operation`, once its request line is there. */
async function linesAfter(before: number, operation: string): Promise<Record<string, unknown>[]> {
  for (let attempt = 0; attempt < 50 && !lines.slice(before).some((line) => line.operation === operation); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  // Nothing else (no "unexpected error") is logged for it: a line of its request id that is not the request line.
  const ids = new Set(
    lines
      .slice(before)
      .filter((line) => line.operation === operation)
      .map((line) => line.requestId),
  );
  return lines.slice(before).filter((line) => ids.has(line.requestId));
}

describe.each(Object.keys(TRANSPORTS))('over %s', (transport) => {
  const send = (query: string) => TRANSPORTS[transport](query);

  it('an unexpected error is masked with a request id, logged with that id and its stack, and the request logged once', async () => {
    // A real failure of the database statement (not one of the coded ones): the table is gone.
    await admin('alter table identity rename to identity_hidden');
    let answer: Answer;
    try {
      answer = await send('query Broken { customerByIdentity(identity: { type: EMAIL, value: "broken@example.com" }) { id } }');
    } finally {
      await admin('alter table identity_hidden rename to identity');
    }
    const requestId = answer.errors?.[0]?.extensions?.requestId;
    expect(typeof requestId).toBe('string');
    expect(answer).toEqual({
      data: { customerByIdentity: null },
      errors: [
        {
          message: 'Internal server error',
          path: ['customerByIdentity'],
          locations: [{ line: 1, column: 16 }],
          extensions: { code: 'INTERNAL_SERVER_ERROR', requestId },
        },
      ],
    });
    const logged = await linesOf(requestId as string);
    const unexpected = logged.filter((line) => line.msg === 'unexpected error');
    expect(unexpected).toHaveLength(1);
    expect(unexpected[0]).toMatchObject({ level: 50, err: { message: expect.stringMatching(/identity/) } });
    expect((unexpected[0].err as { stack?: string }).stack).toMatch(/\n\s+at /);
    expect(logged.filter((line) => line.msg === 'graphql request')).toEqual([
      expect.objectContaining({ level: 30, operation: 'Broken', role: 'ADMIN', outcome: 'error' }),
    ]);
  });

  it('a coded refusal (over the alias limit) answers the same error and is logged as a request, not as unexpected', async () => {
    const before = lines.length;
    const answer = await send('query Aliased { a: __typename b: __typename c: __typename d: __typename }');
    expect(answer.data ?? null).toBeNull();
    expect(answer.errors).toEqual([{ message: expect.stringMatching(/4 aliases.*3/), extensions: { code: 'QUERY_TOO_COMPLEX' } }]);
    const logged = await linesAfter(before, 'Aliased');
    expect(logged).toEqual([expect.objectContaining({ level: 30, msg: 'graphql request', role: 'ADMIN', outcome: 'error', requestId: expect.any(String) })]);
  });

  it('a document refused before execution is logged once as a request with outcome error, not as unexpected', async () => {
    const before = lines.length;
    const answer = await TRANSPORTS[transport]('query Refused { viewer { rol } }', { operationName: 'Refused' });
    expect(answer.errors).toEqual([expect.objectContaining({ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })]);
    const logged = await linesAfter(before, 'Refused');
    expect(logged).toEqual([expect.objectContaining({ level: 30, msg: 'graphql request', role: 'ADMIN', outcome: 'error', requestId: expect.any(String) })]);
  });

  it('a successful operation is logged once with its request id, operation, role and outcome', async () => {
    const before = lines.length;
    const answer = await send('query Fine { viewer { role } }');
    expect(answer).toEqual({ data: { viewer: { role: 'ADMIN' } } });
    const logged = await linesAfter(before, 'Fine');
    expect(logged).toEqual([expect.objectContaining({ level: 30, role: 'ADMIN', outcome: 'ok', requestId: expect.stringMatching(/^[\w.:-]+$/) })]);
    expect(typeof logged[0].ms).toBe('number');
  });
});

describe('every transport', () => {
  it('answers a limit refusal with the same message', async () => {
    const query = 'query Aliased { a: __typename b: __typename c: __typename d: __typename }';
    const answers = await Promise.all(Object.values(TRANSPORTS).map((send) => send(query)));
    expect(new Set(answers.map((answer) => JSON.stringify(answer.errors))).size).toBe(1);
  });
});

describe('every transport, before execution', () => {
  /** Each case's query, what is sent with it, and the code every transport must answer. */
  const cases: Record<string, [string, Omit<Send, 'at'>, string, 'production'?]> = {
    'a syntax error': ['query Broken { viewer { role }', {}, 'GRAPHQL_PARSE_FAILED'],
    'an unknown field, with its suggestion': ['query Unknown { viewer { rol } }', {}, 'GRAPHQL_VALIDATION_FAILED'],
    'two validation errors': ['query Two { viewer { rol nme } }', {}, 'GRAPHQL_VALIDATION_FAILED'],
    'an unknown operation name': ['query A { __typename } query B { __typename }', {}, 'OPERATION_RESOLUTION_FAILURE'],
    'an operation name the document does not hold': ['query A { __typename }', { operationName: 'B' }, 'OPERATION_RESOLUTION_FAILURE'],
    'an undefined variable': ['query V { customer(id: $id) { id } }', {}, 'GRAPHQL_VALIDATION_FAILED'],
    'too many tokens (over 400)': [`query Tokens { ${'__typename '.repeat(400)}}`, {}, 'QUERY_TOO_COMPLEX'],
    'a selection set too wide (over 20 fields)': [`query Wide { viewer { ${'role '.repeat(21)}} }`, {}, 'QUERY_TOO_COMPLEX'],
    'a selection too wide that is also invalid (breadth first)': [`query WideInvalid { viewer { ${'rol '.repeat(21)}} }`, {}, 'QUERY_TOO_COMPLEX'],
    'a query too deep (over 3)': ['query Deep { customers(first: 1) { edges { node { id } } } }', {}, 'QUERY_TOO_COMPLEX'],
    'too many aliases (over 3)': ['query Aliased { a: __typename b: __typename c: __typename d: __typename }', {}, 'QUERY_TOO_COMPLEX'],
    'a variable that does not coerce, with its suggestion': [
      'query Coerce($type: IdentityType!) { customerByIdentity(identity: { type: $type, value: "a@example.com" }) { id } }',
      { variables: { type: 'EMAL' } },
      'BAD_USER_INPUT',
    ],
    'introspection, disabled': ['query Schema { __schema { queryType { name } } }', {}, 'GRAPHQL_VALIDATION_FAILED', 'production'],
    'an unknown field, its suggestion hidden': ['query Unknown { viewer { rol } }', {}, 'GRAPHQL_VALIDATION_FAILED', 'production'],
    'a variable that does not coerce, its suggestion hidden': [
      'query Coerce($type: IdentityType!) { customerByIdentity(identity: { type: $type, value: "a@example.com" }) { id } }',
      { variables: { type: 'EMAL' } },
      'BAD_USER_INPUT',
      'production',
    ],
  };
  it.each(Object.entries(cases))('answers %s with the same errors', async (name, [query, send, code, where]) => {
    const at = where === 'production' ? productionBase : base;
    const answers = await Promise.all(Object.values(TRANSPORTS).map((transport) => transport(query, { ...send, at })));
    expect(answers[0].errors?.map((error) => error.extensions?.code)).toEqual(expect.arrayContaining([code]));
    for (const answer of answers) expect(answer).toEqual({ errors: answers[0].errors });
    if (where === 'production') expect(JSON.stringify(answers[0].errors)).not.toMatch(/Did you mean/);
    if (name.startsWith('introspection')) {
      // The message names the setting; Apollo's validationErrorCode stays for the clients that read it.
      expect(answers[0].errors).toEqual([
        expect.objectContaining({
          message: expect.stringMatching(/OMNI360_INTROSPECTION=false/),
          extensions: { code, validationErrorCode: 'INTROSPECTION_DISABLED' },
        }),
      ]);
    }
    if (where !== 'production' && name.includes('suggestion')) expect(JSON.stringify(answers[0].errors)).toMatch(/Did you mean/);
  });

  it('parses a text once: the same DocumentNode runs on every transport (one compiled query)', async () => {
    const query = 'query Shared { viewer { role } }';
    viewerOperations.length = 0;
    for (const send of [...Object.values(TRANSPORTS), ...Object.values(TRANSPORTS)]) {
      expect(await send(query)).toEqual({ data: { viewer: { role: 'ADMIN' } } });
    }
    expect(viewerOperations).toHaveLength(6);
    expect(new Set(viewerOperations).size).toBe(1);
  });
});

describe('over HTTP (both stacks), a request refused before execution', () => {
  /** One request, POST (node:http) or GET (Express), with the Accept header given; status, content type and codes. */
  async function refusal(stack: 'node:http' | 'express', query: string, accept: string | undefined, token = TOKENS.ADMIN) {
    const requestHeaders: Record<string, string> = { authorization: `Bearer ${token}`, ...(accept && { accept }) };
    const res =
      stack === 'node:http'
        ? await fetch(`http://${base}${GRAPHQL_PATH}`, {
            method: 'POST',
            headers: { ...requestHeaders, 'content-type': 'application/json' },
            body: JSON.stringify({ query }),
          })
        : await fetch(`http://${base}${GRAPHQL_PATH}?${new URLSearchParams({ query })}`, { headers: requestHeaders });
    const answer = (await res.json()) as Answer;
    return { status: res.status, type: res.headers.get('content-type'), codes: answer.errors?.map((error) => error.extensions?.code), data: 'data' in answer };
  }
  const GRAPHQL_RESPONSE = 'application/graphql-response+json';

  it.each(['node:http', 'express'] as const)(
    'answers 400 over %s (200 to a client that accepts only application/json), 403 for the role policy',
    async (stack) => {
      for (const [query, code] of [
        ['query Broken { viewer { role }', 'GRAPHQL_PARSE_FAILED'],
        ['query Unknown { viewer { rol } }', 'GRAPHQL_VALIDATION_FAILED'],
        ['query Aliased { a: __typename b: __typename c: __typename d: __typename }', 'QUERY_TOO_COMPLEX'],
      ]) {
        expect(await refusal(stack, query, undefined)).toEqual({ status: 400, type: 'application/json; charset=utf-8', codes: [code], data: false });
        expect(await refusal(stack, query, 'application/json')).toEqual({ status: 200, type: 'application/json; charset=utf-8', codes: [code], data: false });
        expect(await refusal(stack, query, GRAPHQL_RESPONSE)).toEqual({ status: 400, type: `${GRAPHQL_RESPONSE}; charset=utf-8`, codes: [code], data: false });
      }
      // PARTNER may not search customers: refused before execution, whatever the client accepts.
      for (const accept of [undefined, 'application/json', GRAPHQL_RESPONSE]) {
        expect(await refusal(stack, '{ customers(first: 1, search: "x") { totalCount } }', accept, TOKENS.PARTNER)).toMatchObject({
          status: 403,
          codes: ['FORBIDDEN'],
          data: false,
        });
      }
    },
  );
});
