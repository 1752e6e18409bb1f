import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ROLES, type ApiKeyConfig, type Config, type RoleName } from '../config/config';
import type { WebSocket } from 'ws';
import { unauthenticated, type Principal } from '../common/auth';

type JwtVerifier = (token: string) => Promise<Principal>;

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * Resolves `Bearer <token>` to a principal: API keys first (compared in constant time against every
 * key, so timing tells nothing about which prefix matched), then JWTs when configured.
 */
export class Authenticator {
  private readonly keys: { key: ApiKeyConfig; digest: Buffer }[];
  private jwtVerifier?: Promise<JwtVerifier | undefined>;

  constructor(
    apiKeys: ApiKeyConfig[],
    private readonly config: Pick<Config, 'jwtSecret' | 'jwksUrl' | 'jwtMaxLifetimeSeconds'>,
  ) {
    this.keys = apiKeys.map((key) => ({ key, digest: digest(key.secret) }));
  }

  /** Throws UNAUTHENTICATED for a missing, malformed or unknown token. */
  async authenticate(authorization: unknown): Promise<Principal> {
    if (typeof authorization !== 'string' || authorization.trim() === '') throw unauthenticated();
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (!match) throw unauthenticated('The Authorization header must be "Bearer <token>".');
    const token = match[1];
    const presented = digest(token);
    let found: ApiKeyConfig | undefined;
    for (const entry of this.keys) {
      if (timingSafeEqual(entry.digest, presented)) found = entry.key;
    }
    if (found) return { role: found.role, name: found.name, via: 'api-key' };
    const verify = await this.jwt();
    if (verify && token.split('.').length === 3) {
      try {
        return await verify(token);
      } catch {
        throw unauthenticated('The token is not valid (bad signature, expired, or no known role).');
      }
    }
    throw unauthenticated('Unknown API key.');
  }

  private jwt(): Promise<JwtVerifier | undefined> {
    this.jwtVerifier ??= this.loadJwt();
    return this.jwtVerifier;
  }

  /**
   * A JWT's authority ends at `exp` (jose has checked it is still ahead). A token without `exp` is held
   * to OMNI360_JWT_MAX_LIFETIME_SECONDS from its `iat`; without either it could be replayed forever,
   * so it is refused, as is every token without `exp` when the lifetime is 0.
   */
  private expiryOf(payload: { exp?: number; iat?: number }): number {
    if (typeof payload.exp === 'number') return payload.exp * 1000;
    const lifetimeMs = this.config.jwtMaxLifetimeSeconds * 1000;
    if (lifetimeMs === 0 || typeof payload.iat !== 'number') throw new Error('no exp claim');
    const expiresAt = payload.iat * 1000 + lifetimeMs;
    if (expiresAt <= Date.now()) throw new Error('older than the maximum lifetime');
    return expiresAt;
  }

  private async loadJwt(): Promise<JwtVerifier | undefined> {
    const { jwtSecret, jwksUrl } = this.config;
    if (!jwtSecret && !jwksUrl) return undefined;
    const jose = await import('jose');
    const key = jwtSecret ? new TextEncoder().encode(jwtSecret) : jose.createRemoteJWKSet(new URL(jwksUrl!));
    return async (token) => {
      const { payload } = jwtSecret
        ? await jose.jwtVerify(token, key as Uint8Array, { algorithms: ['HS256'] })
        : await jose.jwtVerify(token, key as ReturnType<typeof jose.createRemoteJWKSet>);
      const role = payload.role;
      if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) throw new Error('no role claim');
      return { role: role as RoleName, name: typeof payload.sub === 'string' ? payload.sub : 'jwt', via: 'jwt', expiresAt: this.expiryOf(payload) };
    };
  }
}

/** Close code for a connection whose token expired: graphql-ws's Forbidden, as for a refused token. */
export const TOKEN_EXPIRED_CLOSE_CODE = 4403;

/**
 * Ends a WebSocket's authority when its token does: the socket is closed with 4403 at `expiresAt`, which
 * ends its live subscriptions; nothing is sent once it is closing. API keys do not expire.
 */
export function closeAtExpiry(socket: Pick<WebSocket, 'close' | 'once'>, principal: Principal): void {
  const { expiresAt } = principal;
  if (expiresAt === undefined) return;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    const left = expiresAt - Date.now();
    if (left <= 0) {
      socket.close(TOKEN_EXPIRED_CLOSE_CODE, 'Forbidden: the token expired');
      return;
    }
    // setTimeout holds at most 2^31-1 ms (24.8 days): longer tokens re-arm.
    timer = setTimeout(arm, Math.min(left, 2 ** 31 - 1));
    timer.unref();
  };
  arm();
  socket.once('close', () => clearTimeout(timer));
}

/** True when the principal's token has expired (checked again at each WebSocket operation). */
export function hasExpired(principal: Principal | undefined): boolean {
  return principal?.expiresAt !== undefined && principal.expiresAt <= Date.now();
}

/**
 * With no API keys and no JWT configured, the first start generates an ADMIN key and keeps it in the
 * data directory, so that a newcomer can explore at once. Returns the key and whether it is new.
 */
export function ensureBootstrapKey(dataDir: string): { key: ApiKeyConfig; created: boolean; file: string } {
  const file = path.join(dataDir, 'admin-api-key');
  if (fs.existsSync(file)) {
    const secret = fs.readFileSync(file, 'utf8').trim();
    // An emptied or truncated file must not become a guessable ADMIN key.
    if (secret.length < 16) throw new Error(`${file} holds no usable key (fewer than 16 characters): delete it to generate a new one.`);
    return { key: { role: 'ADMIN', name: 'bootstrap-admin', secret }, created: false, file };
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const secret = `omni_${randomBytes(24).toString('base64url')}`;
  fs.writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return { key: { role: 'ADMIN', name: 'bootstrap-admin', secret }, created: true, file };
}
