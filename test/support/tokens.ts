import type { RoleName } from '../../src/config/config';

/** One fixed API key per role; tests authenticate as `TOKENS.AGENT`, etc. */
export const TOKENS: Record<RoleName, string> = {
  ADMIN: 'test-admin-secret-000000',
  AGENT: 'test-agent-secret-000000',
  ANALYST: 'test-analyst-secret-0000',
  PARTNER: 'test-partner-secret-0000',
  INGEST: 'test-ingest-secret-00000',
};

/** TOKENS as OMNI360_API_KEYS (`ROLE:name:secret,...`). */
export const API_KEYS = Object.entries(TOKENS)
  .map(([role, secret]) => `${role}:${role.toLowerCase()}-key:${secret}`)
  .join(',');
