import pino from 'pino';
import { safeErrorSerializer } from '../observability/logging';

export type Logger = pino.Logger;

/** Structured JSON logs. Callers log ids, codes and durations, never personal data. */
export function createLogger(level: string): Logger {
  // Errors are serialised without values: drivers put statements with their parameters in messages.
  return pino({ level, base: { service: 'omni360' }, timestamp: pino.stdTimeFunctions.isoTime, serializers: { err: safeErrorSerializer } });
}
