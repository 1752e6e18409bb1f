import type { AuthzRow } from './types';

/** Well-formed ids that name nothing: the operations reach their resolvers without changing any data. */
const NO_INTERACTION = 'int_00000000000000000000000000';
const NO_CONVERSATION = 'cnv_00000000000000000000000000';
const NO_AGENT = 'agt_00000000000000000000000000';
const NO_CUSTOMER = 'cus_00000000000000000000000000';

const READ: AuthzRow['allowed'] = ['ADMIN', 'AGENT', 'ANALYST', 'PARTNER'];
const READ_WITH_INGEST: AuthzRow['allowed'] = ['ADMIN', 'AGENT', 'ANALYST', 'PARTNER', 'INGEST'];
const WRITE_AGENT: AuthzRow['allowed'] = ['ADMIN', 'AGENT'];

export const rows: AuthzRow[] = [
  { operation: 'interaction', kind: 'query', document: 'query($id: ID!) { interaction(id: $id) { id } }', variables: { id: NO_INTERACTION }, allowed: READ_WITH_INGEST },
  { operation: 'conversation', kind: 'query', document: 'query($id: ID!) { conversation(id: $id) { id } }', variables: { id: NO_CONVERSATION }, allowed: READ_WITH_INGEST },
  { operation: 'conversations', kind: 'query', document: '{ conversations(first: 1) { totalCount edges { node { id } } } }', allowed: READ },
  {
    operation: 'recordInteraction',
    kind: 'mutation',
    // An unknown customer id: answered with a NOT_FOUND user error, so the matrix records nothing.
    document: `mutation($id: ID!) { recordInteraction(input: { source: "authz", externalId: "authz-1", channel: CHAT, direction: INBOUND, customer: { id: $id } }) {
      created userErrors { code } } }`,
    variables: { id: NO_CUSTOMER },
    allowed: ['ADMIN', 'AGENT', 'INGEST'],
  },
  {
    operation: 'assignConversation',
    kind: 'mutation',
    document: 'mutation($c: ID!, $a: ID!) { assignConversation(input: { conversationId: $c, agentId: $a, note: "authz" }) { userErrors { code } } }',
    variables: { c: NO_CONVERSATION, a: NO_AGENT },
    allowed: WRITE_AGENT,
  },
  {
    operation: 'resolveConversation',
    kind: 'mutation',
    document: 'mutation($c: ID!) { resolveConversation(input: { conversationId: $c }) { userErrors { code } } }',
    variables: { c: NO_CONVERSATION },
    allowed: WRITE_AGENT,
  },
  {
    operation: 'upsertAgent',
    kind: 'mutation',
    // An invalid e-mail: an INVALID_VALUE user error, no agent created.
    document: 'mutation { upsertAgent(input: { email: "not-an-email", name: "Authz" }) { created userErrors { code } } }',
    allowed: ['ADMIN'],
  },
];
