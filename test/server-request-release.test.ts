import { buildSchema, parse, type OperationDefinitionNode } from 'graphql';
import request from 'supertest';
import { LoaderRegistry } from '../src/context/loaders';
import { compiledExecutor } from '../src/server/compiled-execution';
import { GRAPHQL_PATH } from '../src/server/app';
import { createPerson } from './support/customers';
import { startTestServer, TOKENS, type TestServer } from './support/server';

/**
 * Apollo keeps each request's state reachable after the answer is written, until the next full GC
 * (the accessor closures of its gateway request context: releaseRequest in src/context/context.ts).
 * So an answered request lets go of its loaders and of its answer's tree itself.
 */
let env: TestServer;
beforeAll(async () => {
  env = await startTestServer();
});
afterAll(() => env.stop());
afterEach(() => jest.restoreAllMocks());

const CUSTOMER_PAGE = `query($id: ID!) { customer(id: $id) { id displayName identities { type value } orders(first: 5) { edges { node { id } } } } }`;

/** The number of loaders a registry holds (private: read for the test only). */
const loadersIn = (registry: LoaderRegistry) => (registry as unknown as { loaders: Map<unknown, unknown> }).loaders.size;

describe('an answered request', () => {
  it('releases its loaders, on the node:http path and through Express', async () => {
    const customer = await createPerson(env);
    // The setup's own request is released on its 'finish', which may follow its answer by a tick.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const released: LoaderRegistry[] = [];
    const release = LoaderRegistry.prototype.release;
    const loadersBefore: number[] = [];
    jest.spyOn(LoaderRegistry.prototype, 'release').mockImplementation(function (this: LoaderRegistry) {
      loadersBefore.push(loadersIn(this));
      released.push(this);
      release.call(this);
    });

    const posted = await env.gql<{ customer: { id: string } }, unknown>(CUSTOMER_PAGE, { id: customer.id });
    expect(posted.errors).toBeUndefined();
    expect(posted.data!.customer.id).toBe(customer.id);
    const got = await request(env.server.httpServer)
      .get(GRAPHQL_PATH)
      .query({ query: CUSTOMER_PAGE, variables: JSON.stringify({ id: customer.id }) })
      .set('authorization', `Bearer ${TOKENS.ADMIN}`)
      .set('apollo-require-preflight', 'true');
    expect(got.status).toBe(200);
    expect(got.body.data.customer.identities.length).toBeGreaterThan(0);

    // 'finish' follows the answer on the socket: wait for both releases.
    for (let waited = 0; released.length < 2 && waited < 2_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(released).toHaveLength(2);
    // Each request had used loaders (the customer, its identities, its orders) and holds none now.
    for (const count of loadersBefore) expect(count).toBeGreaterThan(0);
    for (const registry of released) expect(loadersIn(registry)).toBe(0);
  });
});

describe('compiled execution', () => {
  it('lets go of the answer\'s tree when the request is answered, not before', async () => {
    const schema = buildSchema('type Query { greeting: Greeting } type Greeting { text: String }');
    schema.getQueryType()!.getFields().greeting.resolve = () => ({ text: 'hello' });
    const executor = compiledExecutor(schema);
    const document = parse('{ greeting { text } }');
    const context = { onAnswered: [] as (() => void)[] };
    const result = await executor({
      document, operation: document.definitions[0] as OperationDefinitionNode, operationName: undefined, variables: {}, context: context as never,
    });
    expect(result).toEqual({ data: { greeting: { text: 'hello' } } });
    expect(context.onAnswered).toHaveLength(1);
    for (const release of context.onAnswered) release();
    expect(result.data).toEqual({ greeting: undefined });
  });
});
