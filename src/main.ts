import 'reflect-metadata';
import { ConfigError, loadConfig, type Config } from './config/config';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './database/embedded-postgres';
import { migrateUp } from './database/migrate';
import { createServer, GRAPHQL_PATH, type OmniServer } from './server/app';
import { ensureBootstrapKey } from './server/authenticate';
import { createLogger } from './server/logger';

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

  let bootstrapKey: string | undefined;
  if (config.apiKeys.length === 0 && !config.jwtSecret && !config.jwksUrl) {
    const { key, created } = ensureBootstrapKey(config.dataDir);
    config.apiKeys.push(key);
    if (created) bootstrapKey = key.secret;
    else log.info({ file: `${config.dataDir}/admin-api-key` }, 'no OMNI360_API_KEYS set: using the stored bootstrap ADMIN key');
  }

  let embedded: EmbeddedDatabase | undefined;
  let server: OmniServer | undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: finishing in-flight requests');
    const force = setTimeout(() => {
      log.error('shutdown grace period exceeded; exiting');
      process.exit(1);
    }, config.shutdownGraceMs);
    force.unref();
    try {
      await server?.stop();
      await embedded?.stop();
      log.info('stopped');
      process.exit(0);
    } catch (error) {
      log.error({ err: error }, 'error during shutdown');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));

  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres(config.dataDir, config.embeddedPgPort, (message) => log.info(message));
    databaseUrl = embedded.url;
    log.info({ dataDir: config.dataDir, port: config.embeddedPgPort }, 'embedded PostgreSQL started (set DATABASE_URL to use your own)');
  }
  const applied = await migrateUp(databaseUrl);
  if (applied.length) log.info({ migrations: applied }, 'migrations applied');

  server = await createServer(config, databaseUrl, log);
  const port = await server.listen();
  const url = `http://localhost:${port}${GRAPHQL_PATH}`;
  log.info({ url }, 'omni360 is listening');
  if (bootstrapKey) {
    // Printed once, on the first start, so a newcomer can explore at once. Stored in the data dir.
    process.stdout.write(
      `\n  omni360 is ready. A first ADMIN API key was generated and stored in ${config.dataDir}/admin-api-key:\n\n` +
        `    ${bootstrapKey}\n\n  Open GraphiQL with it: ${url}#token=${bootstrapKey}\n\n`,
    );
  } else if (config.graphiql) {
    process.stdout.write(`\n  omni360 is ready: GraphiQL at ${url}\n\n`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
