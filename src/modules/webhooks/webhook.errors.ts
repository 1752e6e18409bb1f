/** userErrors codes of the webhook mutations. */
export const WebhookErrorCode = {
  /** The url is not http(s), carries credentials, or points to a private, loopback or link-local address. */
  INVALID_URL: 'INVALID_URL',
  /** The document does not run as a subscription for its owner (the errors a socket would get are in the message). */
  INVALID_SUBSCRIPTION: 'INVALID_SUBSCRIPTION',
  /** The cursor is older than the retention window: events after it were purged. */
  CURSOR_EXPIRED: 'CURSOR_EXPIRED',
  /** The owner already has the most webhooks one owner may have. */
  TOO_MANY_WEBHOOKS: 'TOO_MANY_WEBHOOKS',
} as const;
