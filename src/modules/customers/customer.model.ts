import type { IdentityType } from './customer.enums';

// What the customer services take: plain shapes, free of GraphQL. The input types of the schema
// (customer.inputs.ts) implement them, and so may any other caller (the seed, other modules).

/** An identity as a channel knows it; normalised before matching. */
export interface IdentityParams {
  type: IdentityType;
  value: string;
  system?: string | null;
}

/** Profile fields of a customer; absent ones are left as they are. */
export interface CustomerProfileParams {
  firstName?: string | null;
  lastName?: string | null;
  locale?: string | null;
  city?: string | null;
}

/** A customer by id, or by identities (resolved, or created with the profile). */
export interface CustomerRefParams {
  id?: string | null;
  identities?: IdentityParams[] | null;
  profile?: CustomerProfileParams | null;
}
