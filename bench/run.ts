import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { GraphQLSchema } from 'graphql';
import { Client } from 'pg';
import { loadBenchConfig, SERVER_NODE_FLAGS, type BenchConfig } from './bench-config';
import { databaseName, dropDatabase, resolveBenchDatabase, withDatabaseName, type BenchDatabase } from './database';
import { ANCHOR_MS, ensureDataset, type Dataset } from './generate';
import { percentile, postJson, runReadLoad, runWriteLoad, type LoadResult } from './load';
import { postmasterOf, UsageSampler, waitForQuiet } from './proc-stats';
import {
  ANALYTICS_YEAR, CUSTOMER_360, CUSTOMER_LIST, CUSTOMER_PAGES, fetchSchema, fitToSchema, INTERACTION_ADDED, PAGE_SCENARIOS, POSTGRAPHILE_PAGES,
  PLACE_ORDER, POSTGRAPHILE_PRODUCT_PAGES, postgraphileCustomer360, postgraphileCustomerList, PRODUCT_PAGES, RECORD_INTERACTION, removedCustomerFeatures,
  type PageId,
} from './queries';
import { Random } from '../src/common/prng';
import { postgraphileBenchDdl } from './reference-sql';
import {
  flaggedSummary, machineSection, ratioTable, resultsTable, scaleTable, statementsTable, type MachineInfo, type ResultRow, type ScaleResults, type StatementRow,
} from './report';
import { StatementCounter } from './statement-counter';
import { ensureBuild, ensureNode22, ensurePostgraphile } from './toolchain';

/**
 * `npm run bench`: build omni360 if needed, generate or reuse the dataset, then measure omni360, the
 * raw-SQL floor and PostGraphile on the same database, and print + write bench/results/<date>.md.
 * See bench/README.md for what is measured and how.
 */

