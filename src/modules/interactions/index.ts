import type { OmniModule } from '../module';
import { AgentEntity, ConversationEntity, HandoverEntity, InteractionEntity } from './interaction.entity';
import { ConversationFields, CustomerInteractionFields, HandoverFields, InteractionFields, TimelineEntryFields } from './interaction.fields';
import { InteractionResolver } from './interaction.resolver';
import { getAgent, getConversation, getHandover, getInteraction } from './interaction.service';
import { HANDOVER_TIMELINE, INTERACTION_TIMELINE } from './interaction.timeline';

export const interactionsModule: OmniModule = {
  name: 'interactions',
  entities: [AgentEntity, ConversationEntity, InteractionEntity, HandoverEntity],
  resolvers: [InteractionResolver, InteractionFields, ConversationFields, HandoverFields, CustomerInteractionFields, TimelineEntryFields],
  nodeTypes: { Interaction: getInteraction, Conversation: getConversation, Agent: getAgent, Handover: getHandover },
  customerData: [
    {
      name: 'interactions',
      table: 'interaction',
      customerColumn: 'customer_id',
      // The idempotency key may carry personal data (Message-ID-style keys hold an address): pseudonymised
      // to the row's own id, unique as the key was. The input hash would confirm a guessed body: cleared.
      personalColumns: { subject: 'null', body: 'null', external_id: `'erased:' || id`, input_hash: `'erased'` },
    },
    {
      name: 'conversations',
      table: 'conversation',
      customerColumn: 'customer_id',
      personalColumns: { subject: 'null' },
    },
    {
      name: 'handovers',
      table: 'handover',
      customerColumn: 'customer_id',
      personalColumns: { note: 'null' },
    },
  ],
  timelineSources: [INTERACTION_TIMELINE, HANDOVER_TIMELINE],
};
