import type { AuthzRow } from './types';

const READ_INTERNAL: AuthzRow['allowed'] = ['ADMIN', 'AGENT', 'ANALYST'];

export const rows: AuthzRow[] = [
  { operation: 'order', kind: 'query', document: '{ order(id: "ord_00000000000000000000000000") { id } }', allowed: READ_INTERNAL },
  { operation: 'orders', kind: 'query', document: '{ orders(first: 1) { totalCount edges { node { id } } } }', allowed: READ_INTERNAL },
  {
    operation: 'placeOrder',
    kind: 'mutation',
    // No lines is an INVALID_VALUE user error: nothing is written.
    document: 'mutation { placeOrder(input: { source: "authz", externalId: "authz-1", channel: WEB, lines: [] }) { created userErrors { code } } }',
    allowed: ['ADMIN', 'AGENT', 'INGEST'],
  },
  {
    operation: 'updateOrderStatus',
    kind: 'mutation',
    document: 'mutation { updateOrderStatus(input: { orderId: "ord_00000000000000000000000000", status: CANCELLED }) { userErrors { code } } }',
    allowed: ['ADMIN', 'AGENT'],
  },
  {
    operation: 'importOrders',
    kind: 'mutation',
    document: 'mutation { importOrders(input: { orders: [] }) { created skipped rejected userErrors { code } } }',
    allowed: ['ADMIN', 'AGENT', 'INGEST'],
  },
];
