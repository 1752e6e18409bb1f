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
