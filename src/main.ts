import 'reflect-metadata';
// First: tracing (when switched on) patches http, express, pg and graphql as they load.
import { tracing } from './observability/tracing-bootstrap';
import fs from 'node:fs';
import { ConfigError, loadConfig, type Config } from './config/config';
import type { EmbeddedDatabase } from './database/embedded-postgres';
import type { OmniServer } from './server/app';
import { createLogger } from './server/logger';

// V8 flags (allocation-site pretenuring off) are given on the node command line by whatever starts
// the server (npm start, the Dockerfile, the bench), never changed at run time: see SERVER_NODE_FLAGS
// in bench/bench-config.ts and docs/scaling.md.

/** Start-up only: config -> database -> migrations -> HTTP + WebSocket server. */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const log = createLogger(config.logLevel);

  // The rest loads once the configuration is known to be good, so a bad value fails in a moment.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { startEmbeddedPostgres } = require('./database/embedded-postgres') as typeof import('./database/embedded-postgres');
  const { migrateUp } = require('./database/migrate') as typeof import('./database/migrate');
  const { createServer, GRAPHQL_PATH } = require('./server/app') as typeof import('./server/app');
  const { ensureBootstrapKey } = require('./server/authenticate') as typeof import('./server/authenticate');
  const { ensureIdempotencyKey } = require('./common/idempotency') as typeof import('./common/idempotency');
  const { DEFAULT_SEED, isEmpty, seedDemo } = require('./cli/demo-seed') as typeof import('./cli/demo-seed');
  const { progressBar } = require('./cli/progress') as typeof import('./cli/progress');
  /* eslint-enable @typescript-eslint/no-require-imports */

  let bootstrap: { secret: string; file: string; created: boolean } | undefined;
  if (config.apiKeys.length === 0 && !config.jwtSecret && !config.jwksUrl) {
    const { key, created, file } = ensureBootstrapKey(config.dataDir);
    config.apiKeys.push(key);
    bootstrap = { secret: key.secret, file, created };
    if (!created) log.info({ file }, 'no OMNI360_API_KEYS set: using the stored bootstrap ADMIN key');
  }
  const idempotencyKeyFile = ensureIdempotencyKey(config);
  if (idempotencyKeyFile && config.nodeEnv === 'production') {
    // A key per instance would make a replay reaching another instance incomparable (docs/reliability.md).
    log.warn(
      { file: idempotencyKeyFile.file },
      'no OMNI360_IDEMPOTENCY_KEY set: using a key stored in the data directory; instances sharing a database must share one key',
    );
  }

  let embedded: EmbeddedDatabase | undefined;
  let server: OmniServer | undefined;
  let stopping = false;
  let announced = false;
  let startup: Promise<void> = Promise.resolve();

  /** Stops what started, in reverse order; the embedded database last, after every request finished. */
  const stopAll = async () => {
    await startup.catch(() => undefined);
    await server?.stop();
    await embedded?.stop();
    // Last: spans of the final requests are flushed to the collector.
    await tracing?.shutdown().catch(() => undefined);
  };

  const shutdown = async (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'already shutting down');
      return;
    }
    stopping = true;
    log.info({ signal }, 'shutting down: finishing in-flight requests');
    // In-flight requests get shutdownGraceMs (the HTTP drain waits that long); closing the pool and
    // stopping the database get a few seconds more before the process gives up.
    const force = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownGraceMs + 5_000);
    force.unref();
    try {
      await stopAll();
      log.info('stopped');
      process.exit(0);
    } catch (error) {
      log.error({ err: error }, 'error during shutdown');
      process.exit(1);
    }
  };
  // Registered before anything starts, so that a signal during start-up also stops what started.
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  startup = (async () => {
    let databaseUrl = config.databaseUrl;
    if (!databaseUrl) {
      // omni360 owns SIGTERM/SIGINT: the embedded database stops after the last request, not before.
      embedded = await startEmbeddedPostgres(config.dataDir, config.embeddedPgPort, (message) => log.info(message), { ownSignals: true });
      databaseUrl = embedded.url;
      log.info({ dataDir: config.dataDir, port: config.embeddedPgPort }, 'embedded PostgreSQL started (set DATABASE_URL to use your own)');
    }
    if (stopping) return;
    const applied = await migrateUp(databaseUrl);
    if (applied.length) log.info({ migrations: applied }, 'migrations applied');
    if (stopping) return;
    server = await createServer(config, databaseUrl, log);
    if (stopping) return;
    const port = await server.listen();
    const url = `http://localhost:${port}${GRAPHQL_PATH}`;
    if (process.argv.includes('--demo') && (await isEmpty(server.app))) {
      // `npm start -- --demo` on an empty database: the demo dataset, through the same services.
      const bar = progressBar(process.stderr, 'demo data');
      const summary = await seedDemo(server.app, { ...DEFAULT_SEED, onProgress: (done, total, phase) => bar.update(done, total, phase) });
      bar.finish(`${summary.customers} customers, ${summary.orders} orders, ${summary.interactions} interactions`);
    }
    log.info({ url }, 'omni360 is listening');
    if (bootstrap?.created) {
      // Printed once, on the first start, so a newcomer can explore at once. Stored in the data dir.
      process.stdout.write(
        `\n  omni360 is ready. A first ADMIN API key was generated and stored in ${bootstrap.file}:\n\n` +
          `    ${bootstrap.secret}\n\n  Open GraphiQL with it: ${url}#token=${bootstrap.secret}\n\n`,
      );
    } else {
      // Later starts do not print the key again, but say where it is (a newcomer's second start).
      const where = bootstrap ? `\n  The ADMIN API key is in ${bootstrap.file} (open GraphiQL with ${url}#token=<that key>).\n` : '';
      process.stdout.write(`\n  omni360 is ready${config.graphiql ? `: GraphiQL at ${url}` : ` at ${url}`}\n${where}\n`);
    }
    announced = true;
  })();

  try {
    await startup;
  } catch (error) {
    if (stopping) return; // the shutdown in progress reports and exits
    stopping = true;
    log.fatal({ err: error }, 'start-up failed');
    // A key nobody saw would never be printed again: the next start generates and prints a new one.
    if (bootstrap?.created && !announced) fs.rmSync(bootstrap.file, { force: true });
    await Promise.allSettled([server?.stop()]);
    await embedded?.stop().catch(() => undefined);
    process.exit(1);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
