import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

/** `2026-01-02 03:04:05.678+00` (sessions run in UTC) or the same inside JSON (`T`, `+00:00`). */
const PG_UTC = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?\+00(?::00)?$/;

/**
 * A UTC timestamp from PostgreSQL as `Date.toISOString()` would print it (milliseconds truncated like
 * Date parsing does), by rearranging the text: a page of 1,000 orders serialises 1,000 of them.
 */
function pgUtcToIso(value: string): string | undefined {
  const match = PG_UTC.exec(value);
  if (!match) return undefined;
  return `${match[1]}T${match[2]}.${(match[3] ?? '').padEnd(3, '0').slice(0, 3)}Z`;
}

/** PostgreSQL's text form of timestamptz (`2026-01-02 03:04:05.678+00`) as a Date. */
export function pgTimestamp(value: string | Date): Date {
  if (value instanceof Date) return value;
  const iso = pgUtcToIso(value);
  if (iso) return new Date(iso);
  return new Date(value.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'));
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

function parse(value: unknown): Date {
  if (typeof value !== 'string' || !ISO.test(value)) {
    throw new GraphQLError('DateTime must be an ISO-8601 string with a time zone, e.g. 2026-01-31T12:00:00Z', { extensions: { code: 'BAD_USER_INPUT' } });
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new GraphQLError(`"${value}" is not a valid DateTime`, { extensions: { code: 'BAD_USER_INPUT' } });
  return date;
}

/**
 * The earliest instant a business record (an order placed, a contact that occurred) may carry: older
 * ones are typing or clock errors (0001-01-01 from an unset field), and they would sort before and hide
 * among every real record of the customer.
 */
export const EARLIEST_RECORD_TIME = new Date('1970-01-01T00:00:00Z');

/**
 * ISO-8601 in UTC with milliseconds. Read paths hand over rows as PostgreSQL returns them (strings), so
 * serialisation accepts both Dates and PostgreSQL timestamps.
 */
export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'An ISO-8601 instant in UTC, e.g. 2026-01-31T12:00:00.000Z. Inputs must carry a time zone.',
  serialize(value) {
    if (typeof value === 'string') {
      const iso = pgUtcToIso(value);
      if (iso) return iso;
    }
    const date = pgTimestamp(value as string | Date);
    if (Number.isNaN(date.getTime())) throw new GraphQLError('DateTime cannot represent an invalid date');
    return date.toISOString();
  },
  parseValue: parse,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('DateTime must be a string', { extensions: { code: 'BAD_USER_INPUT' } });
    return parse(ast.value);
  },
});
