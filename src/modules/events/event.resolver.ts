import { JSONResolver } from 'graphql-scalars';
import { Args, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { Allow, Roles } from '../../common/auth';
import type { Connection } from '../../common/pagination';
import type { Context } from '../../context/context';
import { payloadFor } from './event-payload';
import { listEvents } from './event.service';
import { EventConnection, EventsArgs, EventType } from './event.type';

@Resolver(() => EventType)
export class EventResolver {
  @Allow(Roles.READ)
  @Query(() => EventConnection, {
    description: 'The durable event log in commit order, for partners that poll: resume with `after` = the last cursor seen. CURSOR_EXPIRED when events after the cursor were purged (retention).',
  })
  events(@Ctx() ctx: Context, @Args() args: EventsArgs): Promise<Connection<EventType>> {
    return listEvents(ctx, args);
  }
}

@Resolver(() => EventType)
export class EventFields {
  @FieldResolver(() => JSONResolver, { description: 'What happened: ids, channels, counts. Personal values (e.g. a subject) are masked for ANALYST and PARTNER.' })
  payload(@Root() event: EventType, @Ctx() ctx: Context): unknown {
    return payloadFor(ctx.principal, event.payload);
  }
}
