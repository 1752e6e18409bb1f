import { createLocation, createProduct, customer, order, receive } from './support/commerce';
import { startTestServer, TOKENS, unique, type TestServer } from './support/server';

/**
 * `customer(id)` through the planner: the key itself is one probe and one statement with everything
 * selected below it; an id merged away (here twice: b into c, c into a) stands for its survivor, read by
 * the same lookup in one statement more, with the same answer as the survivor's own id.
 */
let env: TestServer;
let a: string;
let b: string;
let c: string;

const DETAIL = `query($id: ID!) {
  customer(id: $id) {
    id email
    timeline(first: 5) { totalCount edges { node { kind summary } } }
    orders(first: 5) { edges { node { id channel lines { quantity product { sku } } } } }
  }
}`;

interface Detail {
  customer: {
    id: string;
    email: string | null;
    timeline: { totalCount: number; edges: { node: { kind: string } }[] };
    orders: { edges: unknown[] };
  } | null;
}

async function merge(survivorId: string, mergedId: string): Promise<void> {
  const res = await env.ok<{ mergeCustomers: { userErrors: unknown[] } }, unknown>(
    `mutation($input: MergeCustomersInput!) { mergeCustomers(input: $input) { userErrors { code } } }`,
    { input: { survivorId, mergedId, reason: 'duplicate' } },
    TOKENS.AGENT,
  );
  expect(res.mergeCustomers.userErrors).toEqual([]);
}

/** The answer to DETAIL for `id` and how many statements it took. */
async function detail(id: string): Promise<{ answer: Detail; statements: number }> {
  let answer: Detail | undefined;
  const { count } = await env.countStatements(async () => {
    answer = await env.ok<Detail, { id: string }>(DETAIL, { id });
  });
  return { answer: answer!, statements: count };
}

beforeAll(async () => {
  env = await startTestServer();
  const warehouse = await createLocation(env, 'WAREHOUSE');
  const sku = unique('lookup-');
  await createProduct(env, { sku, name: 'Lookup' });
  await receive(env, sku, warehouse.id, 100);
  [a, b, c] = await Promise.all(['a', 'b', 'c'].map(async (name) => (await customer(env, `${unique(name)}@example.com`)).id));
  for (const buyer of [a, b, c]) {
    await order(env, { channel: 'WEB', locationId: warehouse.id, customer: { id: buyer }, lines: [{ sku, quantity: 1 }] });
  }
  await merge(c, b);
  await merge(a, c);
}, 60_000);
afterAll(() => env.stop());

describe('customer(id) through the planner', () => {
  it('reads a customer and everything selected below it in one statement', async () => {
    const { answer, statements } = await detail(a);
    expect(answer.customer?.id).toBe(a);
    // a's own order and the two moved to it by the merges; its timeline holds them and its own merge.
    expect(answer.customer?.orders.edges).toHaveLength(3);
    expect(answer.customer?.timeline.edges.map((edge) => edge.node.kind).sort()).toEqual(['MERGE', 'ORDER', 'ORDER', 'ORDER']);
    expect(statements).toBe(1);
  });

  it('answers an id merged away twice with its survivor, as the survivor id answers, in one statement more', async () => {
    const survivor = await detail(a);
    for (const merged of [b, c]) {
      const { answer, statements } = await detail(merged);
      expect(answer).toEqual(survivor.answer);
      expect(statements).toBe(2);
    }
  });

  it('answers null for an id of no customer in one statement', async () => {
    const { answer, statements } = await detail('cus_00000000000000000000000000');
    expect(answer.customer).toBeNull();
    expect(statements).toBe(1);
  });
});
