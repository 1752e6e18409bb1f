import { UpsertOfferDocument } from './generated/graphql';
import { createLocation, createProduct, customer, order, receive } from './support/commerce';
import { startTestServer, unique, type TestServer } from './support/server';

/**
 * `Customer.orders` reads only the order columns the selected fields read, and embeds the lines and
 * their products in the same statement, carrying only what the selected fields read of them. Every
 * field of Order, OrderLine and Product, alone and together, must answer exactly what `order(id)`
 * answers (full rows, lines loaded on their own). The fields come from the schema, so a field added
 * later is covered without touching this test.
 */
let env: TestServer;
let customerId: string;
let orderIds: string[];
const fieldsOf = new Map<string, { name: string; type: string; scalar: boolean }[]>();

interface TypeRef { kind: string; name: string | null; ofType: TypeRef | null }

function named(type: TypeRef): TypeRef {
  return type.ofType ? named(type.ofType) : type;
}

async function loadFields(typeName: string): Promise<void> {
  const res = await env.ok<{ __type: { fields: { name: string; args: { type: TypeRef }[]; type: TypeRef }[] } }, { name: string }>(
    `query Fields($name: String!) { __type(name: $name) { fields { name args { type { kind } } type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }`,
    { name: typeName },
  );
  fieldsOf.set(typeName, res.__type.fields
    .filter((field) => field.args.every((arg) => arg.type.kind !== 'NON_NULL'))
    .map((field) => ({ name: field.name, type: named(field.type).name!, scalar: ['SCALAR', 'ENUM'].includes(named(field.type).kind) })));
}

/** A field with every scalar of its type (one level down), or the product with all of its fields. */
function select(typeName: string, fieldName: string): string {
  const field = fieldsOf.get(typeName)!.find((candidate) => candidate.name === fieldName)!;
  if (field.scalar) return field.name;
  if (field.type === 'Product') return `product { ${fieldsOf.get('Product')!.map((product) => select('Product', product.name)).join(' ')} }`;
  return `${field.name} { ${scalarsOf(field.type)} }`;
}

function scalarsOf(typeName: string): string {
  return fieldsOf.get(typeName)!.filter((field) => field.scalar).map((field) => field.name).join(' ') || '__typename';
}

async function compare(lines: string, fragments = ''): Promise<void> {
  const embedded = await env.ok<{ customer: { orders: { edges: { node: { id: string; lines: unknown[] } }[] } } }, { id: string }>(
    `query Embedded($id: ID!) { customer(id: $id) { orders(first: 10) { edges { node { id lines { ${lines} } } } } } } ${fragments}`,
    { id: customerId },
  );
  const nodes = embedded.customer.orders.edges.map((edge) => edge.node);
  expect(nodes.map((node) => node.id).sort()).toEqual([...orderIds].sort());
  for (const node of nodes) {
    const alone = await env.ok<{ order: { lines: unknown[] } }, { id: string }>(`query Alone($id: ID!) { order(id: $id) { lines { ${lines} } } } ${fragments}`, { id: node.id });
    expect(node.lines).toEqual(alone.order.lines);
    expect(node.lines.length).toBeGreaterThan(0);
  }
}

/** An Order selection through Customer.orders and through order(id), for every order of the customer. */
async function compareOrders(selection: string): Promise<void> {
  const embedded = await env.ok<{ customer: { orders: { edges: { cursor: string; node: Record<string, unknown> & { id: string } }[] } } }, { id: string }>(
    `query Embedded($id: ID!) { customer(id: $id) { orders(first: 10) { edges { cursor node { id ${selection} } } } } }`, { id: customerId },
  );
  const edges = embedded.customer.orders.edges;
  expect(edges.map((edge) => edge.node.id).sort()).toEqual([...orderIds].sort());
  for (const { node } of edges) {
    const alone = await env.ok<{ order: Record<string, unknown> }, { id: string }>(`query Alone($id: ID!) { order(id: $id) { id ${selection} } }`, { id: node.id });
    expect(node).toEqual(alone.order);
  }
}

