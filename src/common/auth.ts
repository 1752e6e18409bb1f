import { GraphQLError } from 'graphql';
import { Authorized, createMethodMiddlewareDecorator, Extensions, registerEnumType, type AuthCheckerFn, type MiddlewareFn } from 'type-graphql';
import type { Context } from '../context/context';
import type { RoleName } from '../config/roles';
import { writerOf, type Principal } from './principal';

export enum Role {
  ADMIN = 'ADMIN',
  AGENT = 'AGENT',
  ANALYST = 'ANALYST',
  PARTNER = 'PARTNER',
  INGEST = 'INGEST',
}
registerEnumType(Role, { name: 'Role', description: 'What a token may do; see the role matrix in the README.' });

// Principal lives in its own file so that context/ can name it without importing this one (which
// needs the Context type): no import cycle. Re-exported here, where callers have always found it.
export type { Principal } from './principal';
export { writerOf } from './principal';

/**
 * What tells principals apart for reads: role (masking), name (writer checks) and kind of credential.
 * Work done for one principal may be reused for another with the same key (subscription fan-out).
 */
export function principalKey(principal: Principal | undefined): string {
  return principal ? `${principal.via}:${principal.role}:${principal.name}` : '';
}

/**
 * Role sets used in `@Authorized(...)` across modules: declare intent once, read it on the schema.
 * ADMIN is in every set. The README's role matrix is generated from the same declarations.
 */
export const Roles = {
  /** Reads of customers, interactions, conversations, events and subscriptions (PII masked for ANALYST and PARTNER). */
  READ: [Role.ADMIN, Role.AGENT, Role.ANALYST, Role.PARTNER],
  /** Reads partners do not get: orders, catalogue, stock, offers, analytics, duplicate detection. */
  READ_INTERNAL: [Role.ADMIN, Role.AGENT, Role.ANALYST],
  /** Reads by id that INGEST may also make, for records it wrote itself (the service checks the writer). */
  READ_WITH_INGEST: [Role.ADMIN, Role.AGENT, Role.ANALYST, Role.PARTNER, Role.INGEST],
  /**
   * Lookups by a personal value (customerByIdentity): masked roles would learn who exists behind an
   * e-mail they may only see masked; INGEST resolves identities it sends.
   */
  IDENTITY_LOOKUP: [Role.ADMIN, Role.AGENT, Role.INGEST],
  /** Writes that agents and ingesting systems make: identifyCustomer, recordInteraction, placeOrder, import. */
  WRITE_CUSTOMER: [Role.ADMIN, Role.AGENT, Role.INGEST],
  /** Writes by agents only: identities, merges, consents, conversations, order status, offer responses. */
  WRITE_AGENT: [Role.ADMIN, Role.AGENT],
  /** Stock movements: administrators and ingesting systems (store and warehouse software). */
  WRITE_STOCK: [Role.ADMIN, Role.INGEST],
  /** Administration: erasure, catalogue, locations, offers, agents. */
  ADMIN: [Role.ADMIN],
  /** Webhooks: administrators manage every webhook, partners their own (the service checks the owner). */
  WEBHOOKS: [Role.ADMIN, Role.PARTNER],
  /** GDPR export: personal data in clear, for the people who answer data-subject requests. */
  PERSONAL_DATA: [Role.ADMIN, Role.AGENT],
} as const satisfies Record<string, readonly Role[]>;

export const MASKED_ROLES: ReadonlySet<RoleName> = new Set(['ANALYST', 'PARTNER']);

/** The schema extension that carries a field's `@Allow` roles to the role-policy check. */
export const ALLOWED_ROLES_EXTENSION = 'allowedRoles';

/**
 * Shorthand so resolvers read `@Allow(Roles.READ)`: type-graphql's check at execution, and the roles in
 * the field's schema extensions, which the role-policy check (server/role-policy.ts) enforces before
 * execution with the type and field table of common/role-policy.ts.
 */
export function Allow(roles: readonly Role[]): MethodDecorator & PropertyDecorator {
  const authorized = Authorized(...roles);
  const extensions = Extensions({ [ALLOWED_ROLES_EXTENSION]: [...roles] });
  return (target: object, key: string | symbol, descriptor?: PropertyDescriptor) => {
    extensions(target, key, descriptor as never);
    authorized(target, key, descriptor as never);
  };
}

export const authChecker: AuthCheckerFn<Context, Role> = ({ context }, roles) => {
  if (!context.principal) return false;
  return roles.length === 0 || roles.includes(context.principal.role as Role);
};

export function unauthenticated(message = 'Authentication required: send "Authorization: Bearer <token>".'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}

export function forbidden(message = 'Your role may not perform this operation.'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'FORBIDDEN', http: { status: 403 } } });
}

export function shouldMask(principal: Principal | undefined): boolean {
  return principal === undefined || MASKED_ROLES.has(principal.role);
}

function maskWord(word: string): string {
  if (word.length === 0) return word;
  return `${[...word][0]}***`;
}

