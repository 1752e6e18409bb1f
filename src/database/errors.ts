/**
 * SQLSTATE classes and driver codes that mean "the database is not there" rather than "bad query". A
 * database closed to connections (ALLOW_CONNECTIONS false) answers 55000, a code shared with real
 * query errors, so that one is recognised by its message.
 */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', '53300']);
const UNAVAILABLE_MESSAGES = /Timeout acquiring a connection|Connection terminated|connection timeout|Client has encountered a connection error|the database system is (starting up|shutting down)|is not currently accepting connections/i;

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 8; depth++) {
    chain.push(current);
    const next = current as { originalError?: unknown; cause?: unknown; previous?: unknown };
    current = next.originalError ?? next.previous ?? next.cause;
  }
  return chain;
}

/** True when an error (or anything it wraps) says the database cannot be reached. */
export function isDatabaseUnavailable(error: unknown): boolean {
  return causes(error).some((item) => {
    const { code, message } = (item ?? {}) as { code?: unknown; message?: unknown };
    return (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) || (typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message));
  });
}

/** True when PostgreSQL cancelled a statement for exceeding statement_timeout. */
export function isStatementTimeout(error: unknown): boolean {
  return causes(error).some((item) => (item as { code?: unknown })?.code === '57014');
}
