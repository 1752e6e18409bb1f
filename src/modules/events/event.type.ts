import { ArgsType, Field, ID, ObjectType } from 'type-graphql';
import { ConnectionType, PageArgs } from '../../common/pagination';

@ObjectType('Event', { description: 'One entry of the durable event log, at a position (cursor) in commit order.' })
export class EventType {
  @Field(() => ID, { description: 'The event\'s sequence number (unique; not itself the order: use cursor).' })
  eventId!: string;

  @Field(() => String, { description: 'Opaque position in the log: pass it as `after` to resume right after this event.' })
  cursor!: string;

  @Field(() => String, { description: 'e.g. customer.created, interaction.recorded, conversation.updated, order.placed, stock.changed.' })
  type!: string;

  @Field(() => Date, { description: 'When the change happened (the writing transaction\'s start).' })
  occurredAt!: Date;

  @Field(() => ID, { nullable: true, description: 'The customer the event concerns, if any.' })
  customerId!: string | null;

  /** Resolved in EventFields: masked per role. */
  payload!: Record<string, unknown>;
}

export const EventConnection = ConnectionType(EventType, 'Event');

@ArgsType()
export class EventsArgs extends PageArgs {
  @Field(() => [String], { nullable: true, description: 'Only these event types; `customer.*` matches every type with that prefix.' })
  types?: string[] | null;
}

