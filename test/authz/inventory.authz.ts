import type { AuthzRow } from './types';

export const rows: AuthzRow[] = [
  { operation: 'availability', kind: 'query', document: '{ availability(sku: "authz-no-such-sku") { sku available } }', allowed: ['ADMIN', 'AGENT', 'ANALYST'] },
  {
    operation: 'adjustStock',
    kind: 'mutation',
    // delta 0 is an INVALID_VALUE user error: nothing is written.
    document: 'mutation { adjustStock(input: { source: "authz", externalId: "authz-1", sku: "x", locationId: "loc_00000000000000000000000000", delta: 0 }) { userErrors { code } } }',
    allowed: ['ADMIN', 'INGEST'],
  },
];
