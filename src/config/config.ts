import path from 'node:path';
import { isSupportedCountry } from 'libphonenumber-js';
import { parseCorsOrigins, type CorsPolicy } from '../server/cors';
import { DEFAULT_LIMITS, type QueryLimits } from '../server/limits';
import { loadTrustedDocuments, TrustedDocumentsManifestError, type TrustedDocuments } from '../server/trusted-documents';
import { TracingSettingError, tracingSettings, type TracingSettings } from '../observability/tracing-settings';

// The roles live in config/roles.ts so that server/trusted-documents.ts (loaded by this file) can name
// them without importing this one: no import cycle. Re-exported where callers have always found them.
import { ROLES, type RoleName } from './roles';
export { ROLES, type RoleName };

export interface ApiKeyConfig {
  role: RoleName;
  name: string;
  secret: string;
}

/** Channels with an SLA target; every other channel falls back to `default`. */
export type SlaTargets = Record<string, number> & { default: number };

/** The one typed configuration object, parsed and validated once at start-up. */
export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  host: string;
  port: number;
  /** `undefined` means: start an embedded PostgreSQL in `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  embeddedPgPort: number;
  dbPoolMax: number;
  dbStatementTimeoutMs: number;
  /** Hot reads as named prepared statements (planned once per connection); off behind a transaction-mode pooler without prepared-statement support. */
  dbPreparedStatements: boolean;
  /** The read planner reads a root's relations and nested connections with it, every level in one statement (src/read-planner); off: one statement per relation field and level. */
  readPlanner: boolean;
  apiKeys: ApiKeyConfig[];
  jwtSecret?: string;
  /**
   * The secret of the keyed input hashes of idempotent writes (OMNI360_IDEMPOTENCY_KEY). Unset: one is
   * generated and stored in `dataDir` at start-up (ensureIdempotencyKey); instances sharing a database
   * must share it.
   */
  idempotencyKey?: string;
  /** Lifetime from `iat` of a JWT without `exp` (0: such tokens are refused). */
  jwtMaxLifetimeSeconds: number;
  jwksUrl?: string;
  defaultRegion: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  introspection: boolean;
  graphiql: boolean;
  eventRetentionDays: number;
  /** Ids per partition of the event table (retention drops whole partitions); size it to about a day of events. */
  eventPartitionSize: number;
  declineCooldownDays: number;
  slaTargets: SlaTargets;
  shutdownGraceMs: number;
  limits: QueryLimits;
  rateLimit: { perSecond: number; burst: number };
  /** An HTTP request running longer is cancelled (its statements too) and answered TIMEOUT; 0: no limit. */
  requestTimeoutMs: number;
  /** "Did you mean ...?" in validation errors; off in production, where the schema is not advertised. */
  fieldSuggestions: boolean;
  websocket: {
    /** Subscriptions one connection may run at once; the next gets TOO_MANY_SUBSCRIPTIONS. */
    maxSubscriptions: number;
    /** Unread data queued for one client above which it is closed with 1013 (slow subscriber). */
    maxBufferedBytes: number;
    /** Ping interval; a connection that has not answered the previous ping by the next one is dropped. */
    keepAliveMs: number;
  };
  /** Browser origins allowed by CORS and on the WebSocket upgrade (OMNI360_CORS_ORIGINS; server/cors.ts). */
  cors: CorsPolicy;
  /** Allow-listed documents (OMNI360_TRUSTED_DOCUMENTS); the listed roles may run nothing else. */
  trustedDocuments?: TrustedDocuments;
  // --- operations (observability, relay, replicas): see docs/observability.md and docs/scaling.md ---
  /** Prometheus metrics at GET /metrics; with a token, scrapers must send `Authorization: Bearer <token>`. */
  metrics: { enabled: boolean; token?: string };
  tracing: TracingSettings;
  /** The NATS JetStream relay of the event log; off while `servers` is empty. */
  nats: NatsRelayConfig;
  /** Read replicas for heavy reads (queryRead); empty: every read goes to the primary. */
  readReplicaUrls: string[];
  /** Heavy reads go to the primary instead while the stalest replica is more than this far behind (ms). */
  readReplicaMaxLagMs: number;
  /**
   * A direct (or session-pooled) URL of the primary for the connections that need a session of their
   * own: the event hub's LISTEN connection and log reader, and the relay's lock. Unset: DATABASE_URL.
   * Needed when DATABASE_URL goes through a transaction-pooling PgBouncer (docs/scaling.md).
   */
  directDatabaseUrl?: string;
  /** Webhook delivery (docs/webhooks.md). */
  webhooks: WebhookConfig;
}

