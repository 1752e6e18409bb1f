import pg from 'pg';

// Drops every database this run created (the template and each test file's clone).
export default async function globalTeardown() {
  const { serverUrl, run } = globalThis.__omniRun ?? {};
  if (serverUrl) {
    const url = new URL(serverUrl);
    url.pathname = '/postgres';
    const admin = new pg.Client({ connectionString: url.toString() });
    await admin.connect();
    const { rows } = await admin.query(`select datname from pg_database where datname like $1`, [`${run}%`]);
    for (const { datname } of rows) await admin.query(`drop database if exists "${datname}" with (force)`);
    await admin.end();
  }
  await globalThis.__omniEmbedded?.stop();
}
