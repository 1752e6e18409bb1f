/** Roles a token can carry. The order is not significant. */
export const ROLES = ['ADMIN', 'AGENT', 'ANALYST', 'PARTNER', 'INGEST'] as const;
export type RoleName = (typeof ROLES)[number];
