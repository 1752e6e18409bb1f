import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { Client } from 'pg';
import { CUSTOMER_360 } from '../../bench/queries';
import { followResuming, type ResumingFeed } from '../../test/support/resuming-subscriber';
import { comparePositions, decodeEventCursor, positionOf } from '../../src/modules/events/event-cursor';
import { purgeStep } from '../../src/modules/events/event-retention';
import type { SqlRunner } from '../../src/modules/events/event-reader';
import { cpuSeconds, freePort, PgCluster, portAnswers, postgresBinDir, SERVICE_USER, Service, sleep, waitFor, which } from './topology';

/**
 * npm run test:scale: the scale-out topology of docs/scaling.md with the real parts, on this machine —
 * a PostgreSQL primary and a streaming replica, PgBouncer (transaction mode), three omni360 instances
 * behind HAProxy, the NATS JetStream relay — under a mixed load through HAProxy while faults happen:
 * an instance killed with SIGKILL and restarted, PgBouncer restarted, the replica's replay paused.
 * Then it checks and prints: writes lost or duplicated, oversold units, every subscriber's stream
 * against the log, the JetStream stream against the log, analytics on the replica, and what clients saw
 * during each fault. Any loss, duplicate or mismatch exits non-zero. Also: the event log's retention at
 * a few million events, and the capacity of one instance (docs/scaling.md quotes the figures).
 */

const ROOT = path.resolve(__dirname, '../..');
const TOKENS = {
  ADMIN: 'scale-admin-secret-0000000',
  INGEST: 'scale-ingest-secret-000000',
  PARTNER: 'scale-partner-secret-00000',
  ANALYST: 'scale-analyst-secret-00000',
};
const API_KEYS = Object.entries(TOKENS)
  .map(([role, secret]) => `${role}:${role.toLowerCase()}-key:${secret}`)
  .join(',');
const INSTANCES = 3;
const SUBSCRIBERS = 100;
const CUSTOMERS = 60;
const SCARCE_UNITS = 400;
const MAX_LAG_MS = 3_000;
const RUN_ID = `s${Date.now().toString(36)}`;
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
/** The whole run, set-up and clean-up included, stays under CI's 10 minutes. */
const BUDGET_MS = 9.5 * 60_000;

const failures: string[] = [];
function check(what: string, ok: boolean, detail = ''): void {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}${detail ? `: ${detail}` : ''}`);
  if (!ok) failures.push(what);
}

/**
 * Self-test (`npm run test:scale -- --inject=all`, or a comma-separated list of the names below): after
 * the load, each named fault is made on purpose, and the check that must catch it is named here; the
 * run then has to fail (exit 1) with every one of those checks failing.
 */
const INJECTABLE = {
  'lost-write': 'acknowledged writes lost',
  'duplicate-write': 'duplicate writes',
  oversold: 'oversold units',
  'subscriber-duplicate': `every subscriber's stream`,
  'subscriber-gap': `every subscriber's stream`,
  'stream-duplicate': 'JetStream stream equals the event log',
  'stream-loss': 'JetStream stream equals the event log',
  'stream-order': 'JetStream stream equals the event log',
} as const;
type Injection = keyof typeof INJECTABLE;
const INJECT = new Set<Injection>(
  process.argv
    .filter((arg) => arg.startsWith('--inject='))
    .flatMap((arg) => arg.slice('--inject='.length).split(','))
    .flatMap((name) => {
      if (name === 'all') return Object.keys(INJECTABLE) as Injection[];
      if (!(name in INJECTABLE)) throw new Error(`--inject: unknown fault ${name} (one of all, ${Object.keys(INJECTABLE).join(', ')})`);
      return [name as Injection];
    }),
);

// ---------------------------------------------------------------------------------------------- HTTP

interface Answer {
  ok: boolean;
  /** The error code (GraphQL extensions.code, HTTP_<status>, or NETWORK) when not ok. */
  code?: string;
  data?: Record<string, unknown>;
  ms: number;
}

async function gql(base: string, token: string, query: string, variables: Record<string, unknown> = {}): Promise<Answer> {
  const started = performance.now();
  try {
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(20_000),
    });
    const body = (await res.json().catch(() => undefined)) as { data?: Record<string, unknown>; errors?: { extensions?: { code?: string } }[] } | undefined;
    const ms = performance.now() - started;
    if (body?.errors?.length) return { ok: false, code: body.errors[0].extensions?.code ?? 'UNKNOWN', ms };
    if (res.status !== 200 || !body?.data) return { ok: false, code: `HTTP_${res.status}`, ms };
    return { ok: true, data: body.data, ms };
  } catch {
    return { ok: false, code: 'NETWORK', ms: performance.now() - started };
  }
}

