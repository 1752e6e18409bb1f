import type { AuthzRow } from './types';

export const rows: AuthzRow[] = [
  {
    operation: 'analytics',
    kind: 'query',
    // An empty database answers null / empty lists: the role got through.
    document: '{ analytics(from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z") { firstContactResolutionRate revenueByChannel { channel } } }',
    allowed: ['ADMIN', 'AGENT', 'ANALYST'],
  },
];
