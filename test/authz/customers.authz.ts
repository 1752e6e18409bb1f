import type { AuthzRow } from './types';

/** Well-formed ids that name nothing: the operations reach their resolvers without changing any data. */
const NO_CUSTOMER = 'cus_00000000000000000000000000';
const NO_MERGE = 'mrg_00000000000000000000000000';

const READ: AuthzRow['allowed'] = ['ADMIN', 'AGENT', 'ANALYST', 'PARTNER'];
const READ_WITH_INGEST: AuthzRow['allowed'] = ['ADMIN', 'AGENT', 'ANALYST', 'PARTNER', 'INGEST'];

export const rows: AuthzRow[] = [
  { operation: 'node', kind: 'query', document: 'query($id: ID!) { node(id: $id) { id } }', variables: { id: NO_CUSTOMER }, allowed: READ },
  { operation: 'viewer', kind: 'query', document: '{ viewer { role name piiMasked } }', allowed: READ_WITH_INGEST },
  { operation: 'customer', kind: 'query', document: 'query($id: ID!) { customer(id: $id) { id } }', variables: { id: NO_CUSTOMER }, allowed: READ_WITH_INGEST },
  {
    operation: 'customerByIdentity',
    kind: 'query',
    document: 'query($identity: IdentityInput!) { customerByIdentity(identity: $identity) { id } }',
    variables: { identity: { type: 'EMAIL', value: 'nobody-authz@example.com' } },
    // A lookup by a personal value: not for masked roles (role policy).
    allowed: ['ADMIN', 'AGENT', 'INGEST'],
  },
  { operation: 'customers', kind: 'query', document: '{ customers(first: 1) { totalCount edges { node { id } } } }', allowed: READ },
  {
    operation: 'duplicateCandidates',
    kind: 'query',
    document: 'query($id: ID!) { duplicateCandidates(customerId: $id) { score } }',
    variables: { id: NO_CUSTOMER },
    allowed: ['ADMIN', 'AGENT', 'ANALYST'],
  },
  {
    operation: 'customerDataExport',
    kind: 'query',
    document: 'query($id: ID!) { customerDataExport(customerId: $id) }',
    variables: { id: NO_CUSTOMER },
    allowed: ['ADMIN', 'AGENT'],
  },
  {
    operation: 'identifyCustomer',
    kind: 'mutation',
    // No identities: answered with an INVALID_VALUE user error, so the matrix creates no customer.
    document: 'mutation { identifyCustomer(input: { identities: [] }) { created userErrors { code } } }',
    allowed: ['ADMIN', 'AGENT', 'INGEST'],
  },
  {
    operation: 'addIdentity',
    kind: 'mutation',
    document: 'mutation($id: ID!) { addIdentity(input: { customerId: $id, identity: { type: EMAIL, value: "authz@example.com" } }) { userErrors { code } } }',
    variables: { id: NO_CUSTOMER },
    allowed: ['ADMIN', 'AGENT'],
  },
  {
    operation: 'mergeCustomers',
    kind: 'mutation',
    document: 'mutation($id: ID!) { mergeCustomers(input: { survivorId: $id, mergedId: $id }) { userErrors { code } } }',
    variables: { id: NO_CUSTOMER },
    allowed: ['ADMIN', 'AGENT'],
  },
  {
    operation: 'undoMerge',
    kind: 'mutation',
    document: 'mutation($id: ID!) { undoMerge(input: { mergeId: $id }) { userErrors { code } } }',
    variables: { id: NO_MERGE },
    allowed: ['ADMIN', 'AGENT'],
  },
  {
    operation: 'recordConsent',
    kind: 'mutation',
    document: 'mutation($id: ID!) { recordConsent(input: { customerId: $id, purpose: MARKETING, channel: EMAIL, granted: true }) { userErrors { code } } }',
    variables: { id: NO_CUSTOMER },
    allowed: ['ADMIN', 'AGENT'],
  },
  {
    operation: 'eraseCustomer',
    kind: 'mutation',
    document: 'mutation($id: ID!) { eraseCustomer(input: { customerId: $id }) { erased { name } userErrors { code } } }',
    variables: { id: NO_CUSTOMER },
    allowed: ['ADMIN'],
  },
];
