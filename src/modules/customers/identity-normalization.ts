import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { DomainError, CommonErrorCode } from '../../common/errors';
import { rejectNul } from '../../common/text';
import { IdentityType } from './customer.enums';

export interface NormalizedIdentity {
  type: IdentityType;
  system: string;
  value: string;
}

const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/;
const MAX_VALUE_LENGTH = 320;

/**
 * Normalises an identity before it is matched or stored: e-mail trimmed and lower-cased, phone to
 * E.164 in the default region, every other value trimmed; social identities need a system.
 */
export function normalizeIdentity(
  input: { type: IdentityType; value: string; system?: string | null },
  defaultRegion: string,
  field: string[],
): NormalizedIdentity {
  rejectNul(input, field);
  const raw = input.value.trim();
  const system = (input.system ?? '').trim().toLowerCase();
  if (raw === '') throw new DomainError(CommonErrorCode.INVALID_VALUE, 'An identity value must not be empty.', [...field, 'value']);
  if (raw.length > MAX_VALUE_LENGTH) {
    throw new DomainError(CommonErrorCode.INVALID_VALUE, `An identity value has at most ${MAX_VALUE_LENGTH} characters.`, [...field, 'value']);
  }
  if (system.length > 64) throw new DomainError(CommonErrorCode.INVALID_VALUE, 'A system name has at most 64 characters.', [...field, 'system']);
  switch (input.type) {
    case IdentityType.EMAIL: {
      const value = raw.toLowerCase();
      if (!EMAIL.test(value)) throw new DomainError(CommonErrorCode.INVALID_VALUE, `"${raw}" is not an e-mail address.`, [...field, 'value']);
      return { type: input.type, system: '', value };
    }
    case IdentityType.PHONE: {
      const phone = parsePhoneNumberFromString(raw, defaultRegion as CountryCode);
      if (!phone || !phone.isPossible()) {
        throw new DomainError(CommonErrorCode.INVALID_VALUE, `"${raw}" is not a phone number (expected E.164 such as +48601234567, or a ${defaultRegion} number).`, [...field, 'value']);
      }
      return { type: input.type, system: '', value: phone.number };
    }
    case IdentityType.SOCIAL:
    case IdentityType.EXTERNAL:
      if (system === '') {
        throw new DomainError(CommonErrorCode.INVALID_VALUE, `${input.type} identities need a system (e.g. facebook, or the other system's name).`, [...field, 'system']);
      }
      return { type: input.type, system, value: raw };
    case IdentityType.LOYALTY_CARD:
      return { type: input.type, system, value: raw };
  }
}

/** Stable key of a normalised identity: what the unique index and the advisory locks are on. */
export function identityKey(identity: NormalizedIdentity): string {
  return `${identity.type}\u0000${identity.system}\u0000${identity.value}`;
}
