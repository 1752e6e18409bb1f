import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { ApolloServer, type GraphQLResponse } from '@apollo/server';
import { buildSchema, GraphQLError } from 'graphql';
import pino from 'pino';
import { compiledExecutionPlugin, compiledExecutor, type Executor, type Operation } from '../src/server/compiled-execution';
import { OperationLog } from '../src/server/operation-pipeline';

/**
 * Contract of the one place omni360 plugs its executor into Apollo Server: the public plugin hook
 * `responseForOperation` (compiledExecutionPlugin in src/server/compiled-execution.ts). An upgrade that
 * changes when or with what Apollo calls the hook, or lets Apollo execute as well, fails here by name,
 * instead of HTTP silently running graphql-js twice (or nothing). See docs/architecture.md, "Private APIs".
 */

/** The installed version (read from node_modules: @apollo/server's exports map hides its package.json). */
const version = (name: string) =>
  (JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
const major = (name: string) => Number(version(name).split('.')[0]);

interface TestContext {
  salutation: string;
  requestId: string;
}

function pluggedServer(options: { executor?: (executor: Executor) => Executor } = {}) {
  const schema = buildSchema(`
    type Query {
      greeting(name: String!): String
      refused: String
      broken: String
      count: Int
    }`);
  const fields = schema.getQueryType()!.getFields();
  let resolved = 0;
  fields.greeting.resolve = (_root, args: { name: string }, context: TestContext) => {
    resolved++;
    return `${context.salutation}, ${args.name}`;
  };
  fields.refused.resolve = () => {
    throw new GraphQLError('The token expired.', {
      extensions: { code: 'UNAUTHENTICATED', http: { status: 401, headers: new Map([['www-authenticate', 'Bearer']]) } },
    });
  };
  fields.broken.resolve = () => {
    throw new Error('connection string postgres://secret');
  };
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  const seen: Operation[] = [];
  const compiled = compiledExecutor(schema);
  const executor = options.executor ? options.executor(compiled) : compiled;
  const apollo = new ApolloServer<TestContext>({
    schema,
    plugins: [
      compiledExecutionPlugin(
        async (operation) => {
          seen.push(operation);
          return executor(operation);
        },
        new OperationLog(pino({ level: 'info' }, sink)),
        true,
      ) as never,
    ],
  });
  return { apollo, seen, lines, resolvedCount: () => resolved };
}

const single = (response: GraphQLResponse) => {
  if (response.body.kind !== 'single') throw new Error('expected a single result');
  return response.body.singleResult;
};

const context = { contextValue: { salutation: 'Hi', requestId: 'req-1' } };

/** Starts a plugged server, runs one operation through Apollo's pipeline, stops it. */
async function run(request: { query: string; operationName?: string; variables?: Record<string, unknown> }, options?: Parameters<typeof pluggedServer>[0]) {
  const server = pluggedServer(options);
  await server.apollo.start();
  try {
    const response = await server.apollo.executeOperation(request, context);
    return { ...server, response, result: single(response) };
  } finally {
    await server.apollo.stop();
  }
}

describe('Apollo plugin contract (responseForOperation)', () => {
  it('runs on the majors it was written for (Apollo Server 5, graphql-js 16, graphql-jit 0.8)', () => {
    expect({ apollo: major('@apollo/server'), graphql: major('graphql') }).toEqual({ apollo: 5, graphql: 16 });
    expect(version('graphql-jit')).toMatch(/^0\.8\./);
  });

  it('Apollo hands every operation to the plugin with its document, resolved operation, variables and context, and executes nothing itself', async () => {
    const { response, result, seen, resolvedCount } = await run({
      query: 'query Hello($name: String!) { greeting(name: $name) }',
      operationName: 'Hello',
      variables: { name: 'Ada' },
    });
    expect(response.http.status).toBeUndefined();
    expect(result).toEqual({ data: { greeting: 'Hi, Ada' } });
    expect(seen).toHaveLength(1);
    expect(seen[0].operation?.name?.value).toBe('Hello');
    expect(seen[0].operationName).toBe('Hello');
    expect(seen[0].variables).toEqual({ name: 'Ada' });
    expect(seen[0].context).toEqual(context.contextValue);
    // The resolver ran once: the compiled query's call, none of Apollo's own executor.
    expect(resolvedCount()).toBe(1);
  });

  it('variables that do not coerce: 400, BAD_USER_INPUT, no data, nothing run', async () => {
    const { response, result, resolvedCount } = await run({ query: 'query Hello($name: String!) { greeting(name: $name) }', variables: { name: 7 } });
    expect(response.http.status).toBe(400);
    expect('data' in result).toBe(false);
    expect(result.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(resolvedCount()).toBe(0);
  });

  it('a field error keeps its data and takes the status and headers its extensions carry, which the client never sees', async () => {
    const { response, result } = await run({ query: '{ greeting(name: "Ada") refused }' });
    expect(response.http.status).toBe(401);
    expect(response.http.headers.get('www-authenticate')).toBe('Bearer');
    expect(result.data).toEqual({ greeting: 'Hi, Ada', refused: null });
    expect(result.errors).toEqual([
      { message: 'The token expired.', path: ['refused'], locations: [{ line: 1, column: 25 }], extensions: { code: 'UNAUTHENTICATED' } },
    ]);
  });

  it('an unexpected error is masked with the request id, logged with it, and the answer stays 200 with its data', async () => {
    const { response, result, lines } = await run({ query: '{ greeting(name: "Ada") broken }' });
    expect(response.http.status).toBeUndefined();
    expect(result.data).toEqual({ greeting: 'Hi, Ada', broken: null });
    expect(result.errors).toEqual([
      {
        message: 'Internal server error',
        path: ['broken'],
        locations: [{ line: 1, column: 25 }],
        extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'req-1' },
      },
    ]);
    expect(JSON.stringify(result)).not.toContain('secret');
    expect(lines.filter((line) => line.msg === 'unexpected error').map((line) => line.requestId)).toEqual(['req-1']);
  });

  it('an executor that fails answers 500 with a masked error', async () => {
    const failing = () => async (): Promise<never> => {
      throw new Error('compiler exploded');
    };
    const { response, result, lines } = await run({ query: '{ count }' }, { executor: failing });
    expect(response.http.status).toBe(500);
    expect(result.errors?.map((error) => [error.message, error.extensions?.code])).toEqual([['Internal server error', 'INTERNAL_SERVER_ERROR']]);
    expect(lines.some((line) => line.msg === 'unexpected error')).toBe(true);
  });

  it('an operation name that resolves to no operation reaches the executor without an operation, runs nothing, and answers 400', async () => {
    const { response, result, seen, resolvedCount } = await run({
      query: 'query A { greeting(name: "a") } query B { greeting(name: "b") }',
      operationName: 'C',
    });
    expect(response.http.status).toBe(400);
    expect(result.errors?.map((error) => error.extensions?.code)).toEqual(['OPERATION_RESOLUTION_FAILURE']);
    expect(seen.map((operation) => [operation.operation, operation.operationName])).toEqual([[undefined, 'C']]);
    expect(resolvedCount()).toBe(0);
  });
});
