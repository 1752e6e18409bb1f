import type { GraphQLFieldResolver, GraphQLSchema } from 'graphql';
import { isObjectType } from 'graphql';
import { AuthenticationError, AuthorizationError } from 'type-graphql';
import { authChecker, maskFor, piiRuleOf, type PiiRule } from '../common/auth';
import type { Context } from '../context/context';
import { typeGraphqlMetadata, type ParamView } from './type-graphql-metadata';

/**
 * type-graphql runs every field through its middleware runner: an async chain (a promise per field
 * once a role check is attached), a params array re-sorted on every call and, for a class-typed
 * `@Root()`, a copy of the parent into an instance of that class. On a page of 1,000 orders with
 * 3,000 lines that was most of the server's CPU and garbage.
 *
 * After the build, this binds the fields that need none of it to direct calls:
 * - a plain `@Field` without roles or middleware: graphql-js's default resolver (`parent[name]`);
 * - a `@FieldResolver` whose only middleware is the role check and whose parameters are `@Root()`,
 *   `@Ctx()` and `@Info()`: the method called directly, the role check run synchronously with the same
 *   authChecker and the same errors as type-graphql's (formatError maps them to UNAUTHENTICATED and
 *   FORBIDDEN).
 * - either of the two marked `@Pii` (its only middleware): the same, with the value masked for the
 *   principal synchronously (maskFor, what the middleware does) instead of through the async runner
 *   (the response-size budget counts it afterwards, like every text field: chargeTextFields).
 * Anything else (arguments, other middleware) keeps type-graphql's resolver.
 * Global middlewares would be skipped by both kinds: the schema is built without any (schema.ts).
 * The parent is passed as it is: omni360's object types are plain data classes with no methods, so
 * the copy type-graphql makes for a typed `@Root()` adds nothing (checked here, per class).
 */
export function bindFastResolvers(schema: GraphQLSchema): void {
  // type-graphql's own metadata, read through the one adapter that knows its shape.
  const storage = typeGraphqlMetadata();
  const typeNameOf = new Map<Function, string>(storage.objectTypes.map((type) => [type.target, type.name]));

  for (const type of storage.objectTypes) {
    const graphqlType = schema.getType(type.name);
    if (!isObjectType(graphqlType)) continue;
    const fields = graphqlType.getFields();
    for (const field of type.fields) {
      const target = fields[field.schemaName];
      if (!target || field.name !== field.schemaName || field.roles) continue;
      const pii = onlyPii(field.middlewares);
      if (pii === null) continue;
      const hasResolver = storage.fieldResolvers.some((resolver) => resolver.getObjectType?.() === type.target && resolver.methodName === field.name);
      if (hasResolver) continue;
      const name = field.name;
      // Text is counted against the response budget by the wrapper every text field gets (response-budget.ts).
      target.resolve = pii ? (root, _args, context: Context) => maskFor(context.principal, pii, root, (root as Record<string, unknown>)[name]) : undefined;
    }
  }

  const instances = new Map<Function, Record<string, Function>>();
  for (const resolver of storage.fieldResolvers) {
    const pii = onlyPii(resolver.middlewares);
    if (resolver.kind !== 'external' || pii === null) continue;
    const typeName = typeNameOf.get(resolver.getObjectType!());
    const graphqlType = typeName ? schema.getType(typeName) : undefined;
    const target = isObjectType(graphqlType) ? graphqlType.getFields()[resolver.schemaName] : undefined;
    if (!target) continue;
    const getters = paramGetters(resolver.params);
    if (!getters) continue;
    let instance = instances.get(resolver.target);
    if (!instance) {
      instance = new (resolver.target as new () => Record<string, Function>)();
      instances.set(resolver.target, instance);
    }
    const method = instance[resolver.methodName].bind(instance) as (...params: unknown[]) => unknown;
    target.resolve = direct(method, getters, resolver.roles, pii);
  }
}

type Getter = (root: unknown, context: Context, info: unknown) => unknown;

function paramGetters(params: ParamView[]): Getter[] | undefined {
  const sorted = [...params].sort((a, b) => a.index - b.index);
  const getters: Getter[] = [];
  for (const param of sorted) {
    if (param.kind === 'root') {
      if (param.getType && !isPlainDataClass(param.getType())) return undefined;
      const property = param.propertyName;
      getters.push(property ? (root) => (root as Record<string, unknown>)[property] : (root) => root);
    } else if (param.kind === 'context') {
      const property = param.propertyName;
      getters.push(property ? (_root, context) => (context as unknown as Record<string, unknown>)[property] : (_root, context) => context);
    } else if (param.kind === 'info') {
      getters.push((_root, _context, info) => info);
    } else {
      return undefined;
    }
  }
  return getters;
}

/** A class whose instances carry data only: no methods or accessors of its own or inherited. */
function isPlainDataClass(type: unknown): boolean {
  if (typeof type !== 'function') return true;
  for (let proto = type.prototype; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    if (Object.getOwnPropertyNames(proto).some((name) => name !== 'constructor')) return false;
  }
  return true;
}

/** undefined: no middleware; a rule: exactly one middleware, @Pii's; null: anything else. */
function onlyPii(middlewares: unknown[] | undefined): PiiRule | undefined | null {
  if (!middlewares?.length) return undefined;
  return middlewares.length === 1 ? piiRuleOf(middlewares[0]) ?? null : null;
}

function direct(method: (...params: unknown[]) => unknown, getters: Getter[], roles: string[] | undefined, pii: PiiRule | undefined): GraphQLFieldResolver<unknown, Context> {
  const [first, second] = getters;
  const plain =
    getters.length === 1 ? (root: unknown, context: Context, info: unknown) => method(first(root, context, info))
      : getters.length === 2 ? (root: unknown, context: Context, info: unknown) => method(first(root, context, info), second(root, context, info))
        : (root: unknown, context: Context, info: unknown) => method(...getters.map((get) => get(root, context, info)));
  const call = pii
    ? (root: unknown, context: Context, info: unknown) => {
      const value = plain(root, context, info);
      return value instanceof Promise ? value.then((resolved) => maskFor(context.principal, pii, root, resolved)) : maskFor(context.principal, pii, root, value);
    }
    : plain;
  if (!roles) return (root, _args, context, info) => call(root, context, info);
  return (root, args, context, info) => {
    if (!authChecker({ root, args, context, info }, roles as never)) {
      throw roles.length === 0 ? new AuthenticationError() : new AuthorizationError();
    }
    return call(root, context, info);
  };
}
