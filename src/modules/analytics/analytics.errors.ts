import { InvalidArgumentError } from '../../common/errors';

/**
 * `analytics` is a query: bad arguments are InvalidArgumentError, answered as top-level BAD_USER_INPUT
 * errors (queries have no userErrors), with `extensions.argument` naming the argument at fault.
 */
export const AnalyticsLimits = {
  /** The longest window one analytics query may cover. */
  MAX_WINDOW_YEARS: 3,
  /** crossChannelJourneys(windowDays): 1..MAX_JOURNEY_DAYS. */
  MAX_JOURNEY_DAYS: 365,
} as const;

export function windowNotIncreasing(): InvalidArgumentError {
  return new InvalidArgumentError('from must be earlier than to: the window is [from, to).', 'to');
}

export function windowTooLong(): InvalidArgumentError {
  return new InvalidArgumentError(`The window [from, to) may cover at most ${AnalyticsLimits.MAX_WINDOW_YEARS} years.`, 'to');
}

export function journeyDaysOutOfRange(): InvalidArgumentError {
  return new InvalidArgumentError(`windowDays must be between 1 and ${AnalyticsLimits.MAX_JOURNEY_DAYS}.`, 'windowDays');
}
