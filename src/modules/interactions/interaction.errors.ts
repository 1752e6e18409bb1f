/** Error codes of the interactions module (besides NOT_FOUND, CONFLICT, INVALID_VALUE, IDEMPOTENCY_CONFLICT, CUSTOMER_ERASED). */
export const InteractionErrorCode = {
  /** assignConversation to the agent who already has the conversation. */
  ALREADY_ASSIGNED: 'ALREADY_ASSIGNED',
  /** resolveConversation of a conversation that is already resolved. */
  ALREADY_RESOLVED: 'ALREADY_RESOLVED',
} as const;
