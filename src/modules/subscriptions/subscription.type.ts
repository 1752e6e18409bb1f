import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType('InteractionEvent', { description: 'An interaction.recorded event of the log.' })
export class InteractionEventType {
  @Field(() => ID, { description: 'The event\'s sequence number (see Event.eventId).' })
  eventId!: string;

  @Field(() => String, { description: 'Resume after this event with `after: cursor`.' })
  cursor!: string;

  interactionId!: string;
}

@ObjectType('CustomerEvent', { description: 'Any event of the log about one customer (customer.*, interaction.recorded, order.placed, ...).' })
export class CustomerEventType {
  @Field(() => ID, { description: 'The event\'s sequence number (see Event.eventId).' })
  eventId!: string;

  @Field(() => String, { description: 'Resume after this event with `after: cursor`.' })
  cursor!: string;

  @Field(() => String, { description: 'The event type, e.g. customer.updated, interaction.recorded, order.placed.' })
  type!: string;

  customerId!: string;
}

@ObjectType('OrderEvent', { description: 'An order event of the log (order.placed for orderPlaced).' })
export class OrderEventType {
  @Field(() => ID, { description: 'The event\'s sequence number (see Event.eventId).' })
  eventId!: string;

  @Field(() => String, { description: 'Resume after this event with `after: cursor`.' })
  cursor!: string;

  @Field(() => String, { description: 'The event type, e.g. order.placed.' })
  type!: string;

  orderId!: string;
}

@ObjectType('StockEvent', { description: 'A stock.changed event of the log: the level of one product at one location as committed.' })
export class StockEventType {
  @Field(() => ID, { description: 'The event\'s sequence number (see Event.eventId).' })
  eventId!: string;

  @Field(() => String, { description: 'Position of this event in the log.' })
  cursor!: string;

  @Field(() => String, { description: 'The product whose stock changed.' })
  sku!: string;

  payload!: Record<string, unknown>;
}
