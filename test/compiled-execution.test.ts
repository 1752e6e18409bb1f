import fs from 'node:fs';
import path from 'node:path';
import { ApolloServer } from '@apollo/server';
import { buildSchema } from 'graphql';
import { compiledExecutionGateway, compiledExecutor, type Operation } from '../src/server/compiled-execution';

/**
 * Contract of the one place omni360 plugs its executor into Apollo Server: the `gateway` option
 * (src/server/compiled-execution.ts). Apollo meant it for Apollo Gateway; an upgrade that changes when
 * or with what it calls the executor fails here by name, instead of HTTP silently running graphql-js
 * (or nothing). See docs/architecture.md, "Private APIs".
 */

/** The installed version (read from node_modules: @apollo/server's exports map hides its package.json). */
const version = (name: string) =>
  (JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
const major = (name: string) => Number(version(name).split('.')[0]);

function gatewayServer() {
  const schema = buildSchema('type Query { greeting(name: String!): String }');
  schema.getQueryType()!.getFields().greeting.resolve = (_root, args: { name: string }, context: { salutation: string }) =>
    `${context.salutation}, ${args.name}`;
  const seen: Operation[] = [];
  const executor = compiledExecutor(schema);
  const apollo = new ApolloServer<{ salutation: string }>({
    gateway: compiledExecutionGateway(schema, async (operation) => {
      seen.push(operation);
      return executor(operation);
    }),
  });
  return { apollo, seen };
}

describe('Apollo gateway contract', () => {
  it('runs on the majors it was written for (Apollo Server 5, graphql-js 16, graphql-jit 0.8)', () => {
    expect({ apollo: major('@apollo/server'), gatewayInterface: major('@apollo/server-gateway-interface'), graphql: major('graphql') }).toEqual({
      apollo: 5,
      gatewayInterface: 2,
      graphql: 16,
    });
    expect(version('graphql-jit')).toMatch(/^0\.8\./);
  });

  it('Apollo hands every operation to the executor with its document, resolved operation, variables and context', async () => {
    const { apollo, seen } = gatewayServer();
    await apollo.start();
    try {
      const response = await apollo.executeOperation(
        { query: 'query Hello($name: String!) { greeting(name: $name) }', operationName: 'Hello', variables: { name: 'Ada' } },
        { contextValue: { salutation: 'Hi' } },
      );
      expect(response.body).toEqual({ kind: 'single', singleResult: { data: { greeting: 'Hi, Ada' } } });
      expect(seen).toHaveLength(1);
      expect(seen[0].operation?.name?.value).toBe('Hello');
      expect(seen[0].operationName).toBe('Hello');
      expect(seen[0].variables).toEqual({ name: 'Ada' });
      expect(seen[0].context).toEqual({ salutation: 'Hi' });
    } finally {
      await apollo.stop();
    }
  });

  it('an operation name that resolves to no operation reaches the executor without an operation, and runs nothing', async () => {
    const { apollo, seen } = gatewayServer();
    await apollo.start();
    try {
      const response = await apollo.executeOperation(
        { query: 'query A { greeting(name: "a") } query B { greeting(name: "b") }', operationName: 'C' },
        { contextValue: { salutation: 'Hi' } },
      );
      expect(response.body.kind === 'single' && response.body.singleResult.errors?.map((error) => error.extensions?.code)).toEqual([
        'OPERATION_RESOLUTION_FAILURE',
      ]);
      expect(seen.map((operation) => [operation.operation, operation.operationName])).toEqual([[undefined, 'C']]);
    } finally {
      await apollo.stop();
    }
  });
});
