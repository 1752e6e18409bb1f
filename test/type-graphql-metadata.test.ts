import fs from 'node:fs';
import path from 'node:path';
import { isObjectType } from 'graphql';
import { getMetadataStorage } from 'type-graphql';
import { buildOmniSchema } from '../src/server/schema';
import { typeGraphqlMetadata } from '../src/server/type-graphql-metadata';

/**
 * Contract of src/server/type-graphql-metadata.ts, the one file that reads type-graphql's metadata
 * storage (for fast-resolvers.ts): each part it relies on, checked against the installed version, so
 * that an upgrade that moves one fails here by name instead of every field silently falling back to
 * type-graphql's slower resolvers, or to a wrong binding.
 */

const schema = buildOmniSchema();
const version = (name: string) =>
  (JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

describe('type-graphql metadata contract', () => {
  it('runs on the release it was written for (type-graphql 2.0.0-rc.4): check the adapter before any other', () => {
    expect(version('type-graphql')).toBe('2.0.0-rc.4');
  });

  it("object types list their fields with the schema name, roles and middlewares (@Pii's)", () => {
    const customer = typeGraphqlMetadata().objectTypes.find((type) => type.name === 'Customer');
    expect(customer?.target).toBeInstanceOf(Function);
    const firstName = customer?.fields.find((field) => field.name === 'firstName');
    expect(firstName).toMatchObject({ name: 'firstName', schemaName: 'firstName' });
    expect(firstName?.middlewares).toHaveLength(1);
    expect(firstName?.roles).toBeUndefined();
  });

  it('field resolvers say their class, method, schema name, parameters by kind and index, and the object type they extend', () => {
    const metadata = typeGraphqlMetadata();
    const customer = metadata.objectTypes.find((type) => type.name === 'Customer')!;
    const displayName = metadata.fieldResolvers.find((resolver) => resolver.schemaName === 'displayName' && resolver.getObjectType?.() === customer.target);
    expect(displayName).toMatchObject({ kind: 'external', methodName: 'displayName' });
    expect(displayName!.target).toBeInstanceOf(Function);
    expect([...displayName!.params].sort((a, b) => a.index - b.index).map((param) => param.kind)).toEqual(['root', 'context']);
  });

  it('what fast-resolvers.ts binds from it answers synchronously: a @Pii field masked for ANALYST, a field resolver called directly', () => {
    const customer = schema.getType('Customer');
    if (!isObjectType(customer)) throw new Error('Customer is not an object type');
    const { firstName, displayName } = customer.getFields();
    const context = { principal: { role: 'ANALYST', name: 'analyst-key' } };
    const masked = firstName.resolve!({ firstName: 'Adalbert' }, {}, context, {} as never);
    expect(masked).not.toBeInstanceOf(Promise);
    expect(masked).not.toBe('Adalbert');
    // A field resolver is called directly: a method that answers from the row answers synchronously
    // (type-graphql's middleware chain would have made it a promise).
    const admin = { principal: { role: 'ADMIN', name: 'admin-key' } };
    expect(displayName.resolve!({ id: 'cus_1', firstName: 'Ada', lastName: 'L', status: 'ACTIVE' }, {}, admin, {} as never)).toBe('Ada L');
  });

  it('fails by name when the storage no longer has the shape read here', () => {
    const storage = getMetadataStorage() as unknown as { fieldResolvers: unknown };
    const kept = storage.fieldResolvers;
    storage.fieldResolvers = undefined;
    try {
      expect(() => typeGraphqlMetadata()).toThrow(/metadata storage changed \(fieldResolvers is not an array\)/);
    } finally {
      storage.fieldResolvers = kept;
    }
  });
});
