import pino from 'pino';

export type Logger = pino.Logger;

/** Structured JSON logs. Callers log ids, codes and durations, never personal data. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'omni360' }, timestamp: pino.stdTimeFunctions.isoTime });
}
