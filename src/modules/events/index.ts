import type { OmniModule } from '../module';
import { EventEntity } from './event.entity';

export const eventsModule: OmniModule = { name: 'events', entities: [EventEntity], resolvers: [] };
