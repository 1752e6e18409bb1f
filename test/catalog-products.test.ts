import { LocationsDocument, NodeCommerceDocument, ProductDocument, ProductsDocument, UpsertLocationDocument, UpsertProductDocument } from './generated/graphql';
import { createLocation, createProduct } from './support/commerce';
import { startTestServer, TOKENS, unique, type TestServer } from './support/server';

let env: TestServer;
beforeAll(async () => {
  env = await startTestServer();
});
afterAll(() => env.stop());

describe('products', () => {
  it('upsertProduct creates by sku, then replaces name, category, price and active; product(sku) reads it', async () => {
    const sku = unique('BOOT-');
    const created = await env.ok(UpsertProductDocument, { input: { sku: ` ${sku} `, name: 'Boot', category: 'shoes', price: { amount: '199.9', currencyCode: 'pln' } } });
    expect(created.upsertProduct).toMatchObject({
      created: true, userErrors: [],
      product: { sku, name: 'Boot', category: 'shoes', price: { amount: '199.90', currencyCode: 'PLN' }, active: true },
    });
    const updated = await env.ok(UpsertProductDocument, { input: { sku, name: 'Winter boot', price: { amount: '219.00', currencyCode: 'PLN' }, active: false } });
    expect(updated.upsertProduct).toMatchObject({
      created: false,
      product: { id: created.upsertProduct.product!.id, name: 'Winter boot', category: null, price: { amount: '219.00' }, active: false },
    });
    const kept = await env.ok(UpsertProductDocument, { input: { sku, name: 'Winter boot', price: { amount: '219.00', currencyCode: 'PLN' } } });
    expect(kept.upsertProduct.product!.active).toBe(false);
    const read = await env.ok(ProductDocument, { sku });
    expect(read.product).toMatchObject({ sku, active: false, availability: { sku, available: 0, onHand: 0, reserved: 0 } });
    expect((await env.ok(ProductDocument, { sku: unique('NONE-') })).product).toBeNull();
    const node = await env.ok(NodeCommerceDocument, { id: read.product!.id });
    expect(node.node).toEqual({ id: read.product!.id, sku });
  });

  it.each([
    ['an empty sku', 'INVALID_VALUE', ['input', 'sku'], { sku: '  ' }],
    ['an empty name', 'INVALID_VALUE', ['input', 'name'], { name: '' }],
    ['a negative price', 'INVALID_VALUE', ['input', 'price', 'amount'], { price: { amount: '-1.00', currencyCode: 'PLN' } }],
    ['three fraction digits', 'INVALID_VALUE', ['input', 'price', 'amount'], { price: { amount: '1.999', currencyCode: 'PLN' } }],
    ['a bad currency', 'INVALID_VALUE', ['input', 'price', 'currencyCode'], { price: { amount: '1.00', currencyCode: 'EURO' } }],
  ] as const)('rejects %s with %s', async (_name, code, field, patch) => {
    const res = await env.ok(UpsertProductDocument, { input: { sku: unique('X-'), name: 'x', price: { amount: '1.00', currencyCode: 'PLN' }, ...patch } });
    expect(res.upsertProduct.product).toBeNull();
    expect(res.upsertProduct.userErrors).toEqual([expect.objectContaining({ code, field })]);
  });

  it('products(search) matches sku and name fragments, ordered by sku, with keyset pages and totalCount', async () => {
    const tag = unique('zq').toLowerCase();
    const skus = [];
    for (let i = 0; i < 5; i++) skus.push((await createProduct(env, { sku: `${tag}-${i}`, name: `Plain ${i}` })).sku);
    const byName = await createProduct(env, { sku: unique('OTHER-'), name: `Named ${tag.toUpperCase()} thing` });
    const page1 = await env.ok(ProductsDocument, { first: 4, search: tag.toUpperCase() });
    expect(page1.products.totalCount).toBe(6);
    expect(page1.products.edges.map((edge) => edge.node.sku)).toEqual([byName.sku, ...skus].sort().slice(0, 4));
    const page2 = await env.ok(ProductsDocument, { first: 4, search: tag, after: page1.products.pageInfo.endCursor });
    expect(page2.products.edges.map((edge) => edge.node.sku)).toEqual([byName.sku, ...skus].sort().slice(4));
    expect(page2.products.pageInfo.hasNextPage).toBe(false);
    const badCursor = await env.gql(ProductsDocument, { after: 'nonsense' });
    expect(badCursor.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('is an internal read: PARTNER and INGEST get FORBIDDEN, also through node(id)', async () => {
    const product = await createProduct(env);
    for (const token of [TOKENS.PARTNER, TOKENS.INGEST]) {
      expect((await env.gql(ProductDocument, { sku: product.sku }, token)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    }
    expect((await env.gql(NodeCommerceDocument, { id: product.id }, TOKENS.PARTNER)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await env.gql(ProductDocument, { sku: product.sku }, TOKENS.ANALYST)).data?.product?.sku).toBe(product.sku);
  });
});

describe('locations', () => {
  it('upsertLocation creates by code and updates name and type; locations lists them by code', async () => {
    const code = unique('KRK-');
    const created = await env.ok(UpsertLocationDocument, { input: { code, name: 'Kraków', type: 'STORE' } });
    expect(created.upsertLocation).toMatchObject({ created: true, userErrors: [], location: { code, name: 'Kraków', type: 'STORE' } });
    const updated = await env.ok(UpsertLocationDocument, { input: { code, name: 'Kraków DC', type: 'WAREHOUSE' } });
    expect(updated.upsertLocation).toMatchObject({ created: false, location: { id: created.upsertLocation.location!.id, name: 'Kraków DC', type: 'WAREHOUSE' } });
    const other = await createLocation(env, 'STORE', `${code}-B`);
    const list = (await env.ok(LocationsDocument, {})).locations;
    const codes = list.map((location) => location.code);
    expect(codes).toEqual([...codes].sort());
    expect(list).toEqual(expect.arrayContaining([expect.objectContaining({ code, type: 'WAREHOUSE' }), expect.objectContaining({ id: other.id })]));
    const node = await env.ok(NodeCommerceDocument, { id: other.id });
    expect(node.node).toEqual({ id: other.id, code: other.code });
    const empty = await env.ok(UpsertLocationDocument, { input: { code: ' ', name: 'x', type: 'STORE' } });
    expect(empty.upsertLocation.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_VALUE', field: ['input', 'code'] })]);
  });
});
