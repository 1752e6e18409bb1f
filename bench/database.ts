import path from 'node:path';
import { Client } from 'pg';
import { withDatabaseName } from '../src/database/scratch-database';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres';

export interface BenchDatabase {
  /** The database the servers run against: a fresh clone of the dataset template for every run. */
  url: string;
  kind: 'configured' | 'local' | 'embedded';
  stop(): Promise<void>;
  /** The configured database's URL when `url` is one scale's own run database: the templates live beside that one. */
  base?: string;
}

const LOCAL_URL = 'postgres://postgres@127.0.0.1:5432/omni360_bench';
const EMBEDDED_PORT = 54_339;

export { withDatabaseName };

export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
}

async function answers(url: string): Promise<boolean> {
  const client = new Client({ connectionString: withDatabaseName(url, 'postgres'), connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Runs `work` with a connection to the cluster's maintenance database. */
export async function withAdmin<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: withDatabaseName(url, 'postgres') });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * BENCH_DATABASE_URL if set; else the machine's PostgreSQL on 127.0.0.1:5432 if it answers; else an
 * embedded PostgreSQL (the `embedded-postgres` package omni360 already ships) kept in bench/.data.
 */
export async function resolveBenchDatabase(configured: string | undefined, benchDir: string, log: (message: string) => void,
  forceEmbedded = false): Promise<BenchDatabase> {
  let url: string;
  let kind: BenchDatabase['kind'];
  let stop = async () => undefined as void;
  if (configured) {
    url = configured;
    kind = 'configured';
  } else if (!forceEmbedded && (await answers(LOCAL_URL))) {
    url = LOCAL_URL;
    kind = 'local';
  } else {
    log(`${forceEmbedded ? 'BENCH_EMBEDDED' : 'no PostgreSQL answers on 127.0.0.1:5432'}: starting an embedded one in ${path.join(benchDir, '.data')}`);
    const embedded = await startEmbeddedPostgres(path.join(benchDir, '.data'), EMBEDDED_PORT, log);
    url = withDatabaseName(embedded.url, 'omni360_bench');
    kind = 'embedded';
    stop = () => embedded.stop();
  }
  return { url, kind, stop };
}

/**
 * Where the dataset of a scale lives, reused between runs: `<name>_tpl` for scale 1 (as before scales
 * had templates of their own), `<name>_tpl_s10` for 10, `<name>_tpl_s0_1` for 0.1. A run at another
 * scale leaves the others' templates in place.
 */
export function templateUrlFor(db: BenchDatabase, scale: number): string {
  const suffix = scale === 1 ? '' : `_s${String(scale).replace(/[^0-9]/g, '_')}`;
  const base = db.base ?? db.url;
  return withDatabaseName(base, `${databaseName(base)}_tpl${suffix}`);
}

export async function databaseBytes(url: string): Promise<number> {
  return withAdmin(url, async (admin) => {
    const result = await admin.query<{ bytes: string }>('select pg_database_size($1) as bytes', [databaseName(url)]);
    return Number(result.rows[0].bytes);
  });
}

/**
 * Above this size a clone copies the template's files (one checkpoint) instead of writing every block
 * through the WAL, PostgreSQL 15's default: a scale-10 template is several GB.
 */
const FILE_COPY_BYTES = 2 ** 30;

export async function databaseExists(url: string): Promise<boolean> {
  return withAdmin(url, async (admin) => {
    const result = await admin.query('select 1 from pg_database where datname = $1', [databaseName(url)]);
    return result.rowCount === 1;
  });
}

/** Drops the database of `url`, connections and all (a run's own clone). */
function dropSql(url: string): string {
  return `drop database if exists ${quoteIdent(databaseName(url))} with (force)`;
}

export async function dropDatabase(url: string): Promise<void> {
  await withAdmin(url, (admin) => admin.query(dropSql(url)));
}

export async function recreateDatabase(url: string, template?: string): Promise<void> {
  await withAdmin(url, async (admin) => {
    await admin.query(dropSql(url));
    let clause = '';
    if (template) {
      const facts = await admin.query<{ version: number; bytes: string }>(
        `select current_setting('server_version_num')::int as version, pg_database_size($1) as bytes`, [databaseName(template)]);
      const fileCopy = facts.rows[0].version >= 150_000 && Number(facts.rows[0].bytes) > FILE_COPY_BYTES;
      clause = ` template ${quoteIdent(databaseName(template))}${fileCopy ? ' strategy file_copy' : ''}`;
    }
    await admin.query(`create database ${quoteIdent(databaseName(url))}${clause}`);
  });
}
