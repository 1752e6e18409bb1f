import { MikroORM } from '@mikro-orm/postgresql';
import { ormConfig } from '../src/config/mikro-orm.config';
import { createTestDatabase } from './support/server';

describe('migrations', () => {
  it('bring a fresh database to exactly the schema the entities describe', async () => {
    const orm = await MikroORM.init(ormConfig({ clientUrl: await createTestDatabase(), poolMax: 2 }));
    try {
      const pending = await orm.getMigrator().getPendingMigrations();
      expect(pending).toEqual([]);
      // A fresh diff between entities and the migrated database must be empty.
      const diff = await orm.schema.getUpdateSchemaSQL({ wrap: false, safe: false });
      expect(diff.trim()).toBe('');
    } finally {
      await orm.close(true);
    }
  });
});