const started = Date.now();
function log(message: string): void {
  process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}\n`);
}

interface Server {
  name: string;
  pid: number;
  url: string;
  stop(): Promise<void>;
}

async function freePort(preferred: number): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<number | undefined>((resolve) => {
      const probe = net.createServer();
      probe.once('error', () => resolve(undefined));
      probe.listen(port, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === 'object' && address ? address.port : undefined));
      });
    });
  return (await tryPort(preferred)) ?? (await tryPort(0))!;
}

/** Spawns a server and waits until `ready()` answers; its output is kept for error messages. */
async function startServer(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string, url: string,
  ready: () => Promise<boolean>, timeoutMs = 90_000): Promise<Server> {
  const child: ChildProcess = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) => child.once('exit', (code) => {
    exited = code;
    resolve();
  }));
  const stop = async () => {
    if (exited !== undefined) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exit;
    clearTimeout(timer);
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited !== undefined) throw new Error(`${name} exited with ${exited} before it was ready:\n${output.slice(-3000)}`);
    if (await ready().catch(() => false)) return { name, pid: child.pid!, url, stop };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await stop();
  throw new Error(`${name} was not ready after ${timeoutMs / 1000} s:\n${output.slice(-3000)}`);
}

const answersPost = (url: string, body: string) => async () => (await postJson(url, {}, body)).status < 500;

interface Implementation {
  name: 'omni360' | 'PostGraphile' | 'floor';
  headers: Record<string, string>;
}

interface ReadPlan {
  scenario: string;
  bodies: string[];
  check: (body: string) => string | undefined;
  /** Bodies after the probe (bodies[0]) when each must be new (writes); else the load rotates over `bodies`. */
  nextBody?: () => string;
}

function checker(rootPattern: RegExp): (body: string) => string | undefined {
  return (body) => {
    if (body.includes('"errors"')) return body.slice(0, 400);
    if (!rootPattern.test(body.slice(0, 120))) return `unexpected response: ${body.slice(0, 300)}`;
    return undefined;
  };
}

class Bench {
  readonly rows: ResultRow[] = [];
  /** omni360's (a) answers for a few customers, compared with the floor's: the same content? */
  readonly omniSamples = new Map<string, unknown>();
  shapeCheck: string[] = [];
  postmaster?: number;
  /** What the counting pass replays: per implementation, how to start it on a given database URL, and each page's bodies. */
  readonly countPlans: CountPlan[] = [];
  readonly statements: StatementRow[] = [];
  /** Each measured read row's latencies (sorted), for the percentiles of its rounds together. */
  readonly latencies = new WeakMap<ResultRow, number[]>();

  constructor(readonly config: BenchConfig, readonly db: BenchDatabase) {}

  /** What a log line of this scale starts with when the run measures several, interleaved. */
  get scaleTag(): string {
    return this.config.scales.length > 1 ? `[scale ${this.config.scale}] ` : '';
  }

  /**
   * `from`: where in `plan.bodies` the load starts (the rotation wraps round); returns where it stopped,
   * for the next round to go on from. `warmupSeconds`: the unmeasured seconds before the measurement.
   */
  async measureRead(server: Server, implementation: Implementation, plan: ReadPlan, connections: number, from = 0,
    warmupSeconds = this.config.warmupSeconds): Promise<number> {
    const base: ResultRow = { scenario: plan.scenario, implementation: implementation.name, connections, status: 'ok' };
    // One request first: a scenario that fails is reported with the reason, not loaded for 10 s.
    const probe = await postJson(server.url, implementation.headers, plan.bodies[0]);
    const problem = probe.status !== 200 ? `HTTP ${probe.status}: ${probe.text.slice(0, 300)}` : plan.check(probe.text);
    if (problem) {
      this.rows.push({ ...base, status: 'failed', note: problem });
      log(`${this.scaleTag}${plan.scenario} ${implementation.name} ×${connections}: FAILED ${problem.slice(0, 200)}`);
      return from;
    }
    let next = from;
    const sampler = new UsageSampler(server.pid, this.postmaster, databaseName(this.db.url));
    let usage = { serverCpuMs: Number.NaN, pgCpuMs: Number.NaN, peakRssMb: Number.NaN };
    await waitForQuiet(server.pid);
    sampler.watchMemory();
    const result = await runReadLoad({
      url: server.url,
      headers: implementation.headers,
      connections,
      warmupSeconds,
      seconds: this.config.durationSeconds,
      minRequests: this.config.minRequests,
      maxSeconds: this.config.maxDurationSeconds,
      nextBody: plan.nextBody ?? (() => plan.bodies[next++ % plan.bodies.length]),
      check: plan.check,
      onWindowStart: () => sampler.start(),
      onWindowEnd: () => (usage = sampler.stop()),
    });
    const row = this.row(base, result, usage);
    if (result.latencies) this.latencies.set(row, result.latencies);
    this.rows.push(row);
    const settled = await waitForQuiet(server.pid);
    if (settled > 1_000) log(`  (${implementation.name} needed ${(settled / 1000).toFixed(1)} s to finish the requests the load generator abandoned)`);
    return next % plan.bodies.length;
  }

  row(base: ResultRow, result: LoadResult, usage: { serverCpuMs: number; pgCpuMs: number; peakRssMb: number }, note?: string): ResultRow {
    const failures = result.errors + result.non2xx;
    const row: ResultRow = {
      ...base,
      status: failures > 0 || result.requests === 0 ? 'failed' : 'ok',
      rps: result.rps,
      p50: result.p50,
      p99: result.p99,
      nodeCpuMsPerRequest: result.requests ? usage.serverCpuMs / result.requests : undefined,
      pgCpuMsPerRequest: result.requests ? usage.pgCpuMs / result.requests : undefined,
      peakRssMb: usage.peakRssMb,
      requests: result.requests,
      errors: failures,
      note: [note, failures > 0 ? `first error: ${(result.firstError ?? 'non-2xx').slice(0, 240)}` : undefined].filter(Boolean).join('; ') || undefined,
    };
    log(`${this.scaleTag}${row.scenario} ${row.implementation} ×${row.connections}: ${row.rps!.toFixed(0)} req/s, p50 ${row.p50!.toFixed(1)} ms, p99 ${row.p99!.toFixed(1)} ms, ` +
      `node ${row.nodeCpuMsPerRequest?.toFixed(2)} ms/req, pg ${row.pgCpuMsPerRequest?.toFixed(2)} ms/req, RSS ${row.peakRssMb!.toFixed(0)} MiB` +
      (failures ? `, ${failures} ERRORS: ${result.firstError?.slice(0, 200)}` : ''));
    return row;
  }

  notAvailable(scenario: string, implementation: string, note: string): void {
    for (const connections of this.config.connections) this.rows.push({ scenario, implementation, connections, status: 'n/a', note });
    log(`${scenario} ${implementation}: n/a (${note})`);
  }
}

/** A read scenario of one implementation, prepared and waiting for its measurement. */
interface QueuedRead {
  server: Server;
  implementation: Implementation;
  plan: ReadPlan;
}

/** One scale's reads, queued on its servers, and the Bench its rows go to. */
interface ScaleReads {
  bench: Bench;
  reads: QueuedRead[];
}

/**
 * Measures the queued reads scenario by scenario (in the order they were first queued) and, within a
 * scenario, connection count by connection count with every implementation back to back: omni360,
 * PostGraphile, floor for one measurement, the reverse for the next, and each scenario starting the other
 * way round from the one before. The figures a ratio divides are then minutes apart, not a whole pass.
 * Each implementation reads its own part of the scenario's rotation (omni360 from its start, PostGraphile
 * from a third or a half of the way in, ...): with one rotation for all, whoever ran second read the
 * rows the first had just brought into PostgreSQL's shared buffers (at scale 10, 3.8 GiB against 128 MB,
 * that was 0.2 ms of PostgreSQL per request on the timeline at one connection).
 *
 * With several scales (`groups`, one per scale, each on its own database and servers), the scales take
 * part in the same turns: scale 1's implementations, then scale 10's, the whole order reversed the next
 * round. A ratio of scale 10 to scale 1 then divides figures measured a minute or two apart, where one
 * scale after the other put 20 minutes between them, and this machine's speed drifts over that.
 *
 * With BENCH_ROUNDS above 1, each connection count repeats that back-to-back measurement, the order
 * turning round every round and every implementation going on in its part of the rotation where its
 * last round stopped; each implementation's rounds become one row of medians (medianRow).
 */
async function measureInterleaved(groups: ScaleReads[]): Promise<void> {
  if (groups.length === 0) return;
  const { rounds, warmupSeconds, connections: connectionCounts } = groups[0].bench.config;
  const entries = groups.flatMap((group) => group.reads.map((read) => ({ bench: group.bench, read })));
  const scenarios = [...new Set(entries.map((entry) => entry.read.plan.scenario))];
  for (const [index, scenario] of scenarios.entries()) {
    const ofScenario = entries.filter((entry) => entry.read.plan.scenario === scenario);
    for (const [turn, connections] of connectionCounts.entries()) {
      const measured = new Map<QueuedRead, ResultRow[]>(ofScenario.map((entry) => [entry.read, []]));
      const position = new Map<QueuedRead, number>();
      for (const group of groups) {
        const own = group.reads.filter((read) => read.plan.scenario === scenario);
        for (const [at, read] of own.entries()) position.set(read, Math.floor((at / own.length) * read.plan.bodies.length));
      }
      for (let round = 0; round < rounds; round++) {
        const order = (index + turn + round) % 2 === 0 ? ofScenario : [...ofScenario].reverse();
        for (const { bench, read } of order) {
          const before = bench.rows.length;
          try {
            const warmup = round === 0 ? warmupSeconds : Math.min(warmupSeconds, 2);
            position.set(read, await bench.measureRead(read.server, read.implementation, read.plan, connections, position.get(read), warmup));
          } catch (error) {
            const note = (error as Error).message.slice(0, 300);
            bench.rows.push({ scenario, implementation: read.implementation.name, connections, status: 'failed', note });
            log(`${bench.scaleTag}${scenario} ${read.implementation.name} ×${connections}: FAILED ${note}`);
          }
          measured.get(read)!.push(...bench.rows.splice(before));
        }
      }
      for (const { bench, read } of ofScenario) bench.rows.push(medianRow(measured.get(read)!, bench.latencies));
    }
  }
}

/**
 * One row for the rounds of one measurement: the median of throughput and CPU per request over the
 * rounds, p50 and p99 over the requests of all rounds together (`latencies`, each round's sorted), the
 * highest peak RSS, the requests and errors of all rounds. A round that failed makes the row failed,
 * with that round's note.
 *
 * The percentiles pool the requests: a median of the rounds' p99s, each over a 5-s window, was the
 * second-slowest of ~115 requests for a page answered at 23 req/s; over three rounds together it is the
 * 4th-slowest of ~345.
 */
function medianRow(rounds: ResultRow[], latencies: WeakMap<ResultRow, number[]>): ResultRow {
  if (rounds.length === 1) return rounds[0];
  const failed = rounds.findIndex((row) => row.status !== 'ok');
  if (failed >= 0) return { ...rounds[failed], note: `round ${failed + 1} of ${rounds.length}: ${rounds[failed].note ?? rounds[failed].status}` };
  const median = (pick: (row: ResultRow) => number | undefined): number | undefined => {
    const values = rounds.map(pick).filter((value): value is number => value !== undefined && Number.isFinite(value)).sort((a, b) => a - b);
    if (values.length === 0) return undefined;
    const middle = Math.floor(values.length / 2);
    return values.length % 2 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
  };
  const sum = (pick: (row: ResultRow) => number | undefined) => rounds.reduce((total, row) => total + (pick(row) ?? 0), 0);
  const measured = rounds.map((row) => latencies.get(row));
  const pooled = measured.every((values) => values !== undefined) ? (measured as number[][]).flat().sort((a, b) => a - b) : [];
  return {
    ...rounds[0],
    rps: median((row) => row.rps),
    p50: pooled.length ? percentile(pooled, 50) : median((row) => row.p50),
    p99: pooled.length ? percentile(pooled, 99) : median((row) => row.p99),
    nodeCpuMsPerRequest: median((row) => row.nodeCpuMsPerRequest),
    pgCpuMsPerRequest: median((row) => row.pgCpuMsPerRequest),
    peakRssMb: rounds.reduce<number | undefined>((peak, row) => (Number.isFinite(row.peakRssMb) ? Math.max(peak ?? 0, row.peakRssMb!) : peak), undefined),
    requests: sum((row) => row.requests),
    errors: sum((row) => row.errors),
    note: [rounds[0].note, `median of ${rounds.length} rounds; req/s ${rounds.map((row) => row.rps!.toFixed(0)).join(', ')}`].filter(Boolean).join('; '),
  };
}

/** What the measurements at one scale leave for the report. */
interface ScaleRun {
  config: BenchConfig;
  dataset: Dataset;
  machine: MachineInfo;
  bench: Bench;
  postgraphileVersion: string;
}

/** A scale whose reads are queued on its running servers; `finish` measures the rest and reports it. */
interface PreparedScale extends ScaleReads {
  servers: Server[];
  finish(): Promise<ScaleRun>;
}

/**
 * The database a scale's run reads: the configured one with one scale; with several, one per scale beside
 * it (`<name>_s10`), since their servers run at the same time. Those are dropped again after the run.
 */
function scaleDatabase(db: BenchDatabase, scale: number, scales: number): BenchDatabase {
  if (scales === 1) return db;
  return { ...db, base: db.url, url: withDatabaseName(db.url, `${databaseName(db.url)}_s${String(scale).replace(/[^0-9]/g, '_')}`) };
}

async function main(): Promise<void> {
  const config = loadBenchConfig();
  const db = await resolveBenchDatabase(config.databaseUrl, config.benchDir, log, config.embedded);
  const prepared: PreparedScale[] = [];
  try {
    // Every scale is prepared first, each on its dataset (its template cloned into a database of its own)
    // with servers of its own; the reads of all scales are then measured together, interleaved, and each
    // scale's writes, statement counts and (d) follow, one scale after the other.
    for (const scale of config.scales) prepared.push(await prepareScale({ ...config, scale }, scaleDatabase(db, scale, config.scales.length)));
    try {
      await measureInterleaved(prepared);
    } finally {
      for (const scale of prepared) for (const server of scale.servers) await server.stop();
    }
    const runs: ScaleRun[] = [];
    for (const scale of prepared) runs.push(await scale.finish());
    const report = runs.length === 1 ? renderReport(runs[0]) : renderScales(runs);
    const file = path.join(config.benchDir, 'results', `${new Date().toISOString().slice(0, 10)}.md`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, report);
    process.stdout.write(`\n${report}\n`);
    log(`written ${path.relative(config.repoDir, file)}; total ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    for (const scale of prepared) for (const server of scale.servers) await server.stop();
    for (const scale of prepared) if (scale.bench.db !== db) await dropDatabase(scale.bench.db.url).catch((error: Error) => log(`could not drop ${databaseName(scale.bench.db.url)}: ${error.message}`));
    await db.stop();
  }
}

