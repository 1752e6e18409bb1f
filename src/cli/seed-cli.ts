import 'reflect-metadata';
import { MikroORM } from '@mikro-orm/postgresql';
import { loadConfig } from '../config/config';
import { ormConfig } from '../config/mikro-orm.config';
import type { AppState } from '../context/context';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../database/embedded-postgres';
import { migrateUp } from '../database/migrate';
import { modules } from '../modules';
import type { EventHub } from '../modules/events/event-hub';
import { wireModules } from '../modules/wiring';
import { createLogger } from '../server/logger';
import { DEFAULT_SEED, isEmpty, seedDemo } from './demo-seed';
import { progressBar } from './progress';

/** Writes go through services, which publish to the log directly; nothing here subscribes. */
const noSubscriptions: EventHub = {
  start: async () => undefined,
  stop: async () => undefined,
  subscribe: async () => { throw new Error('the seed serves no subscriptions'); },
  purgeExpired: async () => 0,
  maintainPartitions: async () => 0,
  stats: () => ({ active: 0, opened: 0, queued: 0 }),
};

/**
 * `npm run seed [-- --customers N --seed S --force]`: the demo dataset, into DATABASE_URL or the
 * embedded database. Refuses a database that already has customers unless --force.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: number) => {
    const index = args.indexOf(`--${name}`);
    return index >= 0 ? Number(args[index + 1]) : fallback;
  };
  const config = loadConfig();
  const log = createLogger('warn');
  let embedded: EmbeddedDatabase | undefined;
  const url = config.databaseUrl ?? (embedded = await startEmbeddedPostgres(config.dataDir, config.embeddedPgPort, () => undefined)).url;
  await migrateUp(url);
  // The seed writes through the services, which read the modules' contributions (guest-order claims).
  wireModules(modules);
  const orm = await MikroORM.init(ormConfig({ clientUrl: url, poolMax: 12 }));
  try {
    const app: AppState = { config, orm, events: noSubscriptions, log };
    if (!(await isEmpty(app)) && !args.includes('--force')) {
      console.error('The database already has customers; run with --force to add the demo data anyway.');
      process.exitCode = 1;
      return;
    }
    const bar = progressBar(process.stderr, 'seeding');
    const started = Date.now();
    const summary = await seedDemo(app, {
      ...DEFAULT_SEED,
      customers: option('customers', DEFAULT_SEED.customers),
      seed: option('seed', DEFAULT_SEED.seed),
      onProgress: (done, total, phase) => bar.update(done, total, phase),
    });
    bar.finish(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    console.log(JSON.stringify(summary, null, 2));
  } finally {
    await orm.close(true);
    await embedded?.stop();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
