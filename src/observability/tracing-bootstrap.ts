import { tracingSettings } from './tracing-settings';
import type { Tracing } from './tracing';

/**
 * Imported by main.ts before anything else (after reflect-metadata): starts tracing, when the
 * environment switches it on, as a side effect of being loaded, so that http, express, pg and graphql are
 * patched when they load. A bad tracing variable starts nothing here: loadConfig reports it and exits.
 */
function bootstrap(): Tracing | undefined {
  let settings;
  try {
    settings = tracingSettings(process.env);
  } catch {
    return undefined;
  }
  if (!settings.enabled) return undefined;
  // Loaded only when on: the SDK and its instrumentations cost start-up time and memory.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startTracing } = require('./tracing') as typeof import('./tracing');
  return startTracing(settings);
}

export const tracing: Tracing | undefined = bootstrap();
