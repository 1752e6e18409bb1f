import { Arg, Ctx, Query, Resolver } from 'type-graphql';
import { Allow, Roles } from '../../common/auth';
import type { Context } from '../../context/context';
import { analyticsWindow } from './analytics.service';
import { AnalyticsType, type AnalyticsWindow } from './analytics.type';

@Resolver()
export class AnalyticsResolver {
  @Allow(Roles.READ_INTERNAL)
  @Query(() => AnalyticsType, {
    description: 'BI aggregates over the window [from, to) (at most 3 years; from must be earlier than to, else BAD_USER_INPUT). '
      + 'Each field is computed only when asked for.',
  })
  analytics(
    @Ctx() ctx: Context,
    @Arg('from', () => Date, { description: 'Start of the window (inclusive).' }) from: Date,
    @Arg('to', () => Date, { description: 'End of the window (exclusive).' }) to: Date,
  ): AnalyticsWindow {
    return analyticsWindow(ctx, from, to);
  }
}
