import { MikroORM } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import { ormConfig } from '../src/config/mikro-orm.config';
import { createTestDatabase } from './support/server';

describe('migrations', () => {
  let databaseUrl: string;
  let orm: MikroORM;
  beforeAll(async () => {
    databaseUrl = await createTestDatabase();
    orm = await MikroORM.init(ormConfig({ clientUrl: databaseUrl, poolMax: 2 }));
  });
  afterAll(() => orm.close(true));

  it('bring a fresh database to exactly the schema the entities describe', async () => {
    const pending = await orm.getMigrator().getPendingMigrations();
    expect(pending).toEqual([]);
    // A fresh diff between entities and the migrated database must be empty.
    const diff = await orm.schema.getUpdateSchemaSQL({ wrap: false, safe: false });
    expect(diff.trim()).toBe('');
  });

  it('create every index an entity declares by expression exactly as declared', async () => {
    // The schema diff compares such indexes by name only: build each declared expression next to the
    // migrated index, under another name, and compare PostgreSQL's own definitions of the two.
    const declared = orm.getMetadata().getAll();
    const expressions = Object.values(declared).flatMap((meta) => [...meta.indexes, ...meta.uniques])
      .filter((index): index is typeof index & { name: string; expression: string } => typeof index.expression === 'string' && typeof index.name === 'string');
    expect(expressions.map((index) => index.name)).toEqual(expect.arrayContaining(['order_placed_idx', 'interaction_customer_idx', 'conversation_opened_idx']));
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      await client.query('begin');
      const definition = async (name: string) =>
        (await client.query<{ def: string }>('select pg_get_indexdef(c.oid) as def from pg_class c where c.relname = $1', [name])).rows[0]?.def;
      for (const index of expressions) {
        const probe = `${index.name}_declared`;
        await client.query(index.expression.replace(`"${index.name}"`, `"${probe}"`));
        expect({ index: index.name, definition: (await definition(probe))?.replace(probe, index.name) }).toEqual({ index: index.name, definition: await definition(index.name) });
      }
    } finally {
      await client.query('rollback');
      await client.end();
    }
  });
});
