import { maskValue, shouldMask, type PiiKind, type Principal } from '../../common/auth';

/**
 * Payload keys that may carry personal data. Publishers keep payloads to ids, channels, directions and
 * counts; where a payload must carry one of these (an interaction's subject), it is masked for ANALYST
 * and PARTNER on every read and scrubbed by erasure.
 */
export const PERSONAL_PAYLOAD_KEYS: Readonly<Record<string, PiiKind>> = {
  subject: 'text',
  body: 'text',
  note: 'text',
  reason: 'text',
  firstName: 'name',
  lastName: 'name',
  name: 'name',
  city: 'name',
  email: 'email',
  phone: 'phone',
  value: 'identity',
  // Idempotency keys (an interaction's Message-ID) may carry personal data.
  externalId: 'text',
};

/** A copy of the payload with every personal value masked (nested objects and arrays included). */
export function maskPayload(payload: unknown): unknown {
  if (Array.isArray(payload)) return payload.map(maskPayload);
  if (payload === null || typeof payload !== 'object') return payload;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(payload as Record<string, unknown>)) {
    const kind = PERSONAL_PAYLOAD_KEYS[key];
    out[key] = kind && typeof value === 'string' ? maskValue(kind, value) : maskPayload(value);
  }
  return out;
}

/** An event's payload as `principal` may read it: masked for the masked roles (GraphQL, webhooks, the NATS relay). */
export function payloadFor(principal: Principal | undefined, payload: unknown): unknown {
  return shouldMask(principal) ? maskPayload(payload) : payload;
}