beforeAll(async () => {
  env = await startTestServer();
  for (const typeName of ['Order', 'OrderLine', 'Product']) await loadFields(typeName);
  for (const field of [...fieldsOf.get('Order')!, ...fieldsOf.get('OrderLine')!, ...fieldsOf.get('Product')!]) {
    if (!field.scalar && !fieldsOf.has(field.type)) await loadFields(field.type);
  }
  const warehouse = await createLocation(env, 'WAREHOUSE');
  const shoe = await createProduct(env, { price: '129.99', category: 'shoes' });
  const sock = await createProduct(env, { price: '9.50' });
  for (const product of [shoe, sock]) await receive(env, product.sku, warehouse.id, 50);
  const offer = await env.ok(UpsertOfferDocument, { input: { code: unique('EMB'), title: 'Embedded', discountPercent: 10, skus: [shoe.sku], segment: null } });
  const buyer = await customer(env);
  customerId = buyer.id;
  orderIds = [
    (await order(env, { channel: 'WEB', customer: { id: buyer.id }, lines: [{ sku: shoe.sku, quantity: 2 }, { sku: sock.sku, quantity: 3 }], offerCodes: [offer.upsertOffer.offer!.code] })).id,
    (await order(env, { channel: 'WEB', customer: { id: buyer.id }, lines: [{ sku: sock.sku, quantity: 1 }] })).id,
  ];
}, 60_000);
afterAll(() => env.stop());

describe('orders of Customer.orders', () => {
  it('answer every Order field, alone, as order(id) does', async () => {
    const fields = fieldsOf.get('Order')!;
    expect(fields.map((field) => field.name)).toEqual(expect.arrayContaining(['id', 'channel', 'status', 'placedAt', 'total', 'subtotal', 'discountTotal', 'guestIdentities', 'customer', 'location', 'lines']));
    for (const field of fields) await compareOrders(field.name === 'lines' ? 'lines { sku }' : select('Order', field.name));
  });

  it('answer every Order field at once, and keep the cursors of a full row', async () => {
    await compareOrders(fieldsOf.get('Order')!.map((field) => (field.name === 'lines' ? 'lines { sku }' : select('Order', field.name))).join(' '));
    const cursors = async (selection: string) => (await env.ok<{ customer: { orders: { edges: { cursor: string }[] } } }, { id: string }>(
      `query Cursors($id: ID!) { customer(id: $id) { orders(first: 10) { edges { cursor ${selection} } } } }`, { id: customerId },
    )).customer.orders.edges.map((edge) => edge.cursor);
    expect(await cursors('')).toEqual(await cursors('node { id source externalId status total { amount } }'));
  });
});

describe('order lines embedded in Customer.orders', () => {
  it('answer every OrderLine field, alone, as the lines loaded on their own', async () => {
    const fields = fieldsOf.get('OrderLine')!;
    expect(fields.map((field) => field.name)).toEqual(expect.arrayContaining(['sku', 'quantity', 'unitPrice', 'discount', 'total', 'offer', 'product']));
    for (const field of fields) await compare(select('OrderLine', field.name));
  });

  it('answer every Product field of a line, alone, as the products loaded on their own', async () => {
    const fields = fieldsOf.get('Product')!;
    expect(fields.map((field) => field.name)).toEqual(expect.arrayContaining(['id', 'sku', 'name', 'category', 'price', 'active', 'updatedAt', 'availability']));
    for (const field of fields) await compare(`product { ${select('Product', field.name)} }`);
  });

  it('answer every field at once, through aliases and fragments', async () => {
    const all = fieldsOf.get('OrderLine')!.map((field) => select('OrderLine', field.name)).join(' ');
    await compare(all);
    await compare('...L n: quantity p: product { ... on Product { name } ...P }', 'fragment L on OrderLine { sku total { amount } } fragment P on Product { price { amount currencyCode } }');
  });

  it('reads the lines, products and stock totals in the orders statement, for any selection', async () => {
    for (const lines of ['quantity', 'quantity product { sku }', 'total { amount } product { price { amount } availability { available } }']) {
      const { count, statements } = await env.countStatements(() => env.ok(
        `query Embedded($id: ID!) { customer(id: $id) { orders(first: 10) { edges { node { lines { ${lines} } } } } } }`, { id: customerId },
      ));
      // The read planner's one statement: the customer, its orders with their lines, products and stock totals.
      expect(statements.filter((statement) => statement.includes('order_line'))).toHaveLength(1);
      expect(count).toBe(1);
    }
  });
});
