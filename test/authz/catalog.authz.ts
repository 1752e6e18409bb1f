import type { AuthzRow } from './types';

const READ_INTERNAL: AuthzRow['allowed'] = ['ADMIN', 'AGENT', 'ANALYST'];

/** Minimal documents: unknown skus and invalid inputs reach the resolvers without changing any data. */
export const rows: AuthzRow[] = [
  { operation: 'product', kind: 'query', document: '{ product(sku: "authz-no-such-sku") { id } }', allowed: READ_INTERNAL },
  { operation: 'products', kind: 'query', document: '{ products(first: 1) { totalCount edges { node { sku } } } }', allowed: READ_INTERNAL },
  { operation: 'locations', kind: 'query', document: '{ locations { id code } }', allowed: READ_INTERNAL },
  {
    operation: 'upsertProduct',
    kind: 'mutation',
    // An empty sku is an INVALID_VALUE user error: nothing is written.
    document: 'mutation { upsertProduct(input: { sku: " ", name: "x", price: { amount: "1.00", currencyCode: "PLN" } }) { userErrors { code } } }',
    allowed: ['ADMIN'],
  },
  {
    operation: 'upsertLocation',
    kind: 'mutation',
    document: 'mutation { upsertLocation(input: { code: " ", name: "x", type: STORE }) { userErrors { code } } }',
    allowed: ['ADMIN'],
  },
];
