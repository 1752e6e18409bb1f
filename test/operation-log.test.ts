import { Writable } from 'node:stream';
import { GraphQLError } from 'graphql';
import pino from 'pino';
import { AuthorizationError } from 'type-graphql';
import { safeErrorSerializer } from '../src/observability/logging';
import { OperationLog, startOperation } from '../src/server/operation-pipeline';

/**
 * The log step of the request pipeline (every transport goes through it: test/server-transports.test.ts)
 * for the errors a test server cannot easily be made to raise: what each kind of error leaves in the log.
 */

const lines: Record<string, unknown>[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
    done();
  },
});
const operations = new OperationLog(pino({ level: 'info', serializers: { err: safeErrorSerializer } }, sink));

/** An execution error around what a resolver threw, as graphql-js reports it. */
const failed = (original: Error) => new GraphQLError(original.message, { path: ['customer'], originalError: original });

beforeEach(() => {
  lines.length = 0;
});

describe('OperationLog', () => {
  it('logs a masked error at error with the request id, a statement timeout or an unreachable database at warn with its code', () => {
    const unexpected = operations.unexpected(failed(new Error("select 'jane@example.com' failed")), 'req-1');
    const timeout = operations.unexpected(failed(Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' })), 'req-2');
    const down = operations.unexpected(failed(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })), 'req-3');
    expect([unexpected, timeout, down]).toEqual([true, false, false]);
    expect(lines.map((line) => [line.level, line.msg, line.requestId, line.code])).toEqual([
      [50, 'unexpected error', 'req-1', undefined],
      [40, 'operation failed', 'req-2', 'TIMEOUT'],
      [40, 'operation failed', 'req-3', 'DATABASE_UNAVAILABLE'],
    ]);
    expect(JSON.stringify(lines)).not.toContain('jane@example.com');
  });

  it("leaves the client's own mistakes and refusals out of the error log, and counts them as a failed operation", () => {
    const record = startOperation('req-4', 'PARTNER', 'Refused');
    const formatted = operations.format(
      [failed(new AuthorizationError()), new GraphQLError('Too deep', { extensions: { code: 'QUERY_TOO_COMPLEX' } })],
      record,
      true,
    );
    operations.finished(record);
    expect(formatted.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN', 'QUERY_TOO_COMPLEX']);
    expect(lines).toEqual([
      expect.objectContaining({ level: 30, msg: 'graphql request', requestId: 'req-4', operation: 'Refused', role: 'PARTNER', outcome: 'error' }),
    ]);
  });
});
