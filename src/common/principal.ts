import type { RoleName } from '../config/roles';

/** Who is calling: resolved once per request (or per WebSocket connection) from the token. */
export interface Principal {
  role: RoleName;
  /** The API key's name or the JWT subject: logged, recorded as the writer, never secret. */
  name: string;
  via: 'api-key' | 'jwt';
}