async function prepareScale(config: BenchConfig, db: BenchDatabase): Promise<PreparedScale> {
  const loadBefore = os.loadavg().map((value) => value.toFixed(2)).join(', ');
  log(`scale ${config.scale}, ${config.durationSeconds} s per run after ${config.warmupSeconds} s warm-up, ${config.rounds} round(s) of the reads, connections ${config.connections.join(' and ')}`);
  const bench = new Bench(config, db);
  const wantGraphile = config.implementations.has('postgraphile');
  /** The servers the reads are measured on, up together until the last read (stopped on failure too). */
  const servers: Server[] = [];

  try {
    // Independent preparations side by side: the build, the dataset, the PostGraphile toolchain.
    const graphileToolchain = wantGraphile
      ? Promise.all([ensureNode22(config, log), ensurePostgraphile(config, log)]).then(
          ([node, version]) => ({ node, version }),
          (error: Error) => ({ error: error.message }),
        )
      : Promise.resolve({ error: 'not selected (BENCH_IMPLEMENTATIONS)' });
    const build = ensureBuild(config, log);
    const [mainJs, dataset] = await Promise.all([build, ensureDataset(config, db, log, build)]);
    const graphile = await graphileToolchain;

    const admin = new Client({ connectionString: db.url });
    await admin.connect();
    let customerIds: string[];
    let pageInputs: PageInputs;
    let postgres: string;
    try {
      if (wantGraphile) await admin.query(postgraphileBenchDdl());
      customerIds = (await admin.query<{ id: string }>(`select id from customer where merged_into_id is null order by id`)).rows.map((row) => row.id);
      pageInputs = await loadPageInputs(admin);
      postgres = (await admin.query<{ server_version: string }>('show server_version')).rows[0].server_version;
      const backend = (await admin.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0].pid;
      // CPU of PostgreSQL is read from /proc: only when the cluster runs on this machine.
      const host = new URL(db.url).hostname;
      if (['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host) && fs.existsSync(`/proc/${backend}`)) bench.postmaster = postmasterOf(backend);
    } finally {
      await admin.end();
    }
    // The same rotation for every implementation: a seeded shuffle of every customer.
    const rotation = new Random('rotation');
    const rotated = [...customerIds];
    for (let i = rotated.length - 1; i > 0; i--) {
      const j = Math.floor(rotation.next() * (i + 1));
      [rotated[i], rotated[j]] = [rotated[j], rotated[i]];
    }
    pageInputs.customerIds = rotated;
    const pages = PAGE_SCENARIOS.filter((page) => config.scenarios.has(page.id));
    const descending = [...customerIds].reverse();
    const floorCursors: (string | null)[] = [null];
    for (let end = 50; end < descending.length; end += 50) floorCursors.push(descending[end - 1]);

    const machine: MachineInfo = {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryGb: os.totalmem() / 2 ** 30,
      node: process.version,
      postgraphileNode: 'node' in graphile ? (await nodeVersion(graphile.node)) : undefined,
      postgres,
      database: `${db.kind}, ${db.url.replace(/\/\/[^@]*@/, '//')}`,
      loadBefore,
    };

    const token = config.adminKey;
    const omni: Implementation = { name: 'omni360', headers: { authorization: `Bearer ${token}` } };
    const omniPort = await freePort(4610);
    const omniUrl = `http://127.0.0.1:${omniPort}/graphql`;
    const omniEnv: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(omniPort),
      HOST: '127.0.0.1',
      DATABASE_URL: db.url,
      OMNI360_API_KEYS: `ADMIN:bench-admin:${token}`,
      OMNI360_RATE_LIMIT_PER_SECOND: '0',
      OMNI360_INTROSPECTION: 'true',
      OMNI360_DB_POOL_MAX: String(config.poolSize),
      // Per-request info logs are off for every implementation alike (none of the references logs).
      LOG_LEVEL: 'warn',
    };
    const startOmni = (databaseUrl = db.url) => startServer('omni360', process.execPath, [...SERVER_NODE_FLAGS, mainJs], { ...omniEnv, DATABASE_URL: databaseUrl }, config.repoDir, omniUrl,
      async () => (await fetch(`http://127.0.0.1:${omniPort}/readyz`)).status === 200);

    // Every read is prepared first (servers started, cursors walked, answers sampled) and measured after,
    // scenario by scenario: for each connection count the implementations back to back, in an order that
    // turns round from one measurement to the next (measureInterleaved). A machine whose speed drifts
    // during a run then moves every implementation's figure of a scenario alike, and none always meets a
    // page's data first in cold caches.
    const reads: QueuedRead[] = [];
    const queueRead = (server: Server, implementation: Implementation, plan: ReadPlan) => reads.push({ server, implementation, plan });
    const queued = (implementation: string, scenario: string) =>
      reads.some((read) => read.implementation.name === implementation && read.plan.scenario === scenario) ||
      bench.rows.some((row) => row.implementation === implementation && row.scenario === scenario);

    // ---- omni360: (a), (b), (c) ------------------------------------------------------------------
    let without = { a: [] as string[], b: [] as string[] };
    let partial = { a: false, b: false };
    let omniServer: Server | undefined;
    let schema: GraphQLSchema | undefined;
    /** Pages omni360 answered: the references run only those (a page omni360 cannot serve has nothing to compare). */
    const omniPages = new Set<PageId>();
    const onlyReferences = !config.implementations.has('omni360');
    try {
      omniServer = await startOmni();
      servers.push(omniServer);
      schema = await fetchSchema(omniUrl, token);
    } catch (error) {
      log(`omni360 did not start: ${(error as Error).message}`);
      for (const scenario of ['(a) customer-360', '(b) list 50', '(c) analytics 1 year', '(d) recordInteraction + subscribers', ...pages.map((page) => page.label)]) {
        bench.notAvailable(scenario, 'omni360', `server failed to start: ${(error as Error).message.split('\n')[0]}`);
      }
      omniServer = undefined;
    }
    const fitted = schema && {
      a: fitToSchema(schema, CUSTOMER_360),
      b: fitToSchema(schema, CUSTOMER_LIST),
      pages: fitToSchema(schema, CUSTOMER_PAGES),
      c: fitToSchema(schema, ANALYTICS_YEAR),
      d: fitToSchema(schema, RECORD_INTERACTION),
      dSub: fitToSchema(schema, INTERACTION_ADDED),
    };
    if (fitted) {
      without = { a: removedCustomerFeatures(fitted.a.missing), b: removedCustomerFeatures(fitted.b.missing) };
      partial = { a: fitted.a.missing.length > 0, b: fitted.b.missing.length > 0 };
    }
    const label = (id: 'a' | 'b') => {
      const base = id === 'a' ? '(a) customer-360' : '(b) list 50';
      return partial[id] ? `${id === 'a' ? '(a*)' : '(b*)'} ${base.slice(4)} without ${without[id].join(', ')}` : base;
    };
    const missingNote = (missing: string[]) => `field missing: ${missing.join(', ')}`;

    if (omniServer && fitted) {
      try {
        for (const id of ['a', 'b'] as const) {
          if (!config.scenarios.has(id)) continue;
          const fit = fitted[id];
          if (fit.missing.length) {
            const full = id === 'a' ? '(a) customer-360' : '(b) list 50';
            bench.notAvailable(full, 'omni360', missingNote(fit.missing));
            const skipped = `not run while omni360 cannot answer ${full.slice(0, 3)}: see ${full.slice(0, 2)}*)`;
            if (wantGraphile) bench.notAvailable(full, 'PostGraphile', skipped);
            if (config.implementations.has('floor')) bench.notAvailable(full, 'floor', skipped);
          }
          if (fit.errors.length) {
            bench.notAvailable(label(id), 'omni360', `document invalid against the schema: ${fit.errors.join('; ')}`);
            continue;
          }
          let bodies: string[];
          if (id === 'a') {
            bodies = rotated.map((customerId) => JSON.stringify({ query: fit.document, variables: { id: customerId } }));
          } else {
            const cursors = await walkCursors(omniUrl, omni.headers, fitted.pages.document, (data) => (data as { customers: PageData }).customers.pageInfo);
            log(`(b) omni360: ${cursors.length} pages to rotate over`);
            bodies = cursors.map((after) => JSON.stringify({ query: fit.document, variables: { after } }));
          }
          queueRead(omniServer, omni, { scenario: label(id), bodies, check: checker(id === 'a' ? /^\{"data":\{"customer":\{/ : /^\{"data":\{"customers":\{/) });
          // Answers to compare with the floor's later: the same content, not just the same speed.
          if (id === 'a') {
            for (const customerId of rotated.slice(0, 3)) {
              const response = await postJson(omniUrl, omni.headers, JSON.stringify({ query: fit.document, variables: { id: customerId } }));
              bench.omniSamples.set(`a:${customerId}`, JSON.parse(response.text));
            }
          } else {
            const response = await postJson(omniUrl, omni.headers, JSON.stringify({ query: fit.document, variables: { after: null } }));
            bench.omniSamples.set('b', withoutCursor(JSON.parse(response.text)));
          }
        }
        if (config.scenarios.has('c')) {
          const fit = fitted.c;
          if (fit.missing.length || fit.errors.length) {
            bench.notAvailable('(c) analytics 1 year', 'omni360', fit.missing.length ? missingNote(fit.missing) : fit.errors.join('; '));
          } else {
            const body = JSON.stringify({ query: fit.document, variables: { from: new Date(ANCHOR_MS - 365 * 86_400_000).toISOString(), to: new Date(ANCHOR_MS).toISOString() } });
            queueRead(omniServer, omni, { scenario: '(c) analytics 1 year', bodies: [body], check: checker(/^\{"data":\{"analytics":\{/) });
          }
        }
        // The pages users open (issue 16): a page whose fields omni360 lacks is n/a everywhere.
        for (const page of pages) {
          const fit = fitToSchema(schema!, page.omni);
          if (fit.missing.length || fit.errors.length) {
            bench.notAvailable(page.label, 'omni360', fit.missing.length ? missingNote(fit.missing) : `document invalid against the schema: ${fit.errors.join('; ')}`);
            continue;
          }
          const variables = page.id === 'j'
            ? (await walkCursors(omniUrl, omni.headers, PRODUCT_PAGES, (data) => (data as { products: PageData }).products.pageInfo)).map((after) => ({ after }))
            : pageVariables(page.id, pageInputs);
          const bodies = variables.map((values) => JSON.stringify({ query: fit.document, variables: values }));
          queueRead(omniServer, omni, { scenario: page.label, bodies, check: checker(rootPattern(page.omniRoot)) });
          omniPages.add(page.id);
          countPlan(bench, 'omni360', startOmni, omniUrl, omni.headers).pages.push({ scenario: page.label, bodies });
          if (FLOOR_PAGES[page.id]) {
            for (const values of variables.slice(0, 3)) {
              const response = await postJson(omniUrl, omni.headers, JSON.stringify({ query: fit.document, variables: values }));
              bench.omniSamples.set(`page:${page.id}:${JSON.stringify(values)}`, JSON.parse(response.text));
            }
          }
        }
      } catch (error) {
        // A preparation that failed (a cursor walk, a sample): what was queued is still measured.
        log(`omni360 preparation failed: ${(error as Error).message.slice(0, 500)}`);
        for (const scenario of ['(a) customer-360', '(b) list 50', '(c) analytics 1 year', ...pages.map((page) => page.label)]) {
          if (!queued('omni360', scenario)) bench.notAvailable(scenario, 'omni360', `failed: ${(error as Error).message.split('\n')[0].slice(0, 200)}`);
        }
      }
    }

    // ---- PostGraphile: (a), (b) ----------------------------------------------------------------------
    const readIds = (['a', 'b'] as const).filter((id) => config.scenarios.has(id));
    const pagesFor = (implementation: 'PostGraphile' | 'floor') =>
      pages.filter((page) => (onlyReferences || omniPages.has(page.id)) && (implementation === 'PostGraphile' || FLOOR_PAGES[page.id]));
    const graphilePages = pagesFor('PostGraphile');
    if (wantGraphile && (readIds.length || graphilePages.length)) {
      if ('error' in graphile) {
        for (const id of readIds) bench.notAvailable(label(id), 'PostGraphile', `unavailable: ${graphile.error.split('\n')[0]}`);
        for (const page of graphilePages) bench.notAvailable(page.label, 'PostGraphile', `unavailable: ${graphile.error.split('\n')[0]}`);
      } else {
        const port = await freePort(4611);
        const url = `http://127.0.0.1:${port}/graphql`;
        const implementation: Implementation = { name: 'PostGraphile', headers: {} };
        let server: Server | undefined;
        const startGraphile = (databaseUrl = db.url) => startServer('PostGraphile', graphile.node, [path.join(config.benchDir, 'postgraphile-server.mjs')],
          { ...process.env, NODE_ENV: 'production', PORT: String(port), DATABASE_URL: databaseUrl, BENCH_POOL_SIZE: String(config.poolSize) },
          config.benchDir, url, answersPost(url, JSON.stringify({ query: '{ __typename }' })));
        try {
          server = await startGraphile();
          servers.push(server);
          for (const id of readIds) {
            let bodies: string[];
            if (id === 'a') {
              const document = postgraphileCustomer360(without.a);
              bodies = rotated.map((customerId) => JSON.stringify({ query: document, variables: { id: customerId } }));
            } else {
              const cursors = await walkCursors(url, {}, POSTGRAPHILE_PAGES, (data) => (data as { allCustomers: PageData }).allCustomers.pageInfo);
              const document = postgraphileCustomerList(without.b);
              bodies = cursors.map((after) => JSON.stringify({ query: document, variables: { after } }));
            }
            queueRead(server, implementation, { scenario: label(id), bodies, check: checker(id === 'a' ? /^\{"data":\{"customerByRowId":\{/ : /^\{"data":\{"allCustomers":\{/) });
          }
          for (const page of graphilePages) {
            const variables = page.id === 'j'
              ? (await walkCursors(url, {}, POSTGRAPHILE_PRODUCT_PAGES, (data) => (data as { allProducts: PageData }).allProducts.pageInfo)).map((after) => ({ after }))
              : pageVariables(page.id, pageInputs);
            const bodies = variables.map((values) => JSON.stringify({ query: page.graphile, variables: values }));
            queueRead(server, implementation, { scenario: page.label, bodies, check: checker(rootPattern(page.graphileRoot)) });
            countPlan(bench, 'PostGraphile', startGraphile, url, {}).pages.push({ scenario: page.label, bodies });
          }
        } catch (error) {
          const reason = (error as Error).message;
          log(`PostGraphile failed: ${reason.slice(0, 500)}`);
          for (const scenario of [...readIds.map(label), ...graphilePages.map((page) => page.label)]) {
            if (!queued('PostGraphile', scenario)) bench.notAvailable(scenario, 'PostGraphile', `failed: ${reason.split('\n')[0].slice(0, 200)}`);
          }
        }
      }
    }

    // ---- the raw-SQL floor: (a), (b) -----------------------------------------------------------------
    const floorPages = pagesFor('floor');
    if (config.implementations.has('floor') && (readIds.length || floorPages.length)) {
      const port = await freePort(4612);
      const url = `http://127.0.0.1:${port}/graphql`;
      const implementation: Implementation = { name: 'floor', headers: {} };
      let server: Server | undefined;
      const startFloor = (databaseUrl = db.url) => startServer('floor', process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(config.benchDir, 'floor-server.ts')],
        { ...process.env, NODE_ENV: 'production', PORT: String(port), DATABASE_URL: databaseUrl, BENCH_POOL_SIZE: String(config.poolSize), TS_NODE_PROJECT: path.join(config.repoDir, 'tsconfig.json') },
        config.repoDir, url, answersPost(url, JSON.stringify({ operationName: 'CustomerList', variables: { after: null } })));
      try {
        server = await startFloor();
        servers.push(server);
        for (const id of readIds) {
          const bodies = id === 'a'
            ? rotated.map((customerId) => JSON.stringify({ operationName: 'Customer360', variables: { id: customerId }, without: without.a }))
            : floorCursors.map((after) => JSON.stringify({ operationName: 'CustomerList', variables: { after }, without: without.b }));
          queueRead(server, implementation, { scenario: label(id), bodies, check: checker(id === 'a' ? /^\{"data"\s*:\s*\{"customer"\s*:\s*\{/ : /^\{"data"\s*:\s*\{"customers"\s*:\s*\{/) });
          for (const [key, expected] of bench.omniSamples) {
            if (!key.startsWith(id)) continue;
            const body = id === 'a'
              ? { operationName: 'Customer360', variables: { id: key.slice(2) }, without: without.a }
              : { operationName: 'CustomerList', variables: { after: null }, without: without.b };
            const response = await postJson(url, {}, JSON.stringify(body));
            const differences = diff(expected, id === 'a' ? JSON.parse(response.text) : withoutCursor(JSON.parse(response.text)));
            const what = id === 'a' ? `(a) customer ${key.slice(2)}` : '(b) first page of 50';
            bench.shapeCheck.push(differences.length ? `${what}: ${differences.slice(0, 5).join('; ')}` : `${what}: identical`);
          }
        }
        for (const page of floorPages) {
          const operation = FLOOR_PAGES[page.id]!;
          const bodies = pageVariables(page.id, pageInputs).map((values) => JSON.stringify({ operationName: operation, variables: values }));
          queueRead(server, implementation, { scenario: page.label, bodies, check: checker(new RegExp(`^\\{"data"\\s*:\\s*\\{"${page.omniRoot}"\\s*:\\s*\\{`)) });
          countPlan(bench, 'floor', startFloor, url, {}).pages.push({ scenario: page.label, bodies });
          for (const [key, expected] of bench.omniSamples) {
            if (!key.startsWith(`page:${page.id}:`)) continue;
            const values = JSON.parse(key.slice(`page:${page.id}:`.length)) as Record<string, unknown>;
            const response = await postJson(url, {}, JSON.stringify({ operationName: operation, variables: values }));
            const differences = diff(expected, JSON.parse(response.text));
            const what = `${page.label.slice(0, 3)} ${Object.values(values).join(', ')}`;
            bench.shapeCheck.push(differences.length ? `${what}: ${differences.slice(0, 5).join('; ')}` : `${what}: identical`);
          }
        }
      } catch (error) {
        log(`floor failed: ${(error as Error).message.slice(0, 500)}`);
        for (const scenario of [...readIds.map(label), ...floorPages.map((page) => page.label)]) {
          if (!queued('floor', scenario)) bench.notAvailable(scenario, 'floor', `failed: ${(error as Error).message.split('\n')[0].slice(0, 200)}`);
        }
      }
    }

    // ---- the reads are measured by the caller, every server up, one load at a time (measureInterleaved);
    // what follows runs after, when the read servers have stopped.
    const finish = async (): Promise<ScaleRun> => {
      try {
        // ---- omni360: (w) unpaced writes, before the counting pass, which counts them too ---------------
        if (config.scenarios.has('w') && config.implementations.has('omni360') && fitted) {
          await measureWrites(bench, db.url, rotated, startOmni, countPlan(bench, 'omni360', startOmni, omniUrl, omni.headers), omni);
        }

        // ---- SQL statements per request of the pages: a separate pass, each server through a counting proxy ----
        if (bench.countPlans.length) await countStatements(bench, db.url);

        // ---- omni360: (d), last, because it writes -----------------------------------------------------
        if (config.scenarios.has('d') && fitted && config.implementations.has('omni360')) {
          const scenario = `(d) recordInteraction @${config.writeRate}/s + ${config.subscribers} subscribers`;
          const missing = [...fitted.d.missing, ...fitted.dSub.missing];
          if (missing.length || fitted.d.errors.length || fitted.dSub.errors.length) {
            bench.notAvailable(scenario, 'omni360', missing.length ? missingNote(missing) : [...fitted.d.errors, ...fitted.dSub.errors].join('; '));
          } else {
            let server: Server | undefined;
            try {
              server = await startOmni();
              for (const connections of config.connections) {
                const sampler = new UsageSampler(server.pid, bench.postmaster, databaseName(db.url));
                await waitForQuiet(server.pid);
                sampler.watchMemory();
                try {
                  const result = await runWriteLoad({
                    url: omniUrl, wsUrl: omniUrl.replace(/^http/, 'ws'), token, connections, seconds: config.durationSeconds, rate: config.writeRate,
                    subscribers: config.subscribers, customerIds: rotated, tag: `run${started}-c${connections}`, mutation: RECORD_INTERACTION,
                    subscription: INTERACTION_ADDED, onSendStart: () => sampler.start(),
                  });
                  const usage = sampler.stop();
                  const note = `writes ${result.requests}${result.notSent ? ` (${result.notSent} due writes never sent: below the ${config.writeRate}/s target)` : ''}; ` +
                    `deliveries ${result.deliveries}/${result.expectedDeliveries} to ${result.subscribersConnected} subscribers; ` +
                    `delivery p50 ${result.deliveryP50.toFixed(1)} ms, p99 ${result.deliveryP99.toFixed(1)} ms`;
                  bench.rows.push(bench.row({ scenario, implementation: 'omni360', connections, status: 'ok' }, result, usage, note));
                  log(note);
                } catch (error) {
                  sampler.stop();
                  bench.rows.push({ scenario, implementation: 'omni360', connections, status: 'failed', note: (error as Error).message.slice(0, 300) });
                  log(`${scenario} ×${connections}: FAILED ${(error as Error).message.slice(0, 300)}`);
                }
              }
            } catch (error) {
              bench.notAvailable(scenario, 'omni360', `server failed to start: ${(error as Error).message.split('\n')[0]}`);
            } finally {
              await server?.stop();
            }
          }
        }

        // The results table groups each scenario's rows (they were measured interleaved): omni360, then the references.
        const scenarioRank = new Map<string, number>();
        for (const row of bench.rows) if (!scenarioRank.has(row.scenario)) scenarioRank.set(row.scenario, scenarioRank.size);
        const implementationRank = (name: string) => ['omni360', 'PostGraphile', 'floor'].indexOf(name);
        bench.rows.sort((x, y) => scenarioRank.get(x.scenario)! - scenarioRank.get(y.scenario)! ||
          implementationRank(x.implementation) - implementationRank(y.implementation) || (x.connections ?? 0) - (y.connections ?? 0));

        machine.loadAfter = os.loadavg().map((value) => value.toFixed(2)).join(', ');
        const postgraphileVersion = 'version' in graphile ? graphile.version : `unavailable: ${graphile.error.split('\n')[0]}`;
        return { config, dataset, machine, bench, postgraphileVersion };
      } catch (error) {
        throw inScale(config, error);
      }
    };
    return { bench, reads, servers, finish };
  } catch (error) {
    for (const server of servers) await server.stop();
    throw inScale(config, error);
  }
}

/** With several scales, an error says which one failed. */
function inScale(config: BenchConfig, error: unknown): unknown {
  return config.scales.length > 1 ? new Error(`scale ${config.scale}: ${(error as Error).message}`, { cause: error }) : error;
}

/** Connection counts of the unpaced writes (w): one writer, and a handful at once contending for rows. */
const WRITE_CONNECTIONS = [1, 8];

/** Writes of each kind sent one after another to a fresh server before (w) measures anything. */
const WRITE_WARMUP_REQUESTS = 200;

/** One unpaced write scenario: the body of its n-th request under a tag (every request a new idempotency key). */
interface WriteScenario {
  label: string;
  root: 'placeOrder' | 'recordInteraction';
  body: (n: number, tag: string) => string;
}

/** (w): a one-line and a three-line order (WEB, fulfilment rule) and an inbound chat message, each of a rotating known customer. */
function writeScenarios(customerIds: string[], skus: string[]): WriteScenario[] {
  const order = (lines: number) => (n: number, tag: string) => JSON.stringify({
    query: PLACE_ORDER,
    variables: { input: {
      source: 'bench-w', externalId: `${tag}-${n}`, channel: 'WEB', customer: { id: customerIds[n % customerIds.length] },
      lines: Array.from({ length: lines }, (_, line) => ({ sku: skus[(n * lines + line) % skus.length], quantity: 1 })),
    } },
  });
  const contact = (n: number, tag: string) => JSON.stringify({
    query: RECORD_INTERACTION,
    variables: { input: { source: 'bench-w', externalId: `${tag}-${n}`, channel: 'CHAT', direction: 'INBOUND', customer: { id: customerIds[n % customerIds.length] }, body: `bench message ${n}` } },
  });
  return [
    { label: '(w) placeOrder 1 line', root: 'placeOrder', body: order(1) },
    { label: '(w) placeOrder 3 lines', root: 'placeOrder', body: order(3) },
    { label: '(w) recordInteraction', root: 'recordInteraction', body: contact },
  ];
}

/**
 * (w) unpaced writes (issue 16): each write scenario as fast as `conns` writers can go, no subscribers,
 * every request a new key and created (a replay, a userError or an error fails the run). The
 * counting pass replays each with fresh keys too.
 */
async function measureWrites(bench: Bench, databaseUrl: string, customerIds: string[], start: () => Promise<Server>, counted: CountPlan, omni: Implementation): Promise<void> {
  const admin = new Client({ connectionString: databaseUrl });
  await admin.connect();
  const skus = await admin.query<{ sku: string }>(`select sku from product where active order by sku`).finally(() => admin.end());
  const scenarios = writeScenarios(customerIds, shuffled(skus.rows.map((row) => row.sku), 'writes'));
  let server: Server | undefined;
  try {
    server = await start();
    // A fresh server's first scenario would also pay for V8 tiering up the write paths (measured: the
    // first of the three ran at half the rate it ran at in third place): each kind is sent first.
    for (const [index, scenario] of scenarios.entries()) {
      for (let n = 0; n < WRITE_WARMUP_REQUESTS; n++) await postJson(server.url, omni.headers, scenario.body(n, `w${started}-${index}-warm`));
    }
    for (const [index, scenario] of scenarios.entries()) {
      const check = (body: string) => (body.startsWith(`{"data":{"${scenario.root}":`) && body.includes('"created":true,"userErrors":[]') ? undefined : body.slice(0, 300));
      for (const connections of WRITE_CONNECTIONS) {
        const tag = `w${started}-${index}-c${connections}`;
        let n = 0;
        await bench.measureRead(server, omni, { scenario: scenario.label, bodies: [scenario.body(n, tag)], check, nextBody: () => scenario.body(++n, tag) }, connections);
      }
      counted.pages.push({ scenario: scenario.label, bodies: Array.from({ length: COUNTED_REQUESTS + 32 }, (_, n) => scenario.body(n, `w${started}-${index}-count`)) });
    }
  } catch (error) {
    log(`(w) failed: ${(error as Error).message.slice(0, 500)}`);
    const note = `failed: ${(error as Error).message.split('\n')[0].slice(0, 200)}`;
    for (const scenario of scenarios.filter((candidate) => !bench.rows.some((row) => row.scenario === candidate.label))) {
      for (const connections of WRITE_CONNECTIONS) bench.rows.push({ scenario: scenario.label, implementation: 'omni360', connections, status: 'failed', note });
    }
  } finally {
    await server?.stop();
  }
}

interface CountPlan {
  implementation: string;
  start: (databaseUrl: string) => Promise<Server>;
  url: string;
  headers: Record<string, string>;
  pages: { scenario: string; bodies: string[] }[];
}

function countPlan(bench: Bench, implementation: string, start: CountPlan['start'], url: string, headers: Record<string, string>): CountPlan {
  let plan = bench.countPlans.find((candidate) => candidate.implementation === implementation);
  if (!plan) {
    plan = { implementation, start, url, headers, pages: [] };
    bench.countPlans.push(plan);
  }
  return plan;
}

/** Requests per page in the counting pass (sequential, after a concurrent warm-up that fills the pool). */
const COUNTED_REQUESTS = 40;

/**
 * Statements per request: every implementation is started again with its database URL pointing at a
 * StatementCounter, and each page is replayed: 32 concurrent requests first (the pool opens its
 * connections and runs their setup), then one idle second (what background work sends on its own, e.g.
 * omni360's pollers, subtracted pro rata), then COUNTED_REQUESTS requests one after another.
 */
async function countStatements(bench: Bench, databaseUrl: string): Promise<void> {
  const target = new URL(databaseUrl);
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  for (const plan of bench.countPlans) {
    const counter = new StatementCounter(target.hostname.replace(/^\[|\]$/g, ''), Number(target.port || 5432));
    const proxied = new URL(databaseUrl);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(await counter.start());
    let server: Server | undefined;
    try {
      server = await plan.start(proxied.toString());
      for (const page of plan.pages) {
        const body = (i: number) => page.bodies[i % page.bodies.length];
        await Promise.all(Array.from({ length: 32 }, (_, i) => postJson(plan.url, plan.headers, body(i))));
        await pause(200);
        counter.count = 0;
        await pause(1000);
        const idlePerMs = counter.count / 1000;
        counter.count = 0;
        const begun = performance.now();
        let failed = 0;
        for (let i = 0; i < COUNTED_REQUESTS; i++) {
          const response = await postJson(plan.url, plan.headers, body(32 + i));
          if (response.status !== 200 || response.text.includes('"errors"')) failed++;
        }
        const background = idlePerMs * (performance.now() - begun);
        const perRequest = Math.max(0, counter.count - background) / COUNTED_REQUESTS;
        bench.statements.push({ scenario: page.scenario, implementation: plan.implementation, perRequest, background: idlePerMs * 1000, failed });
        log(`statements ${page.scenario} ${plan.implementation}: ${perRequest.toFixed(1)} per request (background ${(idlePerMs * 1000).toFixed(1)}/s)`);
      }
    } catch (error) {
      log(`statement count of ${plan.implementation} failed: ${(error as Error).message.slice(0, 300)}`);
    } finally {
      await server?.stop();
      await counter.stop();
    }
  }
}

/** What the pages (f)-(k) rotate over, read from the dataset once (seeded order, the same for every implementation). */
interface PageInputs {
  customerIds: string[];
  statuses: string[];
  fragments: string[];
  skus: string[];
  orderIds: string[];
}

/** The pages the floor answers with one hand-written statement: page id → its operation name in floor-server.ts. */
const FLOOR_PAGES: Partial<Record<PageId, string>> = { i: 'ProductStock', k: 'OrderPage' };

const rootPattern = (root: string) => new RegExp(`^\\{"data":\\{"${root}":\\{`);

function shuffled<T>(items: T[], seed: string): T[] {
  const random = new Random(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

async function loadPageInputs(admin: Client): Promise<PageInputs> {
  const column = async (sql: string) => (await admin.query<{ v: string }>(sql)).rows.map((row) => row.v);
  return {
    customerIds: [],
    // The inbox views an agent switches between.
    statuses: ['OPEN', 'PENDING', 'RESOLVED'],
    // What an agent types: a last name (every one of the dataset), matched as a fragment of name, e-mail and phone.
    fragments: shuffled(await column(`select distinct lower(last_name) as v from customer where last_name is not null and length(last_name) >= 3 order by 1`), 'search'),
    skus: shuffled(await column(`select sku as v from product order by sku`), 'skus'),
    orderIds: shuffled(await column(`select id as v from "order" order by id`), 'orders').slice(0, 20_000),
  };
}

/** The variables a page rotates over (every page but (j), whose cursors each implementation walks itself). */
function pageVariables(id: PageId, inputs: PageInputs): Record<string, unknown>[] {
  switch (id) {
    case 'f':
      return inputs.statuses.map((status) => ({ status }));
    case 'g':
      return inputs.customerIds.map((customerId) => ({ id: customerId }));
    case 'h':
      return inputs.fragments.map((search) => ({ search }));
    case 'i':
      return inputs.skus.map((sku) => ({ sku }));
    case 'k':
      return inputs.orderIds.map((orderId) => ({ id: orderId }));
    default:
      throw new Error(`page ${id} walks its own cursors`);
  }
}

interface PageData {
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** Every `after` cursor of the customer list, walking the pages with a cheap query: [null, c1, c2, ...]. */
async function walkCursors(url: string, headers: Record<string, string>, document: string,
  pageInfo: (data: unknown) => PageData['pageInfo']): Promise<(string | null)[]> {
  const cursors: (string | null)[] = [null];
  let after: string | null = null;
  for (let page = 0; page < 100_000; page++) {
    const response = await postJson(url, headers, JSON.stringify({ query: document, variables: { after } }));
    const body = JSON.parse(response.text) as { data?: unknown; errors?: unknown };
    if (!body.data) throw new Error(`walking the customer pages failed: ${response.text.slice(0, 300)}`);
    const info = pageInfo(body.data);
    if (!info.hasNextPage || !info.endCursor) break;
    after = info.endCursor;
    cursors.push(after);
  }
  return cursors;
}

/** (b) with pageInfo.endCursor removed: cursors are opaque and differ by design between implementations. */
function withoutCursor(body: { data?: { customers?: { pageInfo?: { endCursor?: unknown } } } }): unknown {
  if (body.data?.customers?.pageInfo) delete body.data.customers.pageInfo.endCursor;
  return body;
}

/** Paths where two JSON values differ (first few), for the floor-vs-omni360 content check. */
function diff(expected: unknown, actual: unknown, at = '', out: string[] = []): string[] {
  if (out.length >= 10) return out;
  if (isDeepStrictEqual(expected, actual)) return out;
  if (expected && actual && typeof expected === 'object' && typeof actual === 'object') {
    if (Array.isArray(expected) !== Array.isArray(actual)) {
      out.push(`${at || '.'}: array vs object`);
      return out;
    }
    if (Array.isArray(expected) && Array.isArray(actual) && expected.length !== actual.length) {
      out.push(`${at}: ${expected.length} vs ${actual.length} items`);
      return out;
    }
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    for (const key of keys) diff((expected as Record<string, unknown>)[key], (actual as Record<string, unknown>)[key], `${at}.${key}`, out);
    return out;
  }
  out.push(`${at}: omni360 ${JSON.stringify(expected)?.slice(0, 60)} vs floor ${JSON.stringify(actual)?.slice(0, 60)}`);
  return out;
}

async function nodeVersion(binary: string): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(binary, ['--version']);
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.on('exit', () => resolve(output.trim()));
    child.on('error', () => resolve('unknown'));
  });
}

function renderReport({ config, dataset, machine, bench, postgraphileVersion }: ScaleRun): string {
  const size = dataset.size;
  const n = (value: number | undefined) => (value ?? 0).toLocaleString('en-US');
  const failed = bench.rows.filter((row) => row.status === 'failed');
  return [
    `# omni360 benchmark, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `Scale ${config.scale}: ${n(size.customers)} customers (${n(size.identities)} identities, ${n(size.consents)} consents), ${n(size.orders)} orders ` +
      `(${n(size.orderLines)} lines), ${n(size.products)} products, ${n(size.locations)} locations (${n(size.stockLevels)} stock levels), ` +
      `${n(size.interactions)} interactions in ${n(size.conversations)} conversations, ${n(size.agents)} agents, ${n(size.handovers)} handovers, ` +
      `${n(size.offers)} offers (${n(size.offerResponses)} responses). Dataset ${dataset.generated ? 'generated' : 'reused'} (${dataset.seconds.toFixed(0)} s incl. clone); ` +
      `the template database is ${(dataset.bytes / 2 ** 30).toFixed(2)} GiB and took ${dataset.loadSeconds.toFixed(0)} s to generate.`,
    '',
    `Each run: ${config.warmupSeconds} s warm-up, then ${config.durationSeconds} s measured with autocannon (a read's window stays open until it holds ${config.minRequests} answers, up to ${config.maxDurationSeconds} s); (d) paces writes at ${config.writeRate}/s. ` +
      (config.rounds > 1
        ? `Reads: ${config.rounds} rounds of every measurement, interleaved (later rounds warm up for ${Math.min(config.warmupSeconds, 2)} s); each figure is the median of its rounds, p50 and p99 are over the requests of all rounds together. `
        : '') +
      `Database pool ${config.poolSize} for every implementation. PostGraphile ${postgraphileVersion}.`,
    '',
    '## Machine',
    '',
    machineSection(machine),
    '',
    '## Results',
    '',
    resultsTable(bench.rows),
    '',
    '## omni360 against the references',
    '',
    ratioTable(bench.rows),
    '',
    ...(bench.statements.length
      ? ['## SQL statements per request (a separate pass through a counting proxy, not during the measurements)', '', statementsTable(bench.statements), '']
      : []),
    ...(bench.shapeCheck.length ? ['## Same content? omni360 vs the floor (the same request to both)', '', ...bench.shapeCheck.map((line) => `- ${line}`), ''] : []),
    failed.length ? `**${failed.length} run(s) FAILED** (errors are never counted as throughput): see the notes column.` : 'No run had errors.',
    '',
  ].join('\n');
}

/** Several scales: the side-by-side table first, then each scale's full report (headings one level down). */
function renderScales(runs: ScaleRun[]): string {
  const scales = runs.map((run) => run.config.scale);
  const results: ScaleResults[] = runs.map((run) => ({ scale: run.config.scale, rows: run.bench.rows, statements: run.bench.statements }));
  return [
    `# omni360 benchmark at scales ${scales.join(' and ')}, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `The scales ran in one run, each on its own dataset and servers, their reads interleaved: every measurement at one scale back to back with the same at the other, the order turning round every round. The same documents, rotations and settings at each; the writes, statement counts and (d) ran per scale after the reads.`,
    '',
    '## Every scenario at each scale',
    '',
    scaleTable(results),
    '',
    flaggedSummary(results),
    '',
    ...runs.map((run) => renderReport(run).replace(/^(#+) /gm, '#$1 ').replace(/^## omni360 benchmark/, `## Scale ${run.config.scale}: omni360 benchmark`)),
  ].join('\n');
}

main().catch((error) => {
  log(`bench failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  process.exit(1);
});
