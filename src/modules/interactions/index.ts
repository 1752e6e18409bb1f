import { registerCustomerData } from '../../common/customer-data';
import { registerNodeType } from '../../common/node';
import { registerTimelineSource } from '../../common/timeline';
import type { OmniModule } from '../module';
import { AgentEntity, ConversationEntity, HandoverEntity, InteractionEntity } from './interaction.entity';
import { ConversationFields, CustomerInteractionFields, HandoverFields, InteractionFields, TimelineEntryFields } from './interaction.fields';
import { InteractionResolver } from './interaction.resolver';
import { getAgent, getConversation, getHandover, getInteraction } from './interaction.service';
import { HANDOVER_TIMELINE, INTERACTION_TIMELINE } from './timeline.sources';

export { InteractionType, ConversationType, AgentType, HandoverType, type InteractionRow, type ConversationRow } from './interaction.type';
export { InteractionByIdLoader, ConversationByIdLoader } from './interaction.loaders';
export { InteractionFilter } from './interaction.inputs';

registerNodeType('Interaction', getInteraction);
registerNodeType('Conversation', getConversation);
registerNodeType('Agent', getAgent);
registerNodeType('Handover', getHandover);

registerCustomerData(
  {
    name: 'interactions',
    table: 'interaction',
    customerColumn: 'customer_id',
    personalColumns: { subject: 'null', body: 'null' },
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
);

registerTimelineSource(INTERACTION_TIMELINE, HANDOVER_TIMELINE);

export const interactionsModule: OmniModule = {
  name: 'interactions',
  entities: [AgentEntity, ConversationEntity, InteractionEntity, HandoverEntity],
  resolvers: [InteractionResolver, InteractionFields, ConversationFields, HandoverFields, CustomerInteractionFields, TimelineEntryFields],
};
