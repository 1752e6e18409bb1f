/**
 * One row of the role matrix: an operation, a minimal document that reaches its resolver, and the roles
 * allowed to run it. test/role-matrix.test.ts runs every row as every role.
 */
export interface AuthzRow { operation: string; kind: 'query'|'mutation'|'subscription'; document: string; variables?: Record<string, unknown>; allowed: Array<'ADMIN'|'AGENT'|'ANALYST'|'PARTNER'|'INGEST'> }