async function must(base: string, token: string, query: string, variables: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  for (let attempt = 0; ; attempt++) {
    const answer = await gql(base, token, query, variables);
    const payload = answer.data && (Object.values(answer.data)[0] as { userErrors?: unknown[] } | null);
    if (answer.ok && !payload?.userErrors?.length) return answer.data!;
    if (attempt >= 5) throw new Error(`setup failed: ${answer.code} ${JSON.stringify(answer.data)}`);
    await sleep(500);
  }
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

// ------------------------------------------------------------------------------------- observation

/** What clients saw, per phase of the run (steady, and each fault). */
class Observations {
  phase = 'steady';
  private readonly phases = new Map<string, { errors: Map<string, number>; requests: number; longestStallMs: number }>();
  /** Per client: when it last got an answer it could use. */
  private readonly lastSuccess = new Map<string, number>();

  private current() {
    let entry = this.phases.get(this.phase);
    if (!entry) {
      entry = { errors: new Map(), requests: 0, longestStallMs: 0 };
      this.phases.set(this.phase, entry);
    }
    return entry;
  }

  record(client: string, answer: { ok: boolean; code?: string }): void {
    const entry = this.current();
    entry.requests += 1;
    const now = Date.now();
    if (answer.ok) {
      const last = this.lastSuccess.get(client);
      if (last !== undefined) entry.longestStallMs = Math.max(entry.longestStallMs, now - last);
      this.lastSuccess.set(client, now);
    } else {
      entry.errors.set(answer.code ?? 'UNKNOWN', (entry.errors.get(answer.code ?? 'UNKNOWN') ?? 0) + 1);
    }
  }

  report(): string[] {
    return [...this.phases].map(([phase, entry]) => {
      const errors = [...entry.errors].map(([code, n]) => `${code} ${n}`).join(', ') || 'none';
      return `  ${phase.padEnd(16)} ${String(entry.requests).padStart(6)} requests; errors: ${errors}; longest stall of a client: ${(entry.longestStallMs / 1000).toFixed(1)} s`;
    });
  }
}

// ------------------------------------------------------------------------------------------ writers

interface WriteLog {
  orders: Map<string, { created: boolean; rejected?: string; quantity: number }>;
  interactions: Set<string>;
  attempts: number;
  retries: number;
}

const PLACE_ORDER = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { created order { id } userErrors { code } } }`;
const RECORD_INTERACTION = `mutation($input: RecordInteractionInput!) { recordInteraction(input: $input) { created interaction { id } userErrors { code } } }`;

/** Writes until stopped; each write is retried with the same input (same idempotency key) until answered. */
async function writer(
  base: string,
  kind: 'order' | 'interaction',
  index: number,
  customers: string[],
  storeId: string,
  log: WriteLog,
  seen: Observations,
  stop: () => boolean,
): Promise<void> {
  for (let n = 0; !stop(); n++) {
    const externalId = `${kind[0]}${index}-${n}`;
    const customer = { id: customers[(index * 7 + n) % customers.length] };
    const quantity = 1 + (n % 3);
    const input =
      kind === 'order'
        ? { source: 'scale-pos', externalId, channel: 'STORE', locationId: storeId, customer, lines: [{ sku: 'SCALE-SCARCE', quantity }] }
        : {
            source: 'scale-cc',
            externalId,
            channel: n % 2 ? 'CHAT' : 'EMAIL',
            direction: 'INBOUND',
            customer,
            subject: `Matter ${n}`,
            body: `Message ${n} of ${index}`,
          };
    for (let attempt = 0; ; attempt++) {
      log.attempts += 1;
      if (attempt > 0) log.retries += 1;
      const answer = await gql(base, TOKENS.INGEST, kind === 'order' ? PLACE_ORDER : RECORD_INTERACTION, { input });
      seen.record(`${kind}-${index}`, answer);
      const payload = answer.data?.[kind === 'order' ? 'placeOrder' : 'recordInteraction'] as
        { created: boolean; userErrors: { code: string }[]; order?: unknown; interaction?: unknown } | undefined;
      if (payload?.userErrors.length) {
        if (kind === 'order') log.orders.set(externalId, { created: false, rejected: payload.userErrors[0].code, quantity });
        break;
      }
      if (payload && (payload.order ?? payload.interaction)) {
        if (kind === 'order') log.orders.set(externalId, { created: true, quantity });
        else log.interactions.add(externalId);
        break;
      }
      await sleep(100 + Math.random() * 200);
    }
  }
}

async function pageReader(base: string, index: number, customers: string[], seen: Observations, latencies: number[], stop: () => boolean): Promise<void> {
  for (let n = 0; !stop(); n++) {
    const answer = await gql(base, TOKENS.ADMIN, CUSTOMER_360, { id: customers[(index * 13 + n) % customers.length] });
    seen.record(`page-${index}`, answer);
    if (answer.ok) latencies.push(answer.ms);
    else await sleep(100);
  }
}

// ------------------------------------------------------------------------------------- subscribers

interface Subscriber extends ResumingFeed {
  start: string;
  received: string[];
}

/** One subscriber through HAProxy; whenever its socket ends it reconnects and resumes with `after`. */
function subscribe(wsUrl: string, sub: Subscriber, stop: () => boolean): Promise<void> {
  // ANALYST: the order events are internal figures that the role policy keeps from PARTNER.
  return followResuming(wsUrl, TOKENS.ANALYST, sub, stop, () => 200 + Math.random() * 300);
}

// ---------------------------------------------------------------------------------------- analytics

interface AnalyticsSample {
  at: number;
  phase: string;
  fromReplica: boolean;
  dataAsOf: number;
}

const ANALYTICS = `query($from: DateTime!, $to: DateTime!) { analytics(from: $from, to: $to) { fromReplica dataAsOf interactionsByChannel { channel count } revenueByChannel { channel orderCount } } }`;
/** Two years around now (analytics accepts at most three). */
const WINDOW = { from: new Date(Date.now() - 365 * 86_400_000).toISOString(), to: new Date(Date.now() + 365 * 86_400_000).toISOString() };

async function analyticsReader(base: string, seen: Observations, samples: AnalyticsSample[], stop: () => boolean): Promise<void> {
  while (!stop()) {
    // Staleness is counted from when the request was sent: time spent queueing on a busy machine is not lag.
    const sentAt = Date.now();
    const phase = seen.phase;
    const answer = await gql(base, TOKENS.ANALYST, ANALYTICS, WINDOW);
    seen.record('analytics', answer);
    if (answer.ok) {
      const a = answer.data!.analytics as { fromReplica: boolean; dataAsOf: string };
      samples.push({ at: sentAt, phase, fromReplica: a.fromReplica, dataAsOf: Date.parse(a.dataAsOf) });
    }
    await sleep(250);
  }
}

// ---------------------------------------------------------------------------------------- retention

/**
 * Retention at volume: the same retention step (one partition dropped) on an event table of ~1 M and
 * of ~3 M events, in a database of its own on the primary. Event rows are bulk-inserted with
 * generate_series, 40 days old, in partitions of 500 000 ids.
 */
async function retentionAtVolume(primary: PgCluster): Promise<string> {
  const database = 'omni360_retention';
  await primary.sql(`create database ${database}`);
  migrate(primary.url(database));
  const client = new Client({ connectionString: primary.url(database) });
  await client.connect();
  const run: SqlRunner = async <T>(sql: string, params: unknown[]) => {
    let index = 0;
    return (
      await client.query(
        sql.replace(/\?/g, () => `$${++index}`),
        params,
      )
    ).rows as T[];
  };
  const inTransaction = async <T>(work: () => Promise<T>): Promise<T> => {
    await client.query('begin');
    try {
      const result = await work();
      await client.query('commit');
      return result;
    } catch (error) {
      await client.query('rollback');
      throw error;
    }
  };
  const SIZE = 500_000;
  /**
   * A partition of `count` 40-day-old events from id `from`, loaded as operators bulk-load one: rows
   * into a plain table, then ATTACH (which builds the partition's indexes in one sorted pass each).
   */
  const loadPartition = async (from: number, count: number) => {
    const name = `event_p${from}`;
    await client.query(`create table ${name} (like event including defaults)`);
    await client.query(
      `insert into ${name} (id, type, customer_id, payload, occurred_at)
      select g, 'test.bulk', 'c' || (g % 1000), '{"n":1}', now() - interval '40 days' from generate_series($1::bigint, $2::bigint) g`,
      [from, from + count - 1],
    );
    await client.query(`alter table ${name} add constraint ${name}_bound check (id >= ${from} and id < ${from + SIZE})`);
    await client.query(`alter table event attach partition ${name} for values from (${from}) to (${from + SIZE})`);
    await client.query(`alter table ${name} drop constraint ${name}_bound`);
    await client.query(`select setval('event_id_seq', greatest(${from + count - 1}, (select last_value from event_id_seq)))`);
  };
  const dropOne = async () => {
    const [{ events }] = await run<{ events: string }>(`select count(*)::text as events from event`, []);
    const started = performance.now();
    const step = await inTransaction(() => purgeStep(run, 30));
    return { tableEvents: Number(events), ms: performance.now() - started, dropped: step.dropped, deleted: step.deleted };
  };
  try {
    const t0 = performance.now();
    // The migration's (empty) partitions make way for partitions of SIZE ids.
    await client.query(`drop table event_p0, event_p1000000`);
    await loadPartition(0, SIZE);
    await loadPartition(SIZE, 5_000);
    // ~0.5 M events in the table: the oldest partition (0.5 M events) goes.
    const small = await dropOne();
    for (let k = 2; k < 8; k++) await loadPartition(k * SIZE, SIZE);
    // ~3 M events: the small partition goes, then two of 0.5 M events each.
    await dropOne();
    const large = await dropOne();
    const largeAgain = await dropOne();
    console.log(
      `retention at volume: ${(7 * SIZE + 5_000).toLocaleString('en')} events bulk-loaded and four partitions dropped in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
    );
    const line = (r: typeof small) =>
      `${r.tableEvents.toLocaleString('en')} events in the table: dropped ${r.dropped} (${r.deleted.toLocaleString('en')} events) in ${r.ms.toFixed(0)} ms`;
    check(
      'retention drops whole partitions',
      !!small.dropped && !!large.dropped && !!largeAgain.dropped,
      [small, large, largeAgain].map((r) => r.dropped).join(', '),
    );
    // Independent of size: six times the table, not more than twice the time (plus scheduling noise on a
    // shared machine: the better of the two drops at ~3 M events is compared).
    check(
      'retention time independent of table size',
      Math.min(large.ms, largeAgain.ms) <= small.ms * 2 + 250,
      `${small.ms.toFixed(0)} ms at ${small.tableEvents.toLocaleString('en')} events, ${large.ms.toFixed(0)} and ${largeAgain.ms.toFixed(0)} ms at ${large.tableEvents.toLocaleString('en')} and ${largeAgain.tableEvents.toLocaleString('en')}`,
    );
    return [line(small), line(large), line(largeAgain)].join('\n  ');
  } finally {
    await client.end();
    await primary.sql(`drop database ${database} with (force)`);
  }
}

