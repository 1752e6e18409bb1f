import path from 'node:path';
import { defineConfig, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { allEntities } from '../modules';
import { RelayPositionEntity } from '../relay/relay-position.entity';

export const MIGRATIONS_DIR = path.resolve(__dirname, '../../migrations');

export interface OrmOptions {
  clientUrl: string;
  poolMax?: number;
  statementTimeoutMs?: number;
  /** How long a request waits for a pooled connection before failing with DATABASE_UNAVAILABLE. */
  acquireTimeoutMs?: number;
  debug?: boolean;
  /** Called for every SQL statement; tests count statements through it. */
  onQuery?: (sql: string) => void;
  /** Read replicas (OMNI360_READ_REPLICA_URLS): used only by queryRead, never implicitly. */
  replicaUrls?: string[];
}

/** application_name of replica connections: tells them apart in pg_stat_activity (and in tests). */
export const REPLICA_APPLICATION_NAME = 'omni360-read-replica';

/** The one MikroORM configuration, shared by the server, the migration CLI and the test suite. */
export function ormConfig(options: OrmOptions): Options {
  return defineConfig({
    clientUrl: options.clientUrl,
    // Infrastructure tables that belong to no GraphQL module (the relay's position) join the modules' entities.
    entities: [...allEntities, RelayPositionEntity],
    extensions: [Migrator],
    // Tables without a primary key, which no entity can describe: the append-only pending changes of the
    // analytics cell bitmaps (migration analyticsPendingCompaction), written and read by SQL only.
    schemaGenerator: { skipTables: ['analytics_cell_pending'] },
    // Entities declare their types explicitly, so no reflection at start-up.
    discovery: { disableDynamicFileAccess: true, requireEntitiesArray: true },
    forceUtcTimezone: true,
    timezone: 'UTC',
    allowGlobalContext: false,
    implicitTransactions: false,
    pool: {
      min: 0,
      max: options.poolMax ?? 10,
      // Applied to every pooled connection: a slow query cannot hold a connection forever. The hot reads
      // run as named prepared statements (queryPrepared): generic plans make PostgreSQL plan each once per
      // connection. With the default (auto) it kept re-planning them on every call (0.5 ms of bind per
      // statement, more than executing it), because a plan over an array parameter never looks cheaper
      // generic. Statements with their values inlined (the ORM's) are planned as before.
      // JIT off: a generic plan estimates `limit $n` at a tenth of the table, so a page of 50 over a large
      // table (the inbox's conversations at 100,000 customers) is costed above jit_above_cost and
      // PostgreSQL JIT-compiled it on every execution: 431 ms of compiling for a statement that runs in
      // 3 ms. No statement of omni360 runs long enough for compiled expressions to pay back.
      afterCreate: (conn: { query: (sql: string, cb: (err: Error | null) => void) => void }, done: (err: Error | null, conn: unknown) => void) => {
        conn.query(
          `set statement_timeout = ${Math.trunc(options.statementTimeoutMs ?? 15_000)}; set timezone = 'UTC'; set plan_cache_mode = force_generic_plan; set jit = off`,
          (err) => done(err, conn),
        );
      },
    },
    // Fail fast when the database is unreachable: a request waits at most this long for a connection.
    driverOptions: {
      acquireConnectionTimeout: options.acquireTimeoutMs ?? 5_000,
      connection: { connectionTimeoutMillis: 3_000, keepAlive: true },
    },
    // Replicas lag the primary: only reads that opt in (queryRead) go there, never an entity read that
    // MikroORM would otherwise route to a replica by itself.
    preferReadReplicas: false,
    replicas: (options.replicaUrls ?? []).map((url, index) => ({
      name: `read-${index + 1}`,
      clientUrl: url,
      driverOptions: { connection: { application_name: REPLICA_APPLICATION_NAME } },
    })),
    debug: options.debug ?? false,
    logger: options.onQuery ? (message: string) => options.onQuery!(message) : undefined,
    migrations: {
      path: MIGRATIONS_DIR,
      pathTs: MIGRATIONS_DIR,
      tableName: 'mikro_orm_migrations',
      transactional: true,
      allOrNothing: true,
      silent: true,
      snapshot: false,
      emit: 'ts',
      fileName: (timestamp: string, name?: string) => `Migration${timestamp}${name ? `_${name}` : ''}`,
    },
  });
}
