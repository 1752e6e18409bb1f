import 'reflect-metadata';
import { MikroORM } from '@mikro-orm/postgresql';
import { loadConfig } from '../config/config';
import { ormConfig } from '../config/mikro-orm.config';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './embedded-postgres';
import { migrateUp } from './migrate';
import { withScratchDatabase } from './scratch-database';

/**
 * `npm run migrate`: applies migrations to DATABASE_URL (or the embedded database).
 * `npm run migration:create -- name`: diffs the entities against a scratch database built from the
 * existing migrations and writes a new migration for the difference.
 */
async function main(): Promise<void> {
  const [command = 'up', name] = process.argv.slice(2);
  const config = loadConfig();
  let embedded: EmbeddedDatabase | undefined;
  const url = config.databaseUrl ?? (embedded = await startEmbeddedPostgres(config.dataDir, config.embeddedPgPort, console.log)).url;
  try {
    if (command === 'up') {
      const applied = await migrateUp(url);
      console.log(applied.length ? `applied ${applied.join(', ')}` : 'database is up to date');
    } else if (command === 'create') {
      await withScratchDatabase(url, 'omni360_migration_scratch', async (scratchUrl) => {
        await migrateUp(scratchUrl);
        const orm = await MikroORM.init(ormConfig({ clientUrl: scratchUrl, poolMax: 2 }));
        try {
          const result = await orm.getMigrator().createMigration(undefined, false, false, name);
          console.log(result.diff.up.length ? `wrote migrations/${result.fileName}` : 'entities and migrations agree: nothing to write');
        } finally {
          await orm.close(true);
        }
      });
    } else {
      throw new Error(`unknown command "${command}" (up | create [name])`);
    }
  } finally {
    await embedded?.stop();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