function migrate(databaseUrl: string): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('node:child_process').execFileSync(
    process.execPath,
    [require.resolve('ts-node/dist/bin.js'), '--transpile-only', 'src/database/migrate-cli.ts', 'up'],
    {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
}

// ------------------------------------------------------------------------------------------- main

/** Debian packages of the topology, installed with apt-get when missing and running as root (as in CI). */
function installMissing(packages: string[]): void {
  if (packages.length === 0 || process.getuid?.() !== 0 || !which('apt-get')) return;
  console.log(`installing ${packages.join(' ')} (apt-get)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => spawnSync('apt-get', ['install', '-y', '-qq', ...packages], { env, stdio: 'ignore' }).status === 0;
  if (!install()) {
    spawnSync('apt-get', ['update', '-qq'], { env, stdio: 'ignore' });
    if (!install()) console.log(`apt-get could not install ${packages.join(' ')}`);
  }
}

async function main(): Promise<number> {
  const started = Date.now();
  const bin = postgresBinDir();
  installMissing(['pgbouncer', 'haproxy'].filter((program) => !which(program)));
  const pgbouncerBin = which('pgbouncer');
  const haproxyBin = which('haproxy');
  const missing = [!bin && 'PostgreSQL server binaries (initdb, pg_basebackup)', !pgbouncerBin && 'pgbouncer', !haproxyBin && 'haproxy'].filter(Boolean);
  if (missing.length) {
    console.log(`test:scale SKIPPED: ${missing.join(', ')} not installed and could not be installed here (apt-get install -y pgbouncer haproxy postgresql)`);
    return 0;
  }
  const natsPort = Number(new URL(NATS_URL.split(',')[0]).port || 4222);
  if (!(await portAnswers(natsPort))) {
    console.log(`test:scale SKIPPED: no NATS server answers at ${NATS_URL} (a JetStream-enabled nats-server)`);
    return 0;
  }

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'omni360-scale-'));
  fs.chmodSync(work, 0o755);
  const ports = { primary: await freePort(), replica: await freePort(), bouncer: await freePort(), haproxy: await freePort(), instances: [] as number[] };
  for (let i = 0; i < INSTANCES; i++) ports.instances.push(await freePort());
  const primary = new PgCluster('primary', bin!, path.join(work, 'primary'), ports.primary);
  const replica = new PgCluster('replica', bin!, path.join(work, 'replica'), ports.replica);
  for (const dir of [primary.dataDir, replica.dataDir, path.join(work, 'pgbouncer')]) fs.mkdirSync(dir, { mode: 0o700 });
  if (process.getuid?.() === 0) {
    const { execFileSync } = await import('node:child_process');
    execFileSync('chown', ['-R', `${SERVICE_USER}:${SERVICE_USER}`, work]);
  }

  const services: Service[] = [];
  const instances: Service[] = [];
  let nc: NatsConnection | undefined;
  const stream = `OMNI360_SCALE_${RUN_ID.toUpperCase()}`;
  const cleanup = async () => {
    for (const service of [...instances, ...services].reverse()) await service.stop('SIGKILL').catch(() => undefined);
    replica.stop();
    primary.stop();
    if (nc) {
      await (await nc.jetstreamManager()).streams.delete(stream).catch(() => undefined);
      await nc.close().catch(() => undefined);
    }
    fs.rmSync(work, { recursive: true, force: true });
  };
  const onSignal = () => void cleanup().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // CI gives the script 10 minutes: past 9.5 it fails by itself, stopping everything it started.
  setTimeout(
    () => {
      console.log(`\ntest:scale FAILED: still running after ${BUDGET_MS / 60_000} minutes`);
      void cleanup().finally(() => process.exit(1));
    },
    BUDGET_MS - (Date.now() - started),
  ).unref();

  try {
    // --- PostgreSQL primary, retention at volume, then the replica of what remains ---
    primary.initdb();
    primary.start();
    console.log(`primary PostgreSQL on 127.0.0.1:${ports.primary} (${bin})`);
    const retention = await retentionAtVolume(primary);
    await primary.sql(`create database omni360`);
    // Behind a transaction pooler, session settings belong on the role (docs/scaling.md).
    await primary.sql(`alter role postgres set statement_timeout = '15s'`);
    await primary.sql(`alter role postgres set timezone = 'UTC'`);
    migrate(primary.url('omni360'));
    replica.basebackupFrom(primary);
    replica.start();
    await waitFor(
      'the replica to stream',
      async () => (await primary.sql<{ n: number }>(`select count(*)::int as n from pg_stat_replication where state = 'streaming'`))[0].n === 1,
    );
    console.log(`streaming replica on 127.0.0.1:${ports.replica} (pg_basebackup)`);

    // --- PgBouncer, transaction mode, in front of the primary ---
    const bouncerDir = path.join(work, 'pgbouncer');
    fs.writeFileSync(path.join(bouncerDir, 'userlist.txt'), '"postgres" ""\n');
    fs.writeFileSync(
      path.join(bouncerDir, 'pgbouncer.ini'),
      [
        '[databases]',
        `omni360 = host=127.0.0.1 port=${ports.primary} dbname=omni360`,
        '[pgbouncer]',
        'listen_addr = 127.0.0.1',
        `listen_port = ${ports.bouncer}`,
        'unix_socket_dir =',
        'auth_type = trust',
        `auth_file = ${path.join(bouncerDir, 'userlist.txt')}`,
        'pool_mode = transaction',
        'max_client_conn = 1000',
        'default_pool_size = 40',
        'ignore_startup_parameters = extra_float_digits,options,statement_timeout',
        `logfile = ${path.join(bouncerDir, 'pgbouncer.log')}`,
        '',
      ].join('\n'),
    );
    if (process.getuid?.() === 0) (await import('node:child_process')).execFileSync('chown', ['-R', `${SERVICE_USER}:${SERVICE_USER}`, bouncerDir]);
    const bouncer = new Service('pgbouncer', pgbouncerBin!, [path.join(bouncerDir, 'pgbouncer.ini')], { asServiceUser: true });
    services.push(bouncer);
    bouncer.start();
    await waitFor('PgBouncer', () => portAnswers(ports.bouncer));
    const bouncerVersion = (await import('node:child_process')).execFileSync(pgbouncerBin!, ['--version'], { encoding: 'utf8' }).split('\n')[0];
    console.log(`${bouncerVersion} on 127.0.0.1:${ports.bouncer}, pool_mode = transaction`);

    // --- three omni360 instances ---
    const instanceEnv = (port: number): NodeJS.ProcessEnv => ({
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      // ts-node transpiles with swc: an instance (re)starts in a fraction of the CPU time.
      TS_NODE_SWC: 'true',
      DATABASE_URL: `postgres://postgres@127.0.0.1:${ports.bouncer}/omni360`,
      OMNI360_DIRECT_DATABASE_URL: primary.url('omni360'),
      // PgBouncer 1.18 cannot keep named prepared statements (docs/scaling.md).
      OMNI360_DB_PREPARED_STATEMENTS: 'false',
      OMNI360_READ_REPLICA_URLS: replica.url('omni360'),
      OMNI360_READ_REPLICA_MAX_LAG_MS: String(MAX_LAG_MS),
      NATS_URL,
      OMNI360_NATS_STREAM: stream,
      OMNI360_NATS_SUBJECT_PREFIX: `omni360scale.${RUN_ID}`,
      OMNI360_API_KEYS: API_KEYS,
      OMNI360_RATE_LIMIT_PER_SECOND: '0',
      OMNI360_METRICS: 'false',
      LOG_LEVEL: 'warn',
    });
    for (const port of ports.instances) {
      const instance = new Service(`omni360:${port}`, process.execPath, ['-r', require.resolve('ts-node/register/transpile-only'), 'src/main.ts'], {
        cwd: ROOT,
        env: instanceEnv(port),
      });
      instances.push(instance);
    }
    const ready = async (port: number) => (await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(1_000) })).status === 200;
    const startInstance = async (index: number) => {
      instances[index].start();
      await waitFor(
        `instance ${index + 1} to be ready`,
        async () => {
          if (!instances[index].running) throw new Error(`instance ${index + 1} exited:\n${instances[index].tail()}`);
          return ready(ports.instances[index]);
        },
        180_000,
      ).catch((error) => {
        throw new Error(`${error.message}\n${instances[index].tail()}`);
      });
    };
    await Promise.all(instances.map((_, index) => startInstance(index)));
    console.log(`${INSTANCES} omni360 instances on ${ports.instances.map((port) => `127.0.0.1:${port}`).join(', ')}`);

    // --- HAProxy: HTTP and the WebSocket upgrade on /graphql, health checks on /readyz ---
    const haproxyCfg = path.join(work, 'haproxy.cfg');
    fs.writeFileSync(
      haproxyCfg,
      [
        'global',
        '  maxconn 4000',
        'defaults',
        '  mode http',
        '  timeout connect 2s',
        '  timeout client 60s',
        '  timeout server 60s',
        // A WebSocket lives long: its idle limit is above the 12 s keep-alive ping.
        '  timeout tunnel 1h',
        '  retries 3',
        '  option redispatch 1',
        // A request that never reached an instance (refused: it was just killed) goes to another one.
        '  retry-on conn-failure',
        'frontend omni360',
        `  bind 127.0.0.1:${ports.haproxy}`,
        '  default_backend instances',
        'backend instances',
        '  balance roundrobin',
        '  option httpchk GET /readyz',
        '  http-check expect status 200',
        // A busy instance may answer /readyz late: 2 s before a check counts as failed, three in a row
        // before it is taken out (a killed one refuses connections, and retry-on covers those meanwhile).
        '  timeout check 2s',
        '  default-server inter 1s fall 3 rise 2',
        ...ports.instances.map((port, i) => `  server omni360-${i + 1} 127.0.0.1:${port} check`),
        '',
      ].join('\n'),
    );
    const haproxy = new Service('haproxy', haproxyBin!, ['-db', '-f', haproxyCfg]);
    services.push(haproxy);
    haproxy.start();
    const base = `http://127.0.0.1:${ports.haproxy}`;
    await waitFor('HAProxy', async () => (await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(1_000) })).status === 200);
    console.log(`HAProxy on 127.0.0.1:${ports.haproxy} (roundrobin, httpchk GET /readyz every second)`);
    nc = await connect({ servers: NATS_URL });
    console.log(`NATS JetStream at ${NATS_URL}, stream ${stream}; topology up in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);

    // --- data: a store, a scarce product, customers ---
    await must(base, TOKENS.ADMIN, 'mutation($input: UpsertProductInput!) { upsertProduct(input: $input) { product { id } userErrors { code } } }', {
      input: { sku: 'SCALE-SCARCE', name: 'Scarce product', price: { amount: '19.90', currencyCode: 'PLN' } },
    });
    const location = await must(
      base,
      TOKENS.ADMIN,
      'mutation($input: UpsertLocationInput!) { upsertLocation(input: $input) { location { id } userErrors { code } } }',
      {
        input: { code: 'SCALE-STORE', name: 'Scale store', type: 'STORE' },
      },
    );
    const storeId = (location.upsertLocation as { location: { id: string } }).location.id;
    await must(base, TOKENS.INGEST, 'mutation($input: AdjustStockInput!) { adjustStock(input: $input) { userErrors { code } } }', {
      input: { source: 'scale-wms', externalId: 'receipt-1', sku: 'SCALE-SCARCE', locationId: storeId, delta: SCARCE_UNITS, reason: 'receipt' },
    });
    const customers: string[] = [];
    for (let i = 0; i < CUSTOMERS; i++) {
      const made = await must(
        base,
        TOKENS.ADMIN,
        'mutation($input: IdentifyCustomerInput!) { identifyCustomer(input: $input) { customer { id } userErrors { code } } }',
        {
          input: {
            identities: [{ type: 'EMAIL', value: `scale-${i}@example.com` }],
            profile: { firstName: 'Scale', lastName: `Customer${i}` },
            channel: 'WEB',
          },
        },
      );
      customers.push((made.identifyCustomer as { customer: { id: string } }).customer.id);
    }

    // --- capacity of one instance (directly, not through HAProxy), at rising concurrency ---
    console.log('measuring the capacity of one instance');
    const capacity = await measureCapacity(`http://127.0.0.1:${ports.instances[0]}`, instances[0].pid!, primary, customers);

    // Subscribers start after everything that exists now.
    const startCursor = await endCursor(base);
    const seen = new Observations();
    const log: WriteLog = { orders: new Map(), interactions: new Set(), attempts: 0, retries: 0 };
    const subscribers = Array.from({ length: SUBSCRIBERS }, (_, i): Subscriber => {
      const received: string[] = [];
      return {
        field: i % 2 ? 'orderPlaced' : 'interactionAdded',
        start: startCursor,
        cursor: startCursor,
        received,
        resumes: 0,
        onEvent: (eventId) => received.push(eventId),
      };
    });
    let loading = true;
    let following = true;
    const pageLatencies: number[] = [];
    const samples: AnalyticsSample[] = [];
    const wsUrl = `ws://127.0.0.1:${ports.haproxy}/graphql`;
    const following$ = subscribers.map((sub) => subscribe(wsUrl, sub, () => !following));
    const load$ = [
      ...Array.from({ length: 2 }, (_, i) => writer(base, 'order', i, customers, storeId, log, seen, () => !loading)),
      ...Array.from({ length: 2 }, (_, i) => writer(base, 'interaction', i, customers, storeId, log, seen, () => !loading)),
      ...Array.from({ length: 3 }, (_, i) => pageReader(base, i, customers, seen, pageLatencies, () => !loading)),
      analyticsReader(base, seen, samples, () => !loading),
    ];
    const replicaSessions: number[] = [];
    const watchReplica = setInterval(() => {
      replica.sql<{ n: number }>(`select count(*)::int as n from pg_stat_activity where application_name = 'omni360-read-replica'`).then(
        (rows) => replicaSessions.push(rows[0].n),
        () => undefined,
      );
    }, 1_000);

    // --- the faults ---
    const timeline: string[] = [];
    const phase = (name: string) => {
      seen.phase = name;
      timeline.push(`${((Date.now() - started) / 1000).toFixed(1)} s: ${name}`);
      console.log(`phase ${timeline.at(-1)}`);
    };
    await sleep(8_000);
    phase('instance-kill');
    await instances[1].stop('SIGKILL');
    const killedAt = Date.now();
    await sleep(3_000);
    await startInstance(1);
    const instanceDown = Date.now() - killedAt;
    phase('steady-2');
    await sleep(5_000);
    phase('pgbouncer-restart');
    const bouncerStopped = Date.now();
    await bouncer.stop('SIGTERM');
    bouncer.start();
    await waitFor('PgBouncer again', () => portAnswers(ports.bouncer));
    const bouncerDown = Date.now() - bouncerStopped;
    await sleep(4_000);
    phase('replica-paused');
    await replica.sql(`select pg_wal_replay_pause()`);
    await sleep(MAX_LAG_MS * 3);
    await replica.sql(`select pg_wal_replay_resume()`);
    phase('replica-resumed');
    await sleep(5_000);
    phase('drain');
    loading = false;
    await Promise.all(load$);
    clearInterval(watchReplica);

    // --- catch-up: the subscribers, the relay, the replica ---
    // The log's order, (xid, id) as numbers, is put in order here rather than trusted to the query: the
    // check once read it with `order by xid, id` under an `id::text as id` column, which sorts that text
    // output column (100 before 99) and made a correct relay look wrong.
    const inLogOrder = <T extends { xid: string; id: string }>(rows: T[]) => [...rows].sort((a, b) => comparePositions(positionOf(a), positionOf(b)));
    const logOf = async () =>
      inLogOrder(await primary.sql<{ id: string; xid: string }>(`select e.id::text as id, e.xid::text as xid from event e`, [], 'omni360')).map((row) => ({
        id: row.id,
        position: `${row.xid}:${row.id}`,
      }));
    const after = decodeEventCursor(startCursor);
    const expectedFor = async (type: string) =>
      inLogOrder(
        await primary.sql<{ id: string; xid: string }>(
          `select e.id::text as id, e.xid::text as xid from event e where e.type = $1 and (e.xid, e.id) > ($2::xid8, $3::bigint)`,
          [type, after.xid.toString(), after.id.toString()],
          'omni360',
        ),
      ).map((row) => row.id);
    const expected = { interactionAdded: await expectedFor('interaction.recorded'), orderPlaced: await expectedFor('order.placed') };
    await waitFor('the subscribers to catch up', () => subscribers.every((sub) => sub.received.length >= expected[sub.field].length), 180_000).catch((error) =>
      console.log(String(error)),
    );
    await sleep(1_000); // a duplicate would show up now
    following = false;
    await Promise.all(following$);
    const events = await logOf();
    const jsm = await nc.jetstreamManager();
    await waitFor('the relay to publish every event', async () => (await jsm.streams.info(stream)).state.messages >= events.length, 120_000).catch((error) =>
      console.log(String(error)),
    );
    await waitFor(
      'the replica to catch up',
      async () => {
        const [{ lsn }] = await primary.sql<{ lsn: string }>(`select pg_current_wal_lsn()::text as lsn`);
        return (await replica.sql<{ caught: boolean }>(`select pg_last_wal_replay_lsn() >= $1::pg_lsn as caught`, [lsn]))[0].caught;
      },
      120_000,
    );
    // The instances' lag probes (once a second each, later under load) send analytics back to the replica.
    let finalAnalytics = await gql(base, TOKENS.ANALYST, ANALYTICS, WINDOW);
    for (
      const deadline = Date.now() + 30_000;
      !(finalAnalytics.data?.analytics as { fromReplica?: boolean } | undefined)?.fromReplica && Date.now() < deadline;
    ) {
      await sleep(500);
      finalAnalytics = await gql(base, TOKENS.ANALYST, ANALYTICS, WINDOW);
    }

    // --- self-test: faults injected on purpose, each of which a check below must catch ---
    if (INJECT.size) await injectFaults(primary, nc, stream, subscribers, log);

    // --- checks ---
    console.log('\n=== test:scale results ===');
    console.log(`topology: primary + streaming replica, PgBouncer (transaction), ${INSTANCES} instances behind HAProxy, NATS JetStream relay; run ${RUN_ID}`);
    console.log(
      `faults: ${timeline.join('; ')}; instance down ${(instanceDown / 1000).toFixed(1)} s (SIGKILL to ready), PgBouncer down ${(bouncerDown / 1000).toFixed(1)} s, replica replay paused ${(MAX_LAG_MS * 3) / 1000} s`,
    );

    const orders = await primary.sql<{ external_id: string; n: number }>(
      `select external_id, count(*)::int as n from "order" where source = 'scale-pos' group by external_id`,
      [],
      'omni360',
    );
    const interactions = await primary.sql<{ external_id: string; n: number }>(
      `select external_id, count(*)::int as n from interaction where source = 'scale-cc' group by external_id`,
      [],
      'omni360',
    );
    const storedOrders = new Map(orders.map((row) => [row.external_id, row.n]));
    const storedInteractions = new Map(interactions.map((row) => [row.external_id, row.n]));
    const placed = [...log.orders].filter(([, order]) => order.created);
    const rejected = [...log.orders].filter(([, order]) => !order.created);
    const lost = [
      ...placed.filter(([key]) => !storedOrders.has(key)).map(([key]) => key),
      ...[...log.interactions].filter((key) => !storedInteractions.has(key)),
    ];
    const duplicates = [...storedOrders.values(), ...storedInteractions.values()].reduce((sum, n) => sum + n - 1, 0);
    const unacknowledged = orders.length - placed.length + interactions.length - log.interactions.size;
    const rejectedStored = rejected.filter(([key]) => storedOrders.has(key)).length;
    console.log(
      `writes: ${placed.length} orders placed, ${rejected.length} refused (${[...new Set(rejected.map(([, o]) => o.rejected))].join(', ') || 'none'}), ${log.interactions.size} interactions; ${log.attempts} attempts, ${log.retries} retries`,
    );
    check('acknowledged writes lost', lost.length === 0, String(lost.length));
    check(
      'duplicate writes',
      duplicates === 0 && unacknowledged === 0 && rejectedStored === 0,
      `${duplicates} duplicated, ${unacknowledged} stored but never acknowledged, ${rejectedStored} refused but stored`,
    );

    const [stock] = await primary.sql<{ on_hand: number; reserved: number }>(
      `select s.on_hand, s.reserved from stock_level s join product p on p.id = s.product_id where p.sku = 'SCALE-SCARCE'`,
      [],
      'omni360',
    );
    const [sold] = await primary.sql<{ units: number }>(
      `select coalesce(sum(l.quantity), 0)::int as units from order_line l join "order" o on o.id = l.order_id join product p on p.id = l.product_id where p.sku = 'SCALE-SCARCE' and o.status <> 'CANCELLED'`,
      [],
      'omni360',
    );
    const oversold = Math.max(0, sold.units - SCARCE_UNITS, stock.reserved - stock.on_hand);
    check('oversold units', oversold === 0, `${oversold} (sold ${sold.units} of ${SCARCE_UNITS}; on hand ${stock.on_hand}, reserved ${stock.reserved})`);

    let gapFree = 0;
    const broken: string[] = [];
    for (const [i, sub] of subscribers.entries()) {
      const want = expected[sub.field];
      if (sub.received.length === want.length && sub.received.every((id, k) => id === want[k])) gapFree += 1;
      else broken.push(`#${i} ${sub.field}: ${sub.received.length} received of ${want.length}, ${new Set(sub.received).size} distinct`);
    }
    const resumes = subscribers.reduce((sum, sub) => sum + sub.resumes, 0);
    check(
      `every subscriber's stream gap-free, without duplicates, in commit order`,
      gapFree === SUBSCRIBERS,
      `${gapFree}/${SUBSCRIBERS} exact (${expected.interactionAdded.length} interactionAdded, ${expected.orderPlaced.length} orderPlaced events each); ${resumes} resumes by cursor${broken.length ? `; ${broken.slice(0, 5).join('; ')}` : ''}`,
    );

    const messages = await streamMessages(nc, stream);
    const relayed = messages.map((message) => message.eventId);
    const logIds = events.map((event) => event.id);
    const firstDifference = logIds.findIndex((id, k) => relayed[k] !== id);
    const sameOrder = relayed.length === logIds.length && firstDifference === -1;
    const relayedSet = new Set(relayed);
    const sameSet = relayedSet.size === relayed.length && relayed.length === logIds.length && logIds.every((id) => relayedSet.has(id));
    // On a difference, say whose: the relay's own order (the positions it stamped on its messages) or the
    // log's (a message whose position is no longer the event's).
    const positions = new Map(events.map((event) => [event.id, event.position]));
    const relayOrderBroken = messages.findIndex(
      (message, k) => k > 0 && comparePositions(decodeEventCursor(messages[k - 1].cursor), decodeEventCursor(message.cursor)) >= 0,
    );
    const moved = messages.filter(
      (message) => positions.has(message.eventId) && positions.get(message.eventId) !== `${decodeEventCursor(message.cursor).xid}:${message.eventId}`,
    );
    const around = (list: string[], k: number) => list.slice(Math.max(0, k - 2), k + 3).join(',');
    check(
      'JetStream stream equals the event log (count and order)',
      sameOrder,
      `${relayed.length} messages (read by stream sequence), ${logIds.length} events in the log${
        sameOrder
          ? ''
          : `; same events once each: ${sameSet}; first difference at ${firstDifference}: stream ${around(relayed, firstDifference)} log ${around(logIds, firstDifference)}; ` +
            `relay's own position order ${relayOrderBroken === -1 ? 'kept' : `broken at stream sequence ${messages[relayOrderBroken].seq}`}; ${moved.length} messages whose position differs from the log's`
      }`,
    );

    const fromReplica = samples.filter((s) => s.fromReplica);
    const staleReplicaAnswers = fromReplica.filter((s) => s.at - s.dataAsOf > MAX_LAG_MS + 1_500);
    const pausedToPrimary = samples.filter((s) => s.phase === 'replica-paused' && !s.fromReplica).length;
    const maxStaleness = Math.max(0, ...fromReplica.map((s) => s.at - s.dataAsOf));
    check(
      'analytics answered from the replica (application_name seen in its pg_stat_activity)',
      fromReplica.length > 0 && Math.max(0, ...replicaSessions) > 0,
      `${fromReplica.length} of ${samples.length} answers from the replica; up to ${Math.max(0, ...replicaSessions)} omni360-read-replica sessions on the replica`,
    );
    check(
      `replica answers state their staleness and stay within the maximum lag (${MAX_LAG_MS} ms), the primary answering past it`,
      staleReplicaAnswers.length === 0 && pausedToPrimary > 0,
      `largest staleness of a replica answer ${maxStaleness} ms; ${pausedToPrimary} answers moved to the primary while replay was paused`,
    );
    const truth = await primary.sql<{ channel: string; count: number }>(
      `select channel, count(*)::int as count from interaction where occurred_at >= $1 and occurred_at < $2 group by channel order by channel`,
      [WINDOW.from, WINDOW.to],
      'omni360',
    );
    const final = finalAnalytics.data?.analytics as { fromReplica: boolean; interactionsByChannel: { channel: string; count: number }[] } | undefined;
    const finalCounts = [...(final?.interactionsByChannel ?? [])].sort((a, b) => a.channel.localeCompare(b.channel));
    check(
      'analytics from the replica correct once replay caught up',
      !!final?.fromReplica && JSON.stringify(finalCounts) === JSON.stringify(truth),
      `fromReplica ${final?.fromReplica}; ${finalCounts.map((c) => `${c.channel} ${c.count}`).join(', ')} vs primary ${truth.map((c) => `${c.channel} ${c.count}`).join(', ')}`,
    );

    console.log('what clients saw (through HAProxy):');
    for (const line of seen.report()) console.log(line);
    console.log(
      `customer page through HAProxy during the run: ${pageLatencies.length} answers, p50 ${percentile(pageLatencies, 50).toFixed(1)} ms, p99 ${percentile(pageLatencies, 99).toFixed(1)} ms`,
    );
    console.log(`capacity of one instance, stepped load at p99 < 100 ms:\n  ${capacity}`);
    console.log(`event retention at volume:\n  ${retention}`);
    console.log(`total ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } catch (error) {
    failures.push(String(error));
    console.error(error);
    for (const service of [...services, ...instances]) console.error(`--- ${service.name} ---\n${service.tail(15)}`);
  } finally {
    await cleanup();
  }
  if (INJECT.size) {
    const missed = [...INJECT].filter((fault) => !failures.some((failure) => failure.startsWith(INJECTABLE[fault])));
    console.log(
      missed.length
        ? `\nself-test: NOT CAUGHT: ${missed.join(', ')}`
        : `\nself-test: every injected fault (${[...INJECT].join(', ')}) was caught by its check; exit 1 as a failing run`,
    );
    if (missed.length) failures.push(`self-test: ${missed.join(', ')} not caught`);
  }
  if (failures.length) {
    console.log(`\ntest:scale FAILED: ${failures.join('; ')}`);
    return 1;
  }
  console.log('\ntest:scale passed');
  return 0;
}

/** Makes the faults of --inject: in the stores themselves where it can (SQL, JetStream), else in what a client saw. */
async function injectFaults(primary: PgCluster, nc: NatsConnection, stream: string, subscribers: Subscriber[], log: WriteLog): Promise<void> {
  const made: string[] = [];
  const sql = (text: string) => primary.sql(text, [], 'omni360');
  const acknowledged = [...log.interactions];
  if (INJECT.has('lost-write')) {
    // An acknowledged interaction vanishes (as if its commit had not been durable).
    await sql(`update interaction set external_id = external_id || '-lost' where source = 'scale-cc' and external_id = '${acknowledged[0]}'`);
    made.push(`lost-write (interaction ${acknowledged[0]})`);
  }
  if (INJECT.has('duplicate-write')) {
    // A second row for one write (as a retry stored again would leave), under a key no client was answered for.
    await sql(`create temporary table dup as select * from interaction where source = 'scale-cc' and external_id = '${acknowledged[1]}';
      update dup set id = id || 'dup', external_id = external_id || '-again';
      insert into interaction select * from dup;`);
    made.push(`duplicate-write (interaction ${acknowledged[1]} stored twice)`);
  }
  if (INJECT.has('oversold')) {
    // One more unit on a placed order than stock ever held (the stock row itself refuses reserved > on hand).
    await sql(`update order_line set quantity = quantity + 1 where id = (
      select l.id from order_line l join product p on p.id = l.product_id where p.sku = 'SCALE-SCARCE' order by l.id limit 1)`);
    made.push('oversold (an order line one unit larger than the stock allowed)');
  }
  if (INJECT.has('subscriber-duplicate')) {
    const sub = subscribers.find((candidate) => candidate.received.length > 0)!;
    sub.received.splice(1, 0, sub.received[0]);
    made.push('subscriber-duplicate (one subscriber got an event twice)');
  }
  if (INJECT.has('subscriber-gap')) {
    const sub = [...subscribers].reverse().find((candidate) => candidate.received.length > 2)!;
    sub.received.splice(1, 1);
    made.push('subscriber-gap (one subscriber missed an event)');
  }
  const jsm = await nc.jetstreamManager();
  const js = nc.jetstream();
  const { first_seq: first } = (await jsm.streams.info(stream)).state;
  const copy = async (seq: number, msgID: string) => {
    const stored = await jsm.streams.getMessage(stream, { seq });
    await js.publish(stored.subject, stored.data, { msgID, headers: stored.header });
  };
  if (INJECT.has('stream-duplicate')) {
    await copy(first + 2, `dup-${first + 2}`);
    made.push(`stream-duplicate (message ${first + 2} published again under another message id)`);
  }
  if (INJECT.has('stream-order')) {
    // Moved to the end: deleted where it was, published again last (what a relay publishing late does).
    await copy(first + 4, `moved-${first + 4}`);
    await jsm.streams.deleteMessage(stream, first + 4);
    made.push(`stream-order (message ${first + 4} moved to the end)`);
  }
  if (INJECT.has('stream-loss')) {
    await jsm.streams.deleteMessage(stream, first + 6);
    made.push(`stream-loss (message ${first + 6} deleted)`);
  }
  console.log(`self-test: injected ${made.join('; ')}`);
}

async function endCursor(base: string): Promise<string> {
  let start = '';
  for (let after: string | null = null; ;) {
    const page = await must(base, TOKENS.ADMIN, 'query($after: String) { events(first: 100, after: $after) { pageInfo { hasNextPage endCursor } } }', {
      after,
    });
    const info = (page.events as { pageInfo: { hasNextPage: boolean; endCursor: string | null } }).pageInfo;
    if (info.endCursor) start = info.endCursor;
    if (!info.hasNextPage) return start;
    after = info.endCursor;
  }
}

/** One message of the stream: its sequence, the event it carries and the log position the relay gave it. */
interface StreamMessage {
  seq: number;
  eventId: string;
  cursor: string;
}

/**
 * Every message of the stream, read one by one by stream sequence (the order JetStream stored them in),
 * so that nothing between the stream and this check (a consumer's redeliveries or resets) can reorder
 * what is compared. A sequence with no message (deleted) is left out.
 */
async function streamMessages(nc: NatsConnection, stream: string): Promise<StreamMessage[]> {
  const jsm = await nc.jetstreamManager();
  const { first_seq: first, last_seq: last } = (await jsm.streams.info(stream)).state;
  const messages: StreamMessage[] = [];
  for (let seq = first; seq <= last && last > 0; seq++) {
    const stored = await jsm.streams.getMessage(stream, { seq }).catch(() => undefined);
    if (!stored) continue;
    const { eventId, cursor } = stored.json<{ eventId: string; cursor: string }>();
    messages.push({ seq, eventId, cursor });
  }
  return messages;
}

/**
 * The capacity phase: requests per second one instance serves at p99 < 100 ms, for the customer-360 page
 * and for recordInteraction, under stepped load (1, 2, 4, 8 and 16 concurrent clients, 3 s each, after
 * 2 s of warm-up), straight to instance 1 (not through HAProxy). With the CPU seconds the instance and
 * the primary spent per request, whose ratio says how many instances one primary carries.
 */
async function measureCapacity(base: string, instancePid: number, primary: PgCluster, customers: string[]): Promise<string> {
  const lines: string[] = [];
  const load = os.loadavg()[0];
  for (const scenario of ['customer page', 'recordInteraction'] as const) {
    type Step = { concurrency: number; rps: number; p99: number; nodeMs: number; pgMs: number; errors: number };
    const steps: Step[] = [];
    let serial = 0;
    const request = (worker: number, concurrency: number) => {
      const n = serial++;
      return scenario === 'customer page'
        ? gql(base, TOKENS.ADMIN, CUSTOMER_360, { id: customers[n % customers.length] })
        : gql(base, TOKENS.INGEST, RECORD_INTERACTION, {
            input: {
              source: 'scale-capacity',
              externalId: `cap-${concurrency}-${worker}-${n}`,
              channel: 'CHAT',
              direction: 'INBOUND',
              customer: { id: customers[n % customers.length] },
              subject: 'Capacity',
              body: 'x',
            },
          });
    };
    const run = async (concurrency: number, ms: number) => {
      const latencies: number[] = [];
      let errors = 0;
      const until = Date.now() + ms;
      await Promise.all(
        Array.from({ length: concurrency }, async (_, worker) => {
          while (Date.now() < until) {
            const answer = await request(worker, concurrency);
            if (answer.ok) latencies.push(answer.ms);
            else errors += 1;
          }
        }),
      );
      return { latencies, errors };
    };
    await run(4, 2_000); // warm-up: V8 tiers up, pools fill
    for (const concurrency of [1, 2, 4, 8, 16]) {
      const pgPids = primary.pids();
      const cpu0 = { node: cpuSeconds([instancePid]), pg: cpuSeconds(pgPids) };
      const t0 = performance.now();
      const { latencies, errors } = await run(concurrency, 3_000);
      const seconds = (performance.now() - t0) / 1000;
      const cpu1 = { node: cpuSeconds([instancePid]), pg: cpuSeconds(pgPids) };
      steps.push({
        concurrency,
        errors,
        rps: latencies.length / seconds,
        p99: percentile(latencies, 99),
        nodeMs: (1000 * (cpu1.node - cpu0.node)) / Math.max(1, latencies.length),
        pgMs: (1000 * (cpu1.pg - cpu0.pg)) / Math.max(1, latencies.length),
      });
    }
    const within = steps.filter((step) => step.p99 < 100 && step.errors === 0).sort((a, b) => b.rps - a.rps)[0];
    const busiest = [...steps].sort((a, b) => b.rps - a.rps)[0];
    const cpu = within ?? busiest;
    lines.push(
      `${scenario}: ${within ? `${within.rps.toFixed(0)}/s at p99 ${within.p99.toFixed(0)} ms (${within.concurrency} clients)` : 'p99 never under 100 ms here'}; ` +
        `CPU per request at ${cpu.concurrency} clients: instance ${cpu.nodeMs.toFixed(2)} ms, primary ${cpu.pgMs.toFixed(2)} ms: ` +
        `one primary carries ~${(cpu.nodeMs / Math.max(0.01, cpu.pgMs)).toFixed(1)} instances of its own size at this request ` +
        `[${steps.map((step) => `${step.concurrency}: ${step.rps.toFixed(0)}/s p99 ${step.p99.toFixed(0)} ms${step.errors ? ` (${step.errors} errors)` : ''}`).join(', ')}]`,
    );
  }
  lines.push(
    `(${os.cpus().length} cores, load average ${load.toFixed(1)} when the phase began, shared with the primary, the replica, PgBouncer, the other instances and the load generator)`,
  );
  return lines.join('\n  ');
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
