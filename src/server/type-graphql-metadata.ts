import { getMetadataStorage } from 'type-graphql';

/**
 * The one file that reads type-graphql's metadata storage. `getMetadataStorage` is exported, but the
 * storage's shape is type-graphql's own business (its types are not exported, and it changes between
 * release candidates): what fast-resolvers.ts needs of it is named here, checked when it is read, and
 * pinned by test/type-graphql-metadata.test.ts against the installed version (2.0.0-rc.4). An upgrade
 * of type-graphql is blocked until that test passes on it (docs/architecture.md, "Private APIs").
 */

/** A parameter of a resolver method: `@Root()`, `@Ctx()`, `@Info()`, `@Arg()`, ... */
export interface ParamView {
  kind: string;
  index: number;
  propertyName?: string;
  getType?: () => unknown;
}

export interface ObjectTypeView {
  target: Function;
  name: string;
  fields: { name: string; schemaName: string; roles?: string[]; middlewares?: unknown[] }[];
}

export interface FieldResolverView {
  kind: 'internal' | 'external';
  target: Function;
  methodName: string;
  schemaName: string;
  params: ParamView[];
  roles?: string[];
  middlewares?: unknown[];
  getObjectType?: () => Function;
}

export interface TypeGraphqlMetadata {
  objectTypes: ObjectTypeView[];
  fieldResolvers: FieldResolverView[];
}

/** type-graphql's metadata, once the schema is built; throws naming what moved when its shape is not the one read here. */
export function typeGraphqlMetadata(): TypeGraphqlMetadata {
  const storage = getMetadataStorage() as unknown as Partial<TypeGraphqlMetadata>;
  const moved = (what: string) =>
    new Error(`type-graphql's metadata storage changed (${what}): update src/server/type-graphql-metadata.ts and its contract test`);
  if (!Array.isArray(storage.objectTypes)) throw moved('objectTypes is not an array');
  if (!Array.isArray(storage.fieldResolvers)) throw moved('fieldResolvers is not an array');
  for (const type of storage.objectTypes) {
    if (typeof type.target !== 'function' || typeof type.name !== 'string' || !Array.isArray(type.fields)) throw moved(`object type ${String(type.name)}`);
  }
  for (const resolver of storage.fieldResolvers) {
    if (typeof resolver.methodName !== 'string' || typeof resolver.schemaName !== 'string' || !Array.isArray(resolver.params))
      throw moved(`field resolver ${String(resolver.methodName)}`);
  }
  return storage as TypeGraphqlMetadata;
}
