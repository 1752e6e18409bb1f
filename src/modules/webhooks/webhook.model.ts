// What the webhook services take: plain shapes, free of GraphQL. The input types of the schema
// (webhook.inputs.ts) implement them.

/** createWebhook: a subscription document delivered to a URL. */
export interface CreateWebhookParams {
  url: string;
  subscription: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
  description?: string | null;
  after?: string | null;
}

/** updateWebhook: the fields given replace the webhook's. */
export interface UpdateWebhookParams {
  id: string;
  url?: string | null;
  subscription?: string | null;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
  description?: string | null;
}

/** rotateWebhookSecret: which secret, and how long the old one still signs. */
export interface RotateWebhookSecretParams {
  id: string;
  keepPreviousForSeconds?: number | null;
}
