import type { AuthzRow } from './types';

// ADMIN manages every webhook, PARTNER its own; an unknown id reaches the service (NOT_FOUND userError).
const WEBHOOKS: AuthzRow['allowed'] = ['ADMIN', 'PARTNER'];
const ID = { id: 'whk_00000000000000000000000000' };

export const rows: AuthzRow[] = [
  { operation: 'webhooks', kind: 'query', document: '{ webhooks { id status } }', allowed: WEBHOOKS },
  {
    operation: 'webhook',
    kind: 'query',
    document: 'query($id: ID!) { webhook(id: $id) { id deliveries(first: 1) { totalCount } } }',
    variables: ID,
    allowed: WEBHOOKS,
  },
  {
    operation: 'createWebhook',
    kind: 'mutation',
    // A loopback URL is refused (INVALID_URL) after the role check: the role still got through.
    document:
      'mutation { createWebhook(input: { url: "http://127.0.0.1/hook", subscription: "subscription { orderPlaced { eventId } }" }) { webhook { id } userErrors { code } } }',
    allowed: WEBHOOKS,
  },
  {
    operation: 'updateWebhook',
    kind: 'mutation',
    document: 'mutation($id: ID!) { updateWebhook(input: { id: $id, description: "x" }) { webhook { id } userErrors { code } } }',
    variables: ID,
    allowed: WEBHOOKS,
  },
  {
    operation: 'pauseWebhook',
    kind: 'mutation',
    document: 'mutation($id: ID!) { pauseWebhook(id: $id) { webhook { id } userErrors { code } } }',
    variables: ID,
    allowed: WEBHOOKS,
  },
  {
    operation: 'resumeWebhook',
    kind: 'mutation',
    document: 'mutation($id: ID!) { resumeWebhook(id: $id) { webhook { id } userErrors { code } } }',
    variables: ID,
    allowed: WEBHOOKS,
  },
  {
    operation: 'deleteWebhook',
    kind: 'mutation',
    document: 'mutation($id: ID!) { deleteWebhook(id: $id) { deletedId userErrors { code } } }',
    variables: ID,
    allowed: WEBHOOKS,
  },
  {
    operation: 'rotateWebhookSecret',
    kind: 'mutation',
    document: 'mutation($id: ID!) { rotateWebhookSecret(input: { id: $id }) { secret userErrors { code } } }',
    variables: ID,
    allowed: WEBHOOKS,
  },
  {
    operation: 'replayWebhook',
    kind: 'mutation',
    document: 'mutation($id: ID!) { replayWebhook(id: $id, after: "MDow") { webhook { id } userErrors { code } } }',
    variables: ID,
    allowed: WEBHOOKS,
  },
];