export interface WebhookConfig {
  /** Run the delivery worker in this instance (every instance may; they share the work). */
  worker: boolean;
  /** Allow private, loopback and link-local targets (tests, on-premises receivers). Off by default: SSRF. */
  allowPrivate: boolean;
  /** A delivery is retried for this long; past it the webhook turns FAILING. */
  retryWindowMs: number;
  /** First retry delay; it doubles per attempt up to backoffMaxMs, with full jitter. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** One attempt (connect, send, answer) is abandoned after this long. */
  timeoutMs: number;
  /** How often the worker looks for new events, due retries and work of other instances. */
  pollMs: number;
}

export interface NatsRelayConfig {
  servers: string[];
  /** Events go to `<subjectPrefix>.<event type>`. */
  subjectPrefix: string;
  /** The JetStream stream holding `<subjectPrefix>.>`; created when missing. */
  stream: string;
  /**
   * The role the relay reads the log as (the role policy, as for a subscriber with that role): event
   * types the role may not read are not published, payloads are masked when the role is masked.
   * Default ANALYST: every business event, personal values masked (erasure cannot reach NATS).
   */
  role: RoleName;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`Invalid configuration: ${variable} ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(name, `must be an integer, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = str(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = str(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, 'must be a URL');
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(' or ')}, got ${parsed.protocol}`);
  }
  return raw;
}

/** `role:name:secret,role:name:secret`; the secret may itself contain colons. */
export function parseApiKeys(raw: string | undefined): ApiKeyConfig[] {
  if (raw === undefined) return [];
  const keys: ApiKeyConfig[] = [];
  for (const entry of raw.split(',').map((part) => part.trim()).filter(Boolean)) {
    const [role, name, ...rest] = entry.split(':');
    const secret = rest.join(':');
    if (!(ROLES as readonly string[]).includes(role)) {
      throw new ConfigError('OMNI360_API_KEYS', `has an unknown role "${role}" (expected ${ROLES.join(', ')})`);
    }
    if (!name || !secret) throw new ConfigError('OMNI360_API_KEYS', 'entries must look like role:name:secret');
    if (secret.length < 16) throw new ConfigError('OMNI360_API_KEYS', `secret of key "${name}" must have at least 16 characters`);
    if (keys.some((key) => key.name === name)) throw new ConfigError('OMNI360_API_KEYS', `names key "${name}" twice`);
    keys.push({ role: role as RoleName, name, secret });
  }
  return keys;
}

/** `CHAT=120,PHONE=60`: seconds per channel, merged over the defaults. */
function slaTargets(env: Env): SlaTargets {
  const targets: SlaTargets = { CHAT: 120, PHONE: 60, SOCIAL: 3600, EMAIL: 86_400, default: 86_400 };
  const raw = str(env, 'OMNI360_SLA_TARGETS');
  if (raw === undefined) return targets;
  for (const entry of raw.split(',').map((part) => part.trim()).filter(Boolean)) {
    const [channel, seconds] = entry.split('=');
    if (!channel || !seconds || !/^\d+$/.test(seconds)) {
      throw new ConfigError('OMNI360_SLA_TARGETS', `entries must look like CHANNEL=seconds, got "${entry}"`);
    }
    targets[channel.toUpperCase() === 'DEFAULT' ? 'default' : channel.toUpperCase()] = Number(seconds);
  }
  return targets;
}

/** A comma-separated list of URLs, each with one of `protocols`. */
function urlList(env: Env, name: string, protocols: string[]): string[] {
  const raw = str(env, name);
  if (raw === undefined) return [];
  return raw.split(',').map((part) => part.trim()).filter(Boolean).map((part) => {
    let parsed: URL;
    try {
      parsed = new URL(part);
    } catch {
      throw new ConfigError(name, `must be a comma-separated list of URLs, got "${part.replace(/\/\/[^@/]*@/, '//***@')}"`);
    }
    if (!protocols.includes(parsed.protocol)) throw new ConfigError(name, `must use ${protocols.join(' or ')}, got ${parsed.protocol}`);
    return part;
  });
}

/**
 * OMNI360_NATS_RELAY_ROLE; OMNI360_NATS_PERSONAL_DATA=true (the older switch) stands for ADMIN. INGEST
 * is refused: the role policy gives it no event log (it reads only what it wrote).
 */
function natsRelayRole(env: Env): RoleName {
  const personalData = bool(env, 'OMNI360_NATS_PERSONAL_DATA', false);
  if (personalData && str(env, 'OMNI360_NATS_RELAY_ROLE') !== undefined) {
    throw new ConfigError('OMNI360_NATS_PERSONAL_DATA', 'and OMNI360_NATS_RELAY_ROLE are both set: set only OMNI360_NATS_RELAY_ROLE');
  }
  const role = oneOf(env, 'OMNI360_NATS_RELAY_ROLE', ROLES, personalData ? 'ADMIN' : 'ANALYST');
  if (role === 'INGEST') throw new ConfigError('OMNI360_NATS_RELAY_ROLE', 'may not be INGEST: the role policy gives INGEST no event log');
  return role;
}

/** A NATS subject or stream name fragment: `pattern` checked, wildcards and spaces never allowed. */
function natsName(env: Env, name: string, fallback: string, pattern: RegExp, what: string): string {
  const raw = str(env, name) ?? fallback;
  if (!pattern.test(raw)) throw new ConfigError(name, `must be ${what}, got "${raw}"`);
  return raw;
}

function tracing(env: Env): TracingSettings {
  try {
    return tracingSettings(env);
  } catch (error) {
    if (error instanceof TracingSettingError) throw new ConfigError(error.variable, error.message);
    throw error;
  }
}

/** Parses the environment into a Config, throwing a ConfigError that names the offending variable. */
export function loadConfig(env: Env = process.env): Config {
  const nodeEnv = oneOf(env, 'NODE_ENV', ['development', 'production', 'test'] as const, 'development');
  const production = nodeEnv === 'production';
  const region = (str(env, 'OMNI360_DEFAULT_REGION') ?? 'PL').toUpperCase();
  // A two-letter code that is no region (XX, or UK for GB) would fail every national phone number later.
  if (!/^[A-Z]{2}$/.test(region) || !isSupportedCountry(region)) {
    throw new ConfigError('OMNI360_DEFAULT_REGION', `must be a two-letter country code with a phone numbering plan (e.g. PL, DE, GB), got "${region}"`);
  }
  const jwtSecret = str(env, 'OMNI360_JWT_SECRET');
  if (jwtSecret !== undefined && jwtSecret.length < 32) {
    throw new ConfigError('OMNI360_JWT_SECRET', 'must have at least 32 characters for HS256');
  }
  const idempotencyKey = str(env, 'OMNI360_IDEMPOTENCY_KEY');
  if (idempotencyKey !== undefined && idempotencyKey.length < 32) {
    throw new ConfigError('OMNI360_IDEMPOTENCY_KEY', 'must have at least 32 characters');
  }
  return {
    nodeEnv,
    host: str(env, 'HOST') ?? '0.0.0.0',
    port: int(env, 'PORT', 4000, 0, 65_535),
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    dataDir: path.resolve(str(env, 'OMNI360_DATA_DIR') ?? '.data'),
    embeddedPgPort: int(env, 'OMNI360_EMBEDDED_PG_PORT', 54_329, 1024, 65_535),
    dbPoolMax: int(env, 'OMNI360_DB_POOL_MAX', 10, 1, 500),
    dbStatementTimeoutMs: int(env, 'OMNI360_DB_STATEMENT_TIMEOUT_MS', 15_000, 0, 3_600_000),
    dbPreparedStatements: bool(env, 'OMNI360_DB_PREPARED_STATEMENTS', true),
    readPlanner: bool(env, 'OMNI360_READ_PLANNER', true),
    apiKeys: parseApiKeys(str(env, 'OMNI360_API_KEYS')),
    jwtSecret,
    idempotencyKey,
    jwksUrl: url(env, 'OMNI360_JWKS_URL', ['https:', 'http:']),
    jwtMaxLifetimeSeconds: int(env, 'OMNI360_JWT_MAX_LIFETIME_SECONDS', 3600, 0, 31 * 24 * 3600),
    defaultRegion: region,
    logLevel: oneOf(env, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    introspection: bool(env, 'OMNI360_INTROSPECTION', !production),
    graphiql: bool(env, 'OMNI360_GRAPHIQL', !production),
    eventRetentionDays: int(env, 'OMNI360_EVENT_RETENTION_DAYS', 30, 1, 3650),
    eventPartitionSize: int(env, 'OMNI360_EVENT_PARTITION_SIZE', 1_000_000, 1_000, 1_000_000_000_000),
    declineCooldownDays: int(env, 'OMNI360_OFFER_DECLINE_COOLDOWN_DAYS', 30, 0, 3650),
    slaTargets: slaTargets(env),
    shutdownGraceMs: int(env, 'OMNI360_SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    requestTimeoutMs: int(env, 'OMNI360_REQUEST_TIMEOUT_MS', 30_000, 0, 3_600_000),
    fieldSuggestions: bool(env, 'OMNI360_FIELD_SUGGESTIONS', !production),
    websocket: {
      maxSubscriptions: int(env, 'OMNI360_WS_MAX_SUBSCRIPTIONS', 50, 1, 10_000),
      maxBufferedBytes: int(env, 'OMNI360_WS_MAX_BUFFERED_BYTES', 4 * 1024 * 1024, 64 * 1024, 1024 * 1024 * 1024),
      keepAliveMs: int(env, 'OMNI360_WS_KEEPALIVE_MS', 12_000, 1_000, 600_000),
    },
    cors: corsPolicy(env, production),
    trustedDocuments: trustedDocuments(env),
    rateLimit: {
      perSecond: int(env, 'OMNI360_RATE_LIMIT_PER_SECOND', 500, 0, 1_000_000),
      burst: int(env, 'OMNI360_RATE_LIMIT_BURST', 1_000, 1, 10_000_000),
    },
    limits: {
      maxDepth: int(env, 'OMNI360_MAX_DEPTH', DEFAULT_LIMITS.maxDepth, 1, 100),
      maxCost: int(env, 'OMNI360_MAX_COST', DEFAULT_LIMITS.maxCost, 1, 100_000_000),
      maxAliases: int(env, 'OMNI360_MAX_ALIASES', DEFAULT_LIMITS.maxAliases, 0, 10_000),
      maxDirectives: int(env, 'OMNI360_MAX_DIRECTIVES', DEFAULT_LIMITS.maxDirectives, 0, 10_000),
      maxTokens: int(env, 'OMNI360_MAX_TOKENS', DEFAULT_LIMITS.maxTokens, 100, 1_000_000),
      maxBreadth: int(env, 'OMNI360_MAX_BREADTH', DEFAULT_LIMITS.maxBreadth, 10, 100_000),
      maxResponseBytes: int(env, 'OMNI360_MAX_RESPONSE_BYTES', DEFAULT_LIMITS.maxResponseBytes, 1024, 1024 * 1024 * 1024),
      reportTextBytes: bool(env, 'OMNI360_REPORT_TEXT_BYTES', DEFAULT_LIMITS.reportTextBytes),
    },
    // --- operations (observability, relay, replicas) ---
    metrics: { enabled: bool(env, 'OMNI360_METRICS', true), token: metricsToken(env) },
    tracing: tracing(env),
    nats: {
      servers: urlList(env, 'NATS_URL', ['nats:', 'tls:']),
      subjectPrefix: natsName(env, 'OMNI360_NATS_SUBJECT_PREFIX', 'omni360', /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'subject tokens separated by dots (letters, digits, _ and -)'),
      stream: natsName(env, 'OMNI360_NATS_STREAM', 'OMNI360_EVENTS', /^[A-Za-z0-9_-]{1,64}$/, 'a JetStream stream name (letters, digits, _ and -)'),
      role: natsRelayRole(env),
    },
    readReplicaUrls: urlList(env, 'OMNI360_READ_REPLICA_URLS', ['postgres:', 'postgresql:']),
    readReplicaMaxLagMs: int(env, 'OMNI360_READ_REPLICA_MAX_LAG_MS', 30_000, 0, 86_400_000),
    directDatabaseUrl: url(env, 'OMNI360_DIRECT_DATABASE_URL', ['postgres:', 'postgresql:']),
    webhooks: {
      worker: bool(env, 'OMNI360_WEBHOOK_WORKER', true),
      allowPrivate: bool(env, 'OMNI360_WEBHOOK_ALLOW_PRIVATE', false),
      retryWindowMs: int(env, 'OMNI360_WEBHOOK_RETRY_WINDOW_SECONDS', 3 * 86_400, 1, 30 * 86_400) * 1_000,
      backoffBaseMs: int(env, 'OMNI360_WEBHOOK_BACKOFF_BASE_MS', 5_000, 1, 3_600_000),
      backoffMaxMs: int(env, 'OMNI360_WEBHOOK_BACKOFF_MAX_MS', 3_600_000, 1, 86_400_000),
      timeoutMs: int(env, 'OMNI360_WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000),
      pollMs: int(env, 'OMNI360_WEBHOOK_POLL_MS', 250, 10, 60_000),
    },
  };
}

/** OMNI360_CORS_ORIGINS: exact origins; unset, any loopback page outside production and none in production. */
function corsPolicy(env: Env, production: boolean): CorsPolicy {
  const raw = str(env, 'OMNI360_CORS_ORIGINS');
  if (raw === undefined) return { origins: [], loopback: !production };
  const origins = parseCorsOrigins(raw);
  if (typeof origins === 'string') throw new ConfigError('OMNI360_CORS_ORIGINS', origins);
  return { origins, loopback: false };
}

/** OMNI360_TRUSTED_DOCUMENTS (a manifest file) and the roles held to it (default PARTNER,ANALYST). */
function trustedDocuments(env: Env): TrustedDocuments | undefined {
  const rolesRaw = str(env, 'OMNI360_TRUSTED_DOCUMENTS_ROLES') ?? 'PARTNER,ANALYST';
  const roles = rolesRaw.split(',').map((part) => part.trim().toUpperCase()).filter(Boolean);
  for (const role of roles) {
    if (!(ROLES as readonly string[]).includes(role)) {
      throw new ConfigError('OMNI360_TRUSTED_DOCUMENTS_ROLES', `has an unknown role "${role}" (expected ${ROLES.join(', ')})`);
    }
  }
  const file = str(env, 'OMNI360_TRUSTED_DOCUMENTS');
  if (file === undefined) return undefined;
  const resolved = path.resolve(file);
  try {
    return { path: resolved, documents: loadTrustedDocuments(resolved), roles: roles as RoleName[] };
  } catch (error) {
    if (error instanceof TrustedDocumentsManifestError) throw new ConfigError('OMNI360_TRUSTED_DOCUMENTS', `(${resolved}) ${error.message}`);
    throw error;
  }
}

function metricsToken(env: Env): string | undefined {
  const token = str(env, 'OMNI360_METRICS_TOKEN');
  if (token !== undefined && token.length < 16) throw new ConfigError('OMNI360_METRICS_TOKEN', 'must have at least 16 characters');
  return token;
}
