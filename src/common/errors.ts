import { Field, ObjectType } from 'type-graphql';

/**
 * Codes shared by every module. Module-specific codes live in `<module>.errors.ts` and are plain
 * strings too: the code is the contract, the message is for humans.
 */
export const CommonErrorCode = {
  NOT_FOUND: 'NOT_FOUND',
  INVALID_VALUE: 'INVALID_VALUE',
  CONFLICT: 'CONFLICT',
  IDEMPOTENCY_CONFLICT: 'IDEMPOTENCY_CONFLICT',
  CUSTOMER_ERASED: 'CUSTOMER_ERASED',
} as const;

/** An expected failure: becomes a `userErrors` entry of a mutation payload, never a top-level error. */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly field?: string[],
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

@ObjectType({ description: 'An expected failure of a mutation, with a stable machine-readable code.' })
export class UserError {
  @Field({ description: 'Stable code, e.g. CONFLICT, NOT_FOUND, INSUFFICIENT_STOCK.' })
  code!: string;

  @Field(() => [String], { nullable: true, description: 'Path to the input field at fault, e.g. ["input", "identities", "0", "value"].' })
  field?: string[];

  @Field({ description: 'Human-readable explanation; may change between versions.' })
  message!: string;
}

export function toUserError(error: DomainError): UserError {
  return { code: error.code, field: error.field, message: error.message };
}

/**
 * The one error mapper for mutations: runs the service call and turns a DomainError into a payload
 * with `userErrors`. Anything else propagates and is masked by the server's error formatter.
 */
export async function mutationPayload<T extends object>(
  run: () => Promise<T>,
  empty: { [K in keyof T]?: T[K] | null } = {},
): Promise<T & { userErrors: UserError[] }> {
  try {
    return { ...(await run()), userErrors: [] };
  } catch (error) {
    if (error instanceof DomainError) return { ...(empty as T), userErrors: [toUserError(error)] };
    throw error;
  }
}

/**
 * A request refused with a top-level error code: queries and subscriptions have no userErrors. Services
 * (and the shared pagination and cursor code) throw it; the GraphQL layer answers it as a top-level error
 * with its code, and `argument` when one argument is at fault (`formatError` in
 * server/operation-pipeline.ts), on every transport.
 */
export class RefusedError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly argument?: string,
  ) {
    super(message);
    this.name = 'RefusedError';
  }
}

/** A refused argument of a query or subscription: a top-level BAD_USER_INPUT naming the argument. */
export class InvalidArgumentError extends RefusedError {
  constructor(message: string, argument?: string) {
    super('BAD_USER_INPUT', message, argument);
    this.name = 'InvalidArgumentError';
  }
}