/** `jan.kowalski@example.com` -> `j***@e***.com` */
export function maskEmail(value: string): string {
  const at = value.lastIndexOf('@');
  if (at < 0) return maskText(value);
  const domain = value.slice(at + 1);
  const dot = domain.lastIndexOf('.');
  const tld = dot >= 0 ? domain.slice(dot) : '';
  const host = dot >= 0 ? domain.slice(0, dot) : domain;
  return `${maskWord(value.slice(0, at))}@${maskWord(host)}${tld}`;
}

/** `+48601234567` -> `+48*******67`: country code and last two digits stay. */
export function maskPhone(value: string): string {
  const match = /^(\+\d{2})(\d*)(\d{2})$/.exec(value);
  if (!match) return maskText(value);
  return `${match[1]}${'*'.repeat(match[2].length)}${match[3]}`;
}

/** Names and other short personal values: first letter of each word. */
export function maskName(value: string): string {
  return value.split(/\s+/).map(maskWord).join(' ');
}

/** Free text carries no structure worth keeping: replaced whole. */
export function maskText(value: string): string {
  return value.length === 0 ? value : '***';
}

export type PiiKind = 'email' | 'phone' | 'name' | 'text' | 'identity';

/** How an identity's value is masked, by the identity's type: EMAIL and PHONE as such, anything else as a name-like token. */
export function identityPiiKind(identity: { type: string }): PiiKind {
  if (identity.type === 'EMAIL') return 'email';
  if (identity.type === 'PHONE') return 'phone';
  return 'name';
}

export function maskValue(kind: PiiKind, value: string): string {
  switch (kind) {
    case 'email':
      return maskEmail(value);
    case 'phone':
      return maskPhone(value);
    case 'name':
      return maskName(value);
    case 'text':
    case 'identity':
      return maskText(value);
  }
}

/**
 * How a field of personal data is masked: by its declared kind, or, where the kind depends on the record
 * (an identity's value by the identity's type, a display name that is a name or an e-mail), by `kindOf`
 * given the parent and the value (null: this value is not personal, e.g. "Erased customer").
 */
export interface PiiRule {
  kind: PiiKind;
  kindOf?: (root: unknown, value: string) => PiiKind | null;
}

/**
 * Marks a field as personal data: its string value is masked for ANALYST and PARTNER wherever the
 * type appears (queries, payloads, subscriptions). Lists of strings are masked element-wise. The one
 * way a field is masked: resolvers return values in clear, and never decide about masking themselves.
 */
export function Pii<R>(kind: PiiKind, kindOf?: (root: R, value: string) => PiiKind | null): MethodDecorator & PropertyDecorator {
  const rule: PiiRule = { kind, kindOf: kindOf as PiiRule['kindOf'] };
  const middleware: MiddlewareFn<Context> = async ({ root, context }, next) => maskFor(context.principal, rule, root, await next());
  piiRules.set(middleware, rule);
  const masking = createMethodMiddlewareDecorator<Context>(middleware) as MethodDecorator & PropertyDecorator;
  // The declaration also travels in the schema: the generated role test reads personal fields from it.
  const extensions = Extensions({ [PII_EXTENSION]: kind });
  return (target: object, key: string | symbol, descriptor?: PropertyDescriptor) => {
    extensions(target, key, descriptor as never);
    masking(target, key, descriptor as never);
  };
}

/** The schema extension that names a field's kind of personal data (its `@Pii` declaration). */
export const PII_EXTENSION = 'pii';

const piiRules = new WeakMap<Function, PiiRule>();

/** The masking rule of a middleware of @Pii (the resolver binder runs it synchronously). */
export function piiRuleOf(middleware: unknown): PiiRule | undefined {
  return typeof middleware === 'function' ? piiRules.get(middleware) : undefined;
}

/** A field's value (of a parent `root`) as `principal` may see it: strings (and lists of strings) masked per role by `rule`. */
export function maskFor(principal: Principal | undefined, rule: PiiRule, root: unknown, value: unknown): unknown {
  if (!shouldMask(principal)) return value;
  const mask = (item: string): string => {
    const kind = rule.kindOf ? rule.kindOf(root, item) : rule.kind;
    return kind ? maskValue(kind, item) : item;
  };
  if (typeof value === 'string') return mask(value);
  if (Array.isArray(value)) return value.map((item) => (typeof item === 'string' ? mask(item) : item));
  return value;
}

/**
 * INGEST tokens read back only what they wrote: services call this on by-id reads with the record's
 * writer (the principal name stored at creation). Other roles pass.
 */
export function assertReadableByWriter(principal: Principal | undefined, writtenBy: string | null | undefined): void {
  if (!readsAsWriter(principal, writtenBy)) {
    throw forbidden('INGEST tokens may read only records they wrote themselves.');
  }
}

/**
 * THE writer check: whether `principal` may read a record stored with `writtenBy` as its writer.
 * INGEST reads only what it wrote; every other role passes. The one place that compares a principal
 * with a stored writer (swap the comparison here when the writer identity changes).
 */
export function readsAsWriter(principal: Principal | undefined, writtenBy: string | null | undefined): boolean {
  if (principal?.role !== 'INGEST') return true;
  return typeof writtenBy === 'string' && writtenBy === writerOf(principal);
}
