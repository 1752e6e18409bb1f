import type { AuthzRow } from './types';

export const rows: AuthzRow[] = [
  {
    operation: 'offersFor',
    kind: 'query',
    // An unknown customer is a BAD_USER_INPUT: the role got through.
    document: '{ offersFor(customerId: "cus_00000000000000000000000000", channel: WEB) { eligible } }',
    allowed: ['ADMIN', 'AGENT', 'ANALYST'],
  },
  {
    operation: 'upsertOffer',
    kind: 'mutation',
    // Neither discountPercent nor discountAmount: an INVALID_VALUE user error, nothing written.
    document: 'mutation { upsertOffer(input: { code: "AUTHZ", title: "x" }) { userErrors { code } } }',
    allowed: ['ADMIN'],
  },
  {
    operation: 'respondToOffer',
    kind: 'mutation',
    document: 'mutation { respondToOffer(input: { offerId: "ofr_00000000000000000000000000", customerId: "cus_00000000000000000000000000", channel: WEB, response: DECLINED }) { userErrors { code } } }',
    allowed: ['ADMIN', 'AGENT'],
  },
];
