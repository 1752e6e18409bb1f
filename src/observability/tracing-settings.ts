/**
 * When and where traces go. Kept free of other imports: main.ts reads it before anything that
 * OpenTelemetry instruments (http, express, pg, graphql) is loaded, and config.ts reads it to validate.
 */
export interface TracingSettings {
  enabled: boolean;
  /** The OTLP/HTTP traces endpoint, e.g. http://collector:4318/v1/traces. */
  tracesUrl: string;
  serviceName: string;
}

/** A tracing variable with a bad value; config.ts turns it into a ConfigError naming the variable. */
export class TracingSettingError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
    this.name = 'TracingSettingError';
  }
}

type Env = Record<string, string | undefined>;

function value(env: Env, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
}

function httpUrl(env: Env, name: string): string | undefined {
  const raw = value(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new TracingSettingError(name, 'must be a URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TracingSettingError(name, `must use http: or https:, got ${parsed.protocol}`);
  return raw;
}

/**
 * Tracing is off unless an OTLP endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT, its traces-only
 * form OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or OMNI360_OTEL_EXPORTER_URL) or OMNI360_TRACING=true (which
 * exports to the collector's default, http://localhost:4318). OMNI360_TRACING=false wins over an endpoint.
 */
export function tracingSettings(env: Env): TracingSettings {
  const tracesEndpoint = httpUrl(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const base = httpUrl(env, 'OMNI360_OTEL_EXPORTER_URL') ?? httpUrl(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  const switchRaw = value(env, 'OMNI360_TRACING')?.toLowerCase();
  let enabled = tracesEndpoint !== undefined || base !== undefined;
  if (switchRaw !== undefined) {
    if (['1', 'true', 'yes', 'on'].includes(switchRaw)) enabled = true;
    else if (['0', 'false', 'no', 'off'].includes(switchRaw)) enabled = false;
    else throw new TracingSettingError('OMNI360_TRACING', `must be true or false, got "${switchRaw}"`);
  }
  // The base endpoint is the collector's root, as in the OpenTelemetry specification: traces go to /v1/traces.
  const tracesUrl = tracesEndpoint ?? `${(base ?? 'http://localhost:4318').replace(/\/+$/, '')}/v1/traces`;
  return { enabled, tracesUrl, serviceName: value(env, 'OTEL_SERVICE_NAME') ?? 'omni360' };
}
