import { randomBytes } from 'node:crypto';
import { IdentifyCustomerDocument, type CustomerCoreFragment, type IdentifyCustomerInput } from '../generated/graphql';
import { TOKENS, type TestServer } from './server';

/** Letters only, so that names stay names (a digit would make a search look like a phone fragment). */
function letters(n: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz';
  return Array.from(randomBytes(n), (byte) => alphabet[byte % alphabet.length]).join('');
}

/** A fresh Polish mobile number in national format: 9 digits starting with 5..8. */
export function polishMobile(): string {
  const digits = Array.from(randomBytes(8), (byte) => String(byte % 10)).join('');
  return `${5 + (randomBytes(1)[0] % 4)}${digits}`;
}

export interface Person {
  firstName: string;
  lastName: string;
  email: string;
  /** National format, e.g. 601234567; stored as +48601234567. */
  phone: string;
  city: string;
}

/** A person whose every value is unique to the test run, so that searches and scans never collide. */
export function person(): Person {
  const first = `Zen${letters(6)}`;
  const last = `Quist${letters(7)}`;
  return {
    firstName: first,
    lastName: last,
    email: `${first}.${last}@${letters(5)}.example.com`.toLowerCase(),
    phone: polishMobile(),
    city: `Town${letters(6)}`,
  };
}

/** identifyCustomer that must succeed; returns the customer. */
export async function identify(env: TestServer, input: IdentifyCustomerInput, token: string = TOKENS.AGENT): Promise<CustomerCoreFragment> {
  const res = await env.ok(IdentifyCustomerDocument, { input }, token);
  if (res.identifyCustomer.userErrors.length > 0) throw new Error(`identifyCustomer failed: ${JSON.stringify(res.identifyCustomer.userErrors)}`);
  return res.identifyCustomer.customer!;
}

/** Creates a customer for a person with e-mail and phone identities and a profile. */
export function createPerson(env: TestServer, p: Person = person(), token: string = TOKENS.AGENT): Promise<CustomerCoreFragment> {
  return identify(env, {
    identities: [{ type: 'EMAIL', value: p.email }, { type: 'PHONE', value: p.phone }],
    profile: { firstName: p.firstName, lastName: p.lastName, city: p.city },
    channel: 'WEB',
  }, token);
}
