import { CommonErrorCode, DomainError } from './errors';

/**
 * PostgreSQL text (and jsonb) cannot hold NUL characters. Service inputs are checked once, deeply, at
 * the start of each service call, so a NUL anywhere is an INVALID_VALUE at its field instead of a
 * database error.
 */
export function rejectNul(value: unknown, field: string[]): void {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) throw new DomainError(CommonErrorCode.INVALID_VALUE, 'Text must not contain NUL characters.', field);
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => rejectNul(item, [...field, String(index)]));
  } else if (value && typeof value === 'object' && !(value instanceof Date)) {
    for (const [key, item] of Object.entries(value)) rejectNul(item, [...field, key]);
  }
}

/** For query arguments (no userErrors): true when the text can be sent to PostgreSQL at all. */
export function isStorableText(value: string): boolean {
  return !value.includes('\u0000');
}

const MAX_KEY = 200;

/**
 * The (source, externalId) idempotency key of an ingested record, checked the same way everywhere:
 * no NUL, trimmed, not empty, at most 200 characters; `base` locates the input that holds it.
 */
export function idempotencyKey(input: { source: string; externalId: string }, base: string[] = ['input']): { source: string; externalId: string } {
  const check = (value: string, name: 'source' | 'externalId'): string => {
    const field = [...base, name];
    rejectNul(value, field);
    const trimmed = value.trim();
    if (trimmed === '') throw new DomainError(CommonErrorCode.INVALID_VALUE, `${name} must not be empty.`, field);
    if (trimmed.length > MAX_KEY) throw new DomainError(CommonErrorCode.INVALID_VALUE, `${name} has at most ${MAX_KEY} characters.`, field);
    return trimmed;
  };
  return { source: check(input.source, 'source'), externalId: check(input.externalId, 'externalId') };
}
