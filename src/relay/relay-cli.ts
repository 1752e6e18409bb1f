import 'reflect-metadata';
import { ConfigError, loadConfig } from '../config/config';
import { createLogger } from '../server/logger';
import { NatsRelay } from './nats-relay';

/**
 * `npm run relay`: the NATS JetStream relay as a process of its own (DATABASE_URL and NATS_URL required),
 * for deployments that keep it off the API instances. It takes the same advisory lock as an API instance
 * with NATS_URL set, so running both is safe: one publishes, the others stand by.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
    if (!config.databaseUrl) throw new ConfigError('DATABASE_URL', 'is required by the relay');
    if (config.nats.servers.length === 0) throw new ConfigError('NATS_URL', 'is required by the relay');
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const log = createLogger(config.logLevel);
  const relay = new NatsRelay({ databaseUrl: config.databaseUrl, nats: config.nats, log, statementTimeoutMs: config.dbStatementTimeoutMs });
  const stop = (signal: string) => {
    log.info({ signal }, 'relay: stopping');
    void relay.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  relay.start();
  log.info({ relay: relay.name, subjects: `${config.nats.subjectPrefix}.>` }, 'relay: started (publishes while it holds the lock)');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
