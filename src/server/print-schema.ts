import { lexicographicSortSchema, printSchema } from 'graphql';
import { buildOmniSchema } from './schema';

const HEADER = '# omni360 schema, generated from the code by `npm run schema:emit`. Do not edit by hand.\n\n';

/** The committed SDL: sorted, so that diffs show meaning and not declaration order. */
export function printOmniSchema(): string {
  return `${HEADER}${printSchema(lexicographicSortSchema(buildOmniSchema()))}\n`;
}
