import type { RoleName } from '../config/roles';

/** Who is calling: resolved once per request (or per WebSocket connection) from the token. */
export interface Principal {
  role: RoleName;
  /** The API key's name or the JWT subject: logged, never secret. The writer recorded is writerOf(). */
  name: string;
  via: 'api-key' | 'jwt';
  /** When the token's authority ends (ms since the epoch): a JWT's `exp`; none for API keys. */
  expiresAt?: number;
}

/**
 * The one writer identity: what is stored as `created_by` and what INGEST's read-back compares with.
 * API keys by name, JWTs by `jwt:` and subject: an API key name cannot contain ":" (role:name:secret),
 * so a token whose subject is an API key's name never reads or writes as that key. 'system' without a
 * principal (migrations, seeds).
 */
export function writerOf(principal: Principal | undefined): string {
  if (!principal) return 'system';
  return principal.via === 'jwt' ? `jwt:${principal.name}` : principal.name;
}
