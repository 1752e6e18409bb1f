import type { AuthzRow } from './types';

const READ: AuthzRow['allowed'] = ['ADMIN', 'AGENT', 'ANALYST', 'PARTNER'];

export const rows: AuthzRow[] = [
  { operation: 'events', kind: 'query', document: '{ events(first: 1) { totalCount edges { cursor node { eventId type payload } } } }', allowed: READ },
  { operation: 'interactionAdded', kind: 'subscription', document: 'subscription { interactionAdded { eventId cursor interaction { id } } }', allowed: READ },
  {
    operation: 'customerEvents',
    kind: 'subscription',
    // Needs a real customer: an unknown one is refused (BAD_USER_INPUT) after the role check, which still
    // counts as "got through" in the matrix.
    document: 'subscription($id: ID!) { customerEvents(customerId: $id) { eventId type customer { id } } }',
    variables: { id: 'cus_00000000000000000000000000' },
    allowed: READ,
  },
  {
    operation: 'orderPlaced',
    kind: 'subscription',
    document: 'subscription { orderPlaced { eventId cursor order { id } } }',
    allowed: ['ADMIN', 'AGENT', 'ANALYST'],
  },
  {
    operation: 'stockChanged',
    kind: 'subscription',
    document: 'subscription { stockChanged { eventId sku level { onHand } } }',
    allowed: ['ADMIN', 'AGENT', 'ANALYST'],
  },
];
