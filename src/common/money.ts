import { Field, InputType, ObjectType } from 'type-graphql';
import { DomainError, CommonErrorCode } from './errors';

@ObjectType({ description: 'An amount of money: a decimal string (never a float) and an ISO-4217 currency.' })
export class Money {
  @Field({ description: 'Decimal string with two fraction digits, e.g. "1299.00".' })
  amount!: string;

  @Field({ description: 'ISO-4217 code, e.g. PLN, EUR.' })
  currencyCode!: string;
}

/** An amount as callers give it (what services take; MoneyInput is its GraphQL input type). */
export interface MoneyParams {
  amount: string;
  currencyCode: string;
}

@InputType({ description: 'An amount of money as input.' })
export class MoneyInput implements MoneyParams {
  @Field({ description: 'Decimal string, at most two fraction digits, e.g. "1299.00".' })
  amount!: string;

  @Field({ description: 'ISO-4217 code, e.g. PLN.' })
  currencyCode!: string;
}

/** Money travels as integer minor units (cents) inside omni360: no float ever touches an amount. */
export function parseMoney(input: MoneyParams, field: string[]): { cents: number; currency: string } {
  const match = /^(-?)(\d{1,12})(?:\.(\d{1,2}))?$/.exec(input.amount.trim());
  if (!match) throw new DomainError(CommonErrorCode.INVALID_VALUE, `amount must be a decimal string such as "19.99", got "${input.amount}"`, [...field, 'amount']);
  const currency = input.currencyCode.trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(currency)) throw new DomainError(CommonErrorCode.INVALID_VALUE, 'currencyCode must be a three-letter ISO-4217 code', [...field, 'currencyCode']);
  const cents = Number(match[2]) * 100 + Number((match[3] ?? '').padEnd(2, '0'));
  return { cents: match[1] === '-' ? -cents : cents, currency };
}

/**
 * Amounts are computed in integer minor units held in doubles: exact up to 2^53 - 1 (90 trillion in
 * major units), which also fits every bigint column. A total past it would round silently (999 x
 * 999,999,999,999.99 came out as ...990.00) or overflow in SQL, so it is refused at the edge instead.
 */
export function checkExactCents(cents: number, what: string, field: string[]): number {
  if (!Number.isSafeInteger(cents)) {
    throw new DomainError(CommonErrorCode.INVALID_VALUE, `${what} exceeds ${formatCents(Number.MAX_SAFE_INTEGER)}, the largest amount omni360 computes exactly.`, field);
  }
  return cents;
}

export function formatCents(cents: number | string | bigint): string {
  const number = typeof cents === 'bigint' ? NaN : Number(cents);
  if (Number.isSafeInteger(number)) {
    // The common case (every amount below 90 trillion): integer arithmetic without BigInt.
    const abs = Math.abs(number);
    const fraction = abs % 100;
    return `${number < 0 ? '-' : ''}${(abs - fraction) / 100}.${fraction < 10 ? '0' : ''}${fraction}`;
  }
  const value = BigInt(cents);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const whole = abs / 100n;
  const fraction = (abs % 100n).toString().padStart(2, '0');
  return `${negative ? '-' : ''}${whole}.${fraction}`;
}

export function money(cents: number | string | bigint, currencyCode: string): Money {
  return { amount: formatCents(cents), currencyCode };
}
