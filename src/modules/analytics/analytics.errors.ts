import type { GraphQLError } from 'graphql';
import { badUserInput } from '../../common/errors';

/**
 * `analytics` is a query: bad arguments are top-level BAD_USER_INPUT errors (queries have no
 * userErrors), with `extensions.argument` naming the argument at fault.
 */
export const AnalyticsLimits = {
  /** The longest window one analytics query may cover. */
  MAX_WINDOW_YEARS: 3,
  /** crossChannelJourneys(windowDays): 1..MAX_JOURNEY_DAYS. */
  MAX_JOURNEY_DAYS: 365,
} as const;

export function windowNotIncreasing(): GraphQLError {
  return badUserInput('from must be earlier than to: the window is [from, to).', 'to');
}

export function windowTooLong(): GraphQLError {
  return badUserInput(`The window [from, to) may cover at most ${AnalyticsLimits.MAX_WINDOW_YEARS} years.`, 'to');
}

export function journeyDaysOutOfRange(): GraphQLError {
  return badUserInput(`windowDays must be between 1 and ${AnalyticsLimits.MAX_JOURNEY_DAYS}.`, 'windowDays');
}
