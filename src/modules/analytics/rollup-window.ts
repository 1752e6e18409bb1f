import type { AnalyticsWindow } from './analytics.type';

/**
 * How a window [from, to) is read from the rollups of migration analyticsRollups (docs/analytics.md,
 * "Rollups"): the whole UTC days inside it from the per-day rollups or the per-customer cells, the
 * partial days at both ends from the raw rows. The figures are therefore exact for any instant, not
 * only for windows on day boundaries.
 */

const DAY_MS = 86_400_000;
/** Customer cells span 4^level days, level 0..MAX_CELL_LEVEL (1 to 1,024 days). */
const CELL_BASE = 4;
const MAX_CELL_LEVEL = 5;

export interface RollupWindow {
  /** Whole UTC days [fromDay, toDay) as days since 1970-01-01 (analytics_day in SQL). */
  fromDay: number;
  toDay: number;
  /** The partial days, read raw: [headFrom, headTo) and [tailFrom, tailTo), each possibly empty. */
  headFrom: Date;
  headTo: Date;
  tailFrom: Date;
  tailTo: Date;
  /** The customer cells that tile [fromDay, toDay) exactly: the largest first, as parallel arrays. */
  cellLevels: number[];
  cellBuckets: number[];
}

/** The largest level whose aligned cell starts at `day` and ends by `toDay` (0 always fits). */
function cellLevelAt(day: number, toDay: number): number {
  let level = MAX_CELL_LEVEL;
  while (level > 0 && (day % CELL_BASE ** level !== 0 || day + CELL_BASE ** level > toDay)) level -= 1;
  return level;
}

/** Splits a window into whole days (and their cells) and the raw partial days at its ends. */
export function rollupWindow(window: AnalyticsWindow): RollupWindow {
  const from = window.from.getTime();
  const to = window.to.getTime();
  const firstWholeDay = Math.ceil(from / DAY_MS);
  const endWholeDay = Math.floor(to / DAY_MS);
  if (firstWholeDay >= endWholeDay) {
    // No whole day inside: everything is read raw.
    return { fromDay: 0, toDay: 0, headFrom: window.from, headTo: window.to, tailFrom: window.to, tailTo: window.to, cellLevels: [], cellBuckets: [] };
  }
  const cellLevels: number[] = [];
  const cellBuckets: number[] = [];
  for (let day = firstWholeDay; day < endWholeDay;) {
    const level = cellLevelAt(day, endWholeDay);
    cellLevels.push(level);
    cellBuckets.push(day / CELL_BASE ** level);
    day += CELL_BASE ** level;
  }
  return {
    fromDay: firstWholeDay,
    toDay: endWholeDay,
    headFrom: window.from,
    headTo: new Date(firstWholeDay * DAY_MS),
    tailFrom: new Date(endWholeDay * DAY_MS),
    tailTo: window.to,
    cellLevels,
    cellBuckets,
  };
}

/** `column` (a timestamp expression) in the raw partial days: takes headFrom, headTo, tailFrom, tailTo. */
export const inPartialDays = (column: string) => `((${column} >= ? and ${column} < ?) or (${column} >= ? and ${column} < ?))`;

export function partialDayParams(window: RollupWindow): Date[] {
  return [window.headFrom, window.headTo, window.tailFrom, window.tailTo];
}

export function cellParams(window: RollupWindow): string[] {
  return [`{${window.cellLevels.join(',')}}`, `{${window.cellBuckets.join(',')}}`];
}
