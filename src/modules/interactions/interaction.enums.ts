import { registerEnumType } from 'type-graphql';

export enum Direction {
  INBOUND = 'INBOUND',
  OUTBOUND = 'OUTBOUND',
}

export enum ConversationStatus {
  OPEN = 'OPEN',
  PENDING = 'PENDING',
  RESOLVED = 'RESOLVED',
}

registerEnumType(Direction, {
  name: 'Direction',
  description: 'INBOUND: from the customer. OUTBOUND: from the brand to the customer.',
});
registerEnumType(ConversationStatus, {
  name: 'ConversationStatus',
  description: 'OPEN: waits for the team (the last contact was inbound). PENDING: waits for the customer (the last contact was outbound). RESOLVED: closed by resolveConversation; an inbound contact within 7 days reopens it.',
});
